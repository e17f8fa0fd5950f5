#include "domain/city.h"

#include <fmt/format.h>

#include "base/text.h"
#include "journal/certificate.h"
#include "store/journal.h"

namespace holdfast::domain {

using store::Db;
using store::StmtRef;

void RegisterCity(store::Registry& registry) {
  registry.AddTable({"city",
                     "CREATE TABLE IF NOT EXISTS city(name TEXT PRIMARY KEY, city_key TEXT NOT NULL, "
                     "founded_at INTEGER NOT NULL, time_zone TEXT NOT NULL, zone_name TEXT NOT NULL) "
                     "WITHOUT ROWID",
                     {"name"},
                     {},
                     /*identity=*/true});
  registry.AddTable(
      {"nodes",
       "CREATE TABLE IF NOT EXISTS nodes(id TEXT PRIMARY KEY, public_key TEXT NOT NULL, "
       "certificate TEXT NOT NULL, role TEXT NOT NULL, enrolled_at INTEGER NOT NULL, "
       "revoked_up_to INTEGER, revoked_at INTEGER, revoked_reason TEXT NOT NULL DEFAULT '') WITHOUT ROWID",
       {"id"},
       {},
       /*identity=*/true});
  registry.AddAggregate({"city",
                         [](Db& db, std::string_view id) -> Status {
                           HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("DELETE FROM city WHERE name=?"));
                           return s->Bind(1, id).Run();
                         },
                         /*commutative=*/false, /*identity=*/true});
  registry.AddAggregate({"node",
                         [](Db& db, std::string_view id) -> Status {
                           HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("DELETE FROM nodes WHERE id=?"));
                           return s->Bind(1, id).Run();
                         },
                         /*commutative=*/false, /*identity=*/true});
  registry.AddRule(
      {"city.founded", store::OneAggregate("city", "name"),
       [](Db& db, const journal::StoredEvent& se, std::string_view) -> Status {
         const journal::Event& e = se.event;
         HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("INSERT OR REPLACE INTO city VALUES(?,?,?,'','')"));
         return s->BindAll(StringOr(e.data, "name"), StringOr(e.data, "city_key"), e.stamp.time).Run();
       }});
  // The last setting in canonical order stands.
  registry.AddRule({"city.time_zone_set", store::OneAggregate("city", "name"),
                    [](Db& db, const journal::StoredEvent& se, std::string_view) -> Status {
                      const json::object& d = se.event.data;
                      return db.Run("UPDATE city SET time_zone=?, zone_name=? WHERE name=?",
                                    StringOr(d, "time_zone"), StringOr(d, "zone_name"), StringOr(d, "name"));
                    }});
  registry.AddRule({std::string(journal::kNodeEnrolledType), store::OneAggregate("node", "node"),
                    // The first enrollment of a node id in canonical order stands: a copy of its
                    // certificate emitted again later (with another role or time) changes nothing.
                    [](Db& db, const journal::StoredEvent& se, std::string_view) -> Status {
                      const journal::Event& e = se.event;
                      HF_ASSIGN_OR_RETURN(
                          StmtRef s,
                          db.Prepare("INSERT OR IGNORE INTO nodes VALUES(?,?,?,?,?,NULL,NULL,'')"));
                      return s
                          ->BindAll(StringOr(e.data, "node"), StringOr(e.data, "public_key"),
                                    StringOr(e.data, "certificate"), StringOr(e.data, "role"), e.stamp.time)
                          .Run();
                    }});
  // The first revocation in canonical order stands: the feed counts up to the seq it names, no further.
  registry.AddRule({"node.revoked", store::OneAggregate("node", "node"),
                    [](Db& db, const journal::StoredEvent& se, std::string_view) -> Status {
                      const journal::Event& e = se.event;
                      HF_ASSIGN_OR_RETURN(
                          StmtRef s, db.Prepare("UPDATE nodes SET revoked_up_to=?, revoked_at=?, "
                                                "revoked_reason=? WHERE id=? AND revoked_up_to IS NULL"));
                      return s
                          ->BindAll(IntOr(e.data, "up_to_seq"), e.stamp.time, StringOr(e.data, "reason"),
                                    StringOr(e.data, "node"))
                          .Run();
                    }});
}

Result<json::object> RevokeNode(store::CommandContext& ctx, const std::string& node,
                                const std::string& reason, const std::string& actor) {
  if (node == ctx.node_id()) return Invalid("a node cannot revoke itself", "node");
  if (IsBlank(reason) || reason.size() > 500 || HasControl(reason)) {
    return Invalid("reason must say why, in 1 to 500 characters", "reason");
  }
  HF_ASSIGN_OR_RETURN(StmtRef s, ctx.db().Prepare("SELECT revoked_up_to FROM nodes WHERE id=?"));
  s->Bind(1, node);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return NotFound(fmt::format("no node {} is enrolled", node));
  if (s->ColumnType(0) != SQLITE_NULL)
    return Conflict(fmt::format("node {} is revoked already", node), "already-revoked");
  s->Reset();
  HF_ASSIGN_OR_RETURN(store::FeedHead head, store::LoadHead(ctx.db(), node));
  json::object d{{"node", node}, {"up_to_seq", head.seq}, {"reason", reason}};
  HF_RETURN_IF_ERROR(ctx.Emit("node.revoked", d, actor).status());
  return d;
}

Result<json::object> SetCityTimeZone(store::CommandContext& ctx, const TimeZone& zone,
                                     const std::string& zone_name, const std::string& actor) {
  HF_ASSIGN_OR_RETURN(StmtRef s, ctx.db().Prepare("SELECT name FROM city LIMIT 1"));
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return NotFound("this node holds no city yet");
  json::object data{{"name", s->Text(0)}, {"time_zone", zone.rule()}, {"zone_name", zone_name}};
  s->Reset();
  HF_RETURN_IF_ERROR(ctx.Emit("city.time_zone_set", data, actor).status());
  return data;
}

Status FoundCity(store::CommandContext& ctx, const std::string& city_name, const KeyPair& city_key,
                 const Bytes& node_public_key) {
  HF_RETURN_IF_ERROR(ctx.Emit("city.founded",
                              json::object{{"name", city_name}, {"city_key", Hex(city_key.public_key)}},
                              "system")
                         .status());
  Bytes cert = journal::CertifyNode(city_key.secret_key, city_name, ctx.node_id(), node_public_key);
  json::object d{{"node", ctx.node_id()},
                 {"public_key", Hex(node_public_key)},
                 {"certificate", Hex(cert)},
                 {"role", "central"}};
  return ctx.Emit(std::string(journal::kNodeEnrolledType), std::move(d), "system").status();
}

}  // namespace holdfast::domain
