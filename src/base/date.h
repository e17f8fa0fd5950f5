// Calendar dates (license terms, due dates, rabies expiries) as days since 1970-01-01, written "YYYY-MM-DD"
// (proleptic Gregorian). Dates are the city's calendar: the node's clock is turned into a date in UTC.
#ifndef HOLDFAST_BASE_DATE_H_
#define HOLDFAST_BASE_DATE_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace holdfast {

class Date {
 public:
  Date() = default;
  static Date FromDays(int64_t days) { return Date(days); }
  static Date FromCivil(int year, int month, int day);
  // The UTC date of a Unix time in milliseconds.
  static Date FromUnixMs(int64_t unix_ms);
  // Parses "YYYY-MM-DD" (years 1900..9999); a clear error names `field` otherwise.
  static Result<Date> Parse(std::string_view text, std::string_view field = {});

  int64_t days() const { return days_; }
  int year() const;
  int month() const;
  int day() const;
  std::string ToString() const;

  Date AddDays(int64_t n) const { return Date(days_ + n); }
  // The same day and month `n` years later; 29 February becomes 28 February in a common year.
  Date AddYears(int n) const;

  auto operator<=>(const Date&) const = default;

 private:
  explicit Date(int64_t days) : days_(days) {}
  int64_t days_ = 0;
};

}  // namespace holdfast

#endif  // HOLDFAST_BASE_DATE_H_
