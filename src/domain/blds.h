// BLDS open data (Building & Land Development Specification, permitdata.org): the permits and inspections
// datasets, as rows checked against the field list in shared/vectors/blds/fields.json.
//
// The spec file (BldsSpec::FromJson) holds, per dataset, `required`, `recommended` and `optional` field
// names, `required_rules`, `types` and `mapped_values` (the allowed values of each *Mapped field). Two kinds
// of rule are understood, and any other rule text is refused, so a changed spec fails loudly instead of being
// ignored:
//   "at least one of A, B"                       A and B are both listed as required; a row needs at least
//   one "X only where the system of record has it"   X is listed as required but may be absent
//
// A row is field name → value, all values text as in the CSV; an empty value counts as absent.
// Validation (ValidateRows) reports every problem, each naming the row (0-based index and PermitNum) and
// field:
//   - a required field absent (outside the two rules above); neither field of an either-or pair present;
//   - a field that is not in the dataset's spec;
//   - a *Mapped field whose value is not one of its allowed values (exact, case-sensitive);
//   - a field named *Date that is not a real date written YYYY-MM-DD;
//   - a field typed INTEGER that is not an integer, NUMERIC that is not a decimal number, JSON that is not
//   JSON.
//
// CSV (WriteCsv, RFC 4180): a header row, then one line per row; lines end CRLF; a value holding a comma, a
// double quote, CR or LF is quoted, its double quotes doubled. Columns: every required field, then every
// recommended field, in the spec's order, then the optional fields that some row holds, in the spec's order.
// JSON (WriteJson): an array of objects, one per row, holding the row's present fields in the same column
// order, every value a JSON string exactly as in the CSV (decimals are not rounded through binary floats).
//
// Mapping helpers turn the city's own words (as the permit and inspections modules record them) into a
// dataset's mapped values, always checked against the spec's allowed list. Words are compared after
// lower-casing and turning every run of other than a-z and 0-9 into "_", so "In Review", "in-review" and
// "in_review" agree. Each helper first accepts a word equal to an allowed value ("Pool/Spa" ← "pool_spa"),
// then a synonym:
//   StatusCurrentMapped: applied, application, submitted → Application Accepted; fees_assessed,
//   awaiting_payment,
//     paid → Fees/Payment; in_review, review → In Review; issued → Permit Issued; inspection, inspections →
//     Inspection Phase; finaled, final, closed → Permit Finaled; cancelled, canceled, void, voided, expired,
//     withdrawn → Permit Cancelled. A permit on hold has no BLDS status: the error tells the caller to leave
//     StatusCurrentMapped empty (it is recommended, not required) and set HoldDate.
//   WorkClassMapped: new → New; existing, addition, alteration, remodel, repair, renovation → Existing.
//   PermitClassMapped: residential → Residential; commercial, non_residential, industrial → Non-Residential.
//   PermitTypeMapped: building, demolition, … by name; demo → Demolition; pool, spa → Pool/Spa; roofing →
//   Roof. ContractorTradeMapped: general, building, general_contractor → General; electrician → Electrical;
//   hvac →
//     Mechanical; plumber → Plumbing; architect → Architecture; engineer → Engineering; mason → Masonry.
//   ResultMapped: pass, passed, approved → Passed; fail, failed, rejected, no_access → Rejected (a visit that
//     could not inspect needs a re-inspection, as a failure does); partial → Partial; cancelled, canceled →
//     Cancelled.
//   InspTypeMapped: by name ("building_final" → Building Final); footing, footings → Footings & Forms;
//     framing → Frame; rough_electrical, rough_plumbing, rough_mechanical → Rough In; final → Building Final.
//     The default permit types' (data/permit_types.json) other inspections, each to its nearest BLDS type:
//     insulation, drywall, pre_demolition → Progress Check; underground_plumbing → Ground Work;
//     roof_sheathing → Roof Deck; pool_steel → Footings & Forms; pool_electrical_bonding → Grounding;
//     pool_barrier → Fence Final; demolition_final, pool_final → Building Final.
// A word with no mapping is a not-found error of type "no-blds-mapping" naming the field.
#ifndef HOLDFAST_DOMAIN_BLDS_H_
#define HOLDFAST_DOMAIN_BLDS_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace holdfast::domain {

enum class BldsDataset { kPermits, kInspections };
std::string_view BldsDatasetName(BldsDataset dataset);  // "permits", "inspections"

struct BldsDatasetSpec {
  std::vector<std::string> required;
  std::vector<std::string> recommended;
  std::vector<std::string> optional;
  std::vector<std::vector<std::string>> at_least_one_of;  // from the "at least one of" rules
  std::vector<std::string> required_if_held;              // from the "only where … has it" rules
  std::map<std::string, std::string, std::less<>> types;  // field → INTEGER, NUMERIC or JSON
  std::map<std::string, std::vector<std::string>, std::less<>> mapped_values;

  bool Knows(std::string_view field) const;
};

struct BldsSpec {
  BldsDatasetSpec permits;
  BldsDatasetSpec inspections;

  const BldsDatasetSpec& Of(BldsDataset d) const {
    return d == BldsDataset::kPermits ? permits : inspections;
  }

  // Reads the spec (the format of fields.json); errors name the member at fault.
  static Result<BldsSpec> FromJson(const json::value& v);
  static Result<BldsSpec> Load(const std::string& path);
};

// The spec built into the binary: data/blds_fields.json, a copy of shared/vectors/blds/fields.json kept in
// step with it (a test checks that the two are equal).
Result<BldsSpec> BuiltInBldsSpec();
// The text of data/blds_fields.json as built in.
std::string_view BuiltInBldsSpecText();

using BldsRow = std::map<std::string, std::string, std::less<>>;

struct BldsProblem {
  size_t row = 0;
  std::string permit_num;  // the row's PermitNum, if it has one
  std::string field;
  std::string
      message;  // "row 3 (PermitNum BLD-1): IssuedDate \"2026-13-01\" is not a date written YYYY-MM-DD"
};

// Every problem of every row, in row order then rule order; empty when all rows are valid.
std::vector<BldsProblem> ValidateRows(const BldsSpec& spec, BldsDataset dataset,
                                      const std::vector<BldsRow>& rows);
// The first problem as an error of type "blds-invalid" naming its field, or ok.
Status CheckRows(const BldsSpec& spec, BldsDataset dataset, const std::vector<BldsRow>& rows);

// The columns the writers use for these rows (see above).
std::vector<std::string> BldsColumns(const BldsSpec& spec, BldsDataset dataset,
                                     const std::vector<BldsRow>& rows);
std::string WriteCsv(const BldsSpec& spec, BldsDataset dataset, const std::vector<BldsRow>& rows);
std::string WriteJson(const BldsSpec& spec, BldsDataset dataset, const std::vector<BldsRow>& rows);
// One CSV value, quoted when RFC 4180 requires it.
std::string CsvValue(std::string_view value);

// The mapping helpers described above.
Result<std::string> MapStatusCurrent(const BldsSpec& spec, std::string_view status);
Result<std::string> MapWorkClass(const BldsSpec& spec, std::string_view work_class);
Result<std::string> MapPermitClass(const BldsSpec& spec, std::string_view permit_class);
Result<std::string> MapPermitType(const BldsSpec& spec, std::string_view permit_type);
Result<std::string> MapContractorTrade(const BldsSpec& spec, std::string_view trade);
Result<std::string> MapInspectionResult(const BldsSpec& spec, std::string_view result);
Result<std::string> MapInspectionType(const BldsSpec& spec, std::string_view inspection_type);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_BLDS_H_
