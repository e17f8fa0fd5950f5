#include "domain/conflicts.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/text.h"

namespace holdfast::domain {
namespace {

using store::Db;
using store::StmtRef;

constexpr std::string_view kColumns =
    "c.id, c.aggregate, c.kind, c.summary, c.detail, c.feed, c.seq, c.actor, c.at, r.resolution, r.note, "
    "r.resolved_by, r.resolved_at";

Result<json::object> ReadConflict(store::Stmt& s) {
  auto detail = ParseJson(s.TextView(4));
  if (!detail.ok()) return Corrupt(fmt::format("conflict {} has a damaged detail", s.Text(0)));
  json::object o{{"id", s.Text(0)},    {"aggregate", s.Text(1)},
                 {"kind", s.Text(2)},  {"summary", s.Text(3)},
                 {"detail", *detail},  {"event", fmt::format("{}/{}", s.Text(5), s.Int(6))},
                 {"actor", s.Text(7)}, {"at", s.Int(8)}};
  if (s.ColumnType(9) == SQLITE_NULL) {
    o["status"] = "open";
    o["resolution"] = nullptr;
  } else {
    o["status"] = "resolved";
    o["resolution"] = json::object{{"resolution", s.Text(9)},
                                   {"note", s.Text(10)},
                                   {"resolved_by", s.Text(11)},
                                   {"resolved_at", s.Int(12)}};
  }
  return o;
}

}  // namespace

void RegisterConflicts(store::Registry& registry) {
  registry.AddTable({"conflicts",
                     "CREATE TABLE IF NOT EXISTS conflicts(id TEXT PRIMARY KEY, aggregate TEXT NOT NULL, "
                     "kind TEXT NOT NULL, "
                     "summary TEXT NOT NULL, detail TEXT NOT NULL, feed TEXT NOT NULL, seq INTEGER NOT NULL, "
                     "actor TEXT NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;"
                     "CREATE INDEX IF NOT EXISTS conflicts_aggregate ON conflicts(aggregate);"
                     "CREATE INDEX IF NOT EXISTS conflicts_at ON conflicts(at, id);",
                     {"id"},
                     {"conflicts_aggregate"}});  // ClearConflicts, in aggregates' clears
  registry.AddTable(
      {"conflict_resolutions",
       "CREATE TABLE IF NOT EXISTS conflict_resolutions(id TEXT PRIMARY KEY, resolution TEXT NOT "
       "NULL, note TEXT NOT NULL, resolved_by TEXT NOT NULL, resolved_at INTEGER NOT NULL) "
       "WITHOUT ROWID",
       {"id"}});
  registry.AddAggregate({"conflict", [](Db& db, std::string_view id) -> Status {
                           HF_ASSIGN_OR_RETURN(StmtRef s,
                                               db.Prepare("DELETE FROM conflict_resolutions WHERE id=?"));
                           return s->Bind(1, id).Run();
                         }});
  registry.AddRule({"conflict.resolved", store::OneAggregate("conflict"),
                    [](Db& db, const journal::StoredEvent& se, std::string_view) -> Status {
                      const journal::Event& e = se.event;
                      // The first resolution in canonical order stands.
                      HF_ASSIGN_OR_RETURN(
                          StmtRef s,
                          db.Prepare("INSERT OR IGNORE INTO conflict_resolutions VALUES(?,?,?,?,?)"));
                      return s
                          ->BindAll(StringOr(e.data, "id"), StringOr(e.data, "resolution"),
                                    StringOr(e.data, "note"), e.actor, e.stamp.time)
                          .Run();
                    }});
}

Status RecordConflict(Db& db, std::string_view aggregate, std::string_view kind, const journal::Event& e,
                      std::string summary, json::object detail) {
  std::string text;
  HF_RETURN_IF_ERROR(AppendCanonical(detail, &text));
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("INSERT OR REPLACE INTO conflicts VALUES(?,?,?,?,?,?,?,?,?)"));
  return s
      ->BindAll(fmt::format("{}:{}-{}", kind, e.feed, e.seq), aggregate, kind, summary, text, e.feed, e.seq,
                e.actor, e.stamp.time)
      .Run();
}

Status ClearConflicts(Db& db, std::string_view aggregate) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("DELETE FROM conflicts WHERE aggregate=?"));
  return s->Bind(1, aggregate).Run();
}

Result<json::array> ListConflicts(Db& db, const ConflictQuery& q) {
  if (!q.status.empty() && q.status != "open" && q.status != "resolved") {
    return Invalid("status must be open or resolved", "status");
  }
  HF_ASSIGN_OR_RETURN(
      StmtRef s,
      db.Prepare(fmt::format("SELECT {} FROM conflicts c LEFT JOIN conflict_resolutions r ON r.id = c.id "
                             "WHERE ?1 = '' OR (?1 = 'open') = (r.id IS NULL) ORDER BY c.at, c.id LIMIT ?2",
                             kColumns)));
  s->BindAll(q.status, static_cast<int64_t>(std::clamp(q.limit, 1, 1000)));
  json::array out;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    HF_ASSIGN_OR_RETURN(json::object o, ReadConflict(*s));
    out.push_back(std::move(o));
  }
  return out;
}

Result<std::optional<json::object>> GetConflict(Db& db, std::string_view id) {
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare(fmt::format("SELECT {} FROM conflicts c LEFT JOIN conflict_resolutions r ON "
                                             "r.id = c.id WHERE c.id = ?",
                                             kColumns)));
  s->Bind(1, id);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<json::object>();
  HF_ASSIGN_OR_RETURN(json::object o, ReadConflict(*s));
  return std::optional<json::object>(std::move(o));
}

Result<json::object> ResolveConflict(store::CommandContext& ctx, const std::string& id,
                                     const std::string& resolution, const std::string& note,
                                     const std::string& actor) {
  if (resolution != "refunded" && resolution != "accepted" && resolution != "corrected" &&
      resolution != "other") {
    return Invalid("resolution must be refunded, accepted, corrected or other", "resolution");
  }
  if (IsBlank(note) || note.size() > 1000 || HasControl(note)) {
    return Invalid("note must say what was done, in 1 to 1000 characters", "note");
  }
  HF_ASSIGN_OR_RETURN(auto c, GetConflict(ctx.db(), id));
  if (!c) return NotFound(fmt::format("no conflict {}", id));
  if (StringOr(*c, "status") == "resolved") {
    return Conflict(fmt::format("conflict {} is resolved already", id), "already-resolved");
  }
  HF_RETURN_IF_ERROR(ctx.Emit("conflict.resolved",
                              json::object{{"id", id}, {"resolution", resolution}, {"note", note}}, actor)
                         .status());
  HF_ASSIGN_OR_RETURN(auto after, GetConflict(ctx.db(), id));
  return *after;
}

}  // namespace holdfast::domain
