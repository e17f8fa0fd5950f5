// Utility bills through the HTTP API, as a city runs them through an outage: accounts opened, a billing-run
// file imported (and refused when malformed, naming an unknown account, or sent twice), one customer paying
// online by card, one at a counter by check, one by a mailed check that arrives in the bank's lockbox file,
// an incident declared for 14 days with its notice on the public status, no late fee during it or in the 30
// days of grace after it, then late fees and the shut-off list as the rules say; a voided counter payment
// leaves the amount owed again; online payments charge once whatever the card processor answers, and one
// refunded to the card is owed again. Then the node verifies and rebuilds to the same digest.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "api_fixture.h"
#include "domain/online_payments.h"
#include "http/gateway_client.h"
#include "http/test_gateway.h"

namespace holdfast::testing {
namespace {

class UtilitiesApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    admin_ = AdminToken();
    clerk_ = UserToken(admin_, "casey", json::array{"clerk"});
    supervisor_ = UserToken(admin_, "sam", json::array{"supervisor"});
    At(Date::FromCivil(2026, 6, 1));
    // The card processor: a test gateway over loopback. Its slow card answers after 1.5 s, past the node's
    // 0.5 s timeout, so the node sees a timeout for a charge the processor made.
    http::TestGatewayOptions processor;
    processor.slow_answer_delay = std::chrono::milliseconds(1500);
    UseTestProcessor(processor, std::chrono::milliseconds(500));
  }

  // The node clock at 10:00 UTC of `day` (before the real clock, so sign-ins stay valid).
  void At(Date day) { clock_.Set(day.days() * 86'400'000 + 10 * 3'600'000); }

  std::string Account(const std::string& number, const std::string& name) {
    Answer p = Call("POST", "/api/v1/parties",
                    json::serialize(json::object{{"kind", "person"}, {"name", name}}), clerk_);
    EXPECT_EQ(p.status, 201);
    Answer a =
        Call("POST", "/api/v1/utility/accounts",
             json::serialize(json::object{{"number", number},
                                          {"customer_party_id", p.Str("id")},
                                          {"service_address", json::object{{"line1", name + " Street 1"},
                                                                           {"city", "Springfield"},
                                                                           {"state", "IL"},
                                                                           {"zip", "62701"}}}}),
             clerk_);
    EXPECT_EQ(a.status, 201) << json::serialize(a.body);
    return p.Str("id");
  }

  Answer Import(const std::string& name, const std::string& csv) {
    return Call("POST", "/api/v1/utility/bills/import",
                json::serialize(json::object{{"file_name", name}, {"csv", csv}}), supervisor_);
  }

  Answer Get(const std::string& number) {
    return Call("GET", "/api/v1/utility/accounts/" + number, {}, clerk_);
  }
  int64_t Balance(const std::string& number) { return Get(number).body.at("balance_cents").as_int64(); }

  // A clerk imports the bank's lockbox file `content`.
  Answer ImportLockbox(const std::string& name, const std::string& content) {
    return Call("POST", "/api/v1/utility/lockbox/import",
                json::serialize(json::object{{"file_name", name}, {"content", content}}), clerk_);
  }

  // A clerk takes `cents` on account `number` at `drawer`, paid by check `check`.
  Answer PayByCheck(const std::string& number, const std::string& drawer, int64_t cents,
                    const std::string& check) {
    return Call("POST", "/api/v1/utility/accounts/" + number + "/payments",
                json::serialize(json::object{
                    {"drawer_id", drawer},
                    {"amount_cents", cents},
                    {"tenders", json::array{json::object{
                                    {"kind", "check"}, {"amount_cents", cents}, {"number", check}}}}}),
                clerk_);
  }

  json::array Assess() {
    Answer a = Call("POST", "/api/v1/utility/late-fees/assess", {}, supervisor_);
    EXPECT_EQ(a.status, 200) << json::serialize(a.body);
    return a.body.at("assessed").as_array();
  }

  json::array Shutoff() {
    Answer a = Call("GET", "/api/v1/utility/shutoff-list", {}, supervisor_);
    EXPECT_EQ(a.status, 200) << json::serialize(a.body);
    return a.body.at("items").as_array();
  }

  // A public user of the party `party_id`, signed in.
  std::string Resident(const std::string& username, const std::string& party_id) {
    Answer u = Call("POST", "/api/v1/users",
                    json::serialize(json::object{{"username", username},
                                                 {"roles", json::array{"public"}},
                                                 {"party_id", party_id},
                                                 {"password", username + "-password-1"}}),
                    admin_);
    EXPECT_EQ(u.status, 201) << json::serialize(u.body);
    std::string token = SignIn(username, username + "-password-1").Str("token");
    EXPECT_EQ(Call("PUT", "/api/v1/users/me/password",
                   json::serialize(json::object{{"current_password", username + "-password-1"},
                                                {"new_password", username + "-password-2"}}),
                   token)
                  .status,
              200);
    return token;
  }

  Answer PayOnline(const std::string& number, int64_t cents, std::string_view card, const std::string& key,
                   const std::string& token) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
    return Call("POST", "/api/v1/utility/accounts/" + number + "/online-payments",
                json::serialize(json::object{
                    {"amount_cents", cents}, {"card_number", std::string(card)}, {"expiry", "12/30"}}),
                token, headers);
  }

  std::string admin_, clerk_, supervisor_;
};

constexpr const char* kBills =
    "account,period,amount,due_date\r\n"
    "100001,2026-05,48.20,2026-06-15\r\n"
    "100002,2026-05,73.15,2026-06-15\r\n"
    "100003,2026-05,120.00,2026-06-15\r\n"
    "100004,2026-05,61.40,2026-06-15\r\n"
    "100005,2026-05,33.33,2026-06-15\r\n";

TEST_F(UtilitiesApiTest, AnIncidentStopsLateFeesThroughItsGracePeriodThenTheRulesResume) {
  Answer settings =
      Call("PUT", "/api/v1/utility/settings",
           R"({"late_fee_cents":1000,"late_fee_basis_points":500,"grace_days":5,"shutoff_days":60})", admin_);
  ASSERT_EQ(settings.status, 200) << json::serialize(settings.body);
  for (auto [number, name] : {std::pair{"100001", "Maria Gonzalez"}, std::pair{"100002", "James Carter"},
                              std::pair{"100003", "Aisha Rahman"}, std::pair{"100005", "Linh Nguyen"}}) {
    Account(number, name);
  }
  const std::string tom = Resident("tom", Account("100004", "Tom O'Neill"));
  EXPECT_EQ(
      Call(
          "POST", "/api/v1/utility/accounts",
          R"({"number":"100001","customer_party_id":"p-central-1","service_address":{"line1":"x","city":"y","state":"IL","zip":"62701"}})",
          clerk_)
          .status,
      409);

  // The billing run's file: refused whole when a line is wrong, then posted, then refused as a repeat.
  Answer malformed = Import("may.csv", "account,period,amount,due_date\n100001,2026-05,48.2,2026-06-15\n");
  EXPECT_EQ(malformed.status, 422);
  EXPECT_EQ(malformed.Type(), "bills-malformed");
  EXPECT_NE(malformed.Str("detail").find("line 2"), std::string::npos) << malformed.Str("detail");
  Answer unknown = Import("may.csv", std::string(kBills) + "999999,2026-05,10.00,2026-06-15\r\n");
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(unknown.Type(), "unknown-account");
  EXPECT_NE(unknown.Str("detail").find("line 7"), std::string::npos) << unknown.Str("detail");
  EXPECT_EQ(Balance("100001"), 0) << "a refused file posts nothing";
  Answer imported = Import("may.csv", kBills);
  ASSERT_EQ(imported.status, 201) << json::serialize(imported.body);
  EXPECT_EQ(imported.body.at("bills").as_int64(), 5);
  EXPECT_EQ(imported.body.at("total_cents").as_int64(), 33608);
  Answer again = Import("may-copy.csv", kBills);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.Type(), "import-duplicate");
  EXPECT_EQ(Balance("100001"), 4820);

  // James pays at the counter by check.
  Answer drawer = Call("POST", "/api/v1/drawers", R"({"float_cents":5000})", clerk_);
  ASSERT_EQ(drawer.status, 201);
  Answer paid = PayByCheck("100002", drawer.Str("id"), 7315, "2231");
  ASSERT_EQ(paid.status, 201) << json::serialize(paid.body);
  EXPECT_EQ(paid.body.at("account").at("balance_cents").as_int64(), 0);

  // Tom pays online by card; Linh mails a check, which arrives in the bank's lockbox file.
  Answer online = PayOnline("100004", 6140, http::kTestCardApproved, "tom-june-bill", tom);
  ASSERT_EQ(online.status, 201) << json::serialize(online.body);
  EXPECT_EQ(online.body.at("account").at("balance_cents").as_int64(), 0);
  Answer lockbox = ImportLockbox("lockbox-0608.csv",
                                 "lockbox,LBX-20260608-01,2026-06-08\n"
                                 "item,0001,100005,33.33,4410,Linh Nguyen\n"
                                 "total,1,33.33\n");
  ASSERT_EQ(lockbox.status, 201) << json::serialize(lockbox.body);
  EXPECT_EQ(lockbox.body.at("applied").as_int64(), 1);
  for (const char* number : {"100004", "100005"}) {
    EXPECT_EQ(Balance(number), 0) << number;
    const json::array ledger = Get(number).body.at("ledger").as_array();
    ASSERT_EQ(ledger.size(), 2u) << number;
    EXPECT_EQ(ledger[1].at("channel").as_string(), number == std::string("100004") ? "online" : "lockbox");
  }

  // The incident: declared on June 10 for the utilities, its notice on the public status; ended June 24.
  At(Date::FromCivil(2026, 6, 10));
  EXPECT_FALSE(Call("GET", "/api/v1/public/status").body.at("incident_in_effect").as_bool());
  Answer declared = Call(
      "POST", "/api/v1/incidents",
      R"({"services":["utilities"],"notice":"Online payments are down. Pay at City Hall; no late fees."})",
      supervisor_);
  ASSERT_EQ(declared.status, 201) << json::serialize(declared.body);
  EXPECT_EQ(Call("POST", "/api/v1/incidents", R"({"services":["utilities"],"notice":"x"})", clerk_).status,
            403);
  Answer status = Call("GET", "/api/v1/public/status");
  ASSERT_EQ(status.status, 200);
  EXPECT_TRUE(status.body.at("incident_in_effect").as_bool());
  EXPECT_EQ(status.body.at("incidents").as_array()[0].at("notice").as_string(),
            "Online payments are down. Pay at City Hall; no late fees.");
  At(Date::FromCivil(2026, 6, 21));  // past the due date and its grace days, inside the incident
  EXPECT_TRUE(Assess().empty());
  EXPECT_TRUE(Get("100001").body.at("oldest_past_due_on").is_null()) << "not due while the incident lasts";
  At(Date::FromCivil(2026, 6, 24));
  Answer ended = Call("POST", "/api/v1/incidents/" + declared.Str("id") + "/end", "{}", supervisor_);
  ASSERT_EQ(ended.status, 200) << json::serialize(ended.body);
  EXPECT_EQ(ended.Str("protected_through"), "2026-07-24");
  Answer ended_twice = Call("POST", "/api/v1/incidents/" + declared.Str("id") + "/end", "{}", supervisor_);
  EXPECT_EQ(ended_twice.status, 409);

  // No late fee through the 30 days of grace, nor in the settings' 5 days after the moved due date.
  for (Date day : {Date::FromCivil(2026, 6, 25), Date::FromCivil(2026, 7, 10), Date::FromCivil(2026, 7, 24),
                   Date::FromCivil(2026, 7, 25), Date::FromCivil(2026, 7, 30)}) {
    At(day);
    EXPECT_TRUE(Assess().empty()) << day.ToString();
    EXPECT_TRUE(Shutoff().empty()) << day.ToString();
  }
  const json::array ledger = Get("100001").body.at("ledger").as_array();
  ASSERT_EQ(ledger.size(), 1u);
  EXPECT_EQ(ledger[0].at("effective_due_on").as_string(), "2026-07-25");

  // July 31: the late fees start, once per bill; only the unpaid accounts.
  At(Date::FromCivil(2026, 7, 31));
  json::array fees = Assess();
  ASSERT_EQ(fees.size(), 2u) << json::serialize(fees);
  EXPECT_EQ(fees[0].at("number").as_string(), "100001");
  EXPECT_EQ(fees[0].at("amount_cents").as_int64(), 1000);  // 5% of $48.20 is less than the $10.00 minimum
  EXPECT_EQ(fees[1].at("number").as_string(), "100003");
  EXPECT_TRUE(Assess().empty()) << "a bill takes one late fee";
  EXPECT_EQ(Balance("100001"), 5820);
  for (const char* paid_up : {"100002", "100004", "100005"}) EXPECT_EQ(Balance(paid_up), 0) << paid_up;
  EXPECT_TRUE(Shutoff().empty()) << "six days past due is not sixty";

  // 60 days past the moved due date, the unpaid accounts are eligible for shut-off.
  At(Date::FromCivil(2026, 9, 23));
  json::array list = Shutoff();
  ASSERT_EQ(list.size(), 2u) << json::serialize(list);
  EXPECT_EQ(list[0].at("number").as_string(), "100001");
  EXPECT_EQ(list[0].at("past_due_cents").as_int64(), 5820);
  EXPECT_EQ(list[0].at("days_past_due").as_int64(), 60);
  EXPECT_EQ(list[1].at("number").as_string(), "100003");

  // A supervisor's credit pays Maria's account; she leaves the list.
  Answer credit =
      Call("POST", "/api/v1/utility/accounts/100001/adjustments",
           R"({"amount_cents":-5820,"reason":"meter misread; bill and fee written off"})", supervisor_);
  ASSERT_EQ(credit.status, 200) << json::serialize(credit.body);
  EXPECT_EQ(credit.body.at("balance_cents").as_int64(), 0);
  EXPECT_EQ(Call("POST", "/api/v1/utility/accounts/100001/adjustments", R"({"amount_cents":-1,"reason":"x"})",
                 clerk_)
                .status,
            403);
  EXPECT_EQ(Shutoff().size(), 1u);

  ExpectVerifiedAndRebuiltAlike();
}

TEST_F(UtilitiesApiTest, AVoidedCounterPaymentIsOwedAgainAndPublicUsersSeeOnlyTheirAccounts) {
  Account("200001", "Linh Nguyen");
  ASSERT_EQ(Import("june.csv", "account,period,amount,due_date\n200001,2026-05,55.00,2026-06-20\n").status,
            201);
  Answer drawer = Call("POST", "/api/v1/drawers", R"({"float_cents":0})", clerk_);
  Answer short_cash =
      Call("POST", "/api/v1/utility/accounts/200001/payments",
           json::serialize(json::object{
               {"drawer_id", drawer.Str("id")},
               {"amount_cents", 5500},
               {"tenders", json::array{json::object{{"kind", "cash"}, {"amount_cents", 5000}}}}}),
           clerk_);
  EXPECT_EQ(short_cash.status, 422);
  EXPECT_EQ(short_cash.Type(), "tender-short");
  Answer paid = Call("POST", "/api/v1/utility/accounts/200001/payments",
                     json::serialize(json::object{
                         {"drawer_id", drawer.Str("id")},
                         {"amount_cents", 5500},
                         {"tenders", json::array{json::object{{"kind", "cash"}, {"amount_cents", 6000}}}}}),
                     clerk_);
  ASSERT_EQ(paid.status, 201) << json::serialize(paid.body);
  EXPECT_EQ(paid.body.at("receipt").at("change_cents").as_int64(), 500);
  const std::string receipt(paid.body.at("receipt").at("receipt").as_string());
  Answer voided = Call("POST", "/api/v1/receipts/" + receipt + "/void",
                       json::serialize(json::object{
                           {"reason", "paid on the wrong account"},
                           {"approval", json::object{{"username", "sam"}, {"password", "sam-password-1"}}}}),
                       clerk_);
  ASSERT_EQ(voided.status, 200) << json::serialize(voided.body);
  EXPECT_EQ(Balance("200001"), 5500);
  EXPECT_EQ(Get("200001").body.at("ledger").as_array().size(), 3u);

  EXPECT_EQ(Call("GET", "/api/v1/utility/accounts/200001").status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/utility/accounts/999", {}, clerk_).status, 404);
  EXPECT_EQ(Call("POST", "/api/v1/utility/accounts", R"({"number":"lower-case"})", clerk_).status, 422);
  ExpectVerifiedAndRebuiltAlike();
}

TEST_F(UtilitiesApiTest, AClerkFindsAnAccountByNumberServiceAddressOrCustomerName) {
  Account("100001", "Maria Lopez");
  Account("100002", "Sam Okafor");
  Account("300001", "Ana 100% Pure");
  auto found = [&](const std::string& q) {
    Answer a = Call("GET", "/api/v1/utility/accounts?q=" + q, {}, clerk_);
    EXPECT_EQ(a.status, 200) << json::serialize(a.body);
    std::vector<std::string> numbers;
    if (a.status == 200) {
      for (const auto& item : a.body.at("items").as_array())
        numbers.emplace_back(item.at("number").as_string());
    }
    return numbers;
  };
  using Numbers = std::vector<std::string>;
  EXPECT_EQ(found("lopez"), Numbers{"100001"});             // the customer's name, any case
  EXPECT_EQ(found("1000"), (Numbers{"100001", "100002"}));  // an account number's beginning
  EXPECT_EQ(found("Okafor%20Street"), Numbers{"100002"});   // the service address
  EXPECT_EQ(found(""), (Numbers{"100001", "100002", "300001"}));
  // Wildcards typed by the clerk match only themselves.
  EXPECT_EQ(found("100%25"), Numbers{"300001"});
  EXPECT_EQ(found("_"), Numbers{});
  // Without signing in, no search at all.
  EXPECT_EQ(Call("GET", "/api/v1/utility/accounts?q=lopez").status, 401);
}

TEST_F(UtilitiesApiTest, ALockboxFileIsAppliedOnceWithItsExceptionsQueuedForAClerk) {
  Account("100001", "Maria Gonzalez");
  Account("100003", "Aisha Rahman");
  ASSERT_EQ(Import("may.csv",
                   "account,period,amount,due_date\n100001,2026-05,48.20,2026-06-15\n100003,2026-05,120.00,"
                   "2026-06-15\n")
                .status,
            201);
  const std::string file =
      "lockbox,LBX-20260605-01,2026-06-05\n"
      "item,0001,100001,48.20,1042,Maria Gonzalez\n"
      "item,0002,100003,100.00,2210,\"Rahman, Aisha\"\n"
      "item,0003,999999,45.67,778,Unknown Payer\n"
      "item,0004,,12.00,779,Unreadable Stub\n"
      "total,4,205.87\n";
  auto import = [&](const std::string& name, const std::string& content) {
    return ImportLockbox(name, content);
  };
  // A malformed file (its total does not add up) is refused naming the line; nothing is applied.
  std::string wrong_total = file;
  wrong_total.replace(wrong_total.find("205.87"), 6, "205.88");
  Answer malformed = import("wrong.csv", wrong_total);
  EXPECT_EQ(malformed.status, 422);
  EXPECT_EQ(malformed.Type(), "lockbox-malformed");
  EXPECT_NE(malformed.Str("detail").find("line 6"), std::string::npos) << malformed.Str("detail");
  EXPECT_EQ(Balance("100001"), 4820);

  Answer applied = import("lockbox-0605.csv", file);
  ASSERT_EQ(applied.status, 201) << json::serialize(applied.body);
  EXPECT_EQ(applied.body.at("applied").as_int64(), 2);
  EXPECT_EQ(applied.body.at("applied_cents").as_int64(), 14820);
  const json::array& exceptions = applied.body.at("exceptions").as_array();
  ASSERT_EQ(exceptions.size(), 2u);
  EXPECT_EQ(exceptions[0].at("reason").as_string(), "no utility account 999999");
  EXPECT_EQ(exceptions[1].at("reason").as_string(), "no account on the stub");
  const json::array& differs = applied.body.at("amount_differs").as_array();
  ASSERT_EQ(differs.size(), 1u);
  EXPECT_EQ(differs[0].at("account").as_string(), "100003");
  EXPECT_EQ(differs[0].at("due_cents").as_int64(), 12000);
  EXPECT_EQ(Balance("100001"), 0);
  EXPECT_EQ(Balance("100003"), 2000);
  Answer twice = import("lockbox-0605-again.csv", file);
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(twice.Type(), "import-duplicate");
  EXPECT_EQ(Balance("100003"), 2000) << "a file is never applied twice";

  // The clerk finds the unreadable stub's account and applies it; the unknown one goes back to the payer.
  Answer queue = Call("GET", "/api/v1/utility/lockbox/exceptions", {}, clerk_);
  ASSERT_EQ(queue.status, 200);
  ASSERT_EQ(queue.body.at("items").as_array().size(), 2u);
  const std::string unknown(exceptions[0].at("id").as_string()),
      unreadable(exceptions[1].at("id").as_string());
  Answer to_account = Call("POST", "/api/v1/utility/lockbox/exceptions/" + unreadable + "/resolve",
                           R"({"resolution":"applied","account":"100003"})", clerk_);
  ASSERT_EQ(to_account.status, 200) << json::serialize(to_account.body);
  EXPECT_EQ(Balance("100003"), 800);
  Answer no_note = Call("POST", "/api/v1/utility/lockbox/exceptions/" + unknown + "/resolve",
                        R"({"resolution":"returned"})", clerk_);
  EXPECT_EQ(no_note.status, 422);
  Answer returned = Call("POST", "/api/v1/utility/lockbox/exceptions/" + unknown + "/resolve",
                         R"({"resolution":"returned","note":"check mailed back to the payer"})", clerk_);
  ASSERT_EQ(returned.status, 200) << json::serialize(returned.body);
  Answer again = Call("POST", "/api/v1/utility/lockbox/exceptions/" + unknown + "/resolve",
                      R"({"resolution":"returned","note":"again"})", clerk_);
  EXPECT_EQ(again.status, 409);
  EXPECT_TRUE(
      Call("GET", "/api/v1/utility/lockbox/exceptions", {}, clerk_).body.at("items").as_array().empty());
  ExpectVerifiedAndRebuiltAlike();
}

TEST_F(UtilitiesApiTest, AReturnedCheckIsOwedAgainWhetherItCameByMailOrToTheCounter) {
  Account("300001", "Maria Gonzalez");
  Account("300002", "James Carter");
  ASSERT_EQ(Import("june.csv",
                   "account,period,amount,due_date\n300001,2026-05,55.00,2026-06-20\n300002,2026-05,55.00,"
                   "2026-06-20\n")
                .status,
            201);
  // Maria's check came by mail, James's to the counter.
  Answer mail = ImportLockbox("lockbox-0610.csv",
                              "lockbox,LBX-20260610-01,2026-06-10\n"
                              "item,0001,300001,55.00,1042,Maria Gonzalez\n"
                              "total,1,55.00\n");
  ASSERT_EQ(mail.status, 201) << json::serialize(mail.body);
  Answer drawer = Call("POST", "/api/v1/drawers", R"({"float_cents":0})", clerk_);
  Answer counter = PayByCheck("300002", drawer.Str("id"), 5500, "881");
  ASSERT_EQ(counter.status, 201) << json::serialize(counter.body);
  const std::string receipt(counter.body.at("receipt").at("receipt").as_string());
  ASSERT_EQ(Balance("300001"), 0);
  ASSERT_EQ(Balance("300002"), 0);
  std::string lockbox_payment;
  const Answer before = Get("300001");
  for (const auto& row : before.body.at("ledger").as_array()) {
    if (row.at("channel").as_string() == "lockbox") lockbox_payment = std::string(row.at("id").as_string());
  }
  ASSERT_FALSE(lockbox_payment.empty());

  auto returned = [&](const std::string& number, const std::string& payment, const std::string& token) {
    return Call("POST", "/api/v1/utility/accounts/" + number + "/returned-payments",
                json::serialize(json::object{{"payment_id", payment}, {"reason", "insufficient funds"}}),
                token);
  };
  EXPECT_EQ(returned("300001", lockbox_payment, clerk_).status, 403);
  EXPECT_EQ(returned("300001", "LBX-nowhere-0001", supervisor_).status, 404);
  EXPECT_EQ(returned("300002", lockbox_payment, supervisor_).status, 404) << "not a payment of that account";
  // A counter payment's check is returned on its receipt, which this answer names.
  Answer at_counter = returned("300002", receipt, supervisor_);
  EXPECT_EQ(at_counter.status, 409);
  EXPECT_EQ(at_counter.Type(), "not-a-lockbox-payment");
  EXPECT_NE(at_counter.Str("detail").find(receipt), std::string::npos) << at_counter.Str("detail");

  // Maria's check bounced: the account owes it again, and the ledger says why.
  Answer maria = returned("300001", lockbox_payment, supervisor_);
  ASSERT_EQ(maria.status, 200) << json::serialize(maria.body);
  EXPECT_EQ(maria.body.at("balance_cents").as_int64(), 5500);
  int reversals = 0;
  for (const auto& row : maria.body.at("ledger").as_array()) {
    if (row.at("kind").as_string() != "reversal") continue;
    ++reversals;
    EXPECT_EQ(row.at("note").as_string(), "returned check: insufficient funds");
    EXPECT_EQ(row.at("amount_cents").as_int64(), 5500);
  }
  EXPECT_EQ(reversals, 1);
  Answer twice = returned("300001", lockbox_payment, supervisor_);
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(twice.Type(), "payment-reversed");
  EXPECT_EQ(Balance("300001"), 5500);

  // James's check bounced too, recorded on its receipt: the account owes it again.
  Answer james = Call("POST", "/api/v1/receipts/" + receipt + "/returned-check",
                      R"({"reason":"account closed"})", supervisor_);
  ASSERT_EQ(james.status, 200) << json::serialize(james.body);
  EXPECT_EQ(james.Str("status"), "check-returned");
  EXPECT_EQ(Balance("300002"), 5500);
  ExpectVerifiedAndRebuiltAlike();
}

}  // namespace
}  // namespace holdfast::testing

namespace holdfast::testing {
namespace {

// The resident pays online: the processor's every answer (decline, approval, a timeout after charging, an
// error before charging, no answer at all) leaves the account right, and no retry or duplicate submission
// charges twice.
TEST_F(UtilitiesApiTest, OnlinePaymentsChargeOnceWhateverTheProcessorAnswers) {
  const std::string olga = Resident("olga", Account("300001", "Olga Petrova"));
  Account("300002", "Someone Else");
  ASSERT_EQ(Import("june.csv",
                   "account,period,amount,due_date\n300001,2026-05,55.00,2026-06-20\n300002,2026-05,10.00,"
                   "2026-06-20\n")
                .status,
            201);
  std::string auditor = UserToken(admin_, "audrey", json::array{"auditor"});

  // Refusals before any card is charged.
  Answer no_key = PayOnline("300001", 1000, http::kTestCardApproved, "", olga);
  EXPECT_EQ(no_key.status, 422);
  EXPECT_EQ(no_key.Type(), "idempotency-key-required");
  EXPECT_EQ(PayOnline("300002", 1000, http::kTestCardApproved, "k-other", olga).status, 404)
      << "not her account";
  EXPECT_EQ(PayOnline("300001", 1000, http::kTestCardApproved, "k-audit", auditor).status, 403);
  Answer bad_card = PayOnline("300001", 1000, "4242 4242", "k-bad", olga);
  EXPECT_EQ(bad_card.status, 422);
  EXPECT_EQ(bad_card.Str("field"), "card_number");
  EXPECT_EQ(processor_->charges(), 0);

  // Declined: 402 with the processor's reason; the balance stands.
  Answer declined = PayOnline("300001", 5500, http::kTestCardDeclined, "k-declined", olga);
  EXPECT_EQ(declined.status, 402) << json::serialize(declined.body);
  EXPECT_EQ(declined.Type(), "card-declined");
  EXPECT_EQ(declined.Str("decline_code"), "card_declined");
  EXPECT_EQ(Balance("300001"), 5500);

  // Approved, then the same submission again (a double click, a retry): one charge, one payment.
  Answer paid = PayOnline("300001", 2000, http::kTestCardApproved, "k-first", olga);
  ASSERT_EQ(paid.status, 201) << json::serialize(paid.body);
  EXPECT_EQ(paid.body.at("account").at("balance_cents").as_int64(), 3500);
  const std::string payment_id(paid.body.at("payment").at("id").as_string());
  EXPECT_EQ(paid.body.at("payment").at("card_last4").as_string(), "4242");
  Answer again = PayOnline("300001", 2000, http::kTestCardApproved, "k-first", olga);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body.at("payment").at("id").as_string(), payment_id);
  EXPECT_EQ(Balance("300001"), 3500);
  Answer reused = PayOnline("300001", 2500, http::kTestCardApproved, "k-first", olga);
  EXPECT_EQ(reused.status, 422);
  EXPECT_EQ(reused.Type(), "idempotency-key-reused");
  int approved_before = processor_->approved_charges();
  EXPECT_EQ(approved_before, 1);

  // Two copies of one submission at the same moment: still one charge and one payment.
  Answer a, b;
  std::thread t1([&] { a = PayOnline("300001", 500, http::kTestCardApproved, "k-twice", olga); });
  std::thread t2([&] { b = PayOnline("300001", 500, http::kTestCardApproved, "k-twice", olga); });
  t1.join();
  t2.join();
  EXPECT_EQ(a.status, 201) << json::serialize(a.body);
  EXPECT_EQ(b.status, 201) << json::serialize(b.body);
  EXPECT_EQ(processor_->approved_charges(), approved_before + 1);
  EXPECT_EQ(Balance("300001"), 3000);

  // The processor charges but answers after the node's timeout: the node asks it by the same key and
  // applies the payment.
  Answer slow = PayOnline("300001", 1000, http::kTestCardSlowAnswer, "k-slow", olga);
  ASSERT_EQ(slow.status, 201) << json::serialize(slow.body);
  EXPECT_EQ(Balance("300001"), 2000);

  // The processor fails before charging: 503, nothing charged, the payment pending for the clerk to see.
  allow_unavailable_ = true;
  Answer failed = PayOnline("300001", 700, http::kTestCardProcessingError, "k-error", olga);
  EXPECT_EQ(failed.status, 503) << json::serialize(failed.body);
  EXPECT_EQ(failed.raw.Header("retry-after"), "5");
  EXPECT_NE(failed.Str("detail").find("nothing was charged"), std::string::npos) << failed.Str("detail");
  Answer pending = Call("GET", "/api/v1/utility/online-payments?status=pending", {}, clerk_);
  ASSERT_EQ(pending.status, 200);
  ASSERT_EQ(pending.body.at("items").as_array().size(), 1u);
  const json::value& stuck_payment = pending.body.at("items").as_array()[0];
  const std::string stuck(stuck_payment.at("id").as_string());
  // When it was started, on the node's hybrid clock (which runs ahead of the test's calendar).
  const int64_t started_at = stuck_payment.at("started_at").as_int64();
  EXPECT_EQ(Call("GET", "/api/v1/utility/online-payments", {}, olga).status, 403);

  // The processor out of reach: 503, and the same request sent again once it is back finishes the payment.
  http::HttpGateway unreachable(
      {.host = "127.0.0.1", .port = 1, .timeout = std::chrono::milliseconds(500)});  // nothing listens
  app_->set_gateway(&unreachable);
  Answer unreached = PayOnline("300001", 800, http::kTestCardApproved, "k-down", olga);
  EXPECT_EQ(unreached.status, 503) << json::serialize(unreached.body);
  EXPECT_EQ(unreached.Type(), "gateway-unavailable");
  app_->set_gateway(nullptr);
  Answer offline = PayOnline("300001", 800, http::kTestCardApproved, "k-down", olga);
  EXPECT_EQ(offline.status, 503);
  EXPECT_EQ(offline.Type(), "payments-offline");
  app_->set_gateway(gateway_.get());
  allow_unavailable_ = false;
  Answer retried = PayOnline("300001", 800, http::kTestCardApproved, "k-down", olga);
  ASSERT_EQ(retried.status, 201) << json::serialize(retried.body);
  EXPECT_EQ(Balance("300001"), 1200);

  // The node's job asks the processor about payments left pending: the one it never received is given up
  // after 30 minutes, and a retry of it is told to start afresh.
  const Date today = Date::FromUnixMs(clock_.NowMs());
  {
    auto db = node_->Read();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    auto early =
        domain::ReconcileOnlinePayments(**db, node_->writer(), *gateway_, started_at + 60'000, 60'000, today);
    ASSERT_TRUE(early.ok()) << early.status().ToString();
    EXPECT_EQ(IntOr(*early, "checked"), 1);
    EXPECT_EQ(IntOr(*early, "still_pending"), 1);
    auto late = domain::ReconcileOnlinePayments(**db, node_->writer(), *gateway_,
                                                started_at + domain::kAbandonAfterMs, 60'000, today);
    ASSERT_TRUE(late.ok()) << late.status().ToString();
    EXPECT_EQ(IntOr(*late, "abandoned"), 1);
  }
  Answer given_up = PayOnline("300001", 700, http::kTestCardProcessingError, "k-error", olga);
  EXPECT_EQ(given_up.status, 409);
  EXPECT_EQ(given_up.Type(), "payment-abandoned");
  EXPECT_TRUE(Call("GET", "/api/v1/utility/online-payments?status=pending", {}, clerk_)
                  .body.at("items")
                  .as_array()
                  .empty());
  Answer abandoned = Call("GET", "/api/v1/utility/online-payments?status=abandoned", {}, clerk_);
  ASSERT_EQ(abandoned.body.at("items").as_array().size(), 1u);
  EXPECT_EQ(abandoned.body.at("items").as_array()[0].at("id").as_string(), stuck);

  // Every approved charge is on the account once, with the processor's reference.
  int online = 0;
  const json::array ledger = Get("300001").body.at("ledger").as_array();
  for (const auto& row : ledger) {
    if (row.at("channel").as_string() == "online") {
      ++online;
      EXPECT_TRUE(row.at("reference").as_string().starts_with("ch_")) << json::serialize(row);
    }
  }
  EXPECT_EQ(online, processor_->approved_charges());
  EXPECT_EQ(online, 4);
  ExpectVerifiedAndRebuiltAlike();
}

// A payment made online and applied is refunded to the card by a supervisor: the account owes it again, once,
// however often the refund is asked for; when the processor does not answer, nothing changes until it is
// asked again. A charge that was never taken is not refunded, and a clerk cannot refund.
TEST_F(UtilitiesApiTest, AnAppliedOnlinePaymentIsRefundedToTheCardAndOwedAgain) {
  const std::string olga = Resident("olga", Account("300001", "Olga Petrova"));
  ASSERT_EQ(Import("june.csv", "account,period,amount,due_date\n300001,2026-05,55.00,2026-06-20\n").status,
            201);
  Answer paid = PayOnline("300001", 2000, http::kTestCardApproved, "k-1", olga);
  ASSERT_EQ(paid.status, 201) << json::serialize(paid.body);
  ASSERT_EQ(Balance("300001"), 3500);
  const std::string refund = "/api/v1/utility/online-payments/" +
                             std::string(paid.body.at("payment").at("id").as_string()) + "/refund";
  const std::string why = R"({"reason":"paid the wrong account"})";
  EXPECT_EQ(Call("POST", refund, why, clerk_).status, 403);
  EXPECT_EQ(Call("POST", refund, why, olga).status, 403);
  EXPECT_EQ(Balance("300001"), 3500);

  // The processor does not answer: nothing changes, and the supervisor is told to ask again.
  http::HttpGateway unreachable({.host = "127.0.0.1", .port = 1, .timeout = std::chrono::milliseconds(500)});
  app_->set_gateway(&unreachable);
  allow_unavailable_ = true;
  Answer unreached = Call("POST", refund, why, supervisor_);
  EXPECT_EQ(unreached.status, 503) << json::serialize(unreached.body);
  EXPECT_NE(unreached.Str("detail").find("nothing changed. Ask again"), std::string::npos)
      << unreached.Str("detail");
  allow_unavailable_ = false;
  app_->set_gateway(gateway_.get());
  EXPECT_EQ(processor_->refunds(), 0);
  EXPECT_EQ(Balance("300001"), 3500);
  Answer still = Call("GET", "/api/v1/utility/online-payments?status=approved", {}, clerk_);
  ASSERT_EQ(still.body.at("items").as_array().size(), 1u);

  // Asked again: the card is refunded, once; the account owes the payment again, once.
  Answer refunded = Call("POST", refund, why, supervisor_);
  ASSERT_EQ(refunded.status, 200) << json::serialize(refunded.body);
  EXPECT_EQ(refunded.Str("status"), "refunded");
  EXPECT_EQ(Call("POST", refund, why, supervisor_).Str("refund_reference"), refunded.Str("refund_reference"));
  EXPECT_EQ(processor_->refunds(), 1);
  EXPECT_EQ(Balance("300001"), 5500);
  int reversals = 0;
  const json::array ledger = Get("300001").body.at("ledger").as_array();
  for (const auto& row : ledger) {
    if (row.at("kind").as_string() == "reversal") ++reversals;
  }
  EXPECT_EQ(reversals, 1);

  // A declined card took nothing: there is nothing to refund.
  Answer declined = PayOnline("300001", 1000, http::kTestCardDeclined, "k-2", olga);
  ASSERT_EQ(declined.status, 402);
  Answer none = Call("GET", "/api/v1/utility/online-payments?status=declined", {}, clerk_);
  ASSERT_EQ(none.body.at("items").as_array().size(), 1u);
  Answer not_taken =
      Call("POST",
           "/api/v1/utility/online-payments/" +
               std::string(none.body.at("items").as_array()[0].at("id").as_string()) + "/refund",
           why, supervisor_);
  EXPECT_EQ(not_taken.status, 409);
  EXPECT_EQ(not_taken.Type(), "not-refundable");
  EXPECT_EQ(processor_->refunds(), 1);
  EXPECT_EQ(Balance("300001"), 5500);
  ExpectVerifiedAndRebuiltAlike();
}

// A processor's answer for each payment, by the payment's key; it never charges.
class ScriptedLookups : public domain::PaymentGateway {
 public:
  explicit ScriptedLookups(std::map<std::string, domain::ChargeResult> answers)
      : answers_(std::move(answers)) {}
  Result<domain::ChargeResult> Charge(const domain::CardCharge&) override {
    return MakeError(Code::kUnavailable, "not in this test", "gateway-unavailable");
  }
  Result<std::optional<domain::ChargeResult>> Lookup(const std::string& key) override {
    auto it = answers_.find(key);
    if (it == answers_.end()) return std::optional<domain::ChargeResult>();
    return std::optional<domain::ChargeResult>(it->second);
  }
  Result<domain::ChargeResult> Refund(const std::string&, const std::string&) override {
    return MakeError(Code::kUnavailable, "not in this test", "gateway-unavailable");
  }

 private:
  std::map<std::string, domain::ChargeResult> answers_;
};

// The job that settles payments left pending goes on past one it cannot settle: the payments after it are
// applied, and that one stays pending, named, to be tried again.
TEST_F(UtilitiesApiTest, APendingPaymentThatCannotBeSettledHoldsBackNoOther) {
  const std::string olga = Resident("olga", Account("300001", "Olga Petrova"));
  ASSERT_EQ(Import("june.csv", "account,period,amount,due_date\n300001,2026-05,55.00,2026-06-20\n").status,
            201);
  allow_unavailable_ = true;
  EXPECT_EQ(PayOnline("300001", 700, http::kTestCardProcessingError, "k-first", olga).status, 503);
  clock_.Advance(1000);
  EXPECT_EQ(PayOnline("300001", 900, http::kTestCardProcessingError, "k-second", olga).status, 503);
  allow_unavailable_ = false;
  Answer pending = Call("GET", "/api/v1/utility/online-payments?status=pending", {}, clerk_);
  ASSERT_EQ(pending.body.at("items").as_array().size(), 2u) << json::serialize(pending.body);
  std::map<int64_t, std::string> by_amount;
  int64_t started = 0;  // on the node's hybrid clock, which runs ahead of the test's calendar
  for (const auto& p : pending.body.at("items").as_array()) {
    by_amount[p.at("amount_cents").as_int64()] = std::string(p.at("id").as_string());
    started = std::max(started, p.at("started_at").as_int64());
  }
  const std::string first = by_amount[700], second = by_amount[900];

  // The processor approved both; its answer about the first cannot be recorded (its message is not text).
  auto approved = [](std::string reference, std::string message, int64_t cents) {
    domain::ChargeResult r;
    r.outcome = domain::ChargeOutcome::kApproved;
    r.reference = std::move(reference);
    r.authorization_code = "A1";
    r.message = std::move(message);
    r.amount_cents = cents;
    return r;
  };
  ScriptedLookups processor(
      {{first, approved("ch-1", "approved \xff\xfe", 700)}, {second, approved("ch-2", "approved", 900)}});
  auto db = node_->Read();
  ASSERT_TRUE(db.ok());
  const Date today = Date::FromUnixMs(clock_.NowMs());
  auto round =
      domain::ReconcileOnlinePayments(**db, node_->writer(), processor, started + 120'000, 60'000, today);
  ASSERT_TRUE(round.ok()) << round.status().ToString();
  EXPECT_EQ(IntOr(*round, "checked"), 2);
  EXPECT_EQ(IntOr(*round, "approved"), 1);
  const json::array& failed = round->at("failed").as_array();
  ASSERT_EQ(failed.size(), 1u) << json::serialize(*round);
  EXPECT_EQ(failed[0].at("id").as_string(), first);
  EXPECT_EQ(Balance("300001"), 5500 - 900);
  Answer still = Call("GET", "/api/v1/utility/online-payments?status=pending", {}, clerk_);
  ASSERT_EQ(still.body.at("items").as_array().size(), 1u);
  EXPECT_EQ(still.body.at("items").as_array()[0].at("id").as_string(), first);

  // Once the processor's answer can be recorded, the next round settles it.
  ScriptedLookups mended({{first, approved("ch-1", "approved", 700)}});
  auto next =
      domain::ReconcileOnlinePayments(**db, node_->writer(), mended, started + 180'000, 60'000, today);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(IntOr(*next, "approved"), 1);
  EXPECT_TRUE(next->at("failed").as_array().empty());
  EXPECT_EQ(Balance("300001"), 5500 - 900 - 700);
}

}  // namespace
}  // namespace holdfast::testing
