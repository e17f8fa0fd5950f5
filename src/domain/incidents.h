// Incident mode (DESIGN §1.4): a supervisor declares an incident — the day it started, the services it
// affects, the notice the public portal shows, and the grace period after it ends. While it is active and for
// its grace period after it ends, the services it affects take no late fees, their due dates that fall inside
// it move past it, and the utility shut-off list is empty. Declaring and ending are events, so every office
// node honors an incident as soon as it holds the events, offline too.
//
// Events:
//   incident.declared  id ("INC-<node>-<n>"), started_on, services ["utilities", "licenses", "permits"],
//                      notice, grace_days, declared_by
//   incident.ended     id, ended_on
// Aggregates: incident:<id>, and the node's "incident" series. Table incidents.
#ifndef HOLDFAST_DOMAIN_INCIDENTS_H_
#define HOLDFAST_DOMAIN_INCIDENTS_H_

#include <optional>
#include <string>
#include <vector>

#include "base/date.h"
#include "base/json.h"
#include "store/registry.h"
#include "store/writer.h"

namespace holdfast::domain {

void RegisterIncidents(store::Registry& registry);

inline constexpr int kDefaultIncidentGraceDays = 30;

struct Incident {
  std::string id;
  Date started_on;
  std::optional<Date> ended_on;  // nullopt while active
  std::vector<std::string> services;
  std::string notice;
  int grace_days = kDefaultIncidentGraceDays;

  bool Affects(std::string_view service) const;
  // The last day of protection: ended_on + grace_days; nullopt while the incident is active (no end yet).
  std::optional<Date> ProtectedThrough() const;
  // True when `day` is from the start through the end of the grace period (or the incident is active).
  bool Protects(Date day) const;
  json::object ToJson(Date today) const;
};

// Every incident, newest start first.
Result<std::vector<Incident>> ListIncidents(store::Db& db);

// The incidents that affect `service`, for the rules below.
struct IncidentRules {
  std::vector<Incident> incidents;  // those affecting the service

  // True when `day` falls inside an incident or its grace period (late fees and shut-offs stop).
  bool Protected(Date day) const;
  // A due date inside an incident's protection moves to the day after its grace period ends; while an
  // incident is active, a due date from its start on has no day yet (nullopt: not due).
  std::optional<Date> EffectiveDue(Date due) const;
};
Result<IncidentRules> IncidentRulesFor(store::Db& db, std::string_view service);

struct IncidentDeclaration {
  std::optional<Date> started_on;  // default: today
  std::vector<std::string> services;
  std::string notice;
  int grace_days = kDefaultIncidentGraceDays;
};
// Body {started_on?, services, notice, grace_days?}; errors name the member.
Result<IncidentDeclaration> ParseIncidentDeclaration(const json::value& body);

Result<json::object> DeclareIncident(store::CommandContext& ctx, const IncidentDeclaration& d, Date today,
                                     const std::string& actor);
// Ends an active incident on `ended_on` (default today; not before its start, not in the future).
Result<json::object> EndIncident(store::CommandContext& ctx, const std::string& id,
                                 std::optional<Date> ended_on, Date today, const std::string& actor);

// What the public portal's banner shows: the incidents active or in their grace period on `today`.
Result<json::object> PublicStatus(store::Db& db, Date today);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_INCIDENTS_H_
