#include "domain/tags.h"

#include <fmt/format.h>

#include "store/series.h"

namespace holdfast::domain {
namespace {

using store::Db;
using store::StmtRef;

Status ApplyTags(Db& db, const journal::StoredEvent& se, std::string_view aggregate) {
  const journal::Event& e = se.event;
  const json::object& d = e.data;
  if (aggregate.starts_with("series:")) {
    return store::ApplySeriesNumber(db, aggregate, store::SeriesNumberOf(StringOr(d, "id")));
  }
  if (e.type == "tags.received") {
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("INSERT OR REPLACE INTO tag_ranges VALUES(?,?,?,?,?)"));
    return s
        ->BindAll(StringOr(d, "id"), StringOr(d, "office"), IntOr(d, "first"), IntOr(d, "last"), e.stamp.time)
        .Run();
  }
  if (e.type == "tag.spoiled") {
    return RecordTag(db, IntOr(d, "tag"), "spoiled", "", StringOr(d, "reason"));
  }
  return Status::Ok();
}

}  // namespace

void RegisterTags(store::Registry& registry) {
  registry.AddTable(
      {"tag_ranges",
       "CREATE TABLE IF NOT EXISTS tag_ranges(id TEXT PRIMARY KEY, office TEXT NOT NULL, "
       "first INTEGER NOT NULL, last INTEGER NOT NULL, received_at INTEGER NOT NULL) WITHOUT ROWID",
       {"id"}});
  registry.AddTable({"tags",
                     "CREATE TABLE IF NOT EXISTS tags(number INTEGER PRIMARY KEY, status TEXT NOT NULL, "
                     "license TEXT NOT NULL, reason TEXT NOT NULL);"
                     "CREATE INDEX IF NOT EXISTS tags_license ON tags(license);",
                     {"number"},
                     {"tags_license"}});  // the license aggregate's clear
  registry.AddAggregate({"tag_range", [](Db& db, std::string_view id) -> Status {
                           HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("DELETE FROM tag_ranges WHERE id=?"));
                           return s->Bind(1, id).Run();
                         }});
  registry.AddAggregate({"tag", [](Db& db, std::string_view number) -> Status {
                           HF_ASSIGN_OR_RETURN(StmtRef s,
                                               db.Prepare("DELETE FROM tags WHERE number=? AND license=''"));
                           return s->Bind(1, number).Run();
                         }});
  registry.AddRule({"tags.received",
                    [](const journal::Event& e) -> std::vector<std::string> {
                      return {fmt::format("tag_range:{}", StringOr(e.data, "id")),
                              store::SeriesAggregate(e.feed, "tag_range")};
                    },
                    ApplyTags});
  registry.AddRule({"tag.spoiled",
                    [](const journal::Event& e) -> std::vector<std::string> {
                      return {fmt::format("tag:{}", IntOr(e.data, "tag"))};
                    },
                    ApplyTags});
}

Result<json::object> ReceiveTags(store::CommandContext& ctx, int64_t first, int64_t last,
                                 const std::string& actor) {
  if (first < 1 || last > kMaxTagNumber || first > last) {
    return Invalid(fmt::format("a tag range is first ≤ last, from 1 to {}", kMaxTagNumber), "first");
  }
  if (last - first + 1 > kMaxTagRange) {
    return Invalid(fmt::format("at most {} tags in one range", kMaxTagRange), "last");
  }
  HF_ASSIGN_OR_RETURN(StmtRef overlap, ctx.db().Prepare("SELECT id, office, first, last FROM tag_ranges "
                                                        "WHERE first <= ? AND last >= ? LIMIT 1"));
  overlap->BindAll(last, first);
  HF_ASSIGN_OR_RETURN(bool row, overlap->Step());
  if (row) {
    return Conflict(fmt::format("tags {}–{} overlap range {} ({}–{}) of office {}", first, last,
                                overlap->Text(0), overlap->Int(2), overlap->Int(3), overlap->Text(1)),
                    "tag-range-overlap");
  }
  HF_ASSIGN_OR_RETURN(int64_t n, store::NextSeriesNumber(ctx.db(), ctx.node_id(), "tag_range"));
  std::string id = store::SeriesId("tr", ctx.node_id(), n);
  json::object d{{"id", id}, {"office", ctx.node_id()}, {"first", first}, {"last", last}};
  HF_RETURN_IF_ERROR(ctx.Emit("tags.received", d, actor).status());
  return d;
}

Result<json::object> SpoilTag(store::CommandContext& ctx, int64_t tag, const std::string& reason,
                              const std::string& actor) {
  HF_RETURN_IF_ERROR(CheckTagAvailable(ctx.db(), ctx.node_id(), tag));
  if (reason.empty()) return Invalid("say why the tag is spoiled", "reason");
  HF_RETURN_IF_ERROR(ctx.Emit("tag.spoiled", json::object{{"tag", tag}, {"reason", reason}}, actor).status());
  HF_ASSIGN_OR_RETURN(auto t, GetTag(ctx.db(), tag));
  return *t;
}

Status CheckTagAvailable(Db& db, std::string_view office, int64_t tag) {
  {
    HF_ASSIGN_OR_RETURN(StmtRef used, db.Prepare("SELECT status, license FROM tags WHERE number=?"));
    used->Bind(1, tag);
    HF_ASSIGN_OR_RETURN(bool row, used->Step());
    if (row) {
      std::string license = used->Text(1);
      return Conflict(license.empty() ? fmt::format("tag {} is {} and cannot be issued", tag, used->Text(0))
                                      : fmt::format("tag {} is already used (license {}, {})", tag, license,
                                                    used->Text(0)),
                      "tag-used");
    }
  }
  HF_ASSIGN_OR_RETURN(StmtRef in,
                      db.Prepare("SELECT 1 FROM tag_ranges WHERE office=? AND first<=?2 AND last>=?2"));
  in->Bind(1, office).Bind(2, tag);
  HF_ASSIGN_OR_RETURN(bool ours, in->Step());
  if (!ours) {
    HF_ASSIGN_OR_RETURN(StmtRef ranges,
                        db.Prepare("SELECT group_concat(first || '–' || last, ', ') FROM "
                                   "(SELECT first, last FROM tag_ranges WHERE office=? ORDER BY first)"));
    ranges->Bind(1, office);
    HF_ASSIGN_OR_RETURN(bool any, ranges->Step());
    std::string list = any && !ranges->IsNull(0) ? ranges->Text(0) : "";
    Error e =
        MakeError(Code::kInvalid,
                  list.empty() ? fmt::format("tag {} cannot be issued here: this office has no tag ranges "
                                             "(record tags received with POST /api/v1/tag-ranges)",
                                             tag)
                               : fmt::format("tag {} is not in this office's tag ranges ({})", tag, list),
                  "tag-outside-ranges", "tag");
    return e;
  }
  return Status::Ok();
}

Status RecordTag(Db& db, int64_t tag, std::string_view status, std::string_view license,
                 std::string_view reason) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("INSERT OR REPLACE INTO tags VALUES(?,?,?,?)"));
  return s->BindAll(tag, status, license, reason).Run();
}

Result<json::array> ListTagRanges(Db& db) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT r.id, r.office, r.first, r.last, r.received_at, "
                                            "(SELECT COUNT(*) FROM tags t WHERE t.number BETWEEN r.first AND "
                                            "r.last) FROM tag_ranges r ORDER BY r.office, r.first"));
  json::array out;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    int64_t size = s->Int(3) - s->Int(2) + 1;
    out.push_back(json::object{{"id", s->Text(0)},
                               {"office", s->Text(1)},
                               {"first", s->Int(2)},
                               {"last", s->Int(3)},
                               {"received_at", s->Int(4)},
                               {"used", s->Int(5)},
                               {"available", size - s->Int(5)}});
  }
  return out;
}

Result<std::optional<json::object>> GetTag(Db& db, int64_t tag) {
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare("SELECT number, status, license, reason FROM tags WHERE number=?"));
  s->Bind(1, tag);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<json::object>();
  return std::optional<json::object>(json::object{
      {"number", s->Int(0)}, {"status", s->Text(1)}, {"license", s->Text(2)}, {"reason", s->Text(3)}});
}

}  // namespace holdfast::domain
