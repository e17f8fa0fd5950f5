// The iCalendar feed read back by an independent parser: Debian's python3-icalendar (installed by
// scripts/install-deps.sh). The feed holds awkward text; every event's fields must come back as written.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/files.h"
#include "base/ical.h"
#include "base/json.h"
#include "process.h"
#include "test_support.h"

namespace holdfast::testing {
namespace {

// Parses the feed named by argv[1] and prints what it holds as JSON. Fails (non-zero exit) when the parser
// reports an error on any component or a property is missing.
constexpr const char* kReader = R"PY(
import json, sys
import icalendar
with open(sys.argv[1], 'rb') as f:
    cal = icalendar.Calendar.from_ical(f.read())
errors = [(c.name, c.errors) for c in cal.walk() if c.errors]
if errors:
    sys.exit('parse errors: %r' % errors)
def utc(prop):
    dt = prop.dt
    assert dt.tzinfo is not None and dt.utcoffset().total_seconds() == 0, 'not UTC: %r' % dt
    return int(dt.timestamp() * 1000)
events = []
for e in cal.walk('VEVENT'):
    ev = {'uid': str(e['UID']), 'dtstamp': utc(e['DTSTAMP']), 'start': utc(e['DTSTART']),
          'end': utc(e['DTEND']), 'summary': str(e['SUMMARY']), 'status': str(e['STATUS'])}
    for key in ('LOCATION', 'DESCRIPTION'):
        if key in e:
            ev[key.lower()] = str(e[key])
    if 'GEO' in e:
        ev['geo'] = [round(e['GEO'].latitude * 1e6), round(e['GEO'].longitude * 1e6)]
    if 'CATEGORIES' in e:
        ev['categories'] = [str(c) for c in e['CATEGORIES'].cats]
    events.append(ev)
print(json.dumps({'version': str(cal['VERSION']), 'prodid': str(cal['PRODID']),
                  'calscale': str(cal['CALSCALE']), 'method': str(cal['METHOD']),
                  'name': str(cal['X-WR-CALNAME']), 'events': events}))
)PY";

// Debian's interpreter, which python3-icalendar is installed for; another python3 on $PATH may lack it.
std::string Python() {
  if (std::filesystem::exists("/usr/bin/python3")) return "/usr/bin/python3";
  return FindOnPath("python3");
}

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

  const std::string python = Python();
  ASSERT_FALSE(python.empty()) << "python3 is missing: run scripts/install-deps.sh";
  RunResult r = RunProcess({python, "-c", kReader, path});
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
