// The city's time zone, as a POSIX TZ rule: what turns an instant (Unix ms) into the city's local date and
// time of day, and back. base/date.h works in UTC; rules that speak of the city's clock ("a request before
// 15:00 is received that day") need this.
//
// The rule is the last line of a TZif file (RFC 8536 §3.3), e.g. "CST6CDT,M3.2.0,M11.1.0" for America/Chicago
// or "AEST-10AEDT,M10.1.0,M4.1.0/3" for Australia/Sydney:
//   std offset [dst [offset] ,start[/time],end[/time]]
//   std, dst   3 or more letters, or <…> holding letters, digits, '+' and '-'
//   offset     [+|-]hh[:mm[:ss]], hours WEST of Greenwich (so "6" is UTC−6); dst defaults to std + 1 hour
//   start, end Mm.w.d: month 1..12, week 1..5 (5 = the last), day 0..6 (0 = Sunday)
//   time       [+|-]hh[:mm[:ss]], −167..167 hours, local time of the transition, default 02:00:00
// A rule with a dst name must give both transitions; the Jn and n day forms are refused (no city uses them).
// Daylight time starts at `start` in standard local time and ends at `end` in daylight local time; when end
// comes before start in the year (the southern hemisphere), daylight time spans the new year.
//
// Thread-safety: immutable after Parse.
#ifndef HOLDFAST_BASE_TIMEZONE_H_
#define HOLDFAST_BASE_TIMEZONE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/date.h"
#include "base/status.h"

namespace holdfast {

// A local civil time: a date and milliseconds since local midnight (0 .. 86,399,999).
struct CivilTime {
  Date date;
  int64_t ms_of_day = 0;

  auto operator<=>(const CivilTime&) const = default;
};

class TimeZone {
 public:
  // UTC.
  TimeZone() = default;
  // Parses a POSIX TZ rule (see above); errors name `field`.
  static Result<TimeZone> Parse(std::string_view rule, std::string_view field = "time_zone");
  // A zone by its tz database name ("America/Chicago": the rule at the end of its TZif file under
  // `zoneinfo`) or by its POSIX rule; errors name `field` and say what to give instead.
  static Result<TimeZone> Resolve(std::string_view name_or_rule, std::string_view field = "time_zone",
                                  const std::string& zoneinfo = "/usr/share/zoneinfo");

  const std::string& rule() const { return rule_; }

  // Local time minus UTC at `unix_ms`, in milliseconds (e.g. −18,000,000 for CDT).
  int64_t OffsetMsAt(int64_t unix_ms) const;
  CivilTime ToLocal(int64_t unix_ms) const;
  // The instant a local time names. A local time that occurs twice (when clocks go back) is the earlier
  // instant; one that does not occur (skipped when clocks go forward) is an invalid-input error.
  Result<int64_t> ToUnixMs(const CivilTime& local) const;

 private:
  struct Transition {
    int month = 0, week = 0, day = 0;
    int64_t time_ms = 2 * 3600000;
  };
  // Unix ms of a transition in `year`, given the UTC offset in force just before it.
  int64_t TransitionUtc(const Transition& t, int year, int64_t offset_before_ms) const;

  std::string rule_ = "UTC0";
  int64_t std_offset_ms_ = 0;  // local minus UTC
  bool has_dst_ = false;
  int64_t dst_offset_ms_ = 0;
  Transition start_, end_;
};

}  // namespace holdfast

#endif  // HOLDFAST_BASE_TIMEZONE_H_
