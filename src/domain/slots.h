// Finding an inspection slot: which inspector inspects a request, on which business day, in which window.
//
// A slot is (day, window, inspector). Each business day has two windows, AM then PM. An inspector covers a
// set of areas and takes at most `capacity_per_window` inspections in each window of each business day.
//
// The search (FindSlot), fully deterministic for the same inputs:
//   start = the later of `earliest` and the preferred day (if any), moved onto a business day;
//   for each business day from start, at most `horizon_business_days` of them:
//     for each window in order AM, PM (only the preferred window, if one is given):
//       among the inspectors covering `area` with booked(inspector, day, window) < capacity,
//       take the one with the fewest booked in that window, ties broken by the smaller id (byte order);
//       answer that slot.
//   Nothing free within the horizon → a conflict error of type "no-slot-available".
// The answer is never over capacity: a slot is chosen only when its booked count is strictly below capacity.
// Days that are not business days are never offered.
//
// Bookings are counted through a callback so the search needs no database: the inspections module answers it
// from its slot aggregates. The callback is called only for inspectors covering the area and for business
// days within the horizon; an error it returns ends the search with that error.
#ifndef HOLDFAST_DOMAIN_SLOTS_H_
#define HOLDFAST_DOMAIN_SLOTS_H_

#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/date.h"
#include "base/status.h"
#include "domain/calendar.h"

namespace holdfast::domain {

enum class Window { kAm = 0, kPm = 1 };

// "AM" or "PM".
std::string_view WindowName(Window window);
// Parses "AM" or "PM"; errors name `field`.
Result<Window> ParseWindow(std::string_view text, std::string_view field = {});

struct Inspector {
  std::string id;
  std::set<std::string> areas;  // the areas (districts, zones) this inspector covers
  int capacity_per_window = 0;  // inspections per window per business day; 0 means not taking any
};

struct Slot {
  Date day;
  Window window = Window::kAm;
  std::string inspector;

  bool operator==(const Slot&) const = default;
  // "2026-01-12 AM insp-1", for messages and logs.
  std::string ToString() const;
};

// How many inspections are booked for `inspector` in `window` of `day`.
using BookedCount = std::function<Result<int>(const std::string& inspector, Date day, Window window)>;

inline constexpr int kDefaultHorizonBusinessDays = 60;

struct SlotRequest {
  Date earliest;  // the earliest inspection day (BusinessCalendar::EarliestInspectionDay)
  std::string area;
  std::optional<Date> preferred_day;       // start no earlier than this day (checked by CheckRequestedDay)
  std::optional<Window> preferred_window;  // offer only this window
  int horizon_business_days = kDefaultHorizonBusinessDays;
};

// Checks a list of inspectors: ids non-empty and unique, capacities 0..1000, area names non-empty. Errors
// name the entry ("inspectors[2].id").
Status ValidateInspectors(std::span<const Inspector> inspectors);

// Checks a day a requester asked for, against the city's `today` (its local date now:
// BusinessCalendar::LocalTimeOf(now).date) and the request's earliest day. A day before
// `today` is an invalid-input error of type "requested-date-in-past" naming `field`; a day from today on but
// before `earliest` is an error of type "requested-date-too-early" that says which day is the earliest.
Status CheckRequestedDay(Date requested, Date today, Date earliest,
                         std::string_view field = "requested_date");

// Runs the search described above. Errors: invalid inspectors or horizon (validation), no inspector covering
// the area (type "no-inspector-for-area"), nothing free within the horizon ("no-slot-available"), or the
// callback's own error.
Result<Slot> FindSlot(const BusinessCalendar& calendar, std::span<const Inspector> inspectors,
                      const SlotRequest& request, const BookedCount& booked);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_SLOTS_H_
