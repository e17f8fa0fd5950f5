// The card payment gateway: HttpGateway against a TestGateway on a loopback port, every test card, the
// idempotency contract (never two charges for one key), timeouts, refunds and refusals; and the
// `holdfast test-gateway` verb.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "domain/gateway.h"
#include "http/client.h"
#include "http/gateway_client.h"
#include "http/test_gateway.h"
#include "process.h"

namespace holdfast::http {
namespace {

using domain::CardCharge;
using domain::ChargeOutcome;
using domain::ChargeResult;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;

// Ordinary calls get a generous deadline so a loaded machine never turns them into timeouts; the slow test
// card's answer is held back well past the short deadline of the one test that waits for it.
constexpr auto kClientTimeout = 10000ms;
constexpr auto kShortTimeout = 500ms;
constexpr auto kSlowAnswer = 2000ms;

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TestGatewayOptions options;
    options.slow_answer_delay = kSlowAnswer;
    options.clock = &clock_;  // 2026-01-01
    server_ = std::make_unique<TestGateway>(options);
    ASSERT_TRUE(server_->Start().ok());
    gateway_ = NewGateway(server_->port(), kClientTimeout);
  }

  static std::unique_ptr<HttpGateway> NewGateway(uint16_t port, std::chrono::milliseconds timeout) {
    HttpGatewayOptions options;
    options.port = port;
    options.timeout = timeout;
    return std::make_unique<HttpGateway>(options);
  }

  static CardCharge Charge(std::string_view number, std::string key, domain::Cents amount = 4250) {
    CardCharge c;
    c.idempotency_key = std::move(key);
    c.amount_cents = amount;
    c.card_number = std::string(number);
    c.expiry = "12/30";
    c.description = "Water account 100234";
    return c;
  }

  FakeClock clock_;
  std::unique_ptr<TestGateway> server_;
  std::unique_ptr<HttpGateway> gateway_;
};

TEST_F(GatewayTest, ApprovesTheGoodTestCard) {
  auto r = gateway_->Charge(Charge(kTestCardApproved, "pay-1"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outcome, ChargeOutcome::kApproved);
  EXPECT_THAT(r->reference, StartsWith("ch_"));
  EXPECT_FALSE(r->authorization_code.empty());
  EXPECT_EQ(r->decline_code, "");
  EXPECT_EQ(r->amount_cents, 4250);
  EXPECT_EQ(server_->charges(), 1);
  EXPECT_EQ(server_->approved_charges(), 1);
}

TEST_F(GatewayTest, DeclinesEachDecliningTestCardWithItsCode) {
  struct Case {
    std::string_view number;
    std::string decline_code;
  };
  const Case cases[] = {
      {kTestCardDeclined, "card_declined"},
      {kTestCardInsufficientFunds, "insufficient_funds"},
      {kTestCardExpired, "expired_card"},
      {"4242424242424241", "incorrect_number"},  // the last digit breaks the Luhn check
  };
  int n = 0;
  for (const Case& c : cases) {
    auto r = gateway_->Charge(Charge(c.number, "decline-" + std::to_string(++n)));
    ASSERT_TRUE(r.ok()) << c.number << ": " << r.status().ToString();
    EXPECT_EQ(r->outcome, ChargeOutcome::kDeclined) << c.number;
    EXPECT_EQ(r->decline_code, c.decline_code) << c.number;
    EXPECT_THAT(r->reference, StartsWith("ch_")) << c.number;
    EXPECT_EQ(r->authorization_code, "") << c.number;
    EXPECT_FALSE(r->message.empty()) << c.number;
  }
  EXPECT_EQ(server_->charges(), 4);
  EXPECT_EQ(server_->approved_charges(), 0);
}

TEST_F(GatewayTest, DeclinesAnExpiryInThePastButNotTheCurrentMonth) {
  CardCharge past = Charge(kTestCardApproved, "past");
  past.expiry = "12/25";  // the clock is at 2026-01-01
  auto r = gateway_->Charge(past);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outcome, ChargeOutcome::kDeclined);
  EXPECT_EQ(r->decline_code, "expired_card");

  CardCharge current = Charge(kTestCardApproved, "current");
  current.expiry = "01/26";  // valid through the end of January
  r = gateway_->Charge(current);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outcome, ChargeOutcome::kApproved);
}

TEST_F(GatewayTest, DeclinesAmountsOverTenThousandDollars) {
  auto over = gateway_->Charge(Charge(kTestCardApproved, "big", 1'000'001));
  ASSERT_TRUE(over.ok()) << over.status().ToString();
  EXPECT_EQ(over->outcome, ChargeOutcome::kDeclined);
  EXPECT_EQ(over->decline_code, "amount_too_large");

  auto limit = gateway_->Charge(Charge(kTestCardApproved, "limit", 1'000'000));
  ASSERT_TRUE(limit.ok()) << limit.status().ToString();
  EXPECT_EQ(limit->outcome, ChargeOutcome::kApproved);
  EXPECT_EQ(limit->amount_cents, 1'000'000);
}

TEST_F(GatewayTest, ProcessingErrorIsUnavailableAndChargesNothing) {
  auto r = gateway_->Charge(Charge(kTestCardProcessingError, "boom"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kUnavailable);
  EXPECT_EQ(r.error().Type(), "gateway-unavailable");
  EXPECT_THAT(r.error().detail, HasSubstr("500"));
  auto found = gateway_->Lookup("boom");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_FALSE(found->has_value());
  EXPECT_EQ(server_->charges(), 0);
}

TEST_F(GatewayTest, SameKeyTwiceChargesOnceAndGivesTheSameAnswer) {
  auto first = gateway_->Charge(Charge(kTestCardApproved, "water-100234-2026-01"));
  auto second = gateway_->Charge(Charge(kTestCardApproved, "water-100234-2026-01"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->outcome, ChargeOutcome::kApproved);
  EXPECT_EQ(second->reference, first->reference);
  EXPECT_EQ(second->authorization_code, first->authorization_code);
  EXPECT_EQ(server_->charges(), 1);
  EXPECT_EQ(server_->approved_charges(), 1);

  // On the wire, the replay is marked as one.
  Client raw("127.0.0.1", server_->port());
  std::string body = R"({"amount_cents":4250,"card_number":"4242424242424242","expiry":"12/30",)"
                     R"("description":"Water account 100234"})";
  auto replay = raw.Post("/v1/charges", body, {{"Idempotency-Key", "water-100234-2026-01"}});
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  EXPECT_EQ(replay->status, 200);
  EXPECT_EQ(replay->Header("idempotent-replayed"), "true");
  EXPECT_THAT(replay->body, HasSubstr(first->reference));
  EXPECT_EQ(server_->charges(), 1);
}

TEST_F(GatewayTest, SameKeyTwiceForADeclineDeclinesOnce) {
  auto first = gateway_->Charge(Charge(kTestCardInsufficientFunds, "k"));
  auto second = gateway_->Charge(Charge(kTestCardInsufficientFunds, "k"));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(second->decline_code, "insufficient_funds");
  EXPECT_EQ(second->reference, first->reference);
  EXPECT_EQ(server_->charges(), 1);
}

TEST_F(GatewayTest, ConcurrentChargesWithOneKeyChargeOnce) {
  constexpr int kThreads = 8;
  std::vector<std::string> references(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([this, i, &references, &failures] {
      auto r = gateway_->Charge(Charge(kTestCardApproved, "double-click"));
      if (r.ok()) {
        references[i] = r->reference;
      } else {
        ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (const auto& reference : references) EXPECT_EQ(reference, references[0]);
  EXPECT_EQ(server_->charges(), 1);
}

TEST_F(GatewayTest, SameKeyWithADifferentAmountIsRefused) {
  ASSERT_TRUE(gateway_->Charge(Charge(kTestCardApproved, "reused", 4250)).ok());
  auto r = gateway_->Charge(Charge(kTestCardApproved, "reused", 9999));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInvalid);
  EXPECT_EQ(r.error().Type(), "idempotency-key-reused");
  EXPECT_THAT(r.error().detail, HasSubstr("different request"));
  EXPECT_EQ(server_->charges(), 1);

  Client raw("127.0.0.1", server_->port());
  auto wire =
      raw.Post("/v1/charges", R"({"amount_cents":9999,"card_number":"4242424242424242","expiry":"12/30"})",
               {{"Idempotency-Key", "reused"}});
  ASSERT_TRUE(wire.ok());
  EXPECT_EQ(wire->status, 409);
}

TEST_F(GatewayTest, TimeoutThenLookupFindsTheApprovedCharge) {
  auto impatient = NewGateway(server_->port(), kShortTimeout);
  auto started = std::chrono::steady_clock::now();
  auto r = impatient->Charge(Charge(kTestCardSlowAnswer, "slow-1", 12000));
  auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kUnavailable);
  EXPECT_EQ(r.error().Type(), "gateway-timeout");
  EXPECT_LT(waited, kSlowAnswer) << "the client waited for the held answer instead of its own deadline";

  auto found = gateway_->Lookup("slow-1");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->outcome, ChargeOutcome::kApproved);
  EXPECT_EQ((*found)->amount_cents, 12000);
  EXPECT_FALSE((*found)->authorization_code.empty());

  // Retrying the charge with its key is safe: the stored answer at once, and still one charge.
  auto retry = gateway_->Charge(Charge(kTestCardSlowAnswer, "slow-1", 12000));
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(retry->reference, (*found)->reference);
  EXPECT_EQ(server_->charges(), 1);
}

TEST_F(GatewayTest, LookupOfAKeyNeverSentIsNothing) {
  auto found = gateway_->Lookup("never-sent");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_FALSE(found->has_value());
}

TEST_F(GatewayTest, LookupFindsAKeyWithReservedCharacters) {
  const std::string key = "water/100234?month=2026-01&n=1%+#";
  auto charged = gateway_->Charge(Charge(kTestCardDeclined, key));
  ASSERT_TRUE(charged.ok()) << charged.status().ToString();
  auto found = gateway_->Lookup(key);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->reference, charged->reference);
  EXPECT_EQ((*found)->decline_code, "card_declined");
}

TEST_F(GatewayTest, RefundsAnApprovedChargeOnce) {
  auto charged = gateway_->Charge(Charge(kTestCardApproved, "pay-7", 3100));
  ASSERT_TRUE(charged.ok());
  auto refund = gateway_->Refund(charged->reference, "void-7");
  ASSERT_TRUE(refund.ok()) << refund.status().ToString();
  EXPECT_EQ(refund->outcome, ChargeOutcome::kApproved);
  EXPECT_THAT(refund->reference, StartsWith("re_"));
  EXPECT_EQ(refund->amount_cents, 3100);

  // The same refund retried with its key: the same answer, one refund.
  auto again = gateway_->Refund(charged->reference, "void-7");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->reference, refund->reference);
  EXPECT_EQ(server_->refunds(), 1);

  // A second refund under another key is refused.
  auto twice = gateway_->Refund(charged->reference, "void-7-again");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, Code::kConflict);
  EXPECT_EQ(twice.error().Type(), "already-refunded");
  EXPECT_EQ(server_->refunds(), 1);

  Client raw("127.0.0.1", server_->port());
  auto shown = raw.Get("/v1/charges/pay-7");
  ASSERT_TRUE(shown.ok());
  auto body = ParseJson(shown->body);
  ASSERT_TRUE(body.ok() && body->is_object());
  EXPECT_TRUE(BoolOr(body->as_object(), "refunded"));
}

TEST_F(GatewayTest, RefusesRefundsOfDeclinedAndUnknownCharges) {
  auto declined = gateway_->Charge(Charge(kTestCardDeclined, "pay-8"));
  ASSERT_TRUE(declined.ok());
  auto r = gateway_->Refund(declined->reference, "void-8");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kConflict);
  EXPECT_EQ(r.error().Type(), "not-refundable");

  r = gateway_->Refund("ch_999999", "void-9");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kNotFound);
  EXPECT_EQ(server_->refunds(), 0);
}

TEST_F(GatewayTest, RefusesBadInputAndChargesNothing) {
  CardCharge zero = Charge(kTestCardApproved, "zero", 0);
  CardCharge negative = Charge(kTestCardApproved, "negative", -100);
  CardCharge huge = Charge(kTestCardApproved, "huge", domain::kMaxAmountCents + 1);
  CardCharge no_key = Charge(kTestCardApproved, "");
  CardCharge spaced_key = Charge(kTestCardApproved, "has space");
  CardCharge long_key = Charge(kTestCardApproved, std::string(101, 'k'));
  CardCharge spaced_number = Charge("4242 4242 4242 4242", "spaced-number");
  CardCharge bad_expiry = Charge(kTestCardApproved, "bad-expiry");
  bad_expiry.expiry = "13/30";
  struct Case {
    const CardCharge& charge;
    std::string field;
  };
  const Case cases[] = {{zero, "amount_cents"},          {negative, "amount_cents"},
                        {huge, "amount_cents"},          {no_key, "idempotency_key"},
                        {spaced_key, "idempotency_key"}, {long_key, "idempotency_key"},
                        {spaced_number, "card_number"},  {bad_expiry, "expiry"}};
  for (const Case& c : cases) {
    auto r = gateway_->Charge(c.charge);
    ASSERT_FALSE(r.ok()) << c.field;
    EXPECT_EQ(r.error().code, Code::kInvalid) << c.field;
    EXPECT_EQ(r.error().field, c.field) << r.error().detail;
  }
  auto lookup = gateway_->Lookup("");
  ASSERT_FALSE(lookup.ok());
  EXPECT_EQ(lookup.error().code, Code::kInvalid);
  auto refund = gateway_->Refund("ch_000001", "");
  ASSERT_FALSE(refund.ok());
  EXPECT_EQ(refund.error().code, Code::kInvalid);
  EXPECT_EQ(server_->charges(), 0);
}

TEST_F(GatewayTest, AGatewayNotListeningIsUnavailableAtOnce) {
  uint16_t port = 0;
  {
    TestGateway gone;
    ASSERT_TRUE(gone.Start().ok());
    port = gone.port();
  }  // stopped: the port now refuses connections
  constexpr auto kTimeout = 5000ms;
  auto gateway = NewGateway(port, kTimeout);
  auto started = std::chrono::steady_clock::now();
  auto r = gateway->Charge(Charge(kTestCardApproved, "nobody-home"));
  auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kUnavailable);
  EXPECT_EQ(r.error().Type(), "gateway-unavailable");
  EXPECT_LT(waited, kTimeout) << "a refused connection should not wait for the deadline";
  auto lookup = gateway->Lookup("nobody-home");
  ASSERT_FALSE(lookup.ok());
  EXPECT_EQ(lookup.error().Type(), "gateway-unavailable");
}

// The wire API itself, as a processor's other clients would see it.
class TestGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    client_ = std::make_unique<Client>("127.0.0.1", server_.port());
  }

  // The problem's type slug.
  static std::string Type(const ClientResponse& r) {
    auto v = ParseJson(r.body);
    if (!v.ok() || !v->is_object()) return "";
    std::string t(StringOr(v->as_object(), "type"));
    return t.substr(t.rfind('/') + 1);
  }

  TestGateway server_;
  std::unique_ptr<Client> client_;
};

TEST_F(TestGatewayTest, LuhnCheck) {
  EXPECT_TRUE(PassesLuhn("4242424242424242"));
  EXPECT_TRUE(PassesLuhn("4000000000000002"));
  EXPECT_TRUE(PassesLuhn("4000000000006975"));
  EXPECT_TRUE(PassesLuhn("79927398713"));
  EXPECT_FALSE(PassesLuhn("79927398710"));
  EXPECT_FALSE(PassesLuhn("4242424242424241"));
  EXPECT_FALSE(PassesLuhn(""));
  EXPECT_FALSE(PassesLuhn("4242x"));
}

TEST_F(TestGatewayTest, RefusesRequestsWithProblems) {
  const std::string good = R"({"amount_cents":100,"card_number":"4242424242424242","expiry":"12/99"})";
  auto no_key = client_->Post("/v1/charges", good);
  ASSERT_TRUE(no_key.ok());
  EXPECT_EQ(no_key->status, 422);
  EXPECT_EQ(no_key->Header("content-type"), "application/problem+json");
  EXPECT_THAT(no_key->body, HasSubstr("Idempotency-Key"));

  auto malformed = client_->Post("/v1/charges", "{", {{"Idempotency-Key", "a"}});
  ASSERT_TRUE(malformed.ok());
  EXPECT_EQ(malformed->status, 400);

  auto unknown = client_->Post(
      "/v1/charges", R"({"amount_cents":100,"card_number":"4242424242424242","expiry":"12/99","cvc":"123"})",
      {{"Idempotency-Key", "b"}});
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->status, 422);
  EXPECT_EQ(Type(*unknown), "unknown-field");

  auto missing = client_->Post("/v1/charges", R"({"card_number":"4242424242424242","expiry":"12/99"})",
                               {{"Idempotency-Key", "c"}});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 422);
  EXPECT_THAT(missing->body, HasSubstr("amount_cents"));

  auto not_found = client_->Get("/v1/charges/c");
  ASSERT_TRUE(not_found.ok());
  EXPECT_EQ(not_found->status, 404);
  EXPECT_EQ(Type(*not_found), "no-such-charge");

  auto wrong_method = client_->Request("DELETE", "/v1/charges");
  ASSERT_TRUE(wrong_method.ok());
  EXPECT_EQ(wrong_method->status, 405);

  EXPECT_EQ(server_.charges(), 0);  // refusals leave no charge and leave their keys unused

  auto declined = client_->Post("/v1/charges",
                                R"({"amount_cents":100,"card_number":"4000000000000002","expiry":"12/99"})",
                                {{"Idempotency-Key", "c"}});
  ASSERT_TRUE(declined.ok());
  EXPECT_EQ(declined->status, 402);
  EXPECT_EQ(declined->Header("idempotent-replayed"), "");
  EXPECT_EQ(server_.charges(), 1);
}

TEST_F(TestGatewayTest, CommandServesUntilStopped) {
  std::string log = ::testing::TempDir() + "test-gateway-cli.log";
  testing::ChildProcess child({testing::HoldfastBinary(), "test-gateway", "--listen", "127.0.0.1:0"}, log);
  ASSERT_TRUE(child.started()) << child.error();
  auto line = child.ReadLineStartingWith("test payment gateway listening on http://127.0.0.1:", 30s);
  ASSERT_TRUE(line.has_value()) << child.output();
  auto colon = line->rfind(':');
  uint16_t port = static_cast<uint16_t>(std::stoi(line->substr(colon + 1)));
  HttpGatewayOptions options;
  options.port = port;
  HttpGateway gateway(options);
  CardCharge charge;
  charge.idempotency_key = "cli-1";
  charge.amount_cents = 500;
  charge.card_number = std::string(kTestCardApproved);
  charge.expiry = "12/99";
  auto r = gateway.Charge(charge);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outcome, ChargeOutcome::kApproved);
  child.Signal(SIGTERM);
  auto status = child.Wait(30s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(testing::DescribeWaitStatus(*status), "exit 0");

  testing::RunResult help = testing::RunHoldfast({"test-gateway", "--help"});
  EXPECT_EQ(help.exit_code, 0) << help.Describe();
  EXPECT_THAT(help.out, HasSubstr("--delay-ms"));
}

}  // namespace
}  // namespace holdfast::http
