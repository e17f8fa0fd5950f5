// The city's day, not UTC's: with the city's clock set to Chicago (the inspection calendar's time zone), a
// counter sale at 20:30 on the day a license expires is dated that day and renews without the late fee,
// though in UTC it is already the next day; just after local midnight the renewal is late. The drawer's day,
// the public status and the late-fee job go by the same day. A city with no inspection calendar gets the same
// from its own time zone, set by an administrator by its tz database name.
#include <gtest/gtest.h>

#include "base/timezone.h"
#include "licensing_fixture.h"

namespace holdfast::testing {
namespace {

constexpr const char* kChicago = "CST6CDT,M3.2.0,M11.1.0";

// The helpers; the city's clock is Chicago's once a test sets it.
class CityClockTest : public LicensingCityTest {
 protected:
  void SetUp() override {
    LicensingCityTest::SetUp();
    auto zone = TimeZone::Parse(kChicago);
    ASSERT_TRUE(zone.ok());
    zone_ = *zone;
  }

  // Sets the node clock to `minute` past local midnight of `day` in Chicago.
  void At(Date day, int minute) {
    auto ms = zone_.ToUnixMs(CivilTime{day, int64_t{minute} * 60'000});
    ASSERT_TRUE(ms.ok());
    clock_.Set(*ms);
  }

  Answer Renew(const std::string& drawer, const std::string& license) {
    json::object sale{
        {"drawer_id", drawer},
        {"items", json::array{json::object{{"action", "renew"}, {"license", license}, {"term_years", 1}}}},
        {"tenders", json::array{json::object{{"kind", "cash"}, {"amount_cents", 10000}}}}};
    return Call("POST", "/api/v1/counter/sales", json::serialize(sale), clerk_);
  }

  static std::vector<std::string> FeeCodes(const Answer& sale) {
    std::vector<std::string> codes;
    for (const auto& item : sale.body.at("receipt").at("items").as_array()) {
      codes.emplace_back(item.at("code").as_string());
    }
    return codes;
  }

  TimeZone zone_;
};

class CityDateTest : public CityClockTest {
 protected:
  void SetUp() override {
    CityClockTest::SetUp();
    std::string inspector;
    UserToken(admin_, "ira", json::array{"inspector"}, &inspector);
    json::object settings{
        {"calendar", json::object{{"time_zone", kChicago}}},
        {"areas", json::array{json::object{{"name", "central"}, {"zips", json::array{"62701"}}}}},
        {"inspectors", json::array{json::object{{"id", inspector},
                                                {"name", "Ira Moss"},
                                                {"areas", json::array{"central"}},
                                                {"capacity_per_window", 4}}}}};
    Answer set = Call("PUT", "/api/v1/inspection-settings", json::serialize(settings), admin_);
    ASSERT_EQ(set.status, 200) << json::serialize(set.body);
  }
};

TEST_F(CityDateTest, TheCounterGoesByTheCitysDayNotUtcs) {
  // A day a month back, so that the sign-ins made at the real time stay valid.
  const Date expiry = today_.AddDays(-30);
  const std::string owner = Owner("Maria Gonzalez");
  const std::string biscuit =
      Licensed(Dog(owner, "Biscuit", true, expiry.AddYears(2)), 1001, expiry.AddYears(-1));
  const std::string tango =
      Licensed(Dog(owner, "Tango", true, expiry.AddYears(2)), 1002, expiry.AddYears(-1));
  ASSERT_EQ(Call("GET", "/api/v1/licenses/" + biscuit, {}, clerk_).Str("expires_on"), expiry.ToString());

  // 20:30 in Chicago on the day the licenses expire: already the next day in UTC.
  At(expiry, 20 * 60 + 30);
  ASSERT_EQ(Date::FromUnixMs(clock_.NowMs()), expiry.AddDays(1));
  Answer drawer = Call("POST", "/api/v1/drawers", R"({"float_cents":5000})", clerk_);
  ASSERT_EQ(drawer.status, 201) << json::serialize(drawer.body);
  EXPECT_EQ(drawer.Str("opened_on"), expiry.ToString());
  EXPECT_EQ(Call("GET", "/api/v1/public/status").Str("date"), expiry.ToString());
  Answer assessed = Call("POST", "/api/v1/utility/late-fees/assess", {}, admin_);
  ASSERT_EQ(assessed.status, 200) << json::serialize(assessed.body);
  EXPECT_EQ(assessed.Str("date"), expiry.ToString());
  Answer on_time = Renew(drawer.Str("id"), biscuit);
  ASSERT_EQ(on_time.status, 201) << json::serialize(on_time.body);
  EXPECT_EQ(FeeCodes(on_time), std::vector<std::string>{"DOG-ALT-1"}) << json::serialize(on_time.body);
  EXPECT_EQ(on_time.body.at("licenses").at(0).at("starts_on").as_string(), expiry.ToString());

  // Half an hour past midnight in Chicago: the next day, and the renewal is late.
  At(expiry.AddDays(1), 30);
  Answer late = Renew(drawer.Str("id"), tango);
  ASSERT_EQ(late.status, 201) << json::serialize(late.body);
  EXPECT_EQ(FeeCodes(late), (std::vector<std::string>{"DOG-ALT-1", "LATE"})) << json::serialize(late.body);
}

using CityTimeZoneTest = CityClockTest;

TEST_F(CityTimeZoneTest, ACityWithNoInspectionCalendarDatesItsRecordsByItsOwnTimeZone) {
  const Date expiry = today_.AddDays(-30);
  const std::string owner = Owner("Maria Gonzalez");
  const std::string biscuit =
      Licensed(Dog(owner, "Biscuit", true, expiry.AddYears(2)), 1001, expiry.AddYears(-1));
  At(expiry, 20 * 60 + 30);  // 20:30 in Chicago, the next day in UTC
  Answer utc = Call("GET", "/api/v1/city", {}, clerk_);
  ASSERT_EQ(utc.status, 200) << json::serialize(utc.body);
  EXPECT_EQ(utc.Str("time_zone"), "");
  EXPECT_EQ(utc.Str("today"), expiry.AddDays(1).ToString()) << "no zone set yet: UTC's date";

  // Only an administrator sets it, to a zone that exists.
  const std::string chicago = R"({"time_zone":"America/Chicago"})";
  EXPECT_EQ(Call("PUT", "/api/v1/city/time-zone", chicago, clerk_).status, 403);
  Answer unknown = Call("PUT", "/api/v1/city/time-zone", R"({"time_zone":"America/Springfield"})", admin_);
  EXPECT_EQ(unknown.status, 422) << json::serialize(unknown.body);
  EXPECT_EQ(unknown.Str("field"), "time_zone");
  EXPECT_NE(unknown.Str("detail").find("America/Chicago"), std::string::npos) << unknown.Str("detail");
  EXPECT_EQ(
      Call("PUT", "/api/v1/city/time-zone", R"({"time_zone":"CST6CDT,M13.2.0,M11.1.0"})", admin_).status,
      422);
  Answer set = Call("PUT", "/api/v1/city/time-zone", chicago, admin_);
  ASSERT_EQ(set.status, 200) << json::serialize(set.body);
  EXPECT_EQ(set.Str("time_zone"), kChicago);
  EXPECT_EQ(set.Str("zone_name"), "America/Chicago");
  EXPECT_EQ(set.Str("today"), expiry.ToString());

  // The evening renewal is dated the city's day: on time, no late fee.
  Answer drawer = Call("POST", "/api/v1/drawers", R"({"float_cents":5000})", clerk_);
  ASSERT_EQ(drawer.status, 201) << json::serialize(drawer.body);
  EXPECT_EQ(drawer.Str("opened_on"), expiry.ToString());
  EXPECT_EQ(Call("GET", "/api/v1/public/status").Str("date"), expiry.ToString());
  Answer on_time = Renew(drawer.Str("id"), biscuit);
  ASSERT_EQ(on_time.status, 201) << json::serialize(on_time.body);
  EXPECT_EQ(FeeCodes(on_time), std::vector<std::string>{"DOG-ALT-1"}) << json::serialize(on_time.body);
  ExpectVerifiedAndRebuiltAlike();
}

}  // namespace
}  // namespace holdfast::testing
