#include "base/ical.h"

#include <gtest/gtest.h>

namespace holdfast::ical {
namespace {

// 2026-01-12T15:00:00Z
constexpr int64_t kStart = 1768230000000;
constexpr int64_t kHour = 3600000;

std::vector<std::string> Lines(const std::string& feed) {
  std::vector<std::string> lines;
  size_t at = 0;
  while (at < feed.size()) {
    size_t end = feed.find("\r\n", at);
    if (end == std::string::npos) {
      lines.push_back(feed.substr(at) + "<no CRLF>");
      break;
    }
    lines.push_back(feed.substr(at, end - at));
    at = end + 2;
  }
  return lines;
}

// Undoes folding: a line starting with a space continues the one before.
std::vector<std::string> Unfold(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const std::string& l : lines) {
    if (!l.empty() && l[0] == ' ' && !out.empty()) {
      out.back() += l.substr(1);
    } else {
      out.push_back(l);
    }
  }
  return out;
}

TEST(IcalTest, TimesAreUtc) {
  EXPECT_EQ(UtcDateTime(kStart), "20260112T150000Z");
  EXPECT_EQ(UtcDateTime(0), "19700101T000000Z");
  EXPECT_EQ(UtcDateTime(-1000), "19691231T235959Z");
  EXPECT_EQ(UtcDateTime(kStart + 999), "20260112T150000Z");
}

TEST(IcalTest, TextIsEscaped) {
  EXPECT_EQ(*EscapeText("a\\b;c,d\ne\r\nf\rg"), "a\\\\b\\;c\\,d\\ne\\nf\\ng");
  EXPECT_EQ(*EscapeText("Café: 10 m²"), "Café: 10 m²");
  EXPECT_EQ(*EscapeText(""), "");
  EXPECT_FALSE(EscapeText("tab\there").has_value());
  EXPECT_FALSE(EscapeText("bell\x07").has_value());
  EXPECT_FALSE(EscapeText("\xc3").has_value());          // truncated
  EXPECT_FALSE(EscapeText("\xc0\xaf").has_value());      // overlong
  EXPECT_FALSE(EscapeText("\xed\xa0\x80").has_value());  // a surrogate
}

TEST(IcalTest, FoldingKeepsLinesWithin75OctetsAndCharactersWhole) {
  // 200 two-octet characters after a 8-octet name: every break must fall between characters.
  std::string line = "SUMMARY:";
  for (int i = 0; i < 200; ++i) line += "é";
  std::string out;
  AppendFolded(line, &out);
  std::vector<std::string> lines = Lines(out);
  ASSERT_GT(lines.size(), 1u);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(lines[i].size(), 75u) << i;
    if (i > 0) {
      EXPECT_EQ(lines[i][0], ' ');
    }
    // A physical line never starts or ends inside a UTF-8 sequence.
    const size_t first = i > 0 ? 1 : 0;
    EXPECT_NE(static_cast<unsigned char>(lines[i][first]) & 0xc0, 0x80) << i;
    EXPECT_NE(static_cast<unsigned char>(lines[i].back()), 0xc3) << i;
  }
  EXPECT_EQ(Unfold(lines), std::vector<std::string>{line});

  // ASCII: exactly 75 octets stay on one line; 76 fold into 75 + " " and 1.
  std::string out75, out76;
  AppendFolded(std::string(75, 'x'), &out75);
  EXPECT_EQ(out75, std::string(75, 'x') + "\r\n");
  AppendFolded(std::string(76, 'x'), &out76);
  EXPECT_EQ(out76, std::string(75, 'x') + "\r\n x\r\n");
  // A continuation holds 74 octets after its space.
  std::string out150;
  AppendFolded(std::string(150, 'x'), &out150);
  EXPECT_EQ(out150, std::string(75, 'x') + "\r\n " + std::string(74, 'x') + "\r\n x\r\n");
}

Calendar Sample() {
  Calendar cal;
  cal.name = "Inspections: Casey Ortiz";
  Event e;
  e.uid = "insp-central-7@springfield.example";
  e.start_unix_ms = kStart;
  e.end_unix_ms = kStart + 4 * kHour;
  e.summary = "Footing, BLD-central-12";
  e.location = "12 Main St; Unit 3";
  e.description = "Call first\nGate code 1234";
  e.lat_micro = 39099700;
  e.lon_micro = -94578600;
  e.categories = {"Inspection", "Footing, forms"};
  cal.events.push_back(e);
  return cal;
}

TEST(IcalTest, AFeedHasTheCalendarAndEventProperties) {
  auto feed = WriteCalendar(Sample(), kStart - 24 * kHour);
  ASSERT_TRUE(feed.ok()) << feed.status().ToString();
  std::vector<std::string> want = {
      "BEGIN:VCALENDAR",
      "VERSION:2.0",
      "PRODID:-//Holdfast//Inspections//EN",
      "CALSCALE:GREGORIAN",
      "METHOD:PUBLISH",
      "X-WR-CALNAME:Inspections: Casey Ortiz",
      "BEGIN:VEVENT",
      "UID:insp-central-7@springfield.example",
      "DTSTAMP:20260111T150000Z",
      "DTSTART:20260112T150000Z",
      "DTEND:20260112T190000Z",
      "SUMMARY:Footing\\, BLD-central-12",
      "LOCATION:12 Main St\\; Unit 3",
      "DESCRIPTION:Call first\\nGate code 1234",
      "GEO:39.099700;-94.578600",
      "STATUS:CONFIRMED",
      "CATEGORIES:Inspection,Footing\\, forms",
      "END:VEVENT",
      "END:VCALENDAR",
  };
  EXPECT_EQ(Lines(*feed), want);
}

TEST(IcalTest, OptionalPropertiesAreLeftOutWhenEmpty) {
  Calendar cal = Sample();
  Event& e = cal.events[0];
  e.location.clear();
  e.description.clear();
  e.lat_micro.reset();
  e.lon_micro.reset();
  e.categories.clear();
  e.status = EventStatus::kCancelled;
  auto feed = WriteCalendar(cal, kStart);
  ASSERT_TRUE(feed.ok());
  EXPECT_EQ(feed->find("LOCATION"), std::string::npos);
  EXPECT_EQ(feed->find("DESCRIPTION"), std::string::npos);
  EXPECT_EQ(feed->find("GEO"), std::string::npos);
  EXPECT_EQ(feed->find("CATEGORIES"), std::string::npos);
  EXPECT_NE(feed->find("\r\nSTATUS:CANCELLED\r\n"), std::string::npos);
  // An empty calendar is still a calendar.
  auto empty = WriteCalendar(Calendar{.name = "x"}, kStart);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(Lines(*empty).size(), 7u);
}

TEST(IcalTest, BadEventsAreRefusedNamingTheProperty) {
  auto field_of = [](auto change) {
    Calendar cal = Sample();
    cal.events.push_back(cal.events[0]);
    change(cal.events[1]);
    auto feed = WriteCalendar(cal, kStart);
    return feed.ok() ? std::string("(accepted)") : feed.error().field;
  };
  EXPECT_EQ(field_of([](Event& e) { e.uid.clear(); }), "events[1].uid");
  EXPECT_EQ(field_of([](Event& e) { e.uid = "a\nb"; }), "events[1].uid");
  EXPECT_EQ(field_of([](Event& e) { e.end_unix_ms = e.start_unix_ms; }), "events[1].end");
  EXPECT_EQ(field_of([](Event& e) { e.start_unix_ms = -3000000000000; }), "events[1].start");
  EXPECT_EQ(field_of([](Event& e) { e.lon_micro.reset(); }), "events[1].geo");
  EXPECT_EQ(field_of([](Event& e) { e.lat_micro = 90000001; }), "events[1].geo");
  EXPECT_EQ(field_of([](Event& e) { e.summary = "a\tb"; }), "events[1].summary");
  EXPECT_EQ(field_of([](Event& e) { e.description = "\xff"; }), "events[1].description");
  EXPECT_EQ(field_of([](Event& e) { e.categories = {""}; }), "events[1].categories[0]");
  EXPECT_EQ(field_of([](Event&) {}), "(accepted)");
}

}  // namespace
}  // namespace holdfast::ical
