#include "domain/calendar.h"

#include <gtest/gtest.h>

namespace holdfast::domain {
namespace {

Date D(const char* text) { return *Date::Parse(text); }
LocalDateTime At(const char* text) { return *LocalDateTime::Parse(text); }

// January 2026: Thursday the 1st, Friday the 2nd, Monday the 5th, Monday the 19th.
TEST(CalendarTest, WeekdaysAreKnownOnBothSidesOfTheEpoch) {
  EXPECT_EQ(WeekdayOf(D("2026-01-01")), Weekday::kThursday);
  EXPECT_EQ(WeekdayOf(D("2026-01-05")), Weekday::kMonday);
  EXPECT_EQ(WeekdayOf(D("1969-12-31")), Weekday::kWednesday);
  EXPECT_EQ(WeekdayOf(D("1970-01-01")), Weekday::kThursday);
}

TEST(CalendarTest, RequestsBeforeTheCutoffAreReceivedThatDay) {
  BusinessCalendar cal;
  // Thursday 14:00 → received Thursday → Friday.
  EXPECT_EQ(cal.ReceivedDay(At("2026-01-08T14:00")), D("2026-01-08"));
  EXPECT_EQ(cal.EarliestInspectionDay(At("2026-01-08T14:00")), D("2026-01-09"));
  // One minute before the cutoff still counts that day.
  EXPECT_EQ(cal.EarliestInspectionDay(At("2026-01-08T14:59")), D("2026-01-09"));
}

TEST(CalendarTest, RequestsAtOrAfterTheCutoffAreReceivedTheNextDay) {
  BusinessCalendar cal;
  // Thursday 16:00 → received Friday → Monday; exactly 15:00 is already after the cutoff.
  EXPECT_EQ(cal.ReceivedDay(At("2026-01-08T16:00")), D("2026-01-09"));
  EXPECT_EQ(cal.EarliestInspectionDay(At("2026-01-08T16:00")), D("2026-01-12"));
  EXPECT_EQ(cal.EarliestInspectionDay(At("2026-01-08T15:00")), D("2026-01-12"));
  // Friday 16:00 → received Saturday → Monday.
  EXPECT_EQ(cal.ReceivedDay(At("2026-01-09T16:00")), D("2026-01-10"));
  EXPECT_EQ(cal.EarliestInspectionDay(At("2026-01-09T16:00")), D("2026-01-12"));
  // A weekend request before the cutoff goes to Monday; a Sunday one after it is received on Monday, so
  // Tuesday.
  EXPECT_EQ(cal.EarliestInspectionDay(At("2026-01-10T09:00")), D("2026-01-12"));
  EXPECT_EQ(cal.EarliestInspectionDay(At("2026-01-10T16:00")), D("2026-01-12"));
  EXPECT_EQ(cal.EarliestInspectionDay(At("2026-01-11T14:00")), D("2026-01-12"));
  EXPECT_EQ(cal.EarliestInspectionDay(At("2026-01-11T23:59")), D("2026-01-13"));
}

TEST(CalendarTest, TheCutoffIsTheCitysClockNotUtc) {
  BusinessCalendar cal;
  TimeZone chicago = *TimeZone::Parse("CST6CDT,M3.2.0,M11.1.0");
  // Friday 2026-01-09 at 16:00 in Chicago is 22:00 UTC: after the cutoff, so Monday.
  LocalDateTime friday = LocalDateTime::FromInstant(1767996000000, chicago);
  EXPECT_EQ(friday.ToString(), "2026-01-09T16:00");
  EXPECT_EQ(cal.EarliestInspectionDay(friday), D("2026-01-12"));
  // Thursday 2026-01-08 at 14:59 Chicago time is 20:59 UTC: before the cutoff, so Friday.
  EXPECT_EQ(cal.EarliestInspectionDay(LocalDateTime::FromInstant(1767905940000, chicago)), D("2026-01-09"));
  // Friday 20:00 Chicago time is already Saturday 02:00 in UTC; the local date decides.
  EXPECT_EQ(LocalDateTime::FromInstant(1768010400000, chicago).ToString(), "2026-01-09T20:00");
  // The same through a configured calendar: 14:00 Chicago (20:00 UTC, after a UTC cutoff) is before the
  // city's cutoff.
  auto config = ParseCalendarConfig(*ParseJson(R"({"time_zone": "CST6CDT,M3.2.0,M11.1.0"})"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  BusinessCalendar city(*config);
  EXPECT_EQ(city.EarliestInspectionDayAt(1767902400000), D("2026-01-09"));  // Thursday 14:00 CST
  EXPECT_EQ(BusinessCalendar().EarliestInspectionDayAt(1767902400000), D("2026-01-12"));  // read as UTC
  EXPECT_EQ(city.EarliestInspectionDayAt(1767996000000), D("2026-01-12"));                // Friday 16:00 CST
}

TEST(CalendarTest, AHolidayMondayPushesToTuesday) {
  CalendarConfig config;
  config.holidays = {D("2026-01-19")};
  BusinessCalendar cal(config);
  EXPECT_FALSE(cal.IsBusinessDay(D("2026-01-19")));
  EXPECT_EQ(cal.EarliestInspectionDay(At("2026-01-16T16:00")), D("2026-01-20"));
  EXPECT_EQ(cal.EarliestInspectionDay(At("2026-01-16T10:00")), D("2026-01-20"));
  EXPECT_EQ(cal.NextBusinessDay(D("2026-01-16")), D("2026-01-20"));
}

TEST(CalendarTest, AddBusinessDaysSkipsWeekendsAndHolidaysBothWays) {
  CalendarConfig config;
  config.holidays = {D("2026-01-19")};
  BusinessCalendar cal(config);
  EXPECT_EQ(cal.AddBusinessDays(D("2026-01-15"), 0), D("2026-01-15"));
  EXPECT_EQ(cal.AddBusinessDays(D("2026-01-15"), 1), D("2026-01-16"));
  EXPECT_EQ(cal.AddBusinessDays(D("2026-01-15"), 2), D("2026-01-20"));
  EXPECT_EQ(cal.AddBusinessDays(D("2026-01-15"), 6), D("2026-01-26"));
  EXPECT_EQ(cal.AddBusinessDays(D("2026-01-20"), -1), D("2026-01-16"));
  EXPECT_EQ(cal.AddBusinessDays(D("2026-01-17"), 1), D("2026-01-20"));
  EXPECT_EQ(cal.OnOrAfter(D("2026-01-17")), D("2026-01-20"));
  EXPECT_EQ(cal.OnOrAfter(D("2026-01-20")), D("2026-01-20"));
}

TEST(CalendarTest, AConfiguredWeekendAndCutoffAreHonoured) {
  auto config = ParseCalendarConfig(
      *ParseJson(R"({"weekend": ["friday", "saturday"], "holidays": ["2026-01-08"], "cutoff": "12:30"})"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  BusinessCalendar cal(*config);
  EXPECT_TRUE(cal.IsBusinessDay(D("2026-01-11")));   // Sunday works
  EXPECT_FALSE(cal.IsBusinessDay(D("2026-01-09")));  // Friday does not
  // Wednesday 12:29 → Thursday is a holiday, Friday and Saturday weekend → Sunday.
  EXPECT_EQ(cal.EarliestInspectionDay(At("2026-01-07T12:29")), D("2026-01-11"));
  // Wednesday 12:30 → received Thursday → Sunday.
  EXPECT_EQ(cal.ReceivedDay(At("2026-01-07T12:30")), D("2026-01-08"));
  EXPECT_EQ(cal.EarliestInspectionDay(At("2026-01-07T12:30")), D("2026-01-11"));
}

TEST(CalendarTest, ConfigSurvivesItsOwnJson) {
  CalendarConfig config;
  config.holidays = {D("2026-12-25"), D("2026-11-26")};
  config.cutoff_minute = 16 * 60 + 5;
  auto again = ParseCalendarConfig(config.ToJson());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->holidays, config.holidays);
  EXPECT_EQ(again->weekend, config.weekend);
  EXPECT_EQ(again->cutoff_minute, 16 * 60 + 5);
  EXPECT_EQ(json::serialize(config.ToJson()),
            R"({"weekend":["sunday","saturday"],"holidays":["2026-11-26","2026-12-25"],"cutoff":"16:05",)"
            R"("time_zone":"UTC0"})");
  // An empty object is the default calendar.
  auto empty = ParseCalendarConfig(json::object{});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->cutoff_minute, 15 * 60);
  EXPECT_EQ(empty->weekend.size(), 2u);
}

TEST(CalendarTest, BadConfigsAreRefusedNamingTheMember) {
  auto field_of = [](const char* text) {
    auto c = ParseCalendarConfig(*ParseJson(text));
    return c.ok() ? std::string("(accepted)") : c.error().field;
  };
  EXPECT_EQ(field_of(R"({"holidays": ["2026-01-01", "2026-02-30"]})"), "holidays[1]");
  EXPECT_EQ(field_of(R"({"holidays": ["2026-01-01", "2026-01-01"]})"), "holidays[1]");
  EXPECT_EQ(field_of(R"({"holidays": [20260101]})"), "holidays[0]");
  EXPECT_EQ(field_of(R"({"holidays": "2026-01-01"})"), "holidays");
  EXPECT_EQ(field_of(R"({"weekend": ["Saturday"]})"), "weekend[0]");
  EXPECT_EQ(field_of(R"({"weekend": ["sunday", "sunday"]})"), "weekend[1]");
  EXPECT_EQ(
      field_of(R"({"weekend": ["sunday","monday","tuesday","wednesday","thursday","friday","saturday"]})"),
      "weekend");
  EXPECT_EQ(field_of(R"({"cutoff": "24:00"})"), "cutoff");
  EXPECT_EQ(field_of(R"({"cutoff": "3pm"})"), "cutoff");
  EXPECT_EQ(field_of(R"({"cutoff": 15})"), "cutoff");
  EXPECT_EQ(field_of(R"({"cut_off": "15:00"})"), "cut_off");
  EXPECT_EQ(field_of(R"({"time_zone": "America/Chicago"})"), "time_zone");
  EXPECT_FALSE(ParseCalendarConfig(json::array{}).ok());
  // An empty weekend is allowed: every day but holidays is a business day.
  EXPECT_EQ(field_of(R"({"weekend": []})"), "(accepted)");
}

TEST(CalendarTest, LocalDateTimesParseStrictly) {
  EXPECT_EQ(At("2026-01-09T16:00").minute, 16 * 60);
  EXPECT_EQ(LocalDateTime::Parse("2026-01-09 07:05")->ToString(), "2026-01-09T07:05");
  EXPECT_FALSE(LocalDateTime::Parse("2026-01-09T7:05").ok());
  EXPECT_FALSE(LocalDateTime::Parse("2026-01-32T07:05").ok());
  EXPECT_EQ(LocalDateTime::Parse("2026-01-09T07:60", "requested_at").error().field, "requested_at");
}

}  // namespace
}  // namespace holdfast::domain
