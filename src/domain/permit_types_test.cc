#include "domain/permit_types.h"

#include <gtest/gtest.h>

namespace holdfast::domain {
namespace {

PermitFeeRules Rules() {
  PermitFeeRules r;
  r.code = "BP-TEST";
  r.description = "Test permit fee";
  return r;
}

Cents Base(const PermitFeeRules& rules, Cents valuation, int64_t square_feet = 0) {
  auto fees = FeesFor(rules, valuation, square_feet, "BP-x-1");
  EXPECT_TRUE(fees.ok()) << fees.status().ToString();
  return fees.ok() ? fees->lines.at(0).amount_cents : -1;
}

TEST(PermitFeesTest, FlatFeeIsOneLineWithTheTypesCodeAndThePermitAsRef) {
  PermitFeeRules r = Rules();
  r.flat_cents = 6000;
  auto fees = FeesFor(r, 0, 0, "BP-central-7");
  ASSERT_TRUE(fees.ok());
  ASSERT_EQ(fees->lines.size(), 1u);
  EXPECT_EQ(fees->lines[0].code, "BP-TEST");
  EXPECT_EQ(fees->lines[0].amount_cents, 6000);
  EXPECT_EQ(fees->lines[0].ref, "BP-central-7");
}

TEST(PermitFeesTest, ValuationTiersIncludeTheirUpperBoundAndChargeTheRateAboveTheFloor) {
  PermitFeeRules r = Rules();
  r.valuation_tiers = {{2'500'000, 7500, 0}, {10'000'000, 7500, 900}, {std::nullopt, 75000, 700}};
  EXPECT_EQ(Base(r, 0), 7500);
  EXPECT_EQ(Base(r, 2'500'000), 7500);  // the bound belongs to the lower tier
  // $9 per $1,000 above $25,000: $1,000 more is 900 cents.
  EXPECT_EQ(Base(r, 2'600'000), 7500 + 900);
  EXPECT_EQ(Base(r, 10'000'000), 7500 + 67500);
  // Above the last bound: the open tier, $7 per $1,000 above $100,000.
  EXPECT_EQ(Base(r, 10'100'000), 75000 + 700);
  EXPECT_EQ(Base(r, 25'000'000), 75000 + 105000);
}

TEST(PermitFeesTest, RatesRoundHalfUpToTheCent) {
  PermitFeeRules r = Rules();
  r.valuation_tiers = {{std::nullopt, 0, 1000}};  // $10 per $1,000: 1 cent per 100 cents of valuation
  EXPECT_EQ(Base(r, 49), 0);                      // 0.49 cent
  EXPECT_EQ(Base(r, 50), 1);                      // 0.5 cent rounds up
  EXPECT_EQ(Base(r, 149), 1);                     // 1.49
  EXPECT_EQ(Base(r, 150), 2);                     // 1.5
}

TEST(PermitFeesTest, NoTierCoveringTheValuationIsAnError) {
  PermitFeeRules r = Rules();
  r.valuation_tiers = {{1'000'000, 5000, 0}};
  EXPECT_EQ(Base(r, 1'000'000), 5000);
  auto fees = FeesFor(r, 1'000'001, 0, "BP-x-1");
  ASSERT_FALSE(fees.ok());
  EXPECT_EQ(fees.error().field, "valuation_cents");
}

TEST(PermitFeesTest, PerSquareFootAddsToFlatAndValuation) {
  PermitFeeRules r = Rules();
  r.flat_cents = 6000;
  r.per_square_foot_cents = 5;
  r.valuation_tiers = {{std::nullopt, 1000, 0}};
  EXPECT_EQ(Base(r, 0, 1200), 6000 + 1000 + 6000);
}

TEST(PermitFeesTest, MinimumRaisesTheBaseOnlyWhenBelowIt) {
  PermitFeeRules r = Rules();
  r.per_square_foot_cents = 10;
  r.minimum_cents = 5000;
  auto small = FeesFor(r, 0, 100, "BP-x-1");
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->lines[0].amount_cents, 5000);
  EXPECT_TRUE(small->basis.at("minimum_applied").as_bool());
  auto large = FeesFor(r, 0, 600, "BP-x-1");
  ASSERT_TRUE(large.ok());
  EXPECT_EQ(large->lines[0].amount_cents, 6000);
  EXPECT_FALSE(large->basis.at("minimum_applied").as_bool());
}

TEST(PermitFeesTest, SurchargesArePercentagesOfTheBaseAfterTheMinimumRoundedHalfUp) {
  PermitFeeRules r = Rules();
  r.flat_cents = 1000;
  r.minimum_cents = 7500;
  r.surcharges = {
      {"TECH", "Technology surcharge", 400}, {"PLAN-REVIEW", "Plan review", 6500}, {"ZERO", "Nothing", 0}};
  auto fees = FeesFor(r, 0, 0, "BP-x-1");
  ASSERT_TRUE(fees.ok());
  ASSERT_EQ(fees->lines.size(), 3u);  // a surcharge of nothing is left out
  EXPECT_EQ(fees->lines[1].code, "TECH");
  EXPECT_EQ(fees->lines[1].amount_cents, 300);  // 4% of 7500, not of 1000
  EXPECT_EQ(fees->lines[2].amount_cents, 4875);
  EXPECT_EQ(fees->lines[2].ref, "BP-x-1");

  PermitFeeRules half = Rules();
  half.flat_cents = 1;
  half.surcharges = {{"HALF", "Half", 5000}, {"LESS", "Just under half", 4999}};
  auto h = FeesFor(half, 0, 0, "BP-x-1");
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->lines.size(), 2u);
  EXPECT_EQ(h->lines[1].code, "HALF");
  EXPECT_EQ(h->lines[1].amount_cents, 1);  // 0.5 cent rounds up; 0.4999 rounds to nothing
}

TEST(PermitFeesTest, NegativeValuationOrAreaIsRefused) {
  EXPECT_EQ(FeesFor(Rules(), -1, 0, "x").error().field, "valuation_cents");
  EXPECT_EQ(FeesFor(Rules(), 0, -1, "x").error().field, "square_feet");
}

TEST(PermitTypesTest, TheDefaultCatalogParsesAndRoundTrips) {
  auto c = DefaultPermitCatalog(Date::FromCivil(2026, 1, 1));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  for (const char* code :
       {"building", "electrical", "plumbing", "mechanical", "demolition", "roof", "fence", "pool"}) {
    EXPECT_NE(c->Find(code), nullptr) << code;
  }
  EXPECT_EQ(c->Find("building")->inspections.back(), "building_final");
  EXPECT_FALSE(c->Find("fence")->requires_contractor());
  auto again = ParsePermitCatalog(json::value(c->ToJson()));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(json::serialize(again->ToJson()), json::serialize(c->ToJson()));
}

TEST(PermitTypesTest, ErrorsNameTheFieldAtFault) {
  auto c = DefaultPermitCatalog(Date::FromCivil(2026, 1, 1));
  ASSERT_TRUE(c.ok());
  json::object body = c->ToJson();
  body["types"].as_array()[0].as_object()["fees"].as_object()["valuation_tiers"] =
      json::array{json::object{{"up_to_cents", 500}, {"amount_cents", 1}},
                  json::object{{"up_to_cents", 400}, {"amount_cents", 1}}};
  auto bad = ParsePermitCatalog(json::value(body));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().detail.find("types[0].fees.valuation_tiers[1]"), std::string::npos)
      << bad.error().detail;
}

}  // namespace
}  // namespace holdfast::domain
