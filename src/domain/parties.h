// Parties: the people and businesses the city deals with (license owners, contractors, account holders).
//
// Events:
//   party.created  {id, kind, name, email, phone, address}
//   party.updated  {id, changes}      changes: the fields set, each to its new value ("" clears)
//   address: {line1, line2, city, state, postal_code}
//
// Fold: a party's row is its created event with each update applied in canonical order, field by field, so
// concurrent edits of different fields both survive and the later edit of one field wins; every change keeps
// the value it replaced in party_history.
#ifndef HOLDFAST_DOMAIN_PARTIES_H_
#define HOLDFAST_DOMAIN_PARTIES_H_

#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "store/registry.h"
#include "store/writer.h"

namespace holdfast::domain {

void RegisterParties(store::Registry& registry);

// The fields of a create or an update request, validated. Absent fields are nullopt.
struct PartyInput {
  std::optional<std::string> kind;
  std::optional<std::string> name;
  std::optional<std::string> email;
  std::optional<std::string> phone;
  std::optional<json::object> address;  // normalised: exactly the five address keys
};

// Parses and validates a request body. `create` requires kind and name.
Result<PartyInput> ParsePartyInput(const json::value& body, bool create);

Result<json::object> CreateParty(store::CommandContext& ctx, const PartyInput& input,
                                 const std::string& actor);
Result<json::object> UpdateParty(store::CommandContext& ctx, const std::string& id, const PartyInput& input,
                                 const std::string& actor);

Result<std::optional<json::object>> GetParty(store::Db& db, std::string_view id);
// Whether party `id` exists, without reading its row.
Result<bool> PartyExists(store::Db& db, std::string_view id);

struct PartyQuery {
  std::string text;  // matches name, email or phone, case-insensitively
  std::string kind;  // "", "person" or "business"
  int limit = 50;
  std::string after;  // cursor from the previous page
};
struct PartyPage {
  json::array items;
  std::string next_cursor;  // "" on the last page
};
Result<PartyPage> SearchParties(store::Db& db, const PartyQuery& query);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_PARTIES_H_
