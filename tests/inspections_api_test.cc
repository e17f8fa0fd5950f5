// Inspections through the HTTP API, as a contractor's residential building permit goes: the settings an
// admin sets (a Chicago-time calendar with a 15:00 cutoff, one area, an inspector), a footing inspection
// requested at 16:00 on a Friday and booked for Monday, the refusals the desk must explain, a failed
// inspection and its re-inspections with the fee on the third request, paid at a counter, every inspection
// of the sequence through to the final that finals the permit; the inspector's day in route order and their
// calendar feed read by an independent parser; the public lookup. Then the capacity rule: more requests than
// a window holds move on, never over capacity, past a holiday.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>

#include "base/files.h"
#include "base/timezone.h"
#include "domain/calendar.h"
#include "ical_reader.h"
#include "permit_fixture.h"

namespace holdfast::testing {
namespace {

constexpr const char* kChicago = "CST6CDT,M3.2.0,M11.1.0";

class InspectionsApiTest : public PermitDeskTest {
 protected:
  void SetUp() override {
    PermitDeskTest::SetUp();
    inspector_token_ = UserToken(admin_, "ira", json::array{"inspector"}, &inspector_);
    auto zone = TimeZone::Parse(kChicago);
    ASSERT_TRUE(zone.ok());
    zone_ = *zone;
    // A Friday a month or more back: the test's days stay before the real clock, so sign-ins stay valid.
    Date day = Date::FromUnixMs(SystemClock::Get().NowMs()).AddDays(-30);
    while (domain::WeekdayOf(day) != domain::Weekday::kFriday) day = day.AddDays(-1);
    friday_ = day;
    Answer drawer = Call("POST", "/api/v1/drawers", R"({"float_cents":5000})", clerk_);
    ASSERT_EQ(drawer.status, 201);
    drawer_ = drawer.Str("id");
  }

  json::object Settings(int capacity, json::array holidays = {}) {
    return json::object{
        {"calendar",
         json::object{{"cutoff", "15:00"}, {"time_zone", kChicago}, {"holidays", std::move(holidays)}}},
        {"areas", json::array{json::object{{"name", "central"}, {"zips", json::array{"62701"}}}}},
        {"inspectors", json::array{json::object{{"id", inspector_},
                                                {"name", "Ira Moss"},
                                                {"areas", json::array{"central"}},
                                                {"capacity_per_window", capacity}}}},
        {"office", json::object{{"latitude_microdegrees", 39799000}, {"longitude_microdegrees", -89644000}}},
        {"am", "08:00-12:00"},
        {"pm", "13:00-17:00"}};
  }

  void Configure(const json::object& settings) {
    Answer set = Call("PUT", "/api/v1/inspection-settings", json::serialize(settings), admin_);
    ASSERT_EQ(set.status, 200) << json::serialize(set.body);
  }

  // Sets the node clock to `minute` past local midnight of `day` in Chicago.
  void At(Date day, int minute) {
    auto ms = zone_.ToUnixMs(CivilTime{day, int64_t{minute} * 60'000});
    ASSERT_TRUE(ms.ok());
    clock_.Set(*ms);
  }

  Answer PayByCheck(const std::string& number, int64_t cents) {
    return Call("POST", "/api/v1/permits/" + number + "/payments",
                json::serialize(json::object{
                    {"drawer_id", drawer_},
                    {"tenders", json::array{json::object{
                                    {"kind", "check"}, {"amount_cents", cents}, {"number", "77"}}}}}),
                clerk_);
  }

  // A building permit applied for, paid and issued at the current clock; `lat`/`lon` place the work site.
  std::string IssuedPermit(int64_t lat = 39781721, int64_t lon = -89650148) {
    json::object application = Application("building", 25'000'000, builder_);
    application["latitude_microdegrees"] = lat;
    application["longitude_microdegrees"] = lon;
    Answer applied = Apply(application);
    EXPECT_EQ(applied.status, 201) << json::serialize(applied.body);
    std::string number = applied.Str("number");
    Answer paid = PayByCheck(number, applied.body.at("due_cents").as_int64());
    EXPECT_EQ(paid.status, 201) << json::serialize(paid.body);
    Answer issued = Call("POST", "/api/v1/permits/" + number + "/issue", {}, tech_);
    EXPECT_EQ(issued.status, 200) << json::serialize(issued.body);
    return number;
  }

  Answer Request(const std::string& number, const std::string& type, json::object extra = {}) {
    extra["inspection_type"] = type;
    return Call("POST", "/api/v1/permits/" + number + "/inspections", json::serialize(extra), tech_);
  }

  Answer Result(const std::string& id, const std::string& result, json::object extra = {}) {
    extra["result"] = result;
    return Call("POST", "/api/v1/inspections/" + id + "/result", json::serialize(extra), inspector_token_);
  }

  std::string inspector_, inspector_token_, drawer_;
  TimeZone zone_;
  Date friday_;
};

TEST_F(InspectionsApiTest, AResidentialBuildingPermitFromFridayAfternoonRequestToFinal) {
  At(friday_.AddDays(-3), 9 * 60);  // Tuesday morning: the permit is applied for, paid and issued
  const std::string number = IssuedPermit();
  Answer unconfigured = Request(number, "footing");
  EXPECT_EQ(unconfigured.status, 409) << json::serialize(unconfigured.body);
  EXPECT_EQ(unconfigured.Type(), "inspections-not-configured");
  Configure(Settings(4));
  Answer permit = Call("GET", "/api/v1/permits/" + number, {}, tech_);
  const int64_t reinspection = permit.body.at("reinspection_cents").as_int64();
  ASSERT_GT(reinspection, 0);

  // Friday 16:00 in Chicago: after the cutoff, so received Saturday, inspected Monday at the earliest.
  At(friday_, 16 * 60);
  Answer footing = Request(number, "footing");
  ASSERT_EQ(footing.status, 201) << json::serialize(footing.body);
  const Date monday = friday_.AddDays(3);
  EXPECT_EQ(footing.Str("day"), monday.ToString());
  EXPECT_EQ(footing.Str("window"), "AM");
  EXPECT_EQ(footing.Str("inspector"), inspector_);
  EXPECT_EQ(footing.Str("status"), "scheduled");
  EXPECT_EQ(footing.Str("received_on"), friday_.AddDays(1).ToString());
  EXPECT_EQ(footing.Str("requested_at"), friday_.ToString() + "T16:00");
  EXPECT_EQ(footing.body.at("attempt").as_int64(), 1);
  EXPECT_EQ(footing.body.at("fee_added_cents").as_int64(), 0);
  const std::string first = footing.Str("id");

  // The refusals the desk must explain.
  Answer out_of_sequence = Request(number, "foundation");
  EXPECT_EQ(out_of_sequence.status, 409);
  EXPECT_EQ(out_of_sequence.Type(), "inspection-out-of-sequence");
  Answer twice = Request(number, "footing");
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(twice.Type(), "inspection-open");
  Answer unknown_type = Request(number, "moat");
  EXPECT_EQ(unknown_type.status, 422);
  EXPECT_EQ(unknown_type.Type(), "unknown-inspection-type");
  Answer no_permit = Request("BP-central-999", "footing");
  EXPECT_EQ(no_permit.status, 404);
  Answer past = Request(number, "footing", {{"requested_date", friday_.AddDays(-1).ToString()}});
  EXPECT_EQ(past.status, 422);
  EXPECT_EQ(past.Type(), "requested-date-in-past");
  Answer too_early = Request(number, "footing", {{"requested_date", friday_.AddDays(1).ToString()}});
  EXPECT_EQ(too_early.status, 422);
  EXPECT_EQ(too_early.Type(), "requested-date-too-early");
  Answer bad_result = Result(first, "maybe");
  EXPECT_EQ(bad_result.status, 422);
  Answer silent_fail = Result(first, "fail");
  EXPECT_EQ(silent_fail.status, 422) << "a failure says what to correct";
  Answer clerk_result =
      Call("POST", "/api/v1/inspections/" + first + "/result", R"({"result":"pass"})", clerk_);
  EXPECT_EQ(clerk_result.status, 403);

  // Monday: the inspector's day in route order, then the footing fails.
  At(monday, 9 * 60);
  Answer day = Call("GET", fmt::format("/api/v1/inspectors/{}/day?date={}", inspector_, monday.ToString()),
                    {}, inspector_token_);
  ASSERT_EQ(day.status, 200);
  ASSERT_EQ(day.body.at("items").as_array().size(), 1u);
  EXPECT_EQ(day.body.at("items").as_array()[0].at("stop").as_int64(), 1);
  Answer failed =
      Result(first, "fail",
             {{"comments", "Footing depth short at the north-east corner"},
              {"corrections", json::array{"Excavate to 42 inches below grade", "Re-set the forms"}}});
  ASSERT_EQ(failed.status, 200) << json::serialize(failed.body);
  EXPECT_EQ(failed.Str("status"), "completed");
  EXPECT_EQ(failed.Str("result"), "fail");
  EXPECT_EQ(failed.Str("inspected_on"), monday.ToString());
  EXPECT_EQ(failed.Str("permit_status"), "issued");
  Answer again_result = Result(first, "pass");
  EXPECT_EQ(again_result.status, 409);
  EXPECT_EQ(again_result.Type(), "inspection-closed");

  // The second request: no fee. Monday 09:00 is before the cutoff, so Tuesday. It fails too.
  Answer second = Request(number, "footing");
  ASSERT_EQ(second.status, 201) << json::serialize(second.body);
  EXPECT_EQ(second.Str("day"), monday.AddDays(1).ToString());
  EXPECT_EQ(second.body.at("attempt").as_int64(), 2);
  EXPECT_EQ(second.body.at("fee_added_cents").as_int64(), 0);
  At(monday.AddDays(1), 10 * 60);
  ASSERT_EQ(Result(second.Str("id"), "fail", {{"comments", "Forms not re-set"}}).status, 200);

  // The third request of the type adds the re-inspection fee to the permit.
  Answer third = Request(number, "footing");
  ASSERT_EQ(third.status, 201) << json::serialize(third.body);
  EXPECT_EQ(third.body.at("attempt").as_int64(), 3);
  EXPECT_EQ(third.body.at("fee_added_cents").as_int64(), reinspection);
  permit = Call("GET", "/api/v1/permits/" + number, {}, tech_);
  EXPECT_EQ(permit.body.at("due_cents").as_int64(), reinspection);
  At(monday.AddDays(2), 10 * 60);
  Answer passed = Result(third.Str("id"), "pass", {{"comments", "Corrected"}});
  ASSERT_EQ(passed.status, 200) << json::serialize(passed.body);
  EXPECT_EQ(passed.Str("permit_status"), "inspections");

  // The next request waits for the fee, paid at a counter on a receipt of that one line.
  Answer unpaid = Request(number, "foundation");
  EXPECT_EQ(unpaid.status, 409);
  EXPECT_EQ(unpaid.Type(), "permit-fees-due");
  Answer fee = PayByCheck(number, reinspection);
  ASSERT_EQ(fee.status, 201) << json::serialize(fee.body);
  const json::array& lines = fee.body.at("receipt").at("items").as_array();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("code").as_string(), "REINSPECT");
  EXPECT_EQ(lines[0].at("amount_cents").as_int64(), reinspection);

  // Every other inspection of the sequence, each requested and passed; the last finals the permit.
  const json::array sequence = permit.body.at("inspections").as_array();
  Date today = monday.AddDays(2);
  std::string status;
  for (size_t k = 1; k < sequence.size(); ++k) {
    const std::string type(sequence[k].at("type").as_string());
    Answer booked = Request(number, type);
    ASSERT_EQ(booked.status, 201) << type << ": " << json::serialize(booked.body);
    Date on = Date::Parse(booked.Str("day")).value();
    At(on, 10 * 60);
    Answer done = Result(booked.Str("id"), "pass");
    ASSERT_EQ(done.status, 200) << type << ": " << json::serialize(done.body);
    status = done.Str("permit_status");
    today = on;
  }
  EXPECT_EQ(status, "finaled");
  permit = Call("GET", "/api/v1/permits/" + number, {}, tech_);
  EXPECT_EQ(permit.Str("status"), "finaled");
  EXPECT_EQ(permit.Str("finaled_on"), today.ToString());
  Answer after_final = Request(number, "footing");
  EXPECT_EQ(after_final.status, 409);
  EXPECT_EQ(after_final.Type(), "permit-closed");

  // The permit's inspections, and the public lookup: results but never comments.
  Answer list = Call("GET", "/api/v1/permits/" + number + "/inspections", {}, clerk_);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.at("items").as_array().size(), sequence.size() + 2);
  Answer lookup = Call("GET", "/api/v1/public/permits/" + number);
  ASSERT_EQ(lookup.status, 200);
  const json::array& shown = lookup.body.at("inspections").as_array();
  ASSERT_EQ(shown.size(), sequence.size() + 2);
  EXPECT_EQ(shown[0].at("result").as_string(), "fail");
  EXPECT_EQ(shown[2].at("result").as_string(), "pass");
  EXPECT_EQ(lookup.raw.body.find("Footing depth"), std::string::npos);

  // The inspector's calendar, read by python3-icalendar: every inspection, in its window's Chicago hours.
  Answer feed =
      Call("GET", fmt::format("/api/v1/inspectors/{}/calendar.ics", inspector_), {}, inspector_token_);
  ASSERT_EQ(feed.status, 200);
  EXPECT_EQ(feed.raw.Header("content-type"), "text/calendar; charset=utf-8");
  TempDir dir;
  const std::string path = dir.Sub("ira.ics");
  ASSERT_TRUE(WriteFileAtomic(path, feed.raw.body).ok());
  const std::string python = IcalPython();
  ASSERT_FALSE(python.empty()) << "python3 is missing: run scripts/install-deps.sh";
  RunResult r = RunProcess({python, "-c", kIcalReader, path});
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << "\n" << feed.raw.body;
  auto parsed = ParseJson(r.out, 16);
  ASSERT_TRUE(parsed.ok()) << r.out;
  ASSERT_TRUE(parsed->is_object() && parsed->as_object().contains("events")) << r.out;
  EXPECT_EQ(parsed->at("name").as_string(), "Inspections: Ira Moss");
  const json::array& events = parsed->at("events").as_array();
  ASSERT_EQ(events.size(), sequence.size() + 2);
  const json::object& e0 = events[0].as_object();
  ASSERT_TRUE(e0.contains("location") && e0.contains("geo")) << r.out;
  EXPECT_EQ(e0.at("uid").as_string(), first + "@holdfast");
  EXPECT_EQ(e0.at("start").as_int64(), *zone_.ToUnixMs(CivilTime{monday, 8 * 3'600'000}));
  EXPECT_EQ(e0.at("end").as_int64(), *zone_.ToUnixMs(CivilTime{monday, 12 * 3'600'000}));
  EXPECT_EQ(e0.at("summary").as_string(), "footing inspection, permit " + number);
  EXPECT_EQ(e0.at("location").as_string(), "742 Evergreen Terrace, Springfield 62701");
  EXPECT_EQ(e0.at("geo"), (json::array{39781721, -89650148}));

  ExpectVerifiedAndRebuiltAlike();
}

TEST_F(InspectionsApiTest, RequestsBeyondAWindowsCapacityMoveOnNeverOverCapacity) {
  At(friday_.AddDays(-4), 9 * 60);  // Monday: permits issued
  // The Tuesday after the requests is a holiday.
  const Date monday = friday_.AddDays(3);
  Configure(Settings(1, json::array{monday.AddDays(1).ToString()}));
  std::vector<std::string> permits;
  for (int k = 0; k < 5; ++k) permits.push_back(IssuedPermit(39781721 + k * 1000, -89650148));
  At(friday_, 16 * 60);
  // One place per window: Monday AM, Monday PM, then past the holiday: Wednesday AM, Wednesday PM, Thursday
  // AM.
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& p : permits) {
    Answer a = Request(p, "footing");
    ASSERT_EQ(a.status, 201) << json::serialize(a.body);
    got.emplace_back(a.Str("day"), a.Str("window"));
  }
  std::vector<std::pair<std::string, std::string>> want = {{monday.ToString(), "AM"},
                                                           {monday.ToString(), "PM"},
                                                           {monday.AddDays(2).ToString(), "AM"},
                                                           {monday.AddDays(2).ToString(), "PM"},
                                                           {monday.AddDays(3).ToString(), "AM"}};
  EXPECT_EQ(got, want);

  // A cancellation frees its place: the next request takes it.
  Answer first = Call("GET", "/api/v1/permits/" + permits[0] + "/inspections", {}, tech_);
  const std::string id(first.body.at("items").as_array()[0].at("id").as_string());
  Answer cancelled =
      Call("POST", "/api/v1/inspections/" + id + "/cancel", R"({"reason":"site not ready"})", tech_);
  ASSERT_EQ(cancelled.status, 200) << json::serialize(cancelled.body);
  EXPECT_EQ(cancelled.Str("status"), "cancelled");
  Answer rebooked = Request(permits[0], "footing", {{"window", "AM"}});
  ASSERT_EQ(rebooked.status, 201);
  EXPECT_EQ(rebooked.Str("day"), monday.ToString());
  EXPECT_EQ(rebooked.body.at("attempt").as_int64(), 1) << "a cancelled request is not an attempt";

  // The board never holds more than one scheduled inspection in any window.
  Answer board = Call("GET", "/api/v1/inspections?status=scheduled", {}, clerk_);
  ASSERT_EQ(board.status, 200);
  std::map<std::string, int> per_window;
  for (const auto& i : board.body.at("items").as_array()) {
    ++per_window[fmt::format("{} {}", i.at("day").as_string().c_str(), i.at("window").as_string().c_str())];
  }
  EXPECT_EQ(per_window.size(), 5u);
  for (const auto& [window, n] : per_window) EXPECT_EQ(n, 1) << window;

  // A reschedule moves to the first free place and gives the old one back.
  Answer moved = Call("POST", "/api/v1/inspections/" + rebooked.Str("id") + "/reschedule",
                      R"({"reason":"contractor asked for afternoon","window":"PM"})", tech_);
  ASSERT_EQ(moved.status, 200) << json::serialize(moved.body);
  EXPECT_EQ(moved.Str("day"), monday.AddDays(3).ToString());
  EXPECT_EQ(moved.Str("window"), "PM");
  Answer retaken = Request(permits[1], "footing");
  EXPECT_EQ(retaken.status, 409) << "permit 2's footing is booked already";
  ExpectVerifiedAndRebuiltAlike();
}

TEST_F(InspectionsApiTest, BadSettingsAndRequestsAreRefusedWithProblemTypes) {
  json::object settings = Settings(2);
  json::object bad_area = settings;
  bad_area["inspectors"].as_array()[0].as_object()["areas"] = json::array{"north"};
  Answer unknown_area = Call("PUT", "/api/v1/inspection-settings", json::serialize(bad_area), admin_);
  EXPECT_EQ(unknown_area.status, 422);
  EXPECT_NE(unknown_area.Str("detail").find("inspectors[0].areas[0]"), std::string::npos)
      << unknown_area.Str("detail");
  json::object bad_cutoff = settings;
  bad_cutoff["calendar"].as_object()["cutoff"] = "25:00";
  Answer cutoff = Call("PUT", "/api/v1/inspection-settings", json::serialize(bad_cutoff), admin_);
  EXPECT_EQ(cutoff.status, 422);
  EXPECT_EQ(Call("PUT", "/api/v1/inspection-settings", "{\"areas\": 7}", admin_).status, 422);
  EXPECT_EQ(Call("PUT", "/api/v1/inspection-settings", json::serialize(settings), clerk_).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/inspections").status, 401);

  // A ZIP no area covers, with no default area.
  Configure(settings);
  json::object application = Application("building", 25'000'000, builder_);
  application["address"].as_object()["zip"] = "62999";
  Answer applied = Apply(application);
  ASSERT_EQ(applied.status, 201);
  const std::string number = applied.Str("number");
  ASSERT_EQ(PayByCheck(number, applied.body.at("due_cents").as_int64()).status, 201);
  ASSERT_EQ(Call("POST", "/api/v1/permits/" + number + "/issue", {}, tech_).status, 200);
  Answer nowhere = Request(number, "footing");
  EXPECT_EQ(nowhere.status, 409);
  EXPECT_EQ(nowhere.Type(), "no-inspector-for-area");
  Answer unissued = Request(Apply(Application("building", 1'000'000, builder_)).Str("number"), "footing");
  EXPECT_EQ(unissued.status, 409);
  EXPECT_EQ(unissued.Type(), "permit-not-issued");

  EXPECT_EQ(Call("POST", "/api/v1/inspections/IN-central-99/cancel", R"({"reason":"x"})", tech_).status, 404);
  EXPECT_EQ(Call("POST", "/api/v1/inspections/IN-central-99/reschedule", "{}", tech_).status, 422);
  EXPECT_EQ(Call("GET", "/api/v1/inspectors/" + inspector_ + "/day?date=2026-02-30", {}, tech_).status, 422);
  EXPECT_EQ(Request(number, "footing", {{"window", "EVENING"}}).status, 422);

  Answer doc = Call("GET", "/api/v1/openapi.json");
  ASSERT_EQ(doc.status, 200);
  const json::object& paths = doc.body.at("paths").as_object();
  for (const char* p :
       {"/api/v1/inspection-settings", "/api/v1/permits/{number}/inspections", "/api/v1/inspections",
        "/api/v1/inspections/{id}", "/api/v1/inspections/{id}/reschedule", "/api/v1/inspections/{id}/cancel",
        "/api/v1/inspections/{id}/result", "/api/v1/inspectors/{id}/day",
        "/api/v1/inspectors/{id}/calendar.ics"}) {
    EXPECT_TRUE(paths.contains(p)) << p;
  }
}

}  // namespace
}  // namespace holdfast::testing
