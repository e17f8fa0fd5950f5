// Fee schedules for animal licensing, versioned by the date they take effect. Fees are computed when a
// command runs, from the schedule in effect that day, and the computed lines are written into the command's
// events (DESIGN §4: events record decisions), so a later schedule never changes what was charged.
//
// A schedule, as admins load it (`holdfast fees load`, POST /api/v1/fee-schedules):
//   {"effective_from": "2026-01-01",
//    "licenses": [{"species": "dog", "altered": true, "term_years": 1, "code": "DOG-ALT-1",
//                  "description": "Dog license, spayed/neutered, 1 year", "amount_cents": 1500}, …],
//    "senior_discount_percent": 50,          // off the license fee when the owner is a senior (0..100)
//    "service_animals_exempt": true,          // service animals pay no license fee
//    "late_fee":        {"code": "LATE", "description": "…", "amount_cents": 1000},
//    "replacement_tag": {"code": "TAG-REPL", "description": "…", "amount_cents": 500},
//    "transfer":        {"code": "TRANSFER", "description": "…", "amount_cents": 300},
//    "renewal_window_days": 60}               // renewals open this many days before expiry
//
// Event: fees.schedule_set {id, schedule}, id from this node's "fs" series; aggregate fee_schedule:<id>.
// The schedule in effect on a date is the one with the latest effective_from on or before it; of two with the
// same effective_from, the one set later in canonical order.
#ifndef HOLDFAST_DOMAIN_FEES_H_
#define HOLDFAST_DOMAIN_FEES_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/date.h"
#include "base/json.h"
#include "domain/money.h"
#include "store/registry.h"
#include "store/writer.h"

namespace holdfast::domain {

struct FeeItem {
  std::string code;
  std::string description;
  Cents amount_cents = 0;
};

struct LicenseFee {
  std::string species;
  bool altered = false;
  int term_years = 1;
  FeeItem fee;
};

struct FeeSchedule {
  std::string id;  // "" until set
  Date effective_from;
  std::vector<LicenseFee> licenses;
  int senior_discount_percent = 0;
  bool service_animals_exempt = false;
  FeeItem late_fee;
  FeeItem replacement_tag;
  FeeItem transfer;
  int renewal_window_days = 60;

  // The schedule as loaded (without id), in a fixed member order.
  json::object ToJson() const;
};

// Validates a schedule as an admin wrote it; errors name the field at fault.
Result<FeeSchedule> ParseFeeSchedule(const json::value& body);

void RegisterFees(store::Registry& registry);

// Records a new schedule version; answers it with its id.
Result<FeeSchedule> SetFeeSchedule(store::CommandContext& ctx, FeeSchedule schedule,
                                   const std::string& actor);
// The schedule in effect on `day`, or a not-found error saying no schedule covers that day. Shared with other
// lookups of the same stored schedule: never changed.
Result<std::shared_ptr<const FeeSchedule>> ScheduleInEffect(store::Db& db, Date day);
// Every version, newest effective_from first.
Result<std::vector<FeeSchedule>> ListFeeSchedules(store::Db& db);

// What a license for this animal and term costs under `schedule`: the license fee, then a senior discount or
// a service-animal exemption (negative lines), then the late fee when `late`. Every line's ref is `ref`.
struct LicenseFeeRequest {
  std::string species;
  bool altered = false;
  bool service_animal = false;
  bool senior_owner = false;
  int term_years = 1;
  bool late = false;
};
Result<std::vector<FeeLine>> LicenseFees(const FeeSchedule& schedule, const LicenseFeeRequest& request,
                                         const std::string& ref);

// A sample schedule for a new city (the demo, and `holdfast fees show` on a node without one).
FeeSchedule ExampleFeeSchedule(Date effective_from);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_FEES_H_
