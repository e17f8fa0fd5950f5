// Building permits through the HTTP API, as a contractor's residential building permit goes: the permit
// types loaded by an admin, the contractor registered, the application with its fees assessed, a refused
// issue while unpaid, the payment at a counter drawer on one receipt, the issue, the public lookup, the
// inspections passing through the seam the inspections module uses, and the final; then the node verifies
// and rebuilds to the same digest. The refusals the desk must explain are checked on the way.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "domain/online_payments.h"
#include "domain/permit_types.h"
#include "domain/permits.h"
#include "http/test_gateway.h"
#include "permit_fixture.h"
#include "process.h"

namespace holdfast::testing {
namespace {

using PermitsApiTest = PermitDeskTest;

TEST_F(PermitsApiTest, AContractorsResidentialBuildingPermitFromApplicationToFinal) {
  // 1. The application: $250,000.00 of work. The open tier: $750.00 + $7.00 per $1,000 above $100,000
  //    = $1,800.00; technology 4% = $72.00; plan review 65% = $1,170.00.
  Answer applied = Apply(Application("building", 25'000'000, builder_));
  ASSERT_EQ(applied.status, 201) << json::serialize(applied.body);
  const std::string number = applied.Str("number");
  EXPECT_EQ(number, "BP-central-1");
  EXPECT_EQ(applied.Str("status"), "applied");
  const json::array& fees = applied.body.at("fees").as_array();
  ASSERT_EQ(fees.size(), 3u);
  EXPECT_EQ(fees[0].at("amount_cents").as_int64(), 180000);
  EXPECT_EQ(fees[1].at("amount_cents").as_int64(), 7200);
  EXPECT_EQ(fees[2].at("amount_cents").as_int64(), 117000);
  EXPECT_EQ(applied.body.at("fees_total_cents").as_int64(), 304200);
  EXPECT_EQ(applied.body.at("due_cents").as_int64(), 304200);
  EXPECT_EQ(applied.body.at("inspections").as_array().size(), 9u);

  // 2. Not issued while unpaid.
  Answer unpaid = Call("POST", "/api/v1/permits/" + number + "/issue", {}, tech_);
  EXPECT_EQ(unpaid.status, 409);
  EXPECT_EQ(unpaid.Type(), "permit-unpaid");

  // 3. Paid by check at the clerk's drawer: one receipt with the permit's fee lines.
  Answer opened = Call("POST", "/api/v1/drawers", R"({"float_cents":5000})", clerk_);
  ASSERT_EQ(opened.status, 201);
  const std::string drawer = opened.Str("id");
  Answer short_check =
      Call("POST", "/api/v1/permits/" + number + "/payments",
           json::serialize(json::object{
               {"drawer_id", drawer},
               {"tenders",
                json::array{json::object{{"kind", "check"}, {"amount_cents", 300000}, {"number", "5521"}}}}}),
           clerk_);
  EXPECT_EQ(short_check.status, 422);
  EXPECT_EQ(short_check.Type(), "tender-short");
  Answer paid =
      Call("POST", "/api/v1/permits/" + number + "/payments",
           json::serialize(json::object{
               {"drawer_id", drawer},
               {"tenders",
                json::array{json::object{{"kind", "check"}, {"amount_cents", 304200}, {"number", "5521"}}}}}),
           clerk_);
  ASSERT_EQ(paid.status, 201) << json::serialize(paid.body);
  const std::string receipt(paid.body.at("receipt").at("receipt").as_string());
  Answer stored = Call("GET", "/api/v1/receipts/" + receipt, {}, clerk_);
  ASSERT_EQ(stored.status, 200);
  EXPECT_EQ(stored.body.at("total_cents").as_int64(), 304200);
  EXPECT_EQ(stored.Str("payer_party_id"), applicant_);
  const json::array& items = stored.body.at("items").as_array();
  ASSERT_EQ(items.size(), 3u);
  for (size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(items[i].at("ref").as_string(), number);
    EXPECT_EQ(items[i].at("code"), fees[i].at("code"));
    EXPECT_EQ(items[i].at("amount_cents"), fees[i].at("amount_cents"));
  }
  EXPECT_EQ(paid.body.at("permit").at("status").as_string(), "in_review");
  EXPECT_EQ(paid.body.at("permit").at("due_cents").as_int64(), 0);
  Answer twice = Call("POST", "/api/v1/permits/" + number + "/payments",
                      json::serialize(json::object{
                          {"drawer_id", drawer},
                          {"tenders", json::array{json::object{{"kind", "cash"}, {"amount_cents", 100}}}}}),
                      clerk_);
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(twice.Type(), "permit-paid");

  // 4. A hold stops the issue until released; then the permit technician issues it.
  EXPECT_EQ(Call("POST", "/api/v1/permits/" + number + "/hold", R"({"reason":"zoning check"})", tech_).status,
            200);
  Answer held = Call("POST", "/api/v1/permits/" + number + "/issue", {}, tech_);
  EXPECT_EQ(held.Type(), "permit-on-hold");
  EXPECT_EQ(Call("POST", "/api/v1/permits/" + number + "/release", R"({"reason":"zoning ok"})", tech_).status,
            200);
  Answer clerk_issue = Call("POST", "/api/v1/permits/" + number + "/issue", {}, clerk_);
  EXPECT_EQ(clerk_issue.status, 403);
  Answer issued = Call("POST", "/api/v1/permits/" + number + "/issue", {}, tech_);
  ASSERT_EQ(issued.status, 200) << json::serialize(issued.body);
  EXPECT_EQ(issued.Str("status"), "issued");
  EXPECT_EQ(issued.Str("issued_on"), today_.ToString());
  EXPECT_EQ(issued.Str("expires_on"), today_.AddDays(180).ToString());

  // 5. Anyone can look it up, without signing in, and sees only public fields.
  Answer pub = Call("GET", "/api/v1/public/permits/" + number);
  ASSERT_EQ(pub.status, 200) << json::serialize(pub.body);
  EXPECT_EQ(pub.Str("status"), "issued");
  EXPECT_EQ(pub.Str("type_code"), "building");
  EXPECT_EQ(pub.body.at("address").at("line1").as_string(), "742 Evergreen Terrace");
  EXPECT_EQ(pub.Str("issued_on"), today_.ToString());
  EXPECT_TRUE(pub.body.at("finaled_on").is_null());
  EXPECT_TRUE(pub.body.at("inspections").as_array().empty());
  EXPECT_EQ(pub.body.at("contractor").at("name").as_string(), "Oak Street Builders");
  EXPECT_FALSE(pub.body.as_object().contains("applicant_party_id"));
  EXPECT_FALSE(pub.body.as_object().contains("fees"));
  EXPECT_EQ(Call("GET", "/api/v1/public/permits/BP-central-999").status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/permits/" + number).status, 401);

  // 6. The inspections module's seam: the final waits for the rest, then finals the permit.
  Status early = Passed(number, "building_final");
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().type, "inspections-outstanding");
  for (const auto& i : applied.body.at("inspections").as_array()) {
    ASSERT_TRUE(Passed(number, std::string(i.at("type").as_string())).ok());
  }
  Answer finaled = Call("GET", "/api/v1/permits/" + number, {}, clerk_);
  EXPECT_EQ(finaled.Str("status"), "finaled");
  EXPECT_EQ(finaled.Str("finaled_on"), today_.ToString());

  // 7. The record holds: verify finds nothing, and a rebuild reproduces the same state.
  ExpectVerifiedAndRebuiltAlike();
}

TEST_F(PermitsApiTest, BadApplicationsAreRefusedWithProblemTypes) {
  Answer unknown_type = Apply(Application("spaceport", 100, builder_));
  EXPECT_EQ(unknown_type.status, 422);
  EXPECT_EQ(unknown_type.Type(), "unknown-permit-type");
  Answer negative = Apply(Application("building", -1, builder_));
  EXPECT_EQ(negative.status, 422);
  EXPECT_EQ(negative.Str("field"), "valuation_cents");
  Answer unknown_contractor = Apply(Application("building", 100, "p-central-999"));
  EXPECT_EQ(unknown_contractor.status, 422);
  EXPECT_EQ(unknown_contractor.Type(), "unknown-contractor");
  std::string handyman = Party("business", "Unlicensed Handyman LLC");
  Answer unlicensed = Apply(Application("building", 100, handyman));
  EXPECT_EQ(unlicensed.status, 422);
  EXPECT_EQ(unlicensed.Type(), "contractor-unlicensed");
  std::string sparks = Party("business", "Sparks Electric");
  ASSERT_EQ(Contractor(sparks, "electrical", today_.AddYears(1), today_.AddYears(1)).status, 201);
  EXPECT_EQ(Apply(Application("building", 100, sparks)).Type(), "contractor-wrong-trade");
  std::string lapsed = Party("business", "Lapsed Builders");
  ASSERT_EQ(Contractor(lapsed, "general", today_.AddYears(1), today_.AddDays(-1)).status, 201);
  EXPECT_EQ(Apply(Application("building", 100, lapsed)).Type(), "contractor-insurance-expired");
  ASSERT_EQ(Call("PATCH", "/api/v1/contractors/" + lapsed,
                 json::serialize(json::object{{"insurance_expires_on", today_.AddYears(1).ToString()},
                                              {"license_expires_on", today_.AddDays(-2).ToString()}}),
                 tech_)
                .status,
            200);
  EXPECT_EQ(Apply(Application("building", 100, lapsed)).Type(), "contractor-license-expired");
  Answer person = Contractor(applicant_, "general", today_.AddYears(1), today_.AddYears(1));
  EXPECT_EQ(person.Type(), "not-a-business");
  Answer missing = Call("GET", "/api/v1/permits/BP-central-404", {}, clerk_);
  EXPECT_EQ(missing.status, 404);
  // A fence needs no contractor; below the minimum the minimum is charged.
  Answer fence = Apply(Application("fence", 50000, ""));
  ASSERT_EQ(fence.status, 201) << json::serialize(fence.body);
  EXPECT_EQ(fence.body.at("fees_total_cents").as_int64(), 5000);
}

TEST_F(PermitsApiTest, SupervisorsVoidCancelledPermitsTakeNoPaymentAndIssuedOnesExpire) {
  Answer a = Apply(Application("fence", 0, ""));
  ASSERT_EQ(a.status, 201);
  const std::string voided = a.Str("number");
  EXPECT_EQ(Call("POST", "/api/v1/permits/" + voided + "/void", R"({"reason":"duplicate"})", tech_).status,
            403);
  Answer v = Call("POST", "/api/v1/permits/" + voided + "/void", R"({"reason":"duplicate"})", supervisor_);
  ASSERT_EQ(v.status, 200) << json::serialize(v.body);
  EXPECT_EQ(v.Str("status"), "voided");
  EXPECT_EQ(v.Str("close_reason"), "duplicate");

  Answer opened = Call("POST", "/api/v1/drawers", R"({"float_cents":0})", clerk_);
  // A cancelled permit takes no payment.
  const std::string cancelled = Apply(Application("fence", 0, "")).Str("number");
  Answer cancel =
      Call("POST", "/api/v1/permits/" + cancelled + "/cancel", R"({"reason":"owner withdrew"})", tech_);
  ASSERT_EQ(cancel.status, 200) << json::serialize(cancel.body);
  EXPECT_EQ(cancel.Str("status"), "cancelled");
  Answer closed = Call("POST", "/api/v1/permits/" + cancelled + "/payments",
                       json::serialize(json::object{
                           {"drawer_id", opened.Str("id")},
                           {"tenders", json::array{json::object{{"kind", "cash"}, {"amount_cents", 5000}}}}}),
                       clerk_);
  EXPECT_EQ(closed.status, 409);
  EXPECT_EQ(closed.Type(), "permit-closed");

  Answer b = Apply(Application("fence", 0, ""));
  const std::string number = b.Str("number");
  ASSERT_EQ(Call("POST", "/api/v1/permits/" + number + "/payments",
                 json::serialize(json::object{
                     {"drawer_id", opened.Str("id")},
                     {"tenders", json::array{json::object{{"kind", "cash"}, {"amount_cents", 5000}}}}}),
                 clerk_)
                .status,
            201);
  ASSERT_EQ(Call("POST", "/api/v1/permits/" + number + "/issue", {}, tech_).status, 200);
  Answer none = Call("POST", "/api/v1/permits/expire", {}, supervisor_);
  ASSERT_EQ(none.status, 200) << json::serialize(none.body);
  EXPECT_TRUE(none.body.at("expired").as_array().empty());
  clock_.Advance(int64_t{181} * 24 * 3600 * 1000);
  // Half a year on, the supervisor signs in again (sessions do not last that long).
  supervisor_ = SignIn("sam", "sam-password-1").Str("token");
  Answer expired = Call("POST", "/api/v1/permits/expire", {}, supervisor_);
  ASSERT_EQ(expired.status, 200);
  ASSERT_EQ(expired.body.at("expired").as_array().size(), 1u);
  EXPECT_EQ(expired.body.at("expired").as_array()[0].as_string(), number);
  EXPECT_EQ(Call("GET", "/api/v1/public/permits/" + number).Str("status"), "expired");
}

TEST_F(PermitsApiTest, ThePermitListIsSearchedAndPagedNewestFirst) {
  // Five permits over three days (the last of them today, so the sessions stay valid); two at another site,
  // one for a fence.
  clock_.Advance(-2 * 86'400'000);
  std::vector<std::string> numbers;  // in the order applied
  for (int i = 0; i < 5; ++i) {
    json::object application = Application(i == 4 ? "fence" : "building", 100, i == 4 ? "" : builder_);
    if (i == 1 || i == 3) application["address"].as_object()["line1"] = "1313 Mockingbird Lane";
    Answer a = Apply(application);
    ASSERT_EQ(a.status, 201) << json::serialize(a.body);
    numbers.push_back(a.Str("number"));
    if (i % 2 == 1) clock_.Advance(86'400'000);
  }
  auto list = [&](const std::string& query) {
    Answer a = Call("GET", "/api/v1/permits?" + query, {}, tech_);
    EXPECT_EQ(a.status, 200) << json::serialize(a.body);
    std::vector<std::string> got;
    std::string cursor;
    if (a.status == 200) {
      for (const auto& p : a.body.at("items").as_array()) got.emplace_back(p.at("number").as_string());
      if (const auto* c = a.body.as_object().if_contains("next_cursor")) cursor = std::string(c->as_string());
    }
    return std::pair{got, cursor};
  };
  using Numbers = std::vector<std::string>;
  const Numbers newest_first(numbers.rbegin(), numbers.rend());
  EXPECT_EQ(list("").first, newest_first);

  // Two at a time, each page after the last, until there is no cursor.
  Numbers paged;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    auto [got, next] = list("limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    EXPECT_LE(got.size(), 2u);
    paged.insert(paged.end(), got.begin(), got.end());
    cursor = next;
    if (cursor.empty()) break;
  }
  EXPECT_EQ(paged, newest_first);
  EXPECT_TRUE(cursor.empty());

  EXPECT_EQ(list("q=mockingbird").first, (Numbers{numbers[3], numbers[1]}));  // the site, any case
  EXPECT_EQ(list("q=FENCE").first, Numbers{numbers[4]});                      // the type's name
  EXPECT_EQ(list("q=" + numbers[2]).first, Numbers{numbers[2]});              // the number
  EXPECT_EQ(list("q=14-22-301").first.size(), 5u);                            // the parcel
  EXPECT_EQ(list("q=%25").first, Numbers{});  // a wildcard typed matches only itself
  EXPECT_EQ(list("q=mockingbird&limit=1").second.empty(), false);

  Answer bad = Call("GET", "/api/v1/permits?cursor=zz", {}, tech_);
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(Call("GET", "/api/v1/permits?q=" + std::string(201, 'a'), {}, tech_).status, 422);
}

TEST_F(PermitsApiTest, EveryPermitRouteIsInTheOpenApiDocument) {
  Answer doc = Call("GET", "/api/v1/openapi.json");
  ASSERT_EQ(doc.status, 200);
  const json::object& paths = doc.body.at("paths").as_object();
  for (const char* p : {"/api/v1/permit-types", "/api/v1/permit-types/current", "/api/v1/contractors",
                        "/api/v1/contractors/{id}", "/api/v1/permits", "/api/v1/permits/{number}",
                        "/api/v1/permits/{number}/payments", "/api/v1/permits/{number}/issue",
                        "/api/v1/permits/{number}/hold", "/api/v1/permits/{number}/release",
                        "/api/v1/permits/{number}/cancel", "/api/v1/permits/{number}/void",
                        "/api/v1/permits/expire", "/api/v1/public/permits/{number}"}) {
    EXPECT_TRUE(paths.contains(p)) << p;
  }
}

TEST_F(PermitsApiTest, AVoidedPaymentLeavesTheFeesDueAgainUntilThePermitIsIssued) {
  Answer opened = Call("POST", "/api/v1/drawers", R"({"float_cents":0})", clerk_);
  ASSERT_EQ(opened.status, 201);
  auto pay = [&](const std::string& number) {
    Answer a = Call("POST", "/api/v1/permits/" + number + "/payments",
                    json::serialize(json::object{
                        {"drawer_id", opened.Str("id")},
                        {"tenders", json::array{json::object{{"kind", "cash"}, {"amount_cents", 50000}}}}}),
                    clerk_);
    EXPECT_EQ(a.status, 201) << json::serialize(a.body);
    return std::string(a.body.at("receipt").at("receipt").as_string());
  };
  auto void_receipt = [&](const std::string& receipt) {
    return Call("POST", "/api/v1/receipts/" + receipt + "/void",
                json::serialize(json::object{
                    {"reason", "paid for the wrong permit"},
                    {"approval", json::object{{"username", "sam"}, {"password", "sam-password-1"}}}}),
                clerk_);
  };
  const std::string number = Apply(Application("fence", 0, "")).Str("number");
  const std::string receipt = pay(number);
  ASSERT_EQ(void_receipt(receipt).status, 200);
  Answer permit = Call("GET", "/api/v1/permits/" + number, {}, clerk_);
  ASSERT_EQ(permit.status, 200);
  EXPECT_EQ(permit.Str("status"), "applied");
  EXPECT_EQ(permit.body.at("due_cents").as_int64(), permit.body.at("fees_total_cents").as_int64());
  EXPECT_EQ(Call("POST", "/api/v1/permits/" + number + "/issue", {}, tech_).Type(), "permit-unpaid");

  // Paid again and issued: that payment can no longer be voided, only refunded.
  const std::string second = pay(number);
  ASSERT_EQ(Call("POST", "/api/v1/permits/" + number + "/issue", {}, tech_).status, 200);
  Answer refused = void_receipt(second);
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.Type(), "permit-issued");
  EXPECT_EQ(Call("GET", "/api/v1/receipts/" + second, {}, clerk_).Str("status"), "paid");

  Stop();
  RunResult verify = RunHoldfast({"verify", "--data", dir_.path()});
  EXPECT_EQ(verify.exit_code, 0) << verify.Describe();
}

// Fees paid online by card and refunded by a supervisor are due again, and the card refunded once; once the
// permit is issued on a payment, that payment is not refunded (nothing changes, the card keeps the charge)
// until the permit is voided.
TEST_F(PermitsApiTest, AnOnlinePaymentRefundedLeavesTheFeesDueAgainUntilThePermitIsIssued) {
  UseTestProcessor();
  const std::string number = Apply(Application("fence", 0, "")).Str("number");
  const std::string permit = "/api/v1/permits/" + number;
  const int64_t due = Call("GET", permit, {}, clerk_).body.at("due_cents").as_int64();
  ASSERT_GT(due, 0);
  auto pay = [&](const std::string& key) {
    Answer a = Call("POST", permit + "/online-payments",
                    json::serialize(json::object{{"amount_cents", due},
                                                 {"card_number", std::string(http::kTestCardApproved)},
                                                 {"expiry", "12/30"}}),
                    clerk_, {{"Idempotency-Key", key}});
    EXPECT_EQ(a.status, 201) << json::serialize(a.body);
    return std::string(a.body.at("payment").at("id").as_string());
  };
  auto refund = [&](const std::string& id, const std::string& body) {
    return Call("POST", "/api/v1/utility/online-payments/" + id + "/refund", body, supervisor_);
  };
  const std::string why = R"({"reason":"the applicant withdrew"})";
  const std::string first = pay("k-1");
  EXPECT_EQ(Call("GET", permit, {}, clerk_).body.at("due_cents").as_int64(), 0);
  auto approved_of_permit = [&] {
    Answer a = Call("GET", "/api/v1/utility/online-payments?status=approved&number=" + number, {}, clerk_);
    EXPECT_EQ(a.status, 200) << json::serialize(a.body);
    return a.body.at("items").as_array().size();
  };
  EXPECT_EQ(approved_of_permit(), 1u);
  Answer refunded = refund(first, why);
  ASSERT_EQ(refunded.status, 200) << json::serialize(refunded.body);
  EXPECT_EQ(refunded.Str("status"), "refunded");
  EXPECT_EQ(processor_->refunds(), 1);
  EXPECT_EQ(Call("GET", permit, {}, clerk_).body.at("due_cents").as_int64(), due);
  EXPECT_EQ(approved_of_permit(), 0u) << "a refunded payment is listed as approved";
  EXPECT_EQ(Call("POST", permit + "/issue", {}, tech_).Type(), "permit-unpaid");

  // A second office, cut off, took the same payment back too: its event counts once.
  auto again = node_->writer().Execute([&](store::CommandContext& ctx) -> Result<json::value> {
    HF_RETURN_IF_ERROR(ctx.Emit("permit.payment_voided",
                                json::object{{"number", number},
                                             {"receipt", first},
                                             {"amount_cents", due},
                                             {"reason", "the applicant withdrew"},
                                             {"approved_by", "sam"}},
                                "sam")
                           .status());
    return json::value(nullptr);
  });
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(Call("GET", permit, {}, clerk_).body.at("due_cents").as_int64(), due);

  // Paid again and issued: the refund is refused, and nothing changes.
  const std::string second = pay("k-2");
  ASSERT_EQ(Call("POST", permit + "/issue", {}, tech_).status, 200);
  Answer refused = refund(second, why);
  EXPECT_EQ(refused.status, 409) << json::serialize(refused.body);
  EXPECT_EQ(refused.Type(), "permit-issued");
  EXPECT_NE(refused.Str("detail").find("void the permit first"), std::string::npos) << refused.Str("detail");
  EXPECT_EQ(processor_->refunds(), 1);
  Answer approved = Call("GET", "/api/v1/utility/online-payments?status=approved", {}, clerk_);
  ASSERT_EQ(approved.body.at("items").as_array().size(), 1u);
  EXPECT_EQ(Call("GET", permit, {}, clerk_).Str("status"), "issued");
  ExpectVerifiedAndRebuiltAlike();
}

// A processor that, while it refunds a charge, lets `meanwhile` happen at the node: the race between the
// check that a payment can be taken back and the command that records its refund.
class RaceAtRefund : public domain::PaymentGateway {
 public:
  RaceAtRefund(domain::PaymentGateway& real, std::function<void()> meanwhile)
      : real_(real), meanwhile_(std::move(meanwhile)) {}
  Result<domain::ChargeResult> Charge(const domain::CardCharge& charge) override {
    return real_.Charge(charge);
  }
  Result<std::optional<domain::ChargeResult>> Lookup(const std::string& key) override {
    return real_.Lookup(key);
  }
  Result<domain::ChargeResult> Refund(const std::string& reference, const std::string& key) override {
    meanwhile_();
    return real_.Refund(reference, key);
  }

 private:
  domain::PaymentGateway& real_;
  std::function<void()> meanwhile_;
};

// The permit is issued on an online payment while that payment is being refunded: the card is refunded all
// the same (money back to the card cannot wait), the refund is recorded once, and 409 refunded-still-applied
// says the issued permit still counts the payment, for the office to settle.
TEST_F(PermitsApiTest, APermitIssuedWhileItsPaymentIsRefundedIsNamedAsStillCountingIt) {
  UseTestProcessor();
  const std::string number = Apply(Application("fence", 0, "")).Str("number");
  const std::string permit = "/api/v1/permits/" + number;
  const int64_t due = Call("GET", permit, {}, clerk_).body.at("due_cents").as_int64();
  Answer paid = Call(
      "POST", permit + "/online-payments",
      json::serialize(json::object{
          {"amount_cents", due}, {"card_number", std::string(http::kTestCardApproved)}, {"expiry", "12/30"}}),
      clerk_, {{"Idempotency-Key", "race-1"}});
  ASSERT_EQ(paid.status, 201) << json::serialize(paid.body);
  const std::string id(paid.body.at("payment").at("id").as_string());

  RaceAtRefund processor(*gateway_,
                         [&] { EXPECT_EQ(Call("POST", permit + "/issue", {}, tech_).status, 200); });
  // The read connection goes back to the node's pool before the node stops below.
  Result<json::object> refunded = [&]() -> Result<json::object> {
    HF_ASSIGN_OR_RETURN(auto db, node_->Read());
    return domain::RefundOnline(*db, node_->writer(), processor, id, "the applicant withdrew", today_, "sam");
  }();
  ASSERT_FALSE(refunded.ok());
  EXPECT_EQ(refunded.error().code, Code::kConflict);
  EXPECT_EQ(refunded.error().Type(), "refunded-still-applied");
  EXPECT_NE(refunded.error().detail.find(number), std::string::npos) << refunded.error().detail;
  EXPECT_EQ(processor_->refunds(), 1);
  Answer listed = Call("GET", "/api/v1/utility/online-payments?status=refunded&number=" + number, {}, clerk_);
  ASSERT_EQ(listed.body.at("items").as_array().size(), 1u) << json::serialize(listed.body);
  Answer after = Call("GET", permit, {}, clerk_);
  EXPECT_EQ(after.Str("status"), "issued");
  EXPECT_EQ(after.body.at("due_cents").as_int64(), 0) << "the issued permit still counts the payment";
  ExpectVerifiedAndRebuiltAlike();
}

}  // namespace
}  // namespace holdfast::testing
