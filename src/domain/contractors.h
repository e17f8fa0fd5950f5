// Contractors: a business party (domain/parties.h) licensed for a trade — its state license number, the
// trade, the licensing state and the expiry of the license and of its liability insurance. Permit types that
// need a licensed contractor (domain/permit_types.h) check them when a permit is applied for and issued.
//
// Events (dates "YYYY-MM-DD"):
//   contractor.registered  {party_id, license_number, trade, license_state, license_expires_on,
//                           insurance_expires_on}
//   contractor.updated     the same members: the whole record as the update left it (the command merges the
//                          fields given into the record it read), so the later update in canonical order
//                          wins.
// Aggregate contractor:<party_id>. Table contractors(party_id, license_number, trade, license_state,
// license_expires_on, insurance_expires_on, registered_at, updated_at).
#ifndef HOLDFAST_DOMAIN_CONTRACTORS_H_
#define HOLDFAST_DOMAIN_CONTRACTORS_H_

#include <optional>
#include <string>

#include "base/date.h"
#include "base/json.h"
#include "store/registry.h"
#include "store/writer.h"

namespace holdfast::domain {

void RegisterContractors(store::Registry& registry);

struct ContractorInput {
  std::optional<std::string> party_id;  // create only
  std::optional<std::string> license_number;
  std::optional<std::string> trade;          // a-z, 0-9, '_': general, electrical, plumbing …
  std::optional<std::string> license_state;  // two letters, e.g. "IL"
  std::optional<Date> license_expires_on;
  std::optional<Date> insurance_expires_on;
};

// Validates a request body; `create` requires every field.
Result<ContractorInput> ParseContractorInput(const json::value& body, bool create);

// Registers a business party as a contractor: 404 when the party does not exist, 422 "not-a-business" for a
// person, 409 "contractor-exists" when it is registered already.
Result<json::object> RegisterContractor(store::CommandContext& ctx, const ContractorInput& input,
                                        const std::string& actor);
Result<json::object> UpdateContractor(store::CommandContext& ctx, const std::string& party_id,
                                      const ContractorInput& input, const std::string& actor);

// {party_id, name, license_number, trade, license_state, license_expires_on, insurance_expires_on,
//  registered_at, updated_at}; name is the party's.
Result<std::optional<json::object>> GetContractor(store::Db& db, std::string_view party_id);
// Contractors in name order, of one trade when `trade` is not empty.
Result<json::array> ListContractors(store::Db& db, std::string_view trade);

// Whether `party_id` may do work of `trade` on `today`; errors (422) of types "unknown-contractor",
// "contractor-unlicensed", "contractor-wrong-trade", "contractor-license-expired" and
// "contractor-insurance-expired", with field "contractor_party_id". A license or insurance is valid through
// its expiry day.
Status CheckContractor(store::Db& db, std::string_view party_id, std::string_view trade, Date today);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_CONTRACTORS_H_
