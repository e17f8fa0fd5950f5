// Permit types as data: the catalog of permit types a city issues, versioned by the date it takes effect,
// exactly as the licensing fee schedule is (domain/fees.h). A permit records the type as it stood in the
// version in effect on the day it was applied for: its inspection sequence, its fee lines and its expiry
// rule, so a later version never changes a permit already applied for (DESIGN §4).
//
// A catalog version, as admins load it (`holdfast permit-types load`, POST /api/v1/permit-types):
//   {"effective_from": "2026-01-01",
//    "expiry_days": 180,              // a permit expires this many days after issue or its last passed
//                                     // inspection, whichever is later (1..3650)
//    "types": [{"code": "building", "name": "Building",
//               "contractor_trade": "general",   // "" or absent: no licensed contractor needed
//               "inspections": ["footing", "foundation", "rough_frame", "insulation", "building_final"],
//               "fees": {"code": "BP-BLDG", "description": "Building permit fee",
//                        "flat_cents": 0,
//                        "valuation_tiers": [{"up_to_cents": 2500000, "amount_cents": 7500},
//                                            {"up_to_cents": 10000000, "amount_cents": 7500,
//                                             "rate_per_thousand_cents": 900},
//                                            {"amount_cents": 75000, "rate_per_thousand_cents": 700}],
//                        "per_square_foot_cents": 0,
//                        "minimum_cents": 5000,
//                        "surcharges": [{"code": "TECH", "description": "Technology surcharge",
//                                        "basis_points": 400}],
//                        "reinspection_cents": 7500}}, …]}
//
// Fee rules (integer cents throughout; FeesFor computes them):
//   base = flat_cents + valuation part + per_square_foot_cents × square_feet
//   valuation part: the first tier whose up_to_cents ≥ valuation (tiers ascending; the last may leave
//     up_to_cents out and then covers everything above). It charges amount_cents plus
//     rate_per_thousand_cents for each $1,000 of valuation above the previous tier's up_to_cents (0 for the
//     first tier), pro rata: (valuation − floor) × rate / 100,000 cents, rounded half up to the cent.
//   base is raised to minimum_cents when below it.
//   each surcharge: base × basis_points / 10,000, rounded half up to the cent (400 basis points = 4%).
//   Lines: one for the base (the type's fee code), then one per surcharge that is not zero, in order.
//   reinspection_cents is not charged at application: the inspections module charges it on the third
//   request of one inspection type, from the amount recorded in the permit.
//
// Event: permit_types.set {id, catalog}, id from this node's "permit_types" series ("pt-<node>-<n>");
// aggregate permit_types:<id>. The version in effect on a date is the one with the latest effective_from on
// or before it; of two with the same effective_from, the one set later in canonical order.
#ifndef HOLDFAST_DOMAIN_PERMIT_TYPES_H_
#define HOLDFAST_DOMAIN_PERMIT_TYPES_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/date.h"
#include "base/json.h"
#include "domain/money.h"
#include "store/registry.h"
#include "store/writer.h"

namespace holdfast::domain {

struct ValuationTier {
  std::optional<Cents> up_to_cents;  // nullopt: no upper bound (only the last tier)
  Cents amount_cents = 0;
  Cents rate_per_thousand_cents = 0;
};

struct Surcharge {
  std::string code;
  std::string description;
  int64_t basis_points = 0;  // 1/100 of a percent, 0..10000
};

struct PermitFeeRules {
  std::string code;  // fee code of the base line
  std::string description;
  Cents flat_cents = 0;
  std::vector<ValuationTier> valuation_tiers;
  Cents per_square_foot_cents = 0;
  Cents minimum_cents = 0;
  std::vector<Surcharge> surcharges;
  Cents reinspection_cents = 0;
};

struct PermitType {
  std::string code;  // lower-case word: building, electrical …
  std::string name;
  std::string contractor_trade;          // "" when no licensed contractor is required
  std::vector<std::string> inspections;  // in order; the last is the final inspection
  PermitFeeRules fees;

  bool requires_contractor() const { return !contractor_trade.empty(); }
};

struct PermitCatalog {
  std::string id;  // "" until set
  Date effective_from;
  int expiry_days = 180;
  std::vector<PermitType> types;

  const PermitType* Find(std::string_view code) const;
  // The catalog as loaded (without id).
  json::object ToJson() const;
};

json::object PermitTypeJson(const PermitType& type);

// Validates a catalog as an admin wrote it; errors name the field at fault ("types[2].fees.minimum_cents").
Result<PermitCatalog> ParsePermitCatalog(const json::value& body);

void RegisterPermitTypes(store::Registry& registry);

// Records a new catalog version; answers it with its id.
Result<PermitCatalog> SetPermitCatalog(store::CommandContext& ctx, PermitCatalog catalog,
                                       const std::string& actor);
// The catalog in effect on `day`, or not-found ("no-permit-types").
Result<std::shared_ptr<const PermitCatalog>> CatalogInEffect(store::Db& db, Date day);
// Every version, newest effective_from first.
Result<std::vector<PermitCatalog>> ListPermitCatalogs(store::Db& db);

// What the permit fee rules charge for a permit of this valuation and area; every line's ref is `ref`.
// Requires valuation_cents ≥ 0 and square_feet ≥ 0. Fails only when no tier covers the valuation.
struct PermitFees {
  std::vector<FeeLine> lines;
  json::object basis;  // {flat_cents, valuation_part_cents, square_feet_part_cents, minimum_applied}
};
Result<PermitFees> FeesFor(const PermitFeeRules& rules, Cents valuation_cents, int64_t square_feet,
                           const std::string& ref);

// The default catalog shipped with Holdfast (data/permit_types.json, built in), with `effective_from` set to
// the given day. The demo and the tests load it through SetPermitCatalog, as an admin would.
Result<PermitCatalog> DefaultPermitCatalog(Date effective_from);
// The text of data/permit_types.json as built in.
std::string_view DefaultPermitCatalogText();

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_PERMIT_TYPES_H_
