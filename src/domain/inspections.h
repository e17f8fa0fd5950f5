// Inspections: requesting, booking, rescheduling, cancelling and recording the result of a permit's
// inspections (docs/inspections.md). Each command decides everything once — the slot (domain/slots.h) found
// with the city's business calendar (domain/calendar.h) in the settings in effect, the window's capacity, the
// attempt number and any re-inspection fee — and writes it into its event (DESIGN §4).
//
// Settings (event inspection.settings_set, one aggregate inspection-settings:city, the latest in canonical
// order stands):
//   {"calendar": {weekend, holidays, cutoff, time_zone},        // domain/calendar.h
//    "areas": [{"name": "north", "zips": ["62701", "62702"]}],   // a permit's area is the one holding its
//    ZIP, "default_area": "north",                                    //   else this one (optional)
//    "inspectors": [{"id": "<user id>", "name": "Casey Ortiz", "areas": ["north"],
//                    "capacity_per_window": 4}],
//    "office": {"latitude_microdegrees": …, "longitude_microdegrees": …},  // where routes start (optional)
//    "am": "08:00-12:00", "pm": "13:00-17:00"}                   // the windows' hours (for calendar feeds)
//
// Events (days "YYYY-MM-DD", slot = {day, window "AM" | "PM", inspector, capacity}):
//   inspection.requested    id, permit, type, attempt (1 for the first request of this type on this permit),
//                           requested_at (local "YYYY-MM-DDTHH:MM"), received_on, earliest_on, area, slot,
//                           reinspection_fee_cents (the fee this request added, 0 if none),
//                           address {line1, city, zip}, latitude_microdegrees?, longitude_microdegrees?
//   inspection.rescheduled  id, permit, from (the slot left, or null), slot, reason
//   inspection.cancelled    id, permit, slot, reason
//   inspection.result_recorded  id, permit, type, result ("pass" | "fail" | "partial" | "cancelled" |
//                           "no_access"), comments, corrections [text], inspected_on, inspector
// A request's events also belong to the slot it takes: slot:<day>/<inspector>/<window>. The slot's fold keeps
// the first `capacity` bookings in canonical order; a booking beyond them (two offices that were cut off from
// each other booked the last place) is bumped: its inspection reads "needs_reschedule" and the slot writes a
// "slot-overbooked" conflict for a supervisor. A cancellation or a reschedule gives its place back.
//
// A third or later request of one type on a permit adds the permit type's re-inspection fee to the permit
// (permit.fee_assessed, in the same command); a permit with fees due takes no new request until they are
// paid at a counter (PayPermit). A passing result calls RecordInspectionPassed (domain/permits.h) in the same
// command, which finals the permit when it was the last inspection of its sequence.
//
// Tables: inspections (one row per inspection, aggregate inspection:<id>), slot_bookings (one row per booking
// of a slot, aggregate slot:<…>), inspection_settings (one row).
#ifndef HOLDFAST_DOMAIN_INSPECTIONS_H_
#define HOLDFAST_DOMAIN_INSPECTIONS_H_

#include <optional>
#include <string>
#include <vector>

#include "base/ical.h"
#include "base/json.h"
#include "domain/calendar.h"
#include "domain/route.h"
#include "domain/slots.h"
#include "store/registry.h"
#include "store/writer.h"

namespace holdfast::domain {

void RegisterInspections(store::Registry& registry);

struct InspectionArea {
  std::string name;
  std::vector<std::string> zips;
};

struct InspectorInfo {
  Inspector slots;   // id, areas, capacity_per_window
  std::string name;  // as people see it
};

struct InspectionSettings {
  BusinessCalendar calendar;
  std::vector<InspectionArea> areas;
  std::string default_area;
  std::vector<InspectorInfo> inspectors;
  std::optional<GeoPoint> office;
  int am_start = 8 * 60, am_end = 12 * 60, pm_start = 13 * 60, pm_end = 17 * 60;

  // The form described above.
  json::object ToJson() const;
  // The area of a permit's ZIP code ("" when none covers it).
  std::string AreaOf(std::string_view zip) const;
  const InspectorInfo* FindInspector(std::string_view id) const;
  std::vector<Inspector> SlotInspectors() const;
};

// Validates settings; errors name the member at fault ("inspectors[1].areas[0]").
Result<InspectionSettings> ParseInspectionSettings(const json::value& v);

// The settings in effect (409 "inspections-not-configured" until an admin sets them).
Result<InspectionSettings> CurrentInspectionSettings(store::Db& db);
Result<json::object> SetInspectionSettings(store::CommandContext& ctx, const InspectionSettings& settings,
                                           const std::string& actor);

struct InspectionRequest {
  std::string permit;
  std::string type;
  std::optional<Date> requested_day;  // "not before this day"
  std::optional<Window> window;       // only this window
  std::string reason;                 // of a reschedule
};
// A request's body {inspection_type, requested_date?, window?}, or a reschedule's {reason, requested_date?,
// window?}; errors name the member.
Result<InspectionRequest> ParseInspectionRequest(const json::value& body, std::string permit,
                                                 bool reschedule = false);

// Requests an inspection now (the clock of `ctx`, read in the city's time zone). Refusals: 404 no permit;
// 409 "permit-not-issued", "permit-closed", "permit-on-hold", "permit-fees-due", "inspection-passed",
// "inspection-out-of-sequence", "inspection-open", "no-inspector-for-area", "no-slot-available",
// "inspections-not-configured"; 422 "unknown-inspection-type", "requested-date-in-past",
// "requested-date-too-early". Answers the inspection (GetInspection) with "fee_added_cents".
Result<json::object> RequestInspection(store::CommandContext& ctx, const InspectionRequest& request,
                                       const std::string& actor);

// The places open now for an inspection of `permit` (as GetPermit answers it): at most `limit` windows
// {day, window, open (places left)}, in order from the earliest day (the calendar's cutoff rule, the clock
// `now_ms` read in the city's time zone) over kDefaultHorizonBusinessDays business days, counting the places
// left among the inspectors covering the permit's area. A request with one's day as requested_date and its
// window books it while it has a place. 409 "inspections-not-configured", "no-inspector-for-area".
Result<json::array> OpenSlots(store::Db& db, const json::object& permit, int64_t now_ms, int limit);

// Moves a scheduled (or needs_reschedule) inspection to a new slot found as for a request made now.
Result<json::object> RescheduleInspection(store::CommandContext& ctx, const std::string& id,
                                          std::optional<Date> requested_day, std::optional<Window> window,
                                          const std::string& reason, const std::string& actor);
Result<json::object> CancelInspection(store::CommandContext& ctx, const std::string& id,
                                      const std::string& reason, const std::string& actor);

struct InspectionResult {
  std::string result;  // pass, fail, partial, cancelled, no_access
  std::string comments;
  std::vector<std::string> corrections;
};
Result<InspectionResult> ParseInspectionResult(const json::value& body);
// Records the result of a scheduled inspection on today's local date (409 "inspection-closed" once it has
// a result or was cancelled).
Result<json::object> RecordInspectionResult(store::CommandContext& ctx, const std::string& id,
                                            const InspectionResult& result, const std::string& actor);

// {id, permit, type, attempt, status ("scheduled", "needs_reschedule", "cancelled", "completed"), result
// (null until recorded), day, window, inspector, inspector_name, area, requested_at, received_on,
// earliest_on, comments, corrections, inspected_on, reinspection_fee_cents, address {line1, city, zip},
// latitude_microdegrees, longitude_microdegrees, updated_at, event_hash}.
Result<std::optional<json::object>> GetInspection(store::Db& db, std::string_view id);

struct InspectionQuery {
  std::string permit;     // "" or one permit
  std::string inspector;  // "" or one inspector
  std::optional<Date> day;
  std::string status;  // "" or one status
  int limit = 200;
};
// Inspections by day, window, inspector and id (a permit's in request order).
Result<json::array> ListInspections(store::Db& db, const InspectionQuery& query);

// An inspector's scheduled inspections on `day`, in route order from the office (domain/route.h), each with
// its "stop" number from 1.
Result<json::array> InspectorDay(store::Db& db, const std::string& inspector, Date day);

// The inspector's iCalendar feed (base/ical.h): every inspection booked for them from `from` on, each in its
// window's hours in the city's time zone; cancelled and bumped ones as CANCELLED, completed ones CONFIRMED
// with their result.
Result<std::string> InspectorCalendar(store::Db& db, const std::string& inspector, Date from, int64_t now_ms);

// The public view of a permit's inspections: type, status, day, window, result, inspected_on.
Result<json::array> PublicInspections(store::Db& db, std::string_view permit);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_INSPECTIONS_H_
