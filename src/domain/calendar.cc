#include "domain/calendar.h"

#include <fmt/format.h>

#include <charconv>

namespace holdfast::domain {
namespace {

constexpr std::array<std::string_view, 7> kDayNames = {"sunday",   "monday", "tuesday", "wednesday",
                                                       "thursday", "friday", "saturday"};

bool ParseTwoDigits(std::string_view text, int& out) {
  if (text.size() != 2) return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + 2, out);
  return ec == std::errc() && p == text.data() + 2;
}

}  // namespace

Weekday WeekdayOf(Date date) {
  int64_t w = (date.days() + 4) % 7;  // 1970-01-01 was a Thursday (4)
  if (w < 0) w += 7;
  return static_cast<Weekday>(w);
}

std::string_view WeekdayName(Weekday day) { return kDayNames[static_cast<size_t>(day)]; }

Result<int> ParseClockTime(std::string_view text, std::string_view field) {
  int h = 0, m = 0;
  if (text.size() != 5 || text[2] != ':' || !ParseTwoDigits(text.substr(0, 2), h) ||
      !ParseTwoDigits(text.substr(3, 2), m) || h > 23 || m > 59) {
    return Invalid(fmt::format("{:?} is not a time of day written HH:MM (00:00 to 23:59)", std::string(text)),
                   std::string(field));
  }
  return h * 60 + m;
}

std::string ClockTimeString(int minute) { return fmt::format("{:02}:{:02}", minute / 60, minute % 60); }

Result<LocalDateTime> LocalDateTime::Parse(std::string_view text, std::string_view field) {
  if (text.size() != 16 || (text[10] != 'T' && text[10] != ' ')) {
    return Invalid(
        fmt::format("{:?} is not a local date and time written YYYY-MM-DDTHH:MM", std::string(text)),
        std::string(field));
  }
  HF_ASSIGN_OR_RETURN(Date date, Date::Parse(text.substr(0, 10), field));
  HF_ASSIGN_OR_RETURN(int minute, ParseClockTime(text.substr(11), field));
  return LocalDateTime{date, minute};
}

LocalDateTime LocalDateTime::FromInstant(int64_t unix_ms, const TimeZone& zone) {
  CivilTime t = zone.ToLocal(unix_ms);
  return {t.date, static_cast<int>(t.ms_of_day / 60000)};
}

std::string LocalDateTime::ToString() const { return date.ToString() + "T" + ClockTimeString(minute); }

json::object CalendarConfig::ToJson() const {
  json::array days;
  for (Weekday d : weekend) days.emplace_back(WeekdayName(d));
  json::array dates;
  for (Date d : holidays) dates.emplace_back(d.ToString());
  return {{"weekend", std::move(days)},
          {"holidays", std::move(dates)},
          {"cutoff", ClockTimeString(cutoff_minute)},
          {"time_zone", time_zone.rule()}};
}

Result<CalendarConfig> ParseCalendarConfig(const json::value& v) {
  if (!v.is_object()) return Invalid("a business calendar is a JSON object");
  ObjectReader r(v);
  CalendarConfig config;
  if (const json::array* days = r.Array("weekend")) {
    config.weekend.clear();
    for (size_t i = 0; i < days->size(); ++i) {
      std::string field = fmt::format("weekend[{}]", i);
      const json::value& d = (*days)[i];
      const std::string_view name = d.is_string() ? std::string_view(d.get_string()) : std::string_view();
      size_t found = kDayNames.size();
      for (size_t k = 0; k < kDayNames.size(); ++k) {
        if (kDayNames[k] == name) found = k;
      }
      if (found == kDayNames.size()) {
        return Invalid(fmt::format("{} must be a day name in lower case (\"saturday\", \"sunday\" …)", field),
                       field);
      }
      if (!config.weekend.insert(static_cast<Weekday>(found)).second) {
        return Invalid(fmt::format("{} repeats {}", field, name), field);
      }
    }
    if (config.weekend.size() == 7) {
      return Invalid("weekend cannot hold all seven days: there would be no business day", "weekend");
    }
  }
  if (const json::array* dates = r.Array("holidays")) {
    for (size_t i = 0; i < dates->size(); ++i) {
      std::string field = fmt::format("holidays[{}]", i);
      const json::value& d = (*dates)[i];
      if (!d.is_string()) return Invalid(fmt::format("{} must be a date written YYYY-MM-DD", field), field);
      HF_ASSIGN_OR_RETURN(Date date, Date::Parse(d.get_string(), field));
      if (!config.holidays.insert(date).second) {
        return Invalid(fmt::format("{} repeats {}", field, date.ToString()), field);
      }
    }
  }
  if (auto cutoff = r.String("cutoff", 16)) {
    auto minute = ParseClockTime(*cutoff, "cutoff");
    if (!minute.ok()) return minute.error();
    config.cutoff_minute = *minute;
  }
  if (auto zone = r.String("time_zone", 100)) {
    auto tz = TimeZone::Parse(*zone, "time_zone");
    if (!tz.ok()) return tz.error();
    config.time_zone = *tz;
  }
  HF_RETURN_IF_ERROR(r.Finish());
  return config;
}

bool BusinessCalendar::IsBusinessDay(Date day) const {
  return config_.weekend.count(WeekdayOf(day)) == 0 && !IsHoliday(day);
}

Date BusinessCalendar::NextBusinessDay(Date day) const {
  // Terminates: at least one weekday is not weekend and the holidays are finite.
  Date d = day.AddDays(1);
  while (!IsBusinessDay(d)) d = d.AddDays(1);
  return d;
}

Date BusinessCalendar::OnOrAfter(Date day) const { return IsBusinessDay(day) ? day : NextBusinessDay(day); }

Date BusinessCalendar::AddBusinessDays(Date day, int n) const {
  Date d = day;
  const int step = n >= 0 ? 1 : -1;
  for (int left = n >= 0 ? n : -n; left > 0; --left) {
    do {
      d = d.AddDays(step);
    } while (!IsBusinessDay(d));
  }
  return d;
}

Date BusinessCalendar::ReceivedDay(const LocalDateTime& at) const {
  return at.minute < config_.cutoff_minute ? at.date : at.date.AddDays(1);
}

Date BusinessCalendar::EarliestInspectionDay(const LocalDateTime& at) const {
  return NextBusinessDay(ReceivedDay(at));
}

}  // namespace holdfast::domain
