#include "domain/incidents.h"

#include <fmt/format.h>

#include <algorithm>

#include "store/series.h"

namespace holdfast::domain {
namespace {

using store::Db;
using store::StmtRef;

constexpr std::string_view kServices[] = {"utilities", "licenses", "permits"};

Status ApplyIncident(Db& db, const journal::StoredEvent& se, std::string_view aggregate) {
  const journal::Event& e = se.event;
  const json::object& d = e.data;
  std::string_view id = StringOr(d, "id");
  if (aggregate.starts_with("series:"))
    return store::ApplySeriesNumber(db, aggregate, store::SeriesNumberOf(id));
  if (e.type == "incident.declared") {
    HF_ASSIGN_OR_RETURN(std::string services, Canonical(d.at("services")));
    return db.Run(
        "INSERT OR REPLACE INTO incidents(id, started_on, ended_on, services_json, notice, grace_days, "
        "declared_by, ended_by, updated_at, event_hash) VALUES(?,?,NULL,?,?,?,?,'',?,?)",
        id, StringOr(d, "started_on"), services, StringOr(d, "notice"), IntOr(d, "grace_days"),
        StringOr(d, "declared_by"), e.stamp.time, se.HashHex());
  }
  if (e.type == "incident.ended") {
    // The first end in canonical order stands.
    return db.Run(
        "UPDATE incidents SET ended_on=?, ended_by=?, updated_at=?, event_hash=? WHERE id=? AND ended_on "
        "IS NULL",
        StringOr(d, "ended_on"), e.actor, e.stamp.time, se.HashHex(), id);
  }
  return Status::Ok();
}

std::vector<std::string> IncidentAggregates(const journal::Event& e) {
  std::vector<std::string> out{fmt::format("incident:{}", StringOr(e.data, "id"))};
  if (e.type == "incident.declared") out.push_back(store::SeriesAggregate(e.feed, "incident"));
  return out;
}

Result<Incident> ReadIncident(store::Stmt& s) {
  Incident i;
  i.id = s.Text(0);
  HF_ASSIGN_OR_RETURN(i.started_on, Date::Parse(s.TextView(1)));
  if (!s.IsNull(2)) {
    HF_ASSIGN_OR_RETURN(Date end, Date::Parse(s.TextView(2)));
    i.ended_on = end;
  }
  HF_ASSIGN_OR_RETURN(json::value services, ParseJson(s.TextView(3)));
  if (services.is_array()) {
    for (const auto& v : services.as_array()) {
      if (v.is_string()) i.services.emplace_back(v.get_string());
    }
  }
  i.notice = s.Text(4);
  i.grace_days = static_cast<int>(s.Int(5));
  return i;
}

}  // namespace

void RegisterIncidents(store::Registry& registry) {
  registry.AddTable(
      {"incidents",
       "CREATE TABLE IF NOT EXISTS incidents(id TEXT PRIMARY KEY, started_on TEXT NOT NULL, ended_on "
       "TEXT, services_json TEXT NOT NULL, notice TEXT NOT NULL, grace_days INTEGER NOT NULL, "
       "declared_by TEXT NOT NULL, ended_by TEXT NOT NULL, updated_at INTEGER NOT NULL, event_hash "
       "TEXT NOT NULL) WITHOUT ROWID;",
       {"id"}});
  registry.AddAggregate({"incident", [](Db& db, std::string_view id) -> Status {
                           return db.Run("DELETE FROM incidents WHERE id=?", id);
                         }});
  for (const char* type : {"incident.declared", "incident.ended"}) {
    registry.AddRule({type, IncidentAggregates, ApplyIncident});
  }
}

bool Incident::Affects(std::string_view service) const {
  return std::find(services.begin(), services.end(), service) != services.end();
}

std::optional<Date> Incident::ProtectedThrough() const {
  if (!ended_on) return std::nullopt;
  return ended_on->AddDays(grace_days);
}

bool Incident::Protects(Date day) const {
  if (day < started_on) return false;
  auto through = ProtectedThrough();
  return !through || day <= *through;
}

json::object Incident::ToJson(Date today) const {
  json::array list;
  for (const auto& s : services) list.push_back(json::value(s));
  auto through = ProtectedThrough();
  return {{"id", id},
          {"started_on", started_on.ToString()},
          {"ended_on", ended_on ? json::value(ended_on->ToString()) : json::value(nullptr)},
          {"protected_through", through ? json::value(through->ToString()) : json::value(nullptr)},
          {"active", !ended_on},
          {"in_effect", Protects(today)},
          {"services", std::move(list)},
          {"notice", notice},
          {"grace_days", grace_days}};
}

Result<std::vector<Incident>> ListIncidents(Db& db) {
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare("SELECT id, started_on, ended_on, services_json, notice, grace_days "
                                 "FROM incidents ORDER BY started_on DESC, id DESC"));
  std::vector<Incident> out;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    HF_ASSIGN_OR_RETURN(Incident i, ReadIncident(*s));
    out.push_back(std::move(i));
  }
  return out;
}

bool IncidentRules::Protected(Date day) const {
  return std::any_of(incidents.begin(), incidents.end(), [&](const Incident& i) { return i.Protects(day); });
}

std::optional<Date> IncidentRules::EffectiveDue(Date due) const {
  // Incidents can overlap or follow one another: move the date until no incident protects it.
  std::optional<Date> day = due;
  for (size_t round = 0; round <= incidents.size() && day; ++round) {
    bool moved = false;
    for (const auto& i : incidents) {
      if (!i.Protects(*day)) continue;
      auto through = i.ProtectedThrough();
      if (!through) return std::nullopt;
      day = through->AddDays(1);
      moved = true;
    }
    if (!moved) break;
  }
  return day;
}

Result<IncidentRules> IncidentRulesFor(Db& db, std::string_view service) {
  HF_ASSIGN_OR_RETURN(std::vector<Incident> all, ListIncidents(db));
  IncidentRules rules;
  for (auto& i : all) {
    if (i.Affects(service)) rules.incidents.push_back(std::move(i));
  }
  return rules;
}

Result<IncidentDeclaration> ParseIncidentDeclaration(const json::value& body) {
  ObjectReader r(body);
  IncidentDeclaration d;
  if (auto start = r.String("started_on", 10)) {
    auto day = Date::Parse(*start, "started_on");
    if (!day.ok()) {
      r.Fail("started_on", day.error().detail);
    } else {
      d.started_on = *day;
    }
  }
  if (const json::array* services = r.Array("services")) {
    for (size_t i = 0; i < services->size(); ++i) {
      const json::value& v = (*services)[i];
      std::string_view name = v.is_string() ? std::string_view(v.get_string()) : std::string_view();
      if (std::find(std::begin(kServices), std::end(kServices), name) == std::end(kServices)) {
        r.Fail("services", fmt::format("services[{}] is one of utilities, licenses, permits", i));
        continue;
      }
      if (std::find(d.services.begin(), d.services.end(), name) != d.services.end()) {
        r.Fail("services", fmt::format("{} is listed twice", name));
        continue;
      }
      d.services.emplace_back(name);
    }
    if (services->empty()) r.Fail("services", "name at least one service the incident affects");
  } else if (!r.Has("services")) {
    r.Fail("services", "services is required: which of utilities, licenses, permits the incident affects");
  }
  d.notice = r.RequiredString("notice", 2000);
  if (r.Has("notice") && d.notice.empty()) r.Fail("notice", "write the notice residents will see");
  if (auto grace = r.Int("grace_days")) {
    if (*grace < 0 || *grace > 365) r.Fail("grace_days", "grace_days is 0 to 365");
    d.grace_days = static_cast<int>(*grace);
  }
  HF_RETURN_IF_ERROR(r.Finish());
  return d;
}

Result<json::object> DeclareIncident(store::CommandContext& ctx, const IncidentDeclaration& d, Date today,
                                     const std::string& actor) {
  Date start = d.started_on.value_or(today);
  if (today < start) return Invalid("an incident cannot start in the future", "started_on");
  if (start < today.AddDays(-365)) return Invalid("started_on is more than a year ago", "started_on");
  HF_ASSIGN_OR_RETURN(int64_t n, store::NextSeriesNumber(ctx.db(), ctx.node_id(), "incident"));
  std::string id = store::SeriesId("INC", ctx.node_id(), n);
  json::array services;
  for (const auto& s : d.services) services.push_back(json::value(s));
  HF_RETURN_IF_ERROR(ctx.Emit("incident.declared",
                              json::object{{"id", id},
                                           {"started_on", start.ToString()},
                                           {"services", std::move(services)},
                                           {"notice", d.notice},
                                           {"grace_days", d.grace_days},
                                           {"declared_by", actor}},
                              actor)
                         .status());
  HF_ASSIGN_OR_RETURN(auto all, ListIncidents(ctx.db()));
  for (const auto& i : all) {
    if (i.id == id) return i.ToJson(today);
  }
  return Internal(fmt::format("incident {} vanished", id));
}

Result<json::object> EndIncident(store::CommandContext& ctx, const std::string& id,
                                 std::optional<Date> ended_on, Date today, const std::string& actor) {
  HF_ASSIGN_OR_RETURN(auto all, ListIncidents(ctx.db()));
  auto it = std::find_if(all.begin(), all.end(), [&](const Incident& i) { return i.id == id; });
  if (it == all.end()) return NotFound(fmt::format("no incident {}", id));
  if (it->ended_on) {
    return MakeError(Code::kConflict, fmt::format("incident {} ended on {}", id, it->ended_on->ToString()),
                     "incident-ended");
  }
  Date end = ended_on.value_or(today);
  if (end < it->started_on) return Invalid("an incident cannot end before it started", "ended_on");
  if (today < end) return Invalid("an incident cannot end in the future", "ended_on");
  HF_RETURN_IF_ERROR(
      ctx.Emit("incident.ended", json::object{{"id", id}, {"ended_on", end.ToString()}}, actor).status());
  it->ended_on = end;
  return it->ToJson(today);
}

Result<json::object> PublicStatus(Db& db, Date today) {
  HF_ASSIGN_OR_RETURN(auto all, ListIncidents(db));
  json::array shown;
  for (const auto& i : all) {
    if (!i.Protects(today)) continue;
    json::object o = i.ToJson(today);
    o.erase("id");
    shown.push_back(std::move(o));
  }
  bool any = !shown.empty();
  return json::object{
      {"date", today.ToString()}, {"incident_in_effect", any}, {"incidents", std::move(shown)}};
}

}  // namespace holdfast::domain
