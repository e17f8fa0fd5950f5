// The city and its nodes as state: city.founded names the city and its key; node.enrolled certifies a node's
// key (journal/certificate.h).
//
// Events:
//   city.founded   {name, city_key}        city_key: hex of the city's Ed25519 public key
//   city.time_zone_set {name, time_zone, zone_name}
//                  time_zone: the POSIX rule every local date of the city is taken in (domain/city_date.h);
//                  zone_name: as the administrator gave it ("America/Chicago", or the rule itself)
//   node.enrolled  {node, public_key, certificate, role}
#ifndef HOLDFAST_DOMAIN_CITY_H_
#define HOLDFAST_DOMAIN_CITY_H_

#include <string>

#include "base/crypto.h"
#include "base/json.h"
#include "base/timezone.h"
#include "store/registry.h"
#include "store/writer.h"

namespace holdfast::domain {

void RegisterCity(store::Registry& registry);

// The founding events of a new city, written by `holdfast init` on the first node: the city, this node's
// enrollment certified by the city key.
// Revokes an enrolled node (node.revoked): from then on no node takes its requests, and its feed counts only
// up to the seq this node holds of it now (later events of that feed are refused by sync).
Result<json::object> RevokeNode(store::CommandContext& ctx, const std::string& node,
                                const std::string& reason, const std::string& actor);

// Sets the city's time zone to `zone`, resolved by the caller (TimeZone::Resolve, before the command: it
// reads the tz database) from `zone_name`, as it was given. Answers {name, time_zone, zone_name}.
Result<json::object> SetCityTimeZone(store::CommandContext& ctx, const TimeZone& zone,
                                     const std::string& zone_name, const std::string& actor);

Status FoundCity(store::CommandContext& ctx, const std::string& city_name, const KeyPair& city_key,
                 const Bytes& node_public_key);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_CITY_H_
