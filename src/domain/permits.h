// Permits: building, electrical, plumbing … permits from application to final. Each command decides
// everything once — the permit number (this node's "permit" series, "BP-<node>-<n>"), the type as it stands
// in the catalog in effect that day (domain/permit_types.h: its inspection sequence, fee lines, re-inspection
// fee and expiry rule), the dates — and writes it into its event (DESIGN §4).
//
// Lifecycle (status):
//   applied ──pay──► in_review ──issue──► issued ──first inspection passed──► inspections ──final passed──►
//   finaled; or cancelled (before final), voided (a supervisor, any time), expired (no passed inspection for
//   expiry_days after issue or after the last passed inspection). A hold (place/release, with a reason) stops
//   issue and expiry while it lasts; it does not change the status.
//
// Events (dates "YYYY-MM-DD", money in cents, coordinates in micro-degrees):
//   permit.applied    number, type_code, type_name, catalog_id, work_class ("new" | "existing"), description,
//                     valuation_cents, square_feet, address {line1, line2, city, state, zip}, parcel_pin,
//                     latitude_microdegrees?, longitude_microdegrees?, applicant_party_id,
//                     contractor_party_id ("" when none), applied_on, inspections [codes, the last is the
//                     final], reinspection_cents, expiry_days, fees [FeeLine, ref = number],
//                     fees_total_cents, fee_basis {flat_cents, valuation_part_cents, square_feet_part_cents,
//                     minimum_applied}
//   permit.paid       number, receipt, amount_cents   (emitted with the payment.taken of `receipt`, in one
//                     command: the receipt's lines are the permit's fee lines); or, for fees paid online by
//                     card (domain/online_payments.h), number, receipt (the online payment's id),
//                     amount_cents, channel "online", reference (the card processor's transaction id)
//   permit.payment_voided  number, receipt, amount_cents, reason, approved_by   (emitted with the
//                     payment.voided of `receipt`: the permit's fees are due again; refused once the permit
//                     is issued, left out for a closed permit)
//   permit.issued     number, issued_on, expires_on
//   permit.hold_placed / permit.hold_released   number, reason
//   permit.cancelled  number, reason, cancelled_on
//   permit.voided     number, reason, voided_on, approved_by
//   permit.expired    number, expired_on
//   permit.inspection_passed  number, inspection_type, passed_on, final (bool), expires_on, inspection_id
//   permit.fee_assessed  number, line FeeLine, inspection_id   (a re-inspection fee, from the inspections
//                     module: the line joins the permit's fees and is due until paid)
//
// Aggregates: permit:<number> (and the "permit" series for permit.applied). The fold applies each event's
// decision; an event folding onto a permit that is already cancelled, voided, expired or finaled changes
// nothing, except a void, which stands over anything but another void.
//
// Table permits: one row per permit, the columns of PermitJson; the fee lines, the inspection sequence and
// the passed inspections are JSON text (fees_json, inspections_json, passed_json).
//
// The seam for the inspections module: a permit carries its inspection sequence (recorded at application,
// `inspections`) and the re-inspection fee (`reinspection_cents`). When an inspection of type X passes on day
// D, the inspections module calls RecordInspectionPassed(ctx, number, X, D, inspection_id, actor) inside its
// own command: it emits permit.inspection_passed, which moves an issued permit to "inspections", pushes its
// expiry to D + expiry_days, and finals the permit when X is the last of the sequence (which requires every
// earlier inspection of the sequence to have passed).
#ifndef HOLDFAST_DOMAIN_PERMITS_H_
#define HOLDFAST_DOMAIN_PERMITS_H_

#include <optional>
#include <string>
#include <vector>

#include "base/date.h"
#include "base/json.h"
#include "domain/cashier.h"
#include "domain/money.h"
#include "store/registry.h"
#include "store/writer.h"

namespace holdfast::domain {

void RegisterPermits(store::Registry& registry);

struct PermitApplication {
  std::string type_code;
  std::string work_class;  // "new" or "existing"
  std::string description;
  Cents valuation_cents = 0;
  int64_t square_feet = 0;
  std::string line1, line2, city, state, zip;
  std::string parcel_pin;
  std::optional<int64_t> latitude_microdegrees, longitude_microdegrees;
  std::string applicant_party_id;
  std::string contractor_party_id;  // "" when the type needs none
};

// Validates an application body; errors name the field (422).
Result<PermitApplication> ParsePermitApplication(const json::value& body);

// Applies for a permit on `today`: the type must be in the catalog in effect (422 "unknown-permit-type"), the
// applicant must exist (422 "unknown-applicant"), and a type that needs a licensed contractor checks it
// (CheckContractor). Assesses the fees. Answers the permit (GetPermit).
Result<json::object> ApplyForPermit(store::CommandContext& ctx, const PermitApplication& application,
                                    Date today, const std::string& actor);

struct PermitPayment {
  std::string number;
  std::string drawer_id;
  std::string payer_party_id;  // "" → the applicant
  std::vector<Tender> tenders;
};
// Takes the payment of the permit's outstanding fee lines (those after the lines the paid amount covers) at a
// counter drawer (TakePayment, each line's ref the permit number) and records permit.paid, in the caller's
// command. Refused when nothing is due (409 "permit-paid") or the permit is closed (409 "permit-closed").
// Answers {receipt, permit}.
Result<json::object> PayPermit(store::CommandContext& ctx, const PermitPayment& payment, Date today,
                               const std::string& clerk);

// Applies fees paid online by card (domain/online_payments.h) under `payment_id`, the receipt of its
// permit.paid, in the caller's command: money taken is always credited, so only an unknown permit (404) or a
// payment id applied already (409 "payment-applied") is refused. Answers the permit.
Result<json::object> ApplyOnlinePermitPayment(store::CommandContext& ctx, const std::string& number,
                                              const std::string& payment_id, Cents amount_cents,
                                              const std::string& reference, const std::string& actor);

// Whether `party_id` (not "") is the permit's applicant or its contractor: a public user of that party may
// see the permit, pay its fees and book its inspections.
bool IsPermitParty(const json::object& permit, std::string_view party_id);

// Issues a paid permit: 409 "permit-unpaid" while fees are due, "permit-on-hold" while held, "permit-closed"
// once cancelled, voided, expired or finaled, "permit-issued" when issued already. Re-checks the contractor.
Result<json::object> IssuePermit(store::CommandContext& ctx, const std::string& number, Date today,
                                 const std::string& actor);
Result<json::object> PlaceHold(store::CommandContext& ctx, const std::string& number,
                               const std::string& reason, Date today, const std::string& actor);
Result<json::object> ReleaseHold(store::CommandContext& ctx, const std::string& number,
                                 const std::string& reason, Date today, const std::string& actor);
Result<json::object> CancelPermit(store::CommandContext& ctx, const std::string& number,
                                  const std::string& reason, Date today, const std::string& actor);
// A supervisor's void (`approved_by`: their user id).
Result<json::object> VoidPermit(store::CommandContext& ctx, const std::string& number,
                                const std::string& reason, Date today, const std::string& approved_by,
                                const std::string& actor);

// Expires every issued permit, not on hold, whose expires_on is before `today`. Answers the numbers expired.
Result<std::vector<std::string>> ExpirePermits(store::CommandContext& ctx, Date today,
                                               const std::string& actor);

// The inspections module's seam (see the header comment): records that `inspection_type` passed on
// `passed_on`. Refused (409) unless the permit is issued or in inspections ("permit-not-issued",
// "permit-closed"); 422 "unknown-inspection-type" when the type is not in the permit's sequence,
// 409 "inspection-passed" when it passed already, 409 "inspections-outstanding" for the final while earlier
// inspections have not passed.
Result<json::object> RecordInspectionPassed(store::CommandContext& ctx, const std::string& number,
                                            const std::string& inspection_type, Date passed_on,
                                            const std::string& inspection_id, const std::string& actor);

// Adds a fee line to an open permit (permit.fee_assessed), in the caller's command; the line is due until a
// payment takes it.
Result<json::object> AssessPermitFee(store::CommandContext& ctx, const std::string& number,
                                     const FeeLine& line, const std::string& inspection_id,
                                     const std::string& actor);

// The permit as stored: {number, type_code, type_name, catalog_id, status, held, hold_reason, work_class,
// description, valuation_cents, square_feet, address {line1, line2, city, state, zip}, parcel_pin,
// latitude_microdegrees, longitude_microdegrees (null when not given), applicant_party_id,
// contractor_party_id, applied_on, issued_on, finaled_on, expires_on, closed_on, close_reason (null or ""
// until set), expiry_days, fees [FeeLine], fees_total_cents, paid_cents, due_cents, receipts [numbers],
// inspections [{type, final, passed_on (null until passed)}], reinspection_cents, updated_at, event_hash}.
Result<std::optional<json::object>> GetPermit(store::Db& db, std::string_view number);

// What anyone may see without signing in: {number, type_code, type_name, status, work_class, description,
// address, parcel_pin, latitude/longitude, est_project_cost_cents, applied_on, issued_on, finaled_on,
// expires_on, contractor {name, license_number, trade} or null, inspections [PublicInspections]}. Never the
// applicant or any phone or email.
Result<std::optional<json::object>> PublicPermit(store::Db& db, std::string_view number);

struct PermitQuery {
  std::string status;    // "" or a status
  std::string party_id;  // "" or an applicant or contractor
  std::string text;      // "" or text found (any case) in the number, site, description, parcel or type name
  std::string after;     // "" or the next_cursor of the previous page
  int limit = 50;
};
struct PermitPage {
  json::array items;
  std::string next_cursor;  // "" on the last page
};
// Permits, the latest applied for first (the higher number first on one day).
Result<PermitPage> ListPermits(store::Db& db, const PermitQuery& query);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_PERMITS_H_
