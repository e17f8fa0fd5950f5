// The city's business calendar for inspections: which days inspectors work, and the earliest day a request
// can be inspected.
//
// Business day: a day that is neither a weekend day (configurable, Saturday and Sunday by default) nor one of
// the listed holidays.
//
// The request rule. A request is made at a local date-time (date D, minute of the day m) in the city's own
// time. With the daily cutoff c (minutes after local midnight, 15:00 by default):
//   received day R = D       when m <  c
//                  = D + 1   when m >= c (the next calendar day, whatever kind of day it is)
//   earliest inspection day = the first business day strictly after R.
// So Thursday 14:00 → Friday; Thursday 16:00 → received Friday → Monday; Friday 16:00 → received Saturday →
// Monday; and when that Monday is a holiday, Tuesday.
//
// Local time. The rule speaks of the city's clock, not UTC (base/date.h turns the node clock into a date in
// UTC). The calendar's configured time zone turns a request's instant into local time (LocalTimeOf);
// functions taking a LocalDateTime take the city's local civil time.
//
// The configuration, as an administrator writes it (every member optional):
//   {"weekend": ["saturday", "sunday"],      // lower-case English day names, no repeats, not all seven
//    "holidays": ["2026-11-26", "2026-12-25"],  // YYYY-MM-DD, in any order, no repeats
//    "cutoff": "15:00",                      // HH:MM, 24-hour clock, 00:00..23:59
//    "time_zone": "CST6CDT,M3.2.0,M11.1.0"}  // a POSIX TZ rule (base/timezone.h); UTC when absent. The
//                                            // city's clock for every local date (domain/city_date.h)
//
// Thread-safety: a BusinessCalendar is immutable after construction; share it freely.
#ifndef HOLDFAST_DOMAIN_CALENDAR_H_
#define HOLDFAST_DOMAIN_CALENDAR_H_

#include <array>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/date.h"
#include "base/json.h"
#include "base/status.h"
#include "base/timezone.h"

namespace holdfast::domain {

enum class Weekday { kSunday = 0, kMonday, kTuesday, kWednesday, kThursday, kFriday, kSaturday };

// The day of the week of a date (1970-01-01 was a Thursday).
Weekday WeekdayOf(Date date);
// "sunday" … "saturday".
std::string_view WeekdayName(Weekday day);

// A moment in the city's local time, to the minute.
struct LocalDateTime {
  Date date;
  int minute = 0;  // minutes after local midnight, 0..1439

  // Parses "YYYY-MM-DDTHH:MM" (a space may stand for the T); errors name `field`.
  static Result<LocalDateTime> Parse(std::string_view text, std::string_view field = {});
  // The local time in `zone` of a Unix time in milliseconds, seconds dropped.
  static LocalDateTime FromInstant(int64_t unix_ms, const TimeZone& zone);
  std::string ToString() const;  // "YYYY-MM-DDTHH:MM"
  auto operator<=>(const LocalDateTime&) const = default;
};

// Parses "HH:MM" into minutes after midnight; errors name `field`.
Result<int> ParseClockTime(std::string_view text, std::string_view field = {});
std::string ClockTimeString(int minute);

struct CalendarConfig {
  std::set<Weekday> weekend = {Weekday::kSaturday, Weekday::kSunday};
  std::set<Date> holidays;
  int cutoff_minute = 15 * 60;
  TimeZone time_zone;  // UTC unless configured

  // The configuration in the JSON form above, holidays in date order.
  json::object ToJson() const;
};

// Validates a configuration; errors name the member at fault ("holidays[2]", "cutoff", "weekend[0]").
Result<CalendarConfig> ParseCalendarConfig(const json::value& v);

class BusinessCalendar {
 public:
  // The default calendar: Saturday and Sunday off, no holidays, cutoff 15:00.
  BusinessCalendar() = default;
  explicit BusinessCalendar(CalendarConfig config) : config_(std::move(config)) {}

  const CalendarConfig& config() const { return config_; }

  bool IsBusinessDay(Date day) const;
  bool IsHoliday(Date day) const { return config_.holidays.count(day) > 0; }
  // The first business day strictly after `day`.
  Date NextBusinessDay(Date day) const;
  // `day` itself when it is a business day, otherwise the next one.
  Date OnOrAfter(Date day) const;
  // Counts `n` business days from `day`: n > 0 forward, n < 0 backward, not counting `day` itself. n == 0
  // gives `day` unchanged, business day or not.
  Date AddBusinessDays(Date day, int n) const;

  // The day a request made at `at` counts as received (see the rule above).
  Date ReceivedDay(const LocalDateTime& at) const;
  // The earliest day a request made at `at` can be inspected: the first business day after ReceivedDay(at).
  Date EarliestInspectionDay(const LocalDateTime& at) const;

  // The city's local time at a Unix time in milliseconds, in the configured time zone.
  LocalDateTime LocalTimeOf(int64_t unix_ms) const {
    return LocalDateTime::FromInstant(unix_ms, config_.time_zone);
  }
  // EarliestInspectionDay for a request made at a Unix time in milliseconds.
  Date EarliestInspectionDayAt(int64_t unix_ms) const { return EarliestInspectionDay(LocalTimeOf(unix_ms)); }

 private:
  CalendarConfig config_;
};

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_CALENDAR_H_
