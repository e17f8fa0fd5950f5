#include "base/date.h"

#include <gtest/gtest.h>

namespace holdfast {
namespace {

TEST(DateTest, RoundTripsEveryDayOverFourCenturies) {
  Date d = Date::FromCivil(1900, 1, 1);
  const Date end = Date::FromCivil(2300, 1, 1);
  int64_t days = 0;
  for (; d < end; d = d.AddDays(1), ++days) {
    auto parsed = Date::Parse(d.ToString());
    ASSERT_TRUE(parsed.ok()) << d.ToString();
    ASSERT_EQ(*parsed, d);
  }
  // 400 Gregorian years are exactly 146097 days.
  EXPECT_EQ(days, 146097);
  EXPECT_EQ(Date::FromCivil(1970, 1, 1).days(), 0);
}

TEST(DateTest, ParsesOnlyRealDatesWrittenYyyyMmDd) {
  for (const char* bad : {"2026-02-29", "2025-13-01", "2026-04-31", "2026-1-01", "20260101", "",
                          "2026-01-01x", "abcd-ef-gh", "1899-12-31", "2026-00-10"}) {
    auto d = Date::Parse(bad, "given_on");
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.error().field, "given_on");
  }
  EXPECT_TRUE(Date::Parse("2028-02-29").ok());
  EXPECT_TRUE(Date::Parse("2000-02-29").ok());
  EXPECT_FALSE(Date::Parse("1900-02-29").ok());
}

TEST(DateTest, YearsLaterKeepTheDayExceptTheTwentyNinthOfFebruary) {
  EXPECT_EQ(Date::FromCivil(2026, 3, 15).AddYears(3).ToString(), "2029-03-15");
  EXPECT_EQ(Date::FromCivil(2028, 2, 29).AddYears(1).ToString(), "2029-02-28");
  EXPECT_EQ(Date::FromCivil(2028, 2, 29).AddYears(4).ToString(), "2032-02-29");
  EXPECT_EQ(Date::FromCivil(2026, 12, 31).AddDays(1).ToString(), "2027-01-01");
}

TEST(DateTest, UnixTimeBecomesItsUtcDay) {
  EXPECT_EQ(Date::FromUnixMs(1767225600000).ToString(), "2026-01-01");  // midnight
  EXPECT_EQ(Date::FromUnixMs(1767225599999).ToString(), "2025-12-31");
  EXPECT_EQ(Date::FromUnixMs(-1).ToString(), "1969-12-31");
}

}  // namespace
}  // namespace holdfast
