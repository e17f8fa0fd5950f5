// Online card payments as an operator sets them up: `holdfast test-gateway` stands in for the city's card
// processor, `holdfast serve --gateway URL` takes payments through it, and a bad gateway address is refused
// before the node starts.
#include <gtest/gtest.h>

#include "base/json.h"
#include "http/client.h"
#include "http/test_gateway.h"
#include "process.h"
#include "test_support.h"

namespace holdfast::testing {
namespace {

TEST(OnlinePaymentsCli, ServeChargesCardsThroughTheGatewayItIsGiven) {
  TempDir tmp;
  const std::string data = tmp.Sub("n");
  RunResult init = RunHoldfast({"init", "--data", data, "--city", "Springfield", "--node", "central"});
  ASSERT_EQ(init.exit_code, 0) << init.Describe();
  const std::string one_time = LineAfter(init.out, "password: ");

  RunResult bad = RunHoldfast({"serve", "--data", data, "--gateway", "ftp://processor"});
  EXPECT_EQ(bad.exit_code, 2) << bad.Describe();
  EXPECT_NE(bad.err.find("ftp://processor"), std::string::npos) << bad.Describe();

  ChildProcess processor({HoldfastBinary(), "test-gateway", "--listen", "127.0.0.1:0"}, tmp.Sub("gw.log"));
  ASSERT_TRUE(processor.started()) << processor.error();
  auto line = processor.ReadLineStartingWith("test payment gateway listening on http://", kChildTimeout);
  ASSERT_TRUE(line) << processor.output();
  const std::string rest = line->substr(line->find("http://"));
  const std::string gateway_url = rest.substr(0, rest.find(' '));
  ServeProcess server(data, tmp.Sub("serve.log"), "127.0.0.1:0", {"--gateway", gateway_url});
  ASSERT_TRUE(server.ready()) << server.error();
  EXPECT_NE(server.child().output().find("online card payments on"), std::string::npos)
      << server.child().output();

  std::string token = SignInAdmin(server.port(), one_time, "admin-password-2026");
  ASSERT_FALSE(token.empty());
  http::Client client("127.0.0.1", server.port());
  client.SetHeader("Authorization", "Bearer " + token);
  auto party = client.Post("/api/v1/parties", R"({"kind":"person","name":"Ada Byron"})");
  ASSERT_TRUE(party.ok() && party->status == 201) << Describe(party);
  auto party_json = ParseJson(party->body);
  ASSERT_TRUE(party_json.ok());
  const std::string party_id(StringOr(party_json->as_object(), "id"));
  auto account =
      client.Post("/api/v1/utility/accounts",
                  json::serialize(json::object{{"number", "400001"},
                                               {"customer_party_id", party_id},
                                               {"service_address", json::object{{"line1", "1 Analytical Way"},
                                                                                {"city", "Springfield"},
                                                                                {"state", "IL"},
                                                                                {"zip", "62701"}}}}));
  ASSERT_TRUE(account.ok() && account->status == 201) << Describe(account);
  auto bills =
      client.Post("/api/v1/utility/bills/import",
                  json::serialize(json::object{
                      {"file_name", "bills.csv"},
                      {"csv", "account,period,amount,due_date\n400001,2026-10,42.00,2026-11-30\n"}}));
  ASSERT_TRUE(bills.ok() && bills->status == 201) << Describe(bills);

  // Staff take the customer's card by phone; the same request sent twice charges once.
  const std::string pay = json::serialize(json::object{
      {"amount_cents", 4200}, {"card_number", std::string(http::kTestCardApproved)}, {"expiry", "12/30"}});
  for (int i = 0; i < 2; ++i) {
    auto paid = client.Request("POST", "/api/v1/utility/accounts/400001/online-payments", pay,
                               {{"Content-Type", "application/json"}, {"Idempotency-Key", "phone-0001"}});
    ASSERT_TRUE(paid.ok() && paid->status == 201) << Describe(paid);
    auto body = ParseJson(paid->body);
    ASSERT_TRUE(body.ok());
    EXPECT_EQ(body->at("account").at("balance_cents").as_int64(), 0) << paid->body;
  }
  auto declined = client.Request(
      "POST", "/api/v1/utility/accounts/400001/online-payments",
      json::serialize(json::object{
          {"amount_cents", 100}, {"card_number", std::string(http::kTestCardDeclined)}, {"expiry", "12/30"}}),
      {{"Content-Type", "application/json"}, {"Idempotency-Key", "phone-0002"}});
  ASSERT_TRUE(declined.ok()) << Describe(declined);
  EXPECT_EQ(declined->status, 402) << declined->body;

  std::string why;
  ASSERT_TRUE(server.Stop(&why)) << why;
  RunResult verify = RunHoldfast({"verify", "--data", data});
  EXPECT_EQ(verify.exit_code, 0) << verify.Describe();
}

}  // namespace
}  // namespace holdfast::testing
