// Utility bills through the HTTP API, as a city runs them through an outage: accounts opened, a billing-run
// file imported (and refused when malformed, naming an unknown account, or sent twice), a customer paying at
// a counter by check, an incident declared for 14 days with its notice on the public status, no late fee
// during it or in the 30 days of grace after it, then late fees and the shut-off list as the rules say; a
// voided counter payment leaves the amount owed again. Then the node verifies and rebuilds to the same
// digest.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "api_fixture.h"

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

  std::string admin_, clerk_, supervisor_;
};

constexpr const char* kBills =
    "account,period,amount,due_date\r\n"
    "100001,2026-05,48.20,2026-06-15\r\n"
    "100002,2026-05,73.15,2026-06-15\r\n"
    "100003,2026-05,120.00,2026-06-15\r\n";

TEST_F(UtilitiesApiTest, AnIncidentStopsLateFeesThroughItsGracePeriodThenTheRulesResume) {
  Answer settings =
      Call("PUT", "/api/v1/utility/settings",
           R"({"late_fee_cents":1000,"late_fee_basis_points":500,"grace_days":5,"shutoff_days":60})", admin_);
  ASSERT_EQ(settings.status, 200) << json::serialize(settings.body);
  for (auto [number, name] : {std::pair{"100001", "Maria Gonzalez"}, std::pair{"100002", "James Carter"},
                              std::pair{"100003", "Aisha Rahman"}}) {
    Account(number, name);
  }
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
  EXPECT_NE(unknown.Str("detail").find("line 5"), std::string::npos) << unknown.Str("detail");
  EXPECT_EQ(Balance("100001"), 0) << "a refused file posts nothing";
  Answer imported = Import("may.csv", kBills);
  ASSERT_EQ(imported.status, 201) << json::serialize(imported.body);
  EXPECT_EQ(imported.body.at("bills").as_int64(), 3);
  EXPECT_EQ(imported.body.at("total_cents").as_int64(), 24135);
  Answer again = Import("may-copy.csv", kBills);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.Type(), "import-duplicate");
  EXPECT_EQ(Balance("100001"), 4820);

  // James pays at the counter by check.
  Answer drawer = Call("POST", "/api/v1/drawers", R"({"float_cents":5000})", clerk_);
  ASSERT_EQ(drawer.status, 201);
  Answer paid =
      Call("POST", "/api/v1/utility/accounts/100002/payments",
           json::serialize(json::object{
               {"drawer_id", drawer.Str("id")},
               {"amount_cents", 7315},
               {"tenders",
                json::array{json::object{{"kind", "check"}, {"amount_cents", 7315}, {"number", "2231"}}}}}),
           clerk_);
  ASSERT_EQ(paid.status, 201) << json::serialize(paid.body);
  EXPECT_EQ(paid.body.at("account").at("balance_cents").as_int64(), 0);

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
  EXPECT_EQ(Balance("100002"), 0);
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
    return Call("POST", "/api/v1/utility/lockbox/import",
                json::serialize(json::object{{"file_name", name}, {"content", content}}), clerk_);
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

}  // namespace
}  // namespace holdfast::testing
