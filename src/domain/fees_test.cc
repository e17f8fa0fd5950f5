#include "domain/fees.h"

#include <gtest/gtest.h>

#include "domain/money.h"

namespace holdfast::domain {
namespace {

Cents Total(const std::vector<FeeLine>& lines) {
  Cents t = 0;
  for (const auto& l : lines) t += l.amount_cents;
  return t;
}

TEST(FeesTest, ExampleScheduleSurvivesItsOwnJson) {
  FeeSchedule s = ExampleFeeSchedule(Date::FromCivil(2026, 1, 1));
  auto again = ParseFeeSchedule(s.ToJson());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(json::serialize(again->ToJson()), json::serialize(s.ToJson()));
}

TEST(FeesTest, LicenseFeesApplyDiscountsExemptionsAndLateFees) {
  FeeSchedule s = ExampleFeeSchedule(Date::FromCivil(2026, 1, 1));
  auto altered = LicenseFees(s, {.species = "dog", .altered = true, .term_years = 1}, "L-1");
  ASSERT_TRUE(altered.ok());
  ASSERT_EQ(altered->size(), 1u);
  EXPECT_EQ((*altered)[0].code, "DOG-ALT-1");
  EXPECT_EQ((*altered)[0].ref, "L-1");
  EXPECT_EQ(Total(*altered), 1500);

  auto senior_late = LicenseFees(
      s, {.species = "dog", .altered = false, .senior_owner = true, .term_years = 1, .late = true}, "");
  ASSERT_TRUE(senior_late.ok());
  EXPECT_EQ(Total(*senior_late), 4000 - 2000 + 1000);

  auto service =
      LicenseFees(s, {.species = "dog", .altered = false, .service_animal = true, .term_years = 3}, "");
  ASSERT_TRUE(service.ok());
  EXPECT_EQ(Total(*service), 0);

  auto missing = LicenseFees(s, {.species = "cat", .altered = true, .term_years = 3}, "");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, "term_years");
}

TEST(FeesTest, BadSchedulesAreRefusedNamingTheField) {
  FeeSchedule good = ExampleFeeSchedule(Date::FromCivil(2026, 1, 1));
  auto with = [&](const char* key, json::value v) {
    json::object o = good.ToJson();
    o[key] = std::move(v);
    return ParseFeeSchedule(o);
  };
  EXPECT_EQ(with("effective_from", "2026-02-30").error().field, "effective_from");
  EXPECT_EQ(with("senior_discount_percent", 120).error().field, "senior_discount_percent");
  EXPECT_EQ(with("late_fee", json::object{{"code", "late fee"}, {"description", "x"}, {"amount_cents", 5}})
                .error()
                .field,
            "late_fee");
  EXPECT_EQ(with("surprise", 1).error().field, "surprise");
  json::array lowercase = good.ToJson()["licenses"].as_array();
  lowercase[0].as_object()["code"] = "dog alt";
  auto bad_code = with("licenses", lowercase);
  ASSERT_FALSE(bad_code.ok());
  EXPECT_EQ(bad_code.error().field, "licenses");
  EXPECT_NE(bad_code.error().detail.find("fee code"), std::string::npos) << bad_code.error().detail;
  json::array twice = good.ToJson()["licenses"].as_array();
  twice.push_back(twice[0]);
  EXPECT_EQ(with("licenses", twice).error().field, "licenses");
}

TEST(FeesTest, CentsAreFormattedForPeople) {
  EXPECT_EQ(FormatCents(0), "0.00");
  EXPECT_EQ(FormatCents(5), "0.05");
  EXPECT_EQ(FormatCents(-1234), "-12.34");
  EXPECT_EQ(FormatCents(100000), "1000.00");
}

}  // namespace
}  // namespace holdfast::domain
