#include "base/timezone.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "base/files.h"

namespace holdfast {
namespace {

constexpr int64_t kHourMs = 3600000;
constexpr int64_t kDayMs = 24 * kHourMs;

// Reads the rule from left to right; every Read* returns false on a syntax error.
class RuleReader {
 public:
  explicit RuleReader(std::string_view s) : s_(s) {}
  bool AtEnd() const { return i_ == s_.size(); }
  bool Peek(char c) const { return i_ < s_.size() && s_[i_] == c; }
  bool Take(char c) {
    if (!Peek(c)) return false;
    ++i_;
    return true;
  }
  bool PeekName() const {
    return Peek('<') || (i_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[i_])));
  }

  bool ReadName() {
    size_t n = 0;
    if (Take('<')) {
      while (i_ < s_.size() && s_[i_] != '>') {
        const char c = s_[i_++];
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-') return false;
        ++n;
      }
      return Take('>') && n >= 3;
    }
    while (i_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[i_]))) ++i_, ++n;
    return n >= 3;
  }

  bool ReadNumber(int max, int& out) {
    size_t digits = 0;
    out = 0;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])) && digits < 3) {
      out = out * 10 + (s_[i_++] - '0');
      ++digits;
    }
    return digits > 0 && out <= max;
  }

  // [+|-]hh[:mm[:ss]] in milliseconds, hours up to `max_hours`.
  bool ReadDuration(int max_hours, int64_t& out) {
    int64_t sign = 1;
    if (Take('-')) {
      sign = -1;
    } else {
      Take('+');
    }
    int h = 0, m = 0, s = 0;
    if (!ReadNumber(max_hours, h)) return false;
    if (Take(':')) {
      if (!ReadNumber(59, m)) return false;
      if (Take(':') && !ReadNumber(59, s)) return false;
    }
    out = sign * ((h * 60 + m) * 60 + s) * 1000;
    return true;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

int DaysInMonth(int year, int month) {
  Date first = Date::FromCivil(year, month, 1);
  Date next = month == 12 ? Date::FromCivil(year + 1, 1, 1) : Date::FromCivil(year, month + 1, 1);
  return static_cast<int>(next.days() - first.days());
}

int WeekdayOf(Date d) {  // 0 = Sunday; 1970-01-01 was a Thursday
  int64_t w = (d.days() + 4) % 7;
  return static_cast<int>(w < 0 ? w + 7 : w);
}

}  // namespace

Result<TimeZone> TimeZone::Parse(std::string_view rule, std::string_view field) {
  auto fail = [&](std::string_view why) {
    return Invalid(fmt::format("{:?} is not a POSIX time zone rule such as \"CST6CDT,M3.2.0,M11.1.0\": {}",
                               std::string(rule), why),
                   std::string(field));
  };
  TimeZone tz;
  tz.rule_ = std::string(rule);
  RuleReader r(rule);
  int64_t west = 0;
  if (!r.ReadName()) return fail("the standard time's name must be 3 or more letters");
  if (!r.ReadDuration(24, west)) return fail("the standard offset must be [+|-]hh[:mm[:ss]]");
  tz.std_offset_ms_ = -west;
  if (r.AtEnd()) return tz;
  if (!r.PeekName() || !r.ReadName()) return fail("the daylight time's name must be 3 or more letters");
  tz.has_dst_ = true;
  tz.dst_offset_ms_ = tz.std_offset_ms_ + kHourMs;
  if (!r.Peek(',')) {
    if (!r.ReadDuration(24, west)) return fail("the daylight offset must be [+|-]hh[:mm[:ss]]");
    tz.dst_offset_ms_ = -west;
  }
  for (Transition* t : {&tz.start_, &tz.end_}) {
    if (!r.Take(',')) return fail("daylight time needs a start and an end rule");
    if (!r.Take('M')) return fail("transitions must be written Mm.w.d");
    if (!r.ReadNumber(12, t->month) || t->month < 1 || !r.Take('.') || !r.ReadNumber(5, t->week) ||
        t->week < 1 || !r.Take('.') || !r.ReadNumber(6, t->day)) {
      return fail("transitions must be written Mm.w.d (month 1-12, week 1-5, day 0-6)");
    }
    if (r.Take('/') && !r.ReadDuration(167, t->time_ms)) {
      return fail("a transition time must be [+|-]hh[:mm[:ss]]");
    }
  }
  if (!r.AtEnd()) return fail("unexpected text after the end rule");
  return tz;
}

int64_t TimeZone::TransitionUtc(const Transition& t, int year, int64_t offset_before_ms) const {
  const Date first = Date::FromCivil(year, t.month, 1);
  int day = 1 + (t.day - WeekdayOf(first) + 7) % 7 + 7 * (t.week - 1);
  while (day > DaysInMonth(year, t.month)) day -= 7;
  return (first.days() + day - 1) * kDayMs + t.time_ms - offset_before_ms;
}

int64_t TimeZone::OffsetMsAt(int64_t unix_ms) const {
  if (!has_dst_) return std_offset_ms_;
  const int year = Date::FromUnixMs(unix_ms + std_offset_ms_).year();
  const int64_t start = TransitionUtc(start_, year, std_offset_ms_);
  const int64_t end = TransitionUtc(end_, year, dst_offset_ms_);
  const bool dst = start < end ? (unix_ms >= start && unix_ms < end) : !(unix_ms >= end && unix_ms < start);
  return dst ? dst_offset_ms_ : std_offset_ms_;
}

CivilTime TimeZone::ToLocal(int64_t unix_ms) const {
  const int64_t local = unix_ms + OffsetMsAt(unix_ms);
  const Date date = Date::FromUnixMs(local);
  return {date, local - date.days() * kDayMs};
}

Result<int64_t> TimeZone::ToUnixMs(const CivilTime& local) const {
  if (local.ms_of_day < 0 || local.ms_of_day >= kDayMs)
    return Invalid("a time of day is 00:00 to 23:59:59.999");
  const int64_t l = local.date.days() * kDayMs + local.ms_of_day;
  const int64_t a = l - std_offset_ms_, b = l - dst_offset_ms_;
  const bool a_ok = OffsetMsAt(a) == std_offset_ms_;
  const bool b_ok = has_dst_ && OffsetMsAt(b) == dst_offset_ms_;
  if (a_ok && b_ok) return std::min(a, b);
  if (a_ok) return a;
  if (b_ok) return b;
  return Invalid(fmt::format("{} {:02}:{:02} does not occur in this time zone: the clocks skip it",
                             local.date.ToString(), local.ms_of_day / kHourMs, local.ms_of_day / 60000 % 60),
                 "time");
}

Result<TimeZone> TimeZone::Resolve(std::string_view name_or_rule, std::string_view field,
                                   const std::string& zoneinfo) {
  // A tz database name: letters, digits, '_', '-', '+' and '/' between parts, no "..": "America/Chicago".
  const bool name_like =
      !name_or_rule.empty() && name_or_rule.size() <= 64 &&
      name_or_rule.find(',') == std::string_view::npos && name_or_rule.find('/') != std::string_view::npos &&
      name_or_rule.find("..") == std::string_view::npos && name_or_rule.front() != '/' &&
      std::all_of(name_or_rule.begin(), name_or_rule.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '+' || c == '/';
      });
  if (!name_like) return Parse(name_or_rule, field);
  const std::string path = zoneinfo + "/" + std::string(name_or_rule);
  Result<std::string> file = ReadFile(path);
  if (!file.ok()) {
    return Invalid(fmt::format("no time zone named {:?} in {} (a tz database name like America/Chicago, or a "
                               "POSIX rule like CST6CDT,M3.2.0,M11.1.0)",
                               name_or_rule, zoneinfo),
                   std::string(field));
  }
  const std::string& bytes = *file;
  // TZif version 2 and later end with "\n<POSIX rule>\n" (RFC 8536 §3.3).
  const bool tzif =
      bytes.size() > 6 && bytes.compare(0, 4, "TZif") == 0 && bytes[4] >= '2' && bytes.back() == '\n';
  const size_t start = tzif ? bytes.rfind('\n', bytes.size() - 2) : std::string::npos;
  if (start == std::string::npos || start + 2 >= bytes.size()) {
    return Invalid(fmt::format("{} holds no POSIX rule for {:?}: give the rule itself, like "
                               "CST6CDT,M3.2.0,M11.1.0",
                               path, name_or_rule),
                   std::string(field));
  }
  return Parse(std::string_view(bytes).substr(start + 1, bytes.size() - start - 2), field);
}

}  // namespace holdfast
