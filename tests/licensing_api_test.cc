// Animal licensing over the HTTP API: fee schedule versions, pets and their rabies vaccinations, who may see
// and change them.
#include <gtest/gtest.h>

#include "api_fixture.h"
#include "domain/fees.h"

namespace holdfast::testing {
namespace {

class LicensingApiTest : public ApiTest {
 protected:
  std::string Party(const std::string& token, const std::string& name) {
    Answer a = Call("POST", "/api/v1/parties",
                    json::serialize(json::object{{"kind", "person"}, {"name", name}}), token);
    EXPECT_EQ(a.status, 201) << json::serialize(a.body);
    return a.Str("id");
  }
};

TEST_F(LicensingApiTest, FeeScheduleVersionsApplyFromTheirEffectiveDate) {
  std::string admin = AdminToken();
  std::string clerk = UserToken(admin, "casey", json::array{"clerk"});
  Answer none = Call("GET", "/api/v1/fee-schedules/current", {}, clerk);
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.Type(), "no-fee-schedule");

  domain::FeeSchedule first = domain::ExampleFeeSchedule(Date::FromCivil(2026, 1, 1));
  domain::FeeSchedule second = first;
  second.effective_from = Date::FromCivil(2027, 1, 1);
  second.licenses[0].fee.amount_cents = 1800;
  EXPECT_EQ(Call("POST", "/api/v1/fee-schedules", json::serialize(first.ToJson()), clerk).status, 403);
  Answer a = Call("POST", "/api/v1/fee-schedules", json::serialize(first.ToJson()), admin);
  ASSERT_EQ(a.status, 201) << json::serialize(a.body);
  ASSERT_EQ(Call("POST", "/api/v1/fee-schedules", json::serialize(second.ToJson()), admin).status, 201);

  Answer in_2026 = Call("GET", "/api/v1/fee-schedules/current?date=2026-12-31", {}, clerk);
  ASSERT_EQ(in_2026.status, 200);
  EXPECT_EQ(in_2026.Str("effective_from"), "2026-01-01");
  Answer in_2027 = Call("GET", "/api/v1/fee-schedules/current?date=2027-01-01", {}, clerk);
  EXPECT_EQ(in_2027.body.at("licenses").at(0).at("amount_cents").as_int64(), 1800);
  EXPECT_EQ(Call("GET", "/api/v1/fee-schedules/current?date=2026-02-30", {}, clerk).status, 422);
  Answer all = Call("GET", "/api/v1/fee-schedules", {}, clerk);
  EXPECT_EQ(all.body.at("items").as_array().size(), 2u);

  json::object bad = first.ToJson();
  bad["senior_discount_percent"] = 150;
  Answer refused = Call("POST", "/api/v1/fee-schedules", json::serialize(bad), admin);
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(refused.Str("field"), "senior_discount_percent");
}

TEST_F(LicensingApiTest, PetsAreRegisteredVaccinatedAndSeenOnlyByTheirOwner) {
  std::string admin = AdminToken();
  std::string clerk = UserToken(admin, "casey", json::array{"clerk"});
  std::string owner = Party(clerk, "Olga Owner");
  Answer rex = Call("POST", "/api/v1/pets",
                    json::serialize(json::object{{"owner_party_id", owner},
                                                 {"species", "dog"},
                                                 {"name", "Rex"},
                                                 {"breed", "Beagle"},
                                                 {"sex", "male"},
                                                 {"altered", true},
                                                 {"birth_date", "2022-05-01"},
                                                 {"microchip", "985141000123456"}}),
                    clerk);
  ASSERT_EQ(rex.status, 201) << json::serialize(rex.body);
  std::string id = rex.Str("id");
  EXPECT_EQ(rex.raw.Header("location"), "/api/v1/pets/" + id);
  EXPECT_TRUE(rex.body.at("rabies").is_null());

  // Vaccinations: the one that runs longest counts, whatever order they are recorded in.
  auto vaccinate = [&](const char* cert, const char* given, const char* expires) {
    return Call("POST", "/api/v1/pets/" + id + "/vaccinations",
                json::serialize(json::object{{"certificate", cert},
                                             {"veterinarian", "Dr. Vega"},
                                             {"given_on", given},
                                             {"expires_on", expires}}),
                clerk);
  };
  ASSERT_EQ(vaccinate("RV-2", "2025-06-01", "2028-06-01").status, 201);
  Answer older = vaccinate("RV-1", "2024-06-01", "2025-06-01");
  ASSERT_EQ(older.status, 201);
  EXPECT_EQ(older.body.at("rabies").at("certificate").as_string(), "RV-2");
  EXPECT_EQ(vaccinate("RV-3", "2025-06-01", "2025-05-01").Str("field"), "expires_on");

  // A pet can come with its certificate.
  Answer mia = Call("POST", "/api/v1/pets",
                    json::serialize(json::object{{"owner_party_id", owner},
                                                 {"species", "cat"},
                                                 {"name", "Mia"},
                                                 {"altered", true},
                                                 {"rabies", json::object{{"certificate", "RV-9"},
                                                                         {"veterinarian", "Dr. Vega"},
                                                                         {"given_on", "2025-01-10"},
                                                                         {"expires_on", "2026-01-10"}}}}),
                    clerk);
  ASSERT_EQ(mia.status, 201) << json::serialize(mia.body);
  EXPECT_EQ(mia.body.at("rabies").at("certificate").as_string(), "RV-9");

  // Edits: only given fields; never the owner or species.
  Answer renamed = Call("PATCH", "/api/v1/pets/" + id, R"({"name":"Rexy","color":"tricolor"})", clerk);
  ASSERT_EQ(renamed.status, 200);
  EXPECT_EQ(renamed.Str("name"), "Rexy");
  EXPECT_EQ(renamed.Str("breed"), "Beagle");
  EXPECT_EQ(Call("PATCH", "/api/v1/pets/" + id, "{\"color\":\"red\\u0007\"}", clerk).Str("field"), "color");
  EXPECT_EQ(Call("PATCH", "/api/v1/pets/" + id, R"({"owner_party_id":"x"})", clerk).Str("field"),
            "owner_party_id");
  EXPECT_EQ(
      Call("POST", "/api/v1/pets",
           R"({"owner_party_id":")" + owner + R"(","species":"lizard","name":"Z","altered":false})", clerk)
          .Str("field"),
      "species");
  EXPECT_EQ(Call("POST", "/api/v1/pets",
                 R"({"owner_party_id":"p-nowhere-1","species":"cat","name":"Z","altered":false})", clerk)
                .status,
            404);

  // A public user sees the pets of their own party only; others do not learn a pet exists.
  std::string other = Party(clerk, "Someone Else");
  auto resident = [&](const std::string& username, const std::string& party) {
    Answer u = Call("POST", "/api/v1/users",
                    json::serialize(json::object{{"username", username},
                                                 {"roles", json::array{"public"}},
                                                 {"party_id", party},
                                                 {"password", username + "-password-1"}}),
                    admin);
    EXPECT_EQ(u.status, 201);
    std::string token = SignIn(username, username + "-password-1").Str("token");
    Call("PUT", "/api/v1/users/me/password",
         json::serialize(json::object{{"current_password", username + "-password-1"},
                                      {"new_password", username + "-password-2"}}),
         token);
    return token;
  };
  std::string olga = resident("olga", owner);
  std::string sam = resident("sam", other);
  EXPECT_EQ(Call("GET", "/api/v1/pets/" + id, {}, olga).status, 200);
  Answer list = Call("GET", "/api/v1/parties/" + owner + "/pets", {}, olga);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.at("items").as_array().size(), 2u);
  EXPECT_EQ(Call("GET", "/api/v1/pets/" + id, {}, sam).status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/parties/" + owner + "/pets", {}, sam).status, 404);
  EXPECT_EQ(Call("POST", "/api/v1/pets/" + id + "/vaccinations", R"({})", olga).status, 403);
}

TEST_F(LicensingApiTest, TagRangesAreReceivedWithoutOverlapAndTagsTrackedOneByOne) {
  std::string admin = AdminToken();
  std::string clerk = UserToken(admin, "casey", json::array{"clerk"});
  EXPECT_EQ(Call("POST", "/api/v1/tag-ranges", R"({"first":1000,"last":1099})", clerk).status, 403);
  Answer got = Call("POST", "/api/v1/tag-ranges", R"({"first":1000,"last":1099})", admin);
  ASSERT_EQ(got.status, 201) << json::serialize(got.body);
  EXPECT_EQ(got.Str("office"), "central");
  Answer overlap = Call("POST", "/api/v1/tag-ranges", R"({"first":1050,"last":1200})", admin);
  EXPECT_EQ(overlap.status, 409);
  EXPECT_EQ(overlap.Type(), "tag-range-overlap");
  EXPECT_EQ(Call("POST", "/api/v1/tag-ranges", R"({"first":10,"last":5})", admin).status, 422);

  EXPECT_EQ(Call("GET", "/api/v1/tags/1005", {}, clerk).Str("status"), "available");
  EXPECT_EQ(Call("GET", "/api/v1/tags/5000", {}, clerk).Str("status"), "not-ours");
  EXPECT_EQ(Call("GET", "/api/v1/tags/abc", {}, clerk).status, 404);
  Answer spoiled = Call("POST", "/api/v1/tags/1005/spoil", R"({"reason":"bent in the drawer"})", clerk);
  ASSERT_EQ(spoiled.status, 200) << json::serialize(spoiled.body);
  EXPECT_EQ(spoiled.Str("status"), "spoiled");
  Answer twice = Call("POST", "/api/v1/tags/1005/spoil", R"({"reason":"again"})", clerk);
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(twice.Type(), "tag-used");
  Answer ranges = Call("GET", "/api/v1/tag-ranges", {}, clerk);
  ASSERT_EQ(ranges.status, 200);
  EXPECT_EQ(ranges.body.at("items").at(0).at("used").as_int64(), 1);
  EXPECT_EQ(ranges.body.at("items").at(0).at("available").as_int64(), 99);
  EXPECT_EQ(Call("GET", "/api/v1/licenses/L-central-1", {}, clerk).status, 404);
}

}  // namespace
}  // namespace holdfast::testing
