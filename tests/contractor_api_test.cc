// The contractor's portal through the HTTP API: a public user linked to a licensed contractor applies for a
// permit naming its business, sees only its own permits, pays the fees online by card (a declined card first,
// then one that is approved, sent twice with one Idempotency-Key and charged once), and once the permit
// technician issues the permit, books its first inspection into a window the node offers, sees the result
// the inspector records, and moves or cancels its own bookings. Another party's permit is 404 to it
// everywhere, and applying for someone else is refused. Then the node verifies and rebuilds to the same
// digest.
#include <gtest/gtest.h>

#include <algorithm>

#include "http/gateway_client.h"
#include "http/test_gateway.h"
#include "permit_fixture.h"

namespace holdfast::testing {
namespace {

class ContractorApiTest : public PermitDeskTest {
 protected:
  void SetUp() override {
    PermitDeskTest::SetUp();
    UseTestProcessor();
    std::string inspector_id;
    inspector_ = UserToken(admin_, "ira", json::array{"inspector"}, &inspector_id);
    json::object settings{
        {"calendar", json::object{{"cutoff", "15:00"}, {"time_zone", "CST6CDT,M3.2.0,M11.1.0"}}},
        {"areas", json::array{json::object{{"name", "central"}, {"zips", json::array{"62701"}}}}},
        {"inspectors", json::array{json::object{{"id", inspector_id},
                                                {"name", "Ira Moss"},
                                                {"areas", json::array{"central"}},
                                                {"capacity_per_window", 2}}}}};
    Answer set = Call("PUT", "/api/v1/inspection-settings", json::serialize(settings), admin_);
    ASSERT_EQ(set.status, 200) << json::serialize(set.body);
    contractor_ = PublicUserToken(admin_, "prairie", builder_);
  }

  Answer PayOnline(const std::string& number, int64_t cents, std::string_view card, const std::string& key,
                   const std::string& token) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
    return Call("POST", "/api/v1/permits/" + number + "/online-payments",
                json::serialize(json::object{
                    {"amount_cents", cents}, {"card_number", std::string(card)}, {"expiry", "12/30"}}),
                token, headers);
  }

  Answer Book(const std::string& number, json::object body, const std::string& token) {
    return Call("POST", "/api/v1/permits/" + number + "/inspections", json::serialize(body), token);
  }

  std::string contractor_, inspector_;
};

TEST_F(ContractorApiTest, AContractorAppliesPaysAndBooksItsFirstInspectionOnItsOwnPermit) {
  // The contractor reads the permit types to choose one, and applies for its client naming itself.
  Answer types = Call("GET", "/api/v1/permit-types/current", {}, contractor_);
  ASSERT_EQ(types.status, 200) << json::serialize(types.body);
  EXPECT_FALSE(types.body.at("types").as_array().empty());
  Answer applied = Call("POST", "/api/v1/permits",
                        json::serialize(Application("building", 25'000'000, builder_)), contractor_);
  ASSERT_EQ(applied.status, 201) << json::serialize(applied.body);
  const std::string number = applied.Str("number");
  const int64_t due = applied.body.at("due_cents").as_int64();
  ASSERT_GT(due, 0);
  EXPECT_EQ(due, applied.body.at("fees_total_cents").as_int64());

  // Its list holds its permit; the permit desk's other permits are not in it.
  Answer staff_permit = Apply(Application("fence", 450'000, ""));
  ASSERT_EQ(staff_permit.status, 201) << json::serialize(staff_permit.body);
  Answer mine = Call("GET", "/api/v1/permits", {}, contractor_);
  ASSERT_EQ(mine.status, 200);
  ASSERT_EQ(mine.body.at("items").as_array().size(), 1u) << json::serialize(mine.body);
  EXPECT_EQ(mine.body.at("items").as_array()[0].at("number").as_string(), number);
  Answer everyone = Call("GET", "/api/v1/permits?party_id=" + applicant_, {}, contractor_);
  EXPECT_EQ(everyone.body.at("items").as_array().size(), 1u) << "?party_id cannot widen a public list";

  // Nothing is booked before the permit is issued.
  Answer early = Book(number, json::object{{"inspection_type", "footing"}}, contractor_);
  EXPECT_EQ(early.status, 409);
  EXPECT_EQ(early.Type(), "permit-not-issued");

  // The fees online: a wrong amount and a declined card charge nothing; the approved card is sent twice with
  // one key and charged once, to the cent.
  Answer wrong = PayOnline(number, due - 1, http::kTestCardApproved, "fees-wrong", contractor_);
  EXPECT_EQ(wrong.status, 422);
  EXPECT_EQ(wrong.Type(), "amount-not-due");
  Answer no_key = PayOnline(number, due, http::kTestCardApproved, "", contractor_);
  EXPECT_EQ(no_key.status, 422);
  EXPECT_EQ(no_key.Type(), "idempotency-key-required");
  Answer declined = PayOnline(number, due, http::kTestCardDeclined, "fees-declined", contractor_);
  EXPECT_EQ(declined.status, 402) << json::serialize(declined.body);
  EXPECT_EQ(declined.Type(), "card-declined");
  EXPECT_EQ(processor_->approved_charges(), 0);
  Answer paid = PayOnline(number, due, http::kTestCardApproved, "fees-1", contractor_);
  ASSERT_EQ(paid.status, 201) << json::serialize(paid.body);
  EXPECT_EQ(paid.body.at("permit").at("due_cents").as_int64(), 0);
  EXPECT_EQ(paid.body.at("permit").at("paid_cents").as_int64(), due);
  EXPECT_EQ(paid.body.at("permit").at("status").as_string(), "in_review");
  EXPECT_EQ(paid.body.at("payment").at("target").as_string(), "permit");
  Answer again = PayOnline(number, due, http::kTestCardApproved, "fees-1", contractor_);
  EXPECT_EQ(again.status, 201) << json::serialize(again.body);
  EXPECT_EQ(again.body.at("payment").at("id"), paid.body.at("payment").at("id"));
  EXPECT_EQ(processor_->approved_charges(), 1);
  Answer nothing_due = PayOnline(number, due, http::kTestCardApproved, "fees-2", contractor_);
  EXPECT_EQ(nothing_due.status, 409);
  EXPECT_EQ(nothing_due.Type(), "permit-paid");
  Answer permit = Call("GET", "/api/v1/permits/" + number, {}, tech_);
  EXPECT_EQ(permit.body.at("paid_cents").as_int64(), due);
  EXPECT_EQ(permit.body.at("due_cents").as_int64(), 0);
  EXPECT_EQ(permit.body.at("receipts").as_array().size(), 1u);

  // The technician issues it; the contractor books the first inspection into a window the node offers.
  ASSERT_EQ(Call("POST", "/api/v1/permits/" + number + "/issue", {}, tech_).status, 200);
  Answer slots = Call("GET", "/api/v1/permits/" + number + "/inspection-slots?limit=3", {}, contractor_);
  ASSERT_EQ(slots.status, 200) << json::serialize(slots.body);
  ASSERT_EQ(slots.body.at("items").as_array().size(), 3u);
  const json::object second = slots.body.at("items").as_array()[1].as_object();
  EXPECT_EQ(IntOr(second, "open"), 2);
  Answer booked = Book(number,
                       json::object{{"inspection_type", "footing"},
                                    {"requested_date", second.at("day")},
                                    {"window", second.at("window")}},
                       contractor_);
  ASSERT_EQ(booked.status, 201) << json::serialize(booked.body);
  EXPECT_EQ(booked.body.at("day"), second.at("day"));
  EXPECT_EQ(booked.body.at("window"), second.at("window"));
  const std::string id = booked.Str("id");
  Answer after = Call("GET", "/api/v1/permits/" + number + "/inspection-slots?limit=3", {}, contractor_);
  EXPECT_EQ(after.body.at("items").as_array()[1].at("open").as_int64(), 1) << json::serialize(after.body);

  // It moves its booking, then the inspector passes the footing and the contractor sees the result.
  Answer moved = Call("POST", "/api/v1/inspections/" + id + "/reschedule",
                      json::serialize(json::object{{"reason", "concrete pour moved"}}), contractor_);
  EXPECT_EQ(moved.status, 200) << json::serialize(moved.body);
  Answer passed = Call(
      "POST", "/api/v1/inspections/" + id + "/result",
      json::serialize(json::object{{"result", "pass"}, {"comments", "Forms and rebar good"}}), inspector_);
  ASSERT_EQ(passed.status, 200) << json::serialize(passed.body);
  EXPECT_EQ(Call("POST", "/api/v1/inspections/" + id + "/result", R"({"result":"pass"})", contractor_).status,
            403);
  Answer seen = Call("GET", "/api/v1/permits/" + number + "/inspections", {}, contractor_);
  ASSERT_EQ(seen.status, 200);
  ASSERT_EQ(seen.body.at("items").as_array().size(), 1u);
  EXPECT_EQ(seen.body.at("items").as_array()[0].at("result").as_string(), "pass");
  EXPECT_EQ(Call("GET", "/api/v1/permits/" + number, {}, contractor_).Str("status"), "inspections");

  // A booking of its own it no longer needs, cancelled.
  Answer foundation = Book(number, json::object{{"inspection_type", "foundation"}}, contractor_);
  ASSERT_EQ(foundation.status, 201) << json::serialize(foundation.body);
  Answer cancelled = Call("POST", "/api/v1/inspections/" + foundation.Str("id") + "/cancel",
                          json::serialize(json::object{{"reason", "forms not ready"}}), contractor_);
  EXPECT_EQ(cancelled.status, 200) << json::serialize(cancelled.body);
  EXPECT_EQ(cancelled.Str("status"), "cancelled");
  ExpectVerifiedAndRebuiltAlike();
}

TEST_F(ContractorApiTest, AnotherPartysPermitIsNotFoundAndApplyingForSomeoneElseIsRefused) {
  const std::string rival = Party("business", "Rival Construction");
  Answer c = Contractor(rival, "general", today_.AddYears(1), today_.AddDays(200));
  ASSERT_EQ(c.status, 201);
  const std::string rival_user = PublicUserToken(admin_, "rival", rival);

  // Applying with neither the applicant nor the contractor its own party: 403, nothing recorded.
  Answer for_other = Call("POST", "/api/v1/permits",
                          json::serialize(Application("building", 25'000'000, rival)), contractor_);
  EXPECT_EQ(for_other.status, 403) << json::serialize(for_other.body);
  EXPECT_EQ(for_other.Type(), "not-your-party");
  EXPECT_EQ(for_other.Str("field"), "applicant_party_id");
  Answer unlinked =
      Call("POST", "/api/v1/permits", json::serialize(Application("building", 25'000'000, builder_)),
           PublicUserToken(admin_, "nobody", ""));
  EXPECT_EQ(unlinked.status, 403) << json::serialize(unlinked.body);
  EXPECT_TRUE(Call("GET", "/api/v1/permits", {}, contractor_).body.at("items").as_array().empty());

  // The rival's permit, issued and booked: 404 to Prairie's contractor on every route, as if it did not
  // exist.
  Answer theirs = Call("POST", "/api/v1/permits", json::serialize(Application("building", 25'000'000, rival)),
                       rival_user);
  ASSERT_EQ(theirs.status, 201) << json::serialize(theirs.body);
  const std::string number = theirs.Str("number");
  const int64_t due = theirs.body.at("due_cents").as_int64();
  EXPECT_EQ(PayOnline(number, due, http::kTestCardApproved, "steal", contractor_).status, 404);
  EXPECT_EQ(processor_->charges(), 0);
  ASSERT_EQ(PayOnline(number, due, http::kTestCardApproved, "rival-fees", rival_user).status, 201);
  ASSERT_EQ(Call("POST", "/api/v1/permits/" + number + "/issue", {}, tech_).status, 200);
  Answer booked = Book(number, json::object{{"inspection_type", "footing"}}, rival_user);
  ASSERT_EQ(booked.status, 201) << json::serialize(booked.body);
  const std::string id = booked.Str("id");

  for (const std::string& path : {"/api/v1/permits/" + number, "/api/v1/permits/" + number + "/inspections",
                                  "/api/v1/permits/" + number + "/inspection-slots"}) {
    Answer a = Call("GET", path, {}, contractor_);
    EXPECT_EQ(a.status, 404) << path << " " << json::serialize(a.body);
    EXPECT_EQ(Call("GET", path, {}, rival_user).status, 200) << path;
  }
  EXPECT_EQ(Call("GET", "/api/v1/permits/BP-nowhere-9", {}, contractor_).status, 404);
  EXPECT_EQ(Book(number, json::object{{"inspection_type", "foundation"}}, contractor_).status, 404);
  EXPECT_EQ(
      Call("POST", "/api/v1/inspections/" + id + "/cancel", R"({"reason":"mischief"})", contractor_).status,
      404);
  EXPECT_EQ(Call("POST", "/api/v1/inspections/" + id + "/reschedule", R"({"reason":"mischief"})", contractor_)
                .status,
            404);
  Answer still = Call("GET", "/api/v1/inspections/" + id, {}, tech_);
  EXPECT_EQ(still.Str("status"), "scheduled");
  // Staff-only routes stay closed to public users.
  EXPECT_EQ(Call("GET", "/api/v1/inspections", {}, contractor_).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/permits/" + number + "/issue", {}, contractor_).status, 403);
  // The API's description says where public users are let in, and nowhere else on permits.
  Answer doc = Call("GET", "/api/v1/openapi.json");
  ASSERT_EQ(doc.status, 200);
  auto admits_public = [&](const char* path, const char* method) {
    const json::array& roles = doc.body.at("paths").at(path).at(method).at("x-roles").as_array();
    return std::find(roles.begin(), roles.end(), json::value("public")) != roles.end();
  };
  EXPECT_TRUE(admits_public("/api/v1/permits", "post"));
  EXPECT_TRUE(admits_public("/api/v1/permits", "get"));
  EXPECT_TRUE(admits_public("/api/v1/permits/{number}", "get"));
  EXPECT_TRUE(admits_public("/api/v1/permits/{number}/online-payments", "post"));
  EXPECT_TRUE(admits_public("/api/v1/permits/{number}/inspections", "post"));
  EXPECT_TRUE(admits_public("/api/v1/permits/{number}/inspection-slots", "get"));
  EXPECT_TRUE(admits_public("/api/v1/inspections/{id}/cancel", "post"));
  EXPECT_FALSE(admits_public("/api/v1/permits/{number}/issue", "post"));
  EXPECT_FALSE(admits_public("/api/v1/inspections/{id}/result", "post"));
  EXPECT_FALSE(admits_public("/api/v1/permits/{number}/payments", "post"));
  // Bad input is a 4xx problem, never a 5xx.
  EXPECT_EQ(Call("POST", "/api/v1/permits", "{not json", contractor_).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/permits/" + number + "/inspection-slots?limit=0", {}, rival_user).status,
            422);
}

}  // namespace
}  // namespace holdfast::testing
