#include "base/timezone.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/files.h"
#include "test_support.h"

namespace holdfast {
namespace {

constexpr int64_t kHour = 3600000;

TimeZone Zone(const char* rule) {
  auto tz = TimeZone::Parse(rule);
  EXPECT_TRUE(tz.ok()) << rule << ": " << tz.status().ToString();
  return tz.ok() ? *tz : TimeZone();
}

// Instants and offsets checked against the system's tz database (Python's zoneinfo) for 2026.
TEST(TimeZoneTest, ChicagoChangesClocksOnTheRightInstants) {
  TimeZone chicago = Zone("CST6CDT,M3.2.0,M11.1.0");
  EXPECT_EQ(chicago.OffsetMsAt(1772956799000), -6 * kHour);  // 2026-03-08 01:59:59 CST
  EXPECT_EQ(chicago.OffsetMsAt(1772956800000), -5 * kHour);  // 03:00:00 CDT
  EXPECT_EQ(chicago.OffsetMsAt(1793516399000), -5 * kHour);  // 2026-11-01 01:59:59 CDT
  EXPECT_EQ(chicago.OffsetMsAt(1793516400000), -6 * kHour);  // 01:00:00 CST
  CivilTime t = chicago.ToLocal(1772956800000);
  EXPECT_EQ(t.date, Date::FromCivil(2026, 3, 8));
  EXPECT_EQ(t.ms_of_day, 3 * kHour);
}

TEST(TimeZoneTest, SouthernHemisphereDaylightTimeSpansTheNewYear) {
  TimeZone sydney = Zone("AEST-10AEDT,M10.1.0,M4.1.0/3");
  EXPECT_EQ(sydney.OffsetMsAt(1775318399000), 11 * kHour);  // 2026-04-05 02:59:59 AEDT
  EXPECT_EQ(sydney.OffsetMsAt(1775318400000), 10 * kHour);  // 02:00:00 AEST
  EXPECT_EQ(sydney.OffsetMsAt(1791043199000), 10 * kHour);  // 2026-10-04 01:59:59 AEST
  EXPECT_EQ(sydney.OffsetMsAt(1791043200000), 11 * kHour);  // 03:00:00 AEDT
  EXPECT_EQ(sydney.OffsetMsAt(1767225600000), 11 * kHour);  // 2026-01-01T00:00Z, summer
}

TEST(TimeZoneTest, LocalTimesTurnBackIntoInstants) {
  TimeZone chicago = Zone("CST6CDT,M3.2.0,M11.1.0");
  // Friday 2026-01-09 16:00 CST is 22:00 UTC.
  auto friday = chicago.ToUnixMs({Date::FromCivil(2026, 1, 9), 16 * kHour});
  ASSERT_TRUE(friday.ok());
  EXPECT_EQ(*friday, 1767996000000);
  // 01:30 happens twice on 2026-11-01: the earlier (CDT) instant.
  auto twice = chicago.ToUnixMs({Date::FromCivil(2026, 11, 1), 90 * 60000});
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(*twice, 1793514600000);
  // 02:30 never happens on 2026-03-08.
  EXPECT_FALSE(chicago.ToUnixMs({Date::FromCivil(2026, 3, 8), 150 * 60000}).ok());
  // Round trips through a whole year, hour by hour.
  for (int64_t t = 1767225600000; t < 1767225600000 + 365 * 24 * kHour; t += kHour) {
    auto back = chicago.ToUnixMs(chicago.ToLocal(t));
    ASSERT_TRUE(back.ok());
    if (*back != t) {  // only the repeated hour may answer its earlier twin
      ASSERT_EQ(*back, t - kHour) << t;
    }
  }
}

TEST(TimeZoneTest, FixedZonesAndUtc) {
  EXPECT_EQ(TimeZone().OffsetMsAt(0), 0);
  EXPECT_EQ(Zone("MST7").OffsetMsAt(1772956800000), -7 * kHour);
  EXPECT_EQ(Zone("<+0530>-5:30").OffsetMsAt(0), 5 * kHour + 30 * 60000);
  EXPECT_EQ(Zone("EST5EDT4,M3.2.0/2:00:00,M11.1.0/2").OffsetMsAt(1772956800000), -4 * kHour);
}

TEST(TimeZoneTest, BadRulesAreRefused) {
  for (const char* bad :
       {"", "C6", "CST", "CST6CDT", "CST6CDT,M3.2.0", "CST6CDT,J60,J300", "CST6CDT,M13.1.0,M11.1.0",
        "CST6CDT,M3.6.0,M11.1.0", "CST6CDT,M3.2.7,M11.1.0", "CST6CDT,M3.2.0,M11.1.0x", "CST25"}) {
    auto tz = TimeZone::Parse(bad, "zone");
    EXPECT_FALSE(tz.ok()) << bad;
    if (!tz.ok()) {
      EXPECT_EQ(tz.error().field, "zone");
    }
  }
}

// A zone by its tz database name is the rule at the end of its TZif file; anything else is read as a rule.
TEST(TimeZoneTest, ZonesByNameComeFromTheTzDatabase) {
  auto chicago = TimeZone::Resolve("America/Chicago");
  ASSERT_TRUE(chicago.ok()) << chicago.status().ToString();
  EXPECT_EQ(chicago->rule(), "CST6CDT,M3.2.0,M11.1.0");
  auto sydney = TimeZone::Resolve("Australia/Sydney");
  ASSERT_TRUE(sydney.ok()) << sydney.status().ToString();
  EXPECT_EQ(sydney->rule(), "AEST-10AEDT,M10.1.0,M4.1.0/3");
  auto rule = TimeZone::Resolve("EST5EDT,M3.2.0,M11.1.0");
  ASSERT_TRUE(rule.ok());
  EXPECT_EQ(rule->rule(), "EST5EDT,M3.2.0,M11.1.0");

  // A name not in the database, a path out of it, and a file that is not TZif are refused, naming the field.
  testing::TempDir dir;
  std::filesystem::create_directories(dir.Sub("Test"));
  ASSERT_TRUE(WriteFileAtomic(dir.Sub("Test/Plain"), "not a zone\nEST5\n").ok());
  for (const char* bad : {"America/Springfield", "../../etc/passwd", "Test/Plain", "/etc/passwd"}) {
    auto r = TimeZone::Resolve(bad, "time_zone", dir.path());
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().field, "time_zone") << bad;
  }
  auto missing = TimeZone::Resolve("America/Springfield", "time_zone", dir.path());
  EXPECT_NE(missing.error().detail.find("like America/Chicago"), std::string::npos) << missing.error().detail;
  auto plain = TimeZone::Resolve("Test/Plain", "time_zone", dir.path());
  EXPECT_NE(plain.error().detail.find("holds no POSIX rule"), std::string::npos) << plain.error().detail;
}

}  // namespace
}  // namespace holdfast
