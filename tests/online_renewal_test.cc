// A pet's owner renews its license online: the portal shows what the renewal costs and its new dates, the
// owner pays by card (a declined card first, then one that is approved, sent twice with one Idempotency-Key),
// and the license runs a year longer, charged once. Another owner's license is 404 to them; a wrong amount
// and a second renewal for the same year are refused before any card is charged; a clerk can take the same
// renewal by phone. Then the node verifies and rebuilds to the same digest.
#include <gtest/gtest.h>

#include "http/gateway_client.h"
#include "http/test_gateway.h"
#include "licensing_fixture.h"
#include "store/journal.h"

namespace holdfast::testing {
namespace {

class OnlineRenewalTest : public LicensingCityTest {
 protected:
  void SetUp() override {
    LicensingCityTest::SetUp();
    UseTestProcessor();
    maria_ = Owner("Maria Gonzalez");
    james_ = Owner("James Carter");
    // Last year's licenses, issued 320 days ago, so this year's renewals are open now.
    biscuit_ = Licensed(Dog(maria_, "Biscuit", true, today_.AddYears(2)), 1001, today_.AddDays(-320));
    rex_ = Licensed(Dog(james_, "Rex", true, today_.AddYears(2)), 1002, today_.AddDays(-320));
    resident_ = PublicUserToken(admin_, "maria", maria_);
  }

  Answer Renew(const std::string& license, int64_t cents, std::string_view card, const std::string& key,
               const std::string& token) {
    return Call("POST", "/api/v1/licenses/" + license + "/online-renewals",
                json::serialize(json::object{
                    {"amount_cents", cents}, {"card_number", std::string(card)}, {"expiry", "12/30"}}),
                token, {{"Idempotency-Key", key}});
  }

  std::string resident_, maria_, james_, biscuit_, rex_;
};

TEST_F(OnlineRenewalTest, AnOwnerRenewsALicenseOnlineAndIsChargedOnce) {
  Answer before = Call("GET", "/api/v1/licenses/" + biscuit_, {}, resident_);
  ASSERT_EQ(before.status, 200);
  Answer quote = Call("GET", "/api/v1/licenses/" + biscuit_ + "/renewal", {}, resident_);
  ASSERT_EQ(quote.status, 200) << json::serialize(quote.body);
  const int64_t fee = quote.body.at("total_cents").as_int64();
  EXPECT_GT(fee, 0);
  EXPECT_EQ(quote.Str("starts_on"), before.Str("expires_on"));  // renewed on time: the year follows on
  EXPECT_EQ(quote.Str("expires_on"), Date::Parse(before.Str("expires_on"))->AddYears(1).ToString());
  EXPECT_EQ(Call("GET", "/api/v1/licenses/" + biscuit_ + "/renewal?term_years=2", {}, resident_).status, 422);

  // Another owner's license does not exist for this resident, to read, to price or to pay.
  EXPECT_EQ(Call("GET", "/api/v1/licenses/" + rex_ + "/renewal", {}, resident_).status, 404);
  EXPECT_EQ(Renew(rex_, fee, http::kTestCardApproved, "rex-1", resident_).status, 404);

  // Refusals before any card is charged: a wrong amount; then a declined card changes nothing.
  Answer wrong = Renew(biscuit_, fee - 1, http::kTestCardApproved, "wrong-1", resident_);
  EXPECT_EQ(wrong.status, 422);
  EXPECT_EQ(wrong.Type(), "amount-not-due");
  EXPECT_EQ(processor_->charges(), 0);
  Answer declined = Renew(biscuit_, fee, http::kTestCardDeclined, "try-1", resident_);
  EXPECT_EQ(declined.status, 402);
  EXPECT_EQ(declined.Type(), "card-declined");
  EXPECT_EQ(declined.Str("detail").rfind("the card was declined. Nothing was charged", 0), 0u)
      << declined.Str("detail");
  Answer broke = Renew(biscuit_, fee, http::kTestCardInsufficientFunds, "try-1b", resident_);
  EXPECT_EQ(broke.status, 402);
  EXPECT_NE(broke.Str("detail").find("declined (The card has insufficient funds)."), std::string::npos)
      << broke.Str("detail");
  EXPECT_EQ(Call("GET", "/api/v1/licenses/" + biscuit_, {}, resident_).Str("expires_on"),
            before.Str("expires_on"));

  // Approved: the license runs a year longer; the same request again answers the same, charging nothing.
  Answer paid = Renew(biscuit_, fee, http::kTestCardApproved, "try-2", resident_);
  ASSERT_EQ(paid.status, 201) << json::serialize(paid.body);
  EXPECT_EQ(paid.body.at("license").at("expires_on").as_string(), quote.Str("expires_on"));
  EXPECT_EQ(paid.body.at("license").at("renewals").as_int64(), 1);
  EXPECT_EQ(paid.body.at("payment").at("status").as_string(), "approved");
  Answer again = Renew(biscuit_, fee, http::kTestCardApproved, "try-2", resident_);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body.at("payment").at("id"), paid.body.at("payment").at("id"));
  EXPECT_EQ(processor_->approved_charges(), 1);
  EXPECT_EQ(Call("GET", "/api/v1/licenses/" + biscuit_, {}, resident_).body.at("renewals").as_int64(), 1);

  // The same year cannot be renewed twice: refused with a new key before the card is charged.
  Answer twice = Renew(biscuit_, fee, http::kTestCardApproved, "try-3", resident_);
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(twice.Type(), "renewal-too-early");
  EXPECT_EQ(processor_->approved_charges(), 1);

  // A clerk takes James's renewal by phone; an auditor may not.
  std::string auditor = UserToken(admin_, "audrey", json::array{"auditor"});
  EXPECT_EQ(Renew(rex_, fee, http::kTestCardApproved, "phone-1", auditor).status, 403);
  Answer phone = Renew(rex_, fee, http::kTestCardApproved, "phone-1", clerk_);
  EXPECT_EQ(phone.status, 201) << json::serialize(phone.body);
  EXPECT_EQ(processor_->approved_charges(), 2);
  ExpectVerifiedAndRebuiltAlike();
}

// The processor is silent while the owner pays; meanwhile a clerk renews the same license by phone. When the
// owner's charge is then approved it can no longer renew anything: it is recorded as charged but unapplied,
// for the office to refund, instead of staying pending with the money taken, and it is never charged again.
// A supervisor then refunds it to the card, once; and refunds the phone payment, which undoes its renewal.
TEST_F(OnlineRenewalTest, AChargeApprovedAfterTheLicenseWasRenewedElsewhereIsRecordedForARefund) {
  const int64_t fee = Call("GET", "/api/v1/licenses/" + biscuit_ + "/renewal", {}, resident_)
                          .body.at("total_cents")
                          .as_int64();
  const std::string first_expires(
      Call("GET", "/api/v1/licenses/" + biscuit_, {}, resident_).Str("expires_on"));
  http::HttpGateway unreachable({.host = "127.0.0.1", .port = 1, .timeout = std::chrono::milliseconds(500)});
  app_->set_gateway(&unreachable);
  allow_unavailable_ = true;
  Answer silent = Renew(biscuit_, fee, http::kTestCardApproved, "owner-1", resident_);
  EXPECT_EQ(silent.status, 503) << json::serialize(silent.body);
  allow_unavailable_ = false;
  app_->set_gateway(gateway_.get());

  Answer phone = Renew(biscuit_, fee, http::kTestCardApproved, "clerk-1", clerk_);
  ASSERT_EQ(phone.status, 201) << json::serialize(phone.body);
  const std::string expires(phone.body.at("license").at("expires_on").as_string());

  Answer retried = Renew(biscuit_, fee, http::kTestCardApproved, "owner-1", resident_);
  EXPECT_EQ(retried.status, 409) << json::serialize(retried.body);
  EXPECT_EQ(retried.Type(), "payment-unapplied");
  EXPECT_NE(retried.Str("detail").find("the card was charged"), std::string::npos) << retried.Str("detail");
  EXPECT_NE(retried.Str("detail").find("renewals open on"), std::string::npos) << retried.Str("detail");
  EXPECT_EQ(retried.body.at("payment").at("status").as_string(), "unapplied");
  EXPECT_EQ(processor_->approved_charges(), 2);

  // Sent again: the same answer, no new charge; the license was renewed once.
  Answer again = Renew(biscuit_, fee, http::kTestCardApproved, "owner-1", resident_);
  EXPECT_EQ(again.Type(), "payment-unapplied");
  EXPECT_EQ(processor_->approved_charges(), 2);
  Answer license = Call("GET", "/api/v1/licenses/" + biscuit_, {}, resident_);
  EXPECT_EQ(license.body.at("renewals").as_int64(), 1);
  EXPECT_EQ(license.Str("expires_on"), expires);

  // The office's list of charges to refund names it; nothing is left pending.
  Answer unapplied = Call("GET", "/api/v1/utility/online-payments?status=unapplied", {}, clerk_);
  ASSERT_EQ(unapplied.status, 200) << json::serialize(unapplied.body);
  ASSERT_EQ(unapplied.body.at("items").as_array().size(), 1u);
  EXPECT_EQ(unapplied.body.at("items").as_array()[0].at("id"), retried.body.at("payment").at("id"));
  EXPECT_TRUE(Call("GET", "/api/v1/utility/online-payments?status=pending", {}, clerk_)
                  .body.at("items")
                  .as_array()
                  .empty());

  // A supervisor refunds it to the card, through the processor, once however often asked; a clerk cannot.
  const std::string charge(retried.body.at("payment").at("id").as_string());
  const std::string refund = "/api/v1/utility/online-payments/" + charge + "/refund";
  const std::string supervisor = UserToken(admin_, "sam", json::array{"supervisor"});
  const std::string why = R"({"reason":"renewed by phone the same day"})";
  EXPECT_EQ(Call("POST", refund, why, clerk_).status, 403);
  Answer no_reason = Call("POST", refund, "{}", supervisor);
  EXPECT_EQ(no_reason.status, 422) << json::serialize(no_reason.body);
  EXPECT_EQ(processor_->refunds(), 0);
  Answer refunded = Call("POST", refund, why, supervisor);
  ASSERT_EQ(refunded.status, 200) << json::serialize(refunded.body);
  EXPECT_EQ(refunded.Str("status"), "refunded");
  EXPECT_FALSE(refunded.Str("refund_reference").empty());
  EXPECT_EQ(refunded.Str("message"), "renewed by phone the same day");
  EXPECT_EQ(processor_->refunds(), 1);
  Answer twice = Call("POST", refund, why, supervisor);
  EXPECT_EQ(twice.status, 200);
  EXPECT_EQ(twice.Str("refund_reference"), refunded.Str("refund_reference"));
  EXPECT_EQ(processor_->refunds(), 1);
  EXPECT_TRUE(Call("GET", "/api/v1/utility/online-payments?status=unapplied", {}, clerk_)
                  .body.at("items")
                  .as_array()
                  .empty());
  Answer listed = Call("GET", "/api/v1/utility/online-payments?status=refunded", {}, clerk_);
  ASSERT_EQ(listed.body.at("items").as_array().size(), 1u);
  EXPECT_EQ(listed.body.at("items").as_array()[0].at("id").as_string(), charge);
  EXPECT_EQ(Call("POST", "/api/v1/utility/online-payments/OP-nope/refund", why, supervisor).status, 404);
  EXPECT_EQ(processor_->refunds(), 1);

  // The applied phone payment is refunded too: the renewal it paid for is undone first, in one step, and
  // then its card refunded, once.
  const std::string applied(phone.body.at("payment").at("id").as_string());
  const std::string undo = "/api/v1/utility/online-payments/" + applied + "/refund";
  Answer undone = Call("POST", undo, R"({"reason":"the owner moved away"})", supervisor);
  ASSERT_EQ(undone.status, 200) << json::serialize(undone.body);
  EXPECT_EQ(undone.Str("status"), "refunded");
  EXPECT_EQ(processor_->refunds(), 2);
  Answer back = Call("GET", "/api/v1/licenses/" + biscuit_, {}, resident_);
  EXPECT_EQ(back.Str("expires_on"), first_expires);
  EXPECT_EQ(back.body.at("renewals").as_int64(), 0);
  EXPECT_EQ(Call("POST", undo, R"({"reason":"the owner moved away"})", supervisor).Str("status"), "refunded");
  EXPECT_EQ(processor_->refunds(), 2);

  // A second office, cut off, refunded the same payment too: its void of the same sale is no conflict.
  auto resent = node_->writer().Execute([&](store::CommandContext& ctx) -> Result<json::value> {
    HF_ASSIGN_OR_RETURN(std::vector<journal::StoredEvent> events,
                        store::AggregateEvents(ctx.db(), "license:" + biscuit_));
    for (const auto& se : events) {
      if (se.event.type != "license.sale_voided") continue;
      HF_RETURN_IF_ERROR(ctx.Emit("license.sale_voided", se.event.data, "sam").status());
      return json::value(true);
    }
    return json::value(false);
  });
  ASSERT_TRUE(resent.ok()) << resent.status().ToString();
  ASSERT_TRUE(resent->as_bool()) << "no license.sale_voided to send again";
  Answer queue = Call("GET", "/api/v1/conflicts", {}, supervisor);
  ASSERT_EQ(queue.status, 200) << json::serialize(queue.body);
  EXPECT_TRUE(queue.body.at("items").as_array().empty()) << json::serialize(queue.body);
  EXPECT_EQ(Call("GET", "/api/v1/licenses/" + biscuit_, {}, resident_).Str("expires_on"), first_expires);
  ExpectVerifiedAndRebuiltAlike();
}

}  // namespace
}  // namespace holdfast::testing
