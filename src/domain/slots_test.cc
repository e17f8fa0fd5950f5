#include "domain/slots.h"

#include <gtest/gtest.h>

#include <map>
#include <tuple>

namespace holdfast::domain {
namespace {

Date D(const char* text) { return *Date::Parse(text); }

// Bookings held in memory, as the inspections module will hold them in its slot aggregates.
class Book {
 public:
  BookedCount Counter() {
    return [this](const std::string& inspector, Date day, Window window) -> Result<int> {
      ++calls_;
      auto it = booked_.find({inspector, day, window});
      return it == booked_.end() ? 0 : it->second;
    };
  }
  void Add(const Slot& s, int n = 1) { booked_[{s.inspector, s.day, s.window}] += n; }
  int Count(const std::string& inspector, Date day, Window w) const {
    auto it = booked_.find({inspector, day, w});
    return it == booked_.end() ? 0 : it->second;
  }
  int calls() const { return calls_; }

 private:
  std::map<std::tuple<std::string, Date, Window>, int> booked_;
  int calls_ = 0;
};

const std::vector<Inspector> kInspectors = {
    {.id = "insp-b", .areas = {"north"}, .capacity_per_window = 2},
    {.id = "insp-a", .areas = {"north", "south"}, .capacity_per_window = 2},
    {.id = "insp-c", .areas = {"east"}, .capacity_per_window = 1},
};

TEST(SlotsTest, TheFirstFreeSlotIsTheEarliestDayMorningWithTheSmallerIdOnATie) {
  BusinessCalendar cal;
  Book book;
  auto slot = FindSlot(cal, kInspectors, {.earliest = D("2026-01-12"), .area = "north"}, book.Counter());
  ASSERT_TRUE(slot.ok()) << slot.status().ToString();
  EXPECT_EQ(*slot, (Slot{D("2026-01-12"), Window::kAm, "insp-a"}));
}

TEST(SlotsTest, BookingsSpreadToTheLeastBookedInspectorThenMoveOnWithoutExceedingCapacity) {
  BusinessCalendar cal;
  Book book;
  std::vector<Slot> got;
  // North has two inspectors with two per window: 4 AM, 4 PM on Monday, then Tuesday.
  for (int i = 0; i < 10; ++i) {
    auto slot = FindSlot(cal, kInspectors, {.earliest = D("2026-01-12"), .area = "north"}, book.Counter());
    ASSERT_TRUE(slot.ok()) << slot.status().ToString();
    got.push_back(*slot);
    book.Add(*slot);
  }
  std::vector<Slot> want = {
      {D("2026-01-12"), Window::kAm, "insp-a"}, {D("2026-01-12"), Window::kAm, "insp-b"},
      {D("2026-01-12"), Window::kAm, "insp-a"}, {D("2026-01-12"), Window::kAm, "insp-b"},
      {D("2026-01-12"), Window::kPm, "insp-a"}, {D("2026-01-12"), Window::kPm, "insp-b"},
      {D("2026-01-12"), Window::kPm, "insp-a"}, {D("2026-01-12"), Window::kPm, "insp-b"},
      {D("2026-01-13"), Window::kAm, "insp-a"}, {D("2026-01-13"), Window::kAm, "insp-b"},
  };
  EXPECT_EQ(got, want);
  for (const char* id : {"insp-a", "insp-b"}) {
    for (Window w : {Window::kAm, Window::kPm}) EXPECT_LE(book.Count(id, D("2026-01-12"), w), 2);
  }
}

TEST(SlotsTest, AFullFridayMovesToMondayAndHolidaysAreSkipped) {
  CalendarConfig config;
  config.holidays = {D("2026-01-19")};
  BusinessCalendar cal(config);
  Book book;
  book.Add({D("2026-01-16"), Window::kAm, "insp-c"});
  book.Add({D("2026-01-16"), Window::kPm, "insp-c"});
  auto slot = FindSlot(cal, kInspectors, {.earliest = D("2026-01-16"), .area = "east"}, book.Counter());
  ASSERT_TRUE(slot.ok());
  EXPECT_EQ(*slot, (Slot{D("2026-01-20"), Window::kAm, "insp-c"}));
  // An earliest day on a weekend starts at the next business day.
  auto weekend = FindSlot(cal, kInspectors, {.earliest = D("2026-01-17"), .area = "south"}, book.Counter());
  ASSERT_TRUE(weekend.ok());
  EXPECT_EQ(*weekend, (Slot{D("2026-01-20"), Window::kAm, "insp-a"}));
}

TEST(SlotsTest, AnInspectorAlreadyOverCapacityIsNeverOfferedMore) {
  BusinessCalendar cal;
  Book book;
  book.Add({D("2026-01-12"), Window::kAm, "insp-c"}, 5);  // e.g. bookings made before capacity was lowered
  auto slot = FindSlot(cal, kInspectors, {.earliest = D("2026-01-12"), .area = "east"}, book.Counter());
  ASSERT_TRUE(slot.ok());
  EXPECT_EQ(*slot, (Slot{D("2026-01-12"), Window::kPm, "insp-c"}));
}

TEST(SlotsTest, PreferencesSetTheFirstDayAndTheWindow) {
  BusinessCalendar cal;
  Book book;
  auto pm = FindSlot(cal, kInspectors,
                     {.earliest = D("2026-01-12"), .area = "south", .preferred_window = Window::kPm},
                     book.Counter());
  ASSERT_TRUE(pm.ok());
  EXPECT_EQ(*pm, (Slot{D("2026-01-12"), Window::kPm, "insp-a"}));
  auto later = FindSlot(cal, kInspectors,
                        {.earliest = D("2026-01-12"), .area = "south", .preferred_day = D("2026-01-15")},
                        book.Counter());
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(*later, (Slot{D("2026-01-15"), Window::kAm, "insp-a"}));
  // A preferred day before the earliest day does not move the search earlier.
  auto early = FindSlot(cal, kInspectors,
                        {.earliest = D("2026-01-12"), .area = "south", .preferred_day = D("2026-01-05")},
                        book.Counter());
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->day, D("2026-01-12"));
  // With only PM wanted and the PM full, the next day's PM.
  book.Add({D("2026-01-12"), Window::kPm, "insp-a"}, 2);
  auto next = FindSlot(cal, kInspectors,
                       {.earliest = D("2026-01-12"), .area = "south", .preferred_window = Window::kPm},
                       book.Counter());
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, (Slot{D("2026-01-13"), Window::kPm, "insp-a"}));
}

TEST(SlotsTest, TheSearchStopsAtTheHorizonWithAClearError) {
  BusinessCalendar cal;
  Book book;
  BookedCount full = [&](const std::string& inspector, Date day, Window w) -> Result<int> {
    EXPECT_TRUE(cal.IsBusinessDay(day)) << day.ToString();
    return book.Counter()(inspector, day, w).value() + 1;  // insp-c holds 1: always full
  };
  auto none = FindSlot(cal, kInspectors, {.earliest = D("2026-01-12"), .area = "east"}, full);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Code::kConflict);
  EXPECT_EQ(none.error().Type(), "no-slot-available");
  EXPECT_NE(none.error().detail.find("60 business days from 2026-01-12"), std::string::npos)
      << none.error().detail;
  // 60 business days, two windows, one inspector.
  EXPECT_EQ(book.calls(), 120);
  auto short_horizon = FindSlot(
      cal, kInspectors, {.earliest = D("2026-01-12"), .area = "east", .horizon_business_days = 5}, full);
  ASSERT_FALSE(short_horizon.ok());
  EXPECT_EQ(book.calls(), 130);
}

TEST(SlotsTest, ErrorsNameTheirCause) {
  BusinessCalendar cal;
  Book book;
  auto nobody = FindSlot(cal, kInspectors, {.earliest = D("2026-01-12"), .area = "west"}, book.Counter());
  ASSERT_FALSE(nobody.ok());
  EXPECT_EQ(nobody.error().Type(), "no-inspector-for-area");

  std::vector<Inspector> twins = {{.id = "x", .areas = {"a"}, .capacity_per_window = 1},
                                  {.id = "x", .areas = {"a"}, .capacity_per_window = 1}};
  auto dup = FindSlot(cal, twins, {.earliest = D("2026-01-12"), .area = "a"}, book.Counter());
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().field, "inspectors[1].id");

  BookedCount broken = [](const std::string&, Date, Window) -> Result<int> { return IoError("disk gone"); };
  auto failed = FindSlot(cal, kInspectors, {.earliest = D("2026-01-12"), .area = "north"}, broken);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().detail, "disk gone");
}

TEST(SlotsTest, ARequestedDayInThePastIsRefused) {
  Date today = D("2026-01-08");
  Date earliest = D("2026-01-09");
  Status past = CheckRequestedDay(D("2026-01-07"), today, earliest);
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.error().Type(), "requested-date-in-past");
  EXPECT_EQ(past.error().field, "requested_date");
  EXPECT_EQ(past.error().code, Code::kInvalid);
  Status early = CheckRequestedDay(today, today, earliest, "date");
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().Type(), "requested-date-too-early");
  EXPECT_EQ(early.error().field, "date");
  EXPECT_TRUE(CheckRequestedDay(earliest, today, earliest).ok());
  EXPECT_TRUE(CheckRequestedDay(D("2026-02-01"), today, earliest).ok());
}

TEST(SlotsTest, WindowsParse) {
  EXPECT_EQ(*ParseWindow("AM"), Window::kAm);
  EXPECT_EQ(*ParseWindow("PM"), Window::kPm);
  EXPECT_EQ(ParseWindow("am", "window").error().field, "window");
}

}  // namespace
}  // namespace holdfast::domain
