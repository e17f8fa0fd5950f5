#include "store/series.h"

#include <fmt/format.h>

#include <charconv>

namespace holdfast::store {

void RegisterSeries(Registry& registry) {
  registry.AddTable({"series",
                     "CREATE TABLE IF NOT EXISTS series(aggregate TEXT PRIMARY KEY, last INTEGER NOT NULL) "
                     "WITHOUT ROWID",
                     {"aggregate"}});
  registry.AddAggregate({"series",
                         [](Db& db, std::string_view id) -> Status {
                           HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("DELETE FROM series WHERE aggregate=?"));
                           return s->Bind(1, "series:" + std::string(id)).Run();
                         },
                         /*commutative=*/true});
}

std::string SeriesAggregate(std::string_view feed, std::string_view name) {
  return fmt::format("series:{}/{}", feed, name);
}

Result<int64_t> NextSeriesNumber(Db& db, std::string_view feed, std::string_view name) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT last FROM series WHERE aggregate=?"));
  s->Bind(1, SeriesAggregate(feed, name));
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  return (row ? s->Int(0) : 0) + 1;
}

std::string SeriesId(std::string_view prefix, std::string_view feed, int64_t n) {
  return fmt::format("{}-{}-{}", prefix, feed, n);
}

int64_t SeriesNumberOf(std::string_view id) {
  auto dash = id.rfind('-');
  if (dash == std::string_view::npos) return 0;
  int64_t n = 0;
  auto tail = id.substr(dash + 1);
  auto [p, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), n);
  return (ec == std::errc() && p == tail.data() + tail.size() && n > 0) ? n : 0;
}

Status ApplySeriesNumber(Db& db, std::string_view aggregate, int64_t n) {
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare("INSERT INTO series VALUES(?,?) ON CONFLICT(aggregate) DO UPDATE SET "
                                 "last=max(last, excluded.last)"));
  return s->BindAll(aggregate, n).Run();
}

}  // namespace holdfast::store
