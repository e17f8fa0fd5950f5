// The iCalendar feed read back by an independent parser: Debian's python3-icalendar (installed by
// scripts/install-deps.sh). The feed holds awkward text; every event's fields must come back as written.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/files.h"
#include "base/ical.h"
#include "base/json.h"
#include "ical_reader.h"
#include "process.h"
#include "test_support.h"

namespace holdfast::testing {
namespace {

TEST(IcalFeedTest, AnIndependentParserReadsBackEveryField) {
  constexpr int64_t kStamp = 1768143600000;  // 2026-01-11T15:00:00Z
  constexpr int64_t kStart = 1768230000000;  // 2026-01-12T15:00:00Z
  constexpr int64_t kHour = 3600000;

  // A 200-character summary (more octets than that: some characters take two or three).
  const std::string phrase = "Rough frame; ÉTAGE 2, façade — ";
  std::string long_summary;
  for (int chars = 0; chars < 200;) {
    for (size_t i = 0; i < phrase.size() && chars < 200; ++chars) {
      size_t n = 1;
      while (i + n < phrase.size() && (static_cast<unsigned char>(phrase[i + n]) & 0xc0) == 0x80) ++n;
      long_summary += phrase.substr(i, n);
      i += n;
    }
  }
  ASSERT_GT(long_summary.size(), 200u);

  ical::Calendar cal;
  cal.name = "Inspections: Zoë O'Brien, North; AM\\PM";
  ical::Event a;
  a.uid = "insp-central-7@springfield.example";
  a.start_unix_ms = kStart;
  a.end_unix_ms = kStart + 4 * kHour;
  a.summary = long_summary;
  a.location = "12 Main St, Unit 3; rear gate";
  a.description = "Line one\nLine two, with commas; and semicolons\r\nBackslash \\ here\nСпасибо 🏗";
  a.lat_micro = 39099700;
  a.lon_micro = -94578600;
  a.categories = {"Inspection", "Bâtiment"};
  ical::Event b;
  b.uid = "insp-central-8@springfield.example";
  b.start_unix_ms = kStart + 4 * kHour;
  b.end_unix_ms = kStart + 8 * kHour;
  b.summary = "Final";
  b.status = ical::EventStatus::kCancelled;
  b.lat_micro = -33868800;
  b.lon_micro = 151209300;
  cal.events = {a, b};

  auto feed = ical::WriteCalendar(cal, kStamp);
  ASSERT_TRUE(feed.ok()) << feed.status().ToString();
  TempDir dir;
  const std::string path = dir.Sub("inspector.ics");
  ASSERT_TRUE(WriteFileAtomic(path, *feed).ok());

  const std::string python = IcalPython();
  ASSERT_FALSE(python.empty()) << "python3 is missing: run scripts/install-deps.sh";
  RunResult r = RunProcess({python, "-c", kIcalReader, path});
  ASSERT_EQ(r.exit_code, 0) << "the iCalendar feed did not parse: " << r.Describe() << "\nfeed:\n" << *feed;
  auto parsed = ParseJson(r.out, 16);
  ASSERT_TRUE(parsed.ok()) << r.out;

  // Descriptions come back with LF for every line break the writer was given.
  std::string description_lf = a.description;
  description_lf.erase(description_lf.find('\r'), 1);

  json::object want_a = {{"uid", a.uid},
                         {"dtstamp", kStamp},
                         {"start", a.start_unix_ms},
                         {"end", a.end_unix_ms},
                         {"summary", a.summary},
                         {"status", "CONFIRMED"},
                         {"location", a.location},
                         {"description", description_lf},
                         {"geo", json::array{39099700, -94578600}},
                         {"categories", json::array{"Inspection", "Bâtiment"}}};
  json::object want_b = {{"uid", b.uid},
                         {"dtstamp", kStamp},
                         {"start", b.start_unix_ms},
                         {"end", b.end_unix_ms},
                         {"summary", "Final"},
                         {"status", "CANCELLED"},
                         {"geo", json::array{-33868800, 151209300}}};
  json::object want = {{"version", "2.0"},        {"prodid", "-//Holdfast//Inspections//EN"},
                       {"calscale", "GREGORIAN"}, {"method", "PUBLISH"},
                       {"name", cal.name},        {"events", json::array{want_a, want_b}}};
  EXPECT_EQ(*Canonical(*parsed), *Canonical(want));
}

}  // namespace
}  // namespace holdfast::testing
