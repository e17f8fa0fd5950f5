// A node with the permit desk set up through the API: the default permit types loaded by an admin, a clerk,
// a permit technician and a supervisor signed in, a registered general contractor and an applicant, and
// helpers to apply for permits.
#ifndef HOLDFAST_TESTS_PERMIT_FIXTURE_H_
#define HOLDFAST_TESTS_PERMIT_FIXTURE_H_

#include <gtest/gtest.h>

#include <string>

#include "api_fixture.h"
#include "domain/permit_types.h"
#include "domain/permits.h"

namespace holdfast::testing {

class PermitDeskTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    admin_ = AdminToken();
    clerk_ = UserToken(admin_, "casey", json::array{"clerk"});
    tech_ = UserToken(admin_, "pat", json::array{"permit_tech"});
    supervisor_ = UserToken(admin_, "sam", json::array{"supervisor"});
    auto catalog = domain::DefaultPermitCatalog(Date::FromCivil(2020, 1, 1));
    ASSERT_TRUE(catalog.ok());
    Answer loaded = Call("POST", "/api/v1/permit-types", json::serialize(catalog->ToJson()), admin_);
    ASSERT_EQ(loaded.status, 201) << json::serialize(loaded.body);
    today_ = Date::FromUnixMs(clock_.NowMs());
    builder_ = Party("business", "Oak Street Builders");
    Answer c = Contractor(builder_, "general", today_.AddYears(1), today_.AddDays(200));
    ASSERT_EQ(c.status, 201) << json::serialize(c.body);
    applicant_ = Party("person", "Dana Whitfield");
  }

  std::string Party(const std::string& kind, const std::string& name) {
    Answer a = Call("POST", "/api/v1/parties", json::serialize(json::object{{"kind", kind}, {"name", name}}),
                    clerk_);
    EXPECT_EQ(a.status, 201);
    return a.Str("id");
  }

  Answer Contractor(const std::string& party, const std::string& trade, Date license, Date insurance) {
    return Call("POST", "/api/v1/contractors",
                json::serialize(json::object{{"party_id", party},
                                             {"license_number", "GC-" + party},
                                             {"trade", trade},
                                             {"license_state", "IL"},
                                             {"license_expires_on", license.ToString()},
                                             {"insurance_expires_on", insurance.ToString()}}),
                tech_);
  }

  json::object Application(const std::string& type, int64_t valuation, const std::string& contractor) {
    return json::object{{"permit_type", type},
                        {"work_class", "new"},
                        {"description", "Single-family dwelling, two stories, attached garage"},
                        {"valuation_cents", valuation},
                        {"square_feet", 2000},
                        {"address", json::object{{"line1", "742 Evergreen Terrace"},
                                                 {"line2", ""},
                                                 {"city", "Springfield"},
                                                 {"state", "IL"},
                                                 {"zip", "62701"}}},
                        {"parcel_pin", "14-22-301-011"},
                        {"latitude_microdegrees", 39781721},
                        {"longitude_microdegrees", -89650148},
                        {"applicant_party_id", applicant_},
                        {"contractor_party_id", contractor}};
  }

  Answer Apply(const json::object& application) {
    return Call("POST", "/api/v1/permits", json::serialize(application), tech_);
  }

  Status Passed(const std::string& number, const std::string& type) {
    return node_->writer()
        .Execute([&](store::CommandContext& ctx) -> Result<json::value> {
          HF_ASSIGN_OR_RETURN(json::object p, domain::RecordInspectionPassed(ctx, number, type, today_,
                                                                             "insp-" + type, "inspector"));
          return json::value(std::move(p));
        })
        .status();
  }

  Date today_;
  std::string admin_, clerk_, tech_, supervisor_, builder_, applicant_;
};

}  // namespace holdfast::testing

#endif  // HOLDFAST_TESTS_PERMIT_FIXTURE_H_
