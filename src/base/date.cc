#include "base/date.h"

#include <fmt/format.h>

#include <charconv>

namespace holdfast {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days algorithms (public domain descriptions of the
// proleptic Gregorian calendar in 400-year eras).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t y;
  unsigned m, d;
};

Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

}  // namespace

Date Date::FromCivil(int year, int month, int day) {
  return Date(DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)));
}

Date Date::FromUnixMs(int64_t unix_ms) {
  int64_t days = unix_ms / 86400000;
  if (unix_ms % 86400000 < 0) --days;
  return Date(days);
}

Result<Date> Date::Parse(std::string_view text, std::string_view field) {
  auto fail = [&] {
    return Invalid(fmt::format("{:?} is not a date written YYYY-MM-DD", std::string(text)),
                   std::string(field));
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return fail();
  int y = 0, m = 0, d = 0;
  auto num = [&](size_t at, size_t len, int& out) {
    auto [p, ec] = std::from_chars(text.data() + at, text.data() + at + len, out);
    return ec == std::errc() && p == text.data() + at + len;
  };
  if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d)) return fail();
  if (y < 1900 || m < 1 || m > 12 || d < 1 || static_cast<unsigned>(d) > DaysInMonth(y, m)) return fail();
  return FromCivil(y, m, d);
}

int Date::year() const { return static_cast<int>(CivilFromDays(days_).y); }
int Date::month() const { return static_cast<int>(CivilFromDays(days_).m); }
int Date::day() const { return static_cast<int>(CivilFromDays(days_).d); }

std::string Date::ToString() const {
  Civil c = CivilFromDays(days_);
  return fmt::format("{:04}-{:02}-{:02}", c.y, c.m, c.d);
}

Date Date::AddYears(int n) const {
  Civil c = CivilFromDays(days_);
  int64_t y = c.y + n;
  unsigned d = std::min(c.d, DaysInMonth(y, c.m));
  return Date(DaysFromCivil(y, c.m, d));
}

}  // namespace holdfast
