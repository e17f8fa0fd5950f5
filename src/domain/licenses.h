// Animal licenses: issue, renew, replace a lost or damaged tag, transfer to a new owner, void. Each command
// decides everything once — the license number (this node's "L" series), the term and its dates, the tag, the
// fee lines from the schedule in effect that day — and writes it into its event; the counter (domain/
// counter.h) charges the fee lines on a receipt in the same command.
//
// Events (dates "YYYY-MM-DD", money in cents, fees: [FeeLine]):
//   license.issued        number, pet_id, owner_party_id, species, tag, term_years, starts_on,
//                         expires_on, fees
//   license.renewed       number, tag, new_tag, term_years, previous_expires_on, starts_on,
//                         expires_on, late, fees (new_tag: the renewal hands out `tag` for the old one)
//   license.tag_replaced  number, old_tag, tag, reason ("lost" or "damaged"), fees
//   license.transferred   number, pet_id, from_party_id, to_party_id, fees
//   license.voided        number, reason, approved_by
//   license.sale_voided   number, receipt, reason, approved_by, reverses: [hash], license_event_hash,
//                         issued_by_sale, restore, spoiled_tags: [tag], pet_id, pet_owner: null | {from, to}
//       The receipt that paid for the license's last changes was voided (cashier.h): those changes are
//       undone. reverses: the hashes of the undone events, oldest first; license_event_hash: the license's
//       event_hash when the void was decided (it applies only to the license as it was then); restore: the
//       license as it was
//       before them {owner_party_id, tag, term_years, starts_on, expires_on, renewals, status, void_reason}
//       (null when the sale issued it: it is then voided); spoiled_tags: the tags the sale handed out;
//       pet_owner: the pet's owner put back when the sale transferred the license.
// The issue, renewal, replacement and transfer events carry `receipt`, the number of the counter receipt
// paying for them.
//
// Rules, checked when the command runs:
//   - the pet's rabies vaccination must be valid today; a term never runs past its expiry: a 1-year term is
//     cut short at it, a 3-year term that would pass it is refused;
//   - one active license per pet; renewals open renewal_window_days before expiry (so a license cannot be
//     renewed twice for the same period), and after expiry they carry the late fee and start on the day of
//     renewal;
//   - a tag must be in this office's ranges and never used before (domain/tags.h).
//
//   - a voided sale is undone only if the license has not changed since, other than by later sales that
//     were voided themselves (otherwise the void is refused, "license-changed-since-sale"); a sale_voided
//     that meets a later change made at an office that could not see it is not applied and goes to the
//     conflicts queue.
//
// Aggregates: license:<number> (also pet:<id> for issue and transfer, which set the pet's owner, and for a
// sale_voided that puts the pet's owner back).
// Table licenses(number, pet_id, owner_party_id, species, tag, term_years, issued_on, starts_on, expires_on,
// status "active" | "voided", renewals, void_reason, updated_at, event_hash). updated_at and event_hash
// (lowercase hex) are the time and the hash of the last event that changed the license; an event the conflict
// rules set aside changes neither.
#ifndef HOLDFAST_DOMAIN_LICENSES_H_
#define HOLDFAST_DOMAIN_LICENSES_H_

#include <optional>
#include <string>
#include <vector>

#include "base/date.h"
#include "base/json.h"
#include "domain/money.h"
#include "store/registry.h"
#include "store/writer.h"

namespace holdfast::domain {

void RegisterLicenses(store::Registry& registry);

// What a licensing command decided: the license as it now stands and the fees to charge for it.
struct LicenseCharge {
  json::object license;
  std::vector<FeeLine> fees;
};

struct IssueRequest {
  std::string pet_id;
  int term_years = 1;
  int64_t tag = 0;
  bool senior_owner = false;
  std::string receipt = {};  // the receipt paying for it (counter.h), recorded in the event
};
struct RenewRequest {
  std::string number;
  int term_years = 1;
  int64_t tag = 0;  // 0: keep the current tag
  bool senior_owner = false;
  std::string receipt = {};  // the receipt paying for it (counter.h), recorded in the event
};
struct ReplaceTagRequest {
  std::string number;
  int64_t tag = 0;
  std::string reason;        // "lost" or "damaged"
  std::string receipt = {};  // the receipt paying for it (counter.h), recorded in the event
};
struct TransferRequest {
  std::string number;
  std::string to_party_id;
  std::string receipt = {};  // the receipt paying for it (counter.h), recorded in the event
};

// Each runs inside a command; `today` is the city's date of the command.
Result<LicenseCharge> IssueLicense(store::CommandContext& ctx, const IssueRequest& request, Date today,
                                   const std::string& actor);
Result<LicenseCharge> RenewLicense(store::CommandContext& ctx, const RenewRequest& request, Date today,
                                   const std::string& actor);
// What renewing today would decide, changing nothing: the renewal's checks (but not a new tag's), its dates
// and its fee lines. RenewLicense decides the same in its command.
struct RenewalQuote {
  json::object license;  // as it stands
  bool late = false;
  Date previous_expires_on, starts_on, expires_on;
  std::vector<FeeLine> fees;
  Cents Total() const;
  // {number, pet_id, previous_expires_on, starts_on, expires_on, late, fees, total_cents}
  json::object ToJson() const;
};
Result<RenewalQuote> QuoteRenewal(store::Db& db, const RenewRequest& request, Date today);
Result<LicenseCharge> ReplaceTag(store::CommandContext& ctx, const ReplaceTagRequest& request, Date today,
                                 const std::string& actor);
Result<LicenseCharge> TransferLicense(store::CommandContext& ctx, const TransferRequest& request, Date today,
                                      const std::string& actor);
// Voids a license (a supervisor's decision: `approved_by` is their user id). Its tag stays used.
Result<json::object> VoidLicense(store::CommandContext& ctx, const std::string& number,
                                 const std::string& reason, const std::string& approved_by,
                                 const std::string& actor);

// The license as stored: {number, pet_id, owner_party_id, species, tag, term_years, issued_on, starts_on,
// expires_on, status, renewals, void_reason, updated_at, event_hash}, with "state": "active", "expired" or
// "voided" as of `today`.
Result<std::optional<json::object>> GetLicense(store::Db& db, std::string_view number, Date today);
// Licenses of a pet or of an owner, newest first.
Result<json::array> LicensesOf(store::Db& db, std::string_view column, std::string_view value, Date today);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_LICENSES_H_
