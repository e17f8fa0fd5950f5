// A node with the animal-control counter set up through the API: the example fee schedule loaded by an admin,
// tags 1000–1099 in stock, a clerk signed in, and helpers to register owners and dogs and to record licenses
// issued on an earlier day.
#ifndef HOLDFAST_TESTS_LICENSING_FIXTURE_H_
#define HOLDFAST_TESTS_LICENSING_FIXTURE_H_

#include <gtest/gtest.h>

#include <string>

#include "api_fixture.h"
#include "domain/fees.h"
#include "domain/licenses.h"

namespace holdfast::testing {

class LicensingCityTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    admin_ = AdminToken();
    clerk_ = UserToken(admin_, "casey", json::array{"clerk"});
    ASSERT_EQ(Call("POST", "/api/v1/fee-schedules",
                   json::serialize(domain::ExampleFeeSchedule(Date::FromCivil(2020, 1, 1)).ToJson()), admin_)
                  .status,
              201);
    ASSERT_EQ(Call("POST", "/api/v1/tag-ranges", R"({"first":1000,"last":1099})", admin_).status, 201);
    today_ = Date::FromUnixMs(clock_.NowMs());
  }

  std::string Owner(const std::string& name) {
    Answer a = Call("POST", "/api/v1/parties",
                    json::serialize(json::object{{"kind", "person"}, {"name", name}}), clerk_);
    EXPECT_EQ(a.status, 201);
    return a.Str("id");
  }

  // A dog with a rabies vaccination given three years before `rabies_expires`.
  std::string Dog(const std::string& owner, const std::string& name, bool altered, Date rabies_expires) {
    Answer a =
        Call("POST", "/api/v1/pets",
             json::serialize(json::object{
                 {"owner_party_id", owner},
                 {"species", "dog"},
                 {"name", name},
                 {"altered", altered},
                 {"rabies", json::object{{"certificate", "RV-" + name},
                                         {"veterinarian", "Springfield Animal Hospital"},
                                         {"given_on", rabies_expires.AddYears(-3).AddDays(1).ToString()},
                                         {"expires_on", rabies_expires.ToString()}}}}),
             clerk_);
    EXPECT_EQ(a.status, 201) << json::serialize(a.body);
    return a.Str("id");
  }

  // A one-year license issued on an earlier day, as the node would have recorded it then.
  std::string Licensed(const std::string& pet, int64_t tag, Date on) {
    std::string number;
    auto r = node_->writer().Execute([&](store::CommandContext& ctx) -> Result<json::value> {
      HF_ASSIGN_OR_RETURN(domain::LicenseCharge c,
                          domain::IssueLicense(ctx, {pet, 1, tag, false}, on, "casey"));
      number = std::string(StringOr(c.license, "number"));
      return json::value(nullptr);
    });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return number;
  }

  Date today_;
  std::string admin_, clerk_;
};

}  // namespace holdfast::testing

#endif  // HOLDFAST_TESTS_LICENSING_FIXTURE_H_
