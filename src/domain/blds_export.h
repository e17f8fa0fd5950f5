// The BLDS open datasets of a node: every permit and every inspection with a result, as rows of the BLDS
// permits and inspections datasets (domain/blds.h), read from the state tables through the permits,
// inspections and contractors modules. Only what the public permit lookup shows is published, plus the
// permit's fees: never the applicant, a phone number, an e-mail address or an inspector's comments.
//
// Permits, one row each, oldest application first (applied_on, then number):
//   PermitNum              number
//   Description            description
//   AppliedDate            applied_on
//   IssuedDate             issued_on (empty until issued)
//   CompletedDate          finaled_on (empty until finaled)
//   StatusCurrent          status ("applied", "in_review", "issued", "inspections", "finaled", "cancelled",
//                          "voided", "expired"); a held permit reads "<status> (on hold)"
//   StatusCurrentMapped    MapStatusCurrent(status); empty for a held permit, which has no BLDS status
//                          (Holdfast keeps no day for the hold, so HoldDate stays empty too)
//   StatusDate             the day the status began: applied_on, issued_on, the latest passed_on of the
//                          inspection sequence ("inspections"), finaled_on, or closed_on (cancelled, voided,
//                          expired); empty for "in_review" (the day of payment is on the receipt, not here)
//   OriginalAddress1/2, OriginalCity, OriginalState, OriginalZip   address line1, line2, city, state, zip
//   Jurisdiction           the city's name (city.founded)
//   PermitType             type_code; PermitTypeDesc type_name; PermitTypeMapped MapPermitType(type_code)
//   WorkClass              work_class ("new" | "existing"); WorkClassMapped MapWorkClass(work_class)
//   PermitClass            Holdfast records no residential/non-residential class. Rather than publish a
//   guess,
//                          PermitClass and PermitClassMapped are set only when the description says so in
//                          words: "residential" → Residential; "commercial", "industrial",
//                          "non-residential" (or "nonresidential", "non residential") → Non-Residential,
//                          PermitClass holding the word found. A description naming both, or neither, leaves
//                          them empty.
//   EstProjectCost         valuation_cents in dollars with two decimals ("250000.00"); empty when 0
//   TotalSqFt              square_feet; empty when 0
//   Latitude, Longitude    the micro-degrees as decimal degrees with six decimals ("39.781721"), when held
//   PIN                    parcel_pin
//   ContractorCompanyName, ContractorLicNum, ContractorStateLic, ContractorTrade   the contractor's
//                          (GetContractor) name, license number (Holdfast records one, the state's: it fills
//                          both license fields), trade; ContractorTradeMapped MapContractorTrade(trade)
//   Fee                    fees_total_cents (every fee line assessed, re-inspection fees included) in whole
//                          dollars, rounded half up: the spec types Fee INTEGER
//   ExpiresDate            expires_on of an issued permit, in inspections or expired (a finaled, cancelled
//                          or voided permit no longer expires)
//   VoidDate               closed_on of a cancelled or voided permit
//   ExtraFields            {"fees_total_cents", "fees_paid_cents"}: the exact amounts behind Fee
// A recommended *Mapped field whose word has no BLDS value (a trade such as "roofing", a permit type the city
// added) is left empty beside the city's word; any other mapping error fails the export.
//
// Inspections, one row per inspection that has a result or was cancelled, permit by permit in the order
// above, each permit's in request order (a scheduled inspection has no result yet, and Result is required):
//   PermitNum              permit
//   InspType               type (the permit type's inspection code); InspTypeMapped MapInspectionType(type),
//                          required: a type with no BLDS value fails the export, naming permit and inspection
//   Result                 result; "cancelled" for an inspection cancelled before it took place;
//                          ResultMapped MapInspectionResult(Result)
//   ScheduledDate          day (the slot booked); InspectedDate inspected_on
//   RequestDate, RequestTime   requested_at (local "YYYY-MM-DDTHH:MM") split
//   Final                  "Yes" when the type is the last of the permit's sequence, else "No"
//   ReInspection           whether another inspection is needed: "Yes" after Rejected or Partial, "No" after
//                          Passed, empty for Cancelled
//   Inspector              the inspector's name in the inspection settings (empty when no longer listed)
//   ExtraFields            {"inspection_id", "attempt"}
// InspectionNotes stays empty: the inspector's comments are not public (as in the public permit lookup).
#ifndef HOLDFAST_DOMAIN_BLDS_EXPORT_H_
#define HOLDFAST_DOMAIN_BLDS_EXPORT_H_

#include <vector>

#include "base/status.h"
#include "domain/blds.h"
#include "store/sqlite.h"

namespace holdfast::domain {

struct BldsExport {
  std::vector<BldsRow> permits;
  std::vector<BldsRow> inspections;
};

// Reads every permit and inspection of `db` into rows as described above and checks both datasets against
// `spec` (CheckRows). Errors: a mapping that fails names the permit (and inspection); a row that does not
// validate is a "blds-invalid" error naming its row, PermitNum and field. Reads only.
Result<BldsExport> BuildBldsExport(store::Db& db, const BldsSpec& spec);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_BLDS_EXPORT_H_
