// Cashiering over the HTTP API: a drawer's day from opening float to close-out, payments with their tenders,
// supervisor approval of voids and refunds with the supervisor's own credentials, the close-out report in
// JSON and CSV, and who may see what.
#include <gtest/gtest.h>

#include "api_fixture.h"
#include "auth/totp.h"
#include "base/bytes.h"

namespace holdfast::testing {
namespace {

class CashierApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    admin_ = AdminToken();
    clerk_ = UserToken(admin_, "casey", json::array{"clerk"}, &clerk_id_);
    supervisor_ = UserToken(admin_, "sam", json::array{"supervisor"}, &supervisor_id_);
    auditor_ = UserToken(admin_, "audrey", json::array{"auditor"});
  }

  static json::object Approval(const std::string& username, const std::string& password,
                               const std::string& totp = {}) {
    json::object a{{"username", username}, {"password", password}};
    if (!totp.empty()) a["totp"] = totp;
    return a;
  }

  std::string OpenDrawer(const std::string& token, int64_t float_cents) {
    Answer a =
        Call("POST", "/api/v1/drawers", json::serialize(json::object{{"float_cents", float_cents}}), token);
    EXPECT_EQ(a.status, 201) << json::serialize(a.body);
    EXPECT_EQ(a.raw.Header("location"), "/api/v1/drawers/" + a.Str("id"));
    return a.Str("id");
  }

  Answer Pay(const std::string& token, const std::string& drawer, json::array items, json::array tenders,
             const std::string& payer = {}, std::vector<std::pair<std::string, std::string>> headers = {}) {
    json::object body{{"drawer_id", drawer}, {"items", std::move(items)}, {"tenders", std::move(tenders)}};
    if (!payer.empty()) body["payer_party_id"] = payer;
    return Call("POST", "/api/v1/payments", json::serialize(body), token, std::move(headers));
  }

  Answer Void(const std::string& receipt, const json::value& approval) {
    json::object body{{"reason", "rang up twice"}};
    if (!approval.is_null()) body["approval"] = approval;
    return Call("POST", "/api/v1/receipts/" + receipt + "/void", json::serialize(body), clerk_);
  }

  int64_t Events(const std::string& type) {
    auto db = node_->Read();
    auto s = (*db)->Prepare("SELECT COUNT(*) FROM events WHERE type=?");
    (*s)->Bind(1, type);
    EXPECT_TRUE(*(*s)->Step());
    return (*s)->Int(0);
  }

  static json::object Item(const std::string& code, int64_t cents, const std::string& ref = {}) {
    json::object o{{"code", code}, {"description", "Fee " + code}, {"amount_cents", cents}};
    if (!ref.empty()) o["ref"] = ref;
    return o;
  }
  static json::object Tender(const std::string& kind, int64_t cents, const std::string& number = {},
                             const std::string& reference = {}) {
    json::object o{{"kind", kind}, {"amount_cents", cents}};
    if (!number.empty()) o["number"] = number;
    if (!reference.empty()) o["reference"] = reference;
    return o;
  }

  std::string admin_, clerk_, supervisor_, auditor_;
  std::string clerk_id_, supervisor_id_;
};

const json::object& Row(const json::value& rows, std::string_view key, std::string_view value) {
  static const json::object kNone;
  for (const auto& r : rows.as_array()) {
    if (StringOr(r.as_object(), key) == value) return r.as_object();
  }
  ADD_FAILURE() << "no row with " << key << " = " << value;
  return kNone;
}

TEST_F(CashierApiTest, ADrawersDayFromFloatToBalancedCloseOut) {
  Answer owner = Call("POST", "/api/v1/parties", R"({"kind":"person","name":"Olga Owner"})", clerk_);
  ASSERT_EQ(owner.status, 201);
  const std::string olga_party = owner.Str("id");

  std::string drawer = OpenDrawer(clerk_, 10000);
  Answer twice = Call("POST", "/api/v1/drawers", R"({"float_cents":0})", clerk_);
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(twice.Type(), "drawer-already-open");

  // Two dogs on one receipt, paid by check.
  Answer dogs = Pay(clerk_, drawer, {Item("DOG-ALT-1", 1500, "Rex"), Item("DOG-ALT-1", 1500, "Fido")},
                    {Tender("check", 3000, "4411")}, olga_party);
  ASSERT_EQ(dogs.status, 201) << json::serialize(dogs.body);
  const std::string check_receipt = dogs.Str("receipt");
  EXPECT_EQ(dogs.raw.Header("location"), "/api/v1/receipts/" + check_receipt);
  EXPECT_EQ(dogs.body.at("items").as_array().size(), 2u);
  EXPECT_EQ(dogs.body.at("total_cents").as_int64(), 3000);
  EXPECT_EQ(dogs.body.at("change_cents").as_int64(), 0);
  EXPECT_EQ(dogs.body.at("tenders").at(0).at("number").as_string(), "4411");
  EXPECT_EQ(dogs.Str("payer_party_id"), olga_party);

  // Cash with change due.
  Answer cash = Pay(clerk_, drawer, {Item("MISC", 1250)}, {Tender("cash", 2000)});
  ASSERT_EQ(cash.status, 201) << json::serialize(cash.body);
  EXPECT_EQ(cash.body.at("change_cents").as_int64(), 750);
  const std::string cash_receipt = cash.Str("receipt");

  // Short tender: refused, saying how much is still due; no receipt taken.
  Answer short_tender = Pay(clerk_, drawer, {Item("LATE", 1000), Item("MISC", 1500)}, {Tender("cash", 2000)});
  EXPECT_EQ(short_tender.status, 422);
  EXPECT_EQ(short_tender.Type(), "tender-short");
  EXPECT_NE(short_tender.Str("detail").find("5.00 is still due"), std::string::npos)
      << short_tender.Str("detail");
  Answer from_card = Pay(clerk_, drawer, {Item("MISC", 1000)}, {Tender("card", 1200, "", "T-1")});
  EXPECT_EQ(from_card.Type(), "change-only-from-cash");
  EXPECT_EQ(Pay(clerk_, drawer, {Item("MISC", 1000)}, {Tender("check", 1000)}).Str("field"),
            "tenders[0].number");
  EXPECT_EQ(Pay(clerk_, drawer, {Item("misc!", 1000)}, {Tender("cash", 1000)}).Str("field"), "items[0].code");
  EXPECT_EQ(
      Call("POST", "/api/v1/payments", R"({"drawer_id":")" + drawer + R"(","items":7,"tenders":[]})", clerk_)
          .Str("field"),
      "items");
  EXPECT_EQ(Call("POST", "/api/v1/payments",
                 R"({"drawer_id":")" + drawer + R"(","items":null,"tenders":null})", clerk_)
                .status,
            422);

  // A retried payment with the same Idempotency-Key charges once.
  std::vector<std::pair<std::string, std::string>> key = {{"Idempotency-Key", "late-fee-olga-1"}};
  Answer late = Pay(clerk_, drawer, {Item("LATE", 1000)}, {Tender("cash", 1000)}, olga_party, key);
  ASSERT_EQ(late.status, 201);
  Answer again = Pay(clerk_, drawer, {Item("LATE", 1000)}, {Tender("cash", 1000)}, olga_party, key);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.raw.Header("idempotent-replayed"), "true");
  EXPECT_EQ(again.Str("receipt"), late.Str("receipt"));
  const std::string void_receipt = late.Str("receipt");

  // Voiding: approval required, the clerk's own credentials refused, a wrong password refused and recorded,
  // the supervisor's approval accepted.
  Answer no_approval = Void(void_receipt, nullptr);
  EXPECT_EQ(no_approval.status, 403);
  EXPECT_EQ(no_approval.Type(), "approval-required");
  Answer own = Void(void_receipt, Approval("casey", "casey-password-1"));
  EXPECT_EQ(own.status, 403);
  EXPECT_EQ(own.Type(), "approval-refused");
  EXPECT_NE(own.Str("detail").find("own request"), std::string::npos) << own.Str("detail");
  Answer wrong = Void(void_receipt, Approval("sam", "not-sams-password"));
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(wrong.Type(), "approval-refused");
  Answer nobody = Void(void_receipt, Approval("nobody", "whatever-password"));
  EXPECT_EQ(nobody.Type(), "approval-refused");
  EXPECT_EQ(Events("auth.approval_failed"), 3);
  EXPECT_EQ(Events("payment.voided"), 0);
  EXPECT_EQ(Call("GET", "/api/v1/receipts/" + void_receipt, {}, clerk_).Str("status"), "paid");

  Answer voided = Void(void_receipt, Approval("sam", "sam-password-1"));
  ASSERT_EQ(voided.status, 200) << json::serialize(voided.body);
  EXPECT_EQ(voided.Str("status"), "voided");
  EXPECT_EQ(voided.body.at("void").at("approved_by").as_string(), supervisor_id_);
  EXPECT_EQ(voided.body.at("void").at("voided_by").as_string(), clerk_id_);
  EXPECT_EQ(Events("auth.approval_given"), 1);
  Answer again_void = Void(void_receipt, Approval("sam", "sam-password-1"));
  EXPECT_EQ(again_void.status, 409);
  EXPECT_EQ(again_void.Type(), "already-voided");
  EXPECT_EQ(Events("auth.approval_given"), 1);  // the refused void left no trace, its approval included

  // A partial refund of the check receipt, back to the check, approved by the supervisor.
  json::object refund{
      {"amount_cents", 1000}, {"drawer_id", drawer}, {"tender_kind", "check"}, {"reason", "Fido moved away"}};
  Answer unapproved =
      Call("POST", "/api/v1/receipts/" + check_receipt + "/refunds", json::serialize(refund), clerk_);
  EXPECT_EQ(unapproved.Type(), "approval-required");
  refund["approval"] = Approval("sam", "sam-password-1");
  Answer refunded =
      Call("POST", "/api/v1/receipts/" + check_receipt + "/refunds", json::serialize(refund), clerk_);
  ASSERT_EQ(refunded.status, 201) << json::serialize(refunded.body);
  EXPECT_EQ(refunded.body.at("refund").at("amount_cents").as_int64(), 1000);
  EXPECT_EQ(refunded.body.at("refund").at("approved_by").as_string(), supervisor_id_);
  EXPECT_EQ(refunded.body.at("receipt").at("status").as_string(), "partly-refunded");
  refund["amount_cents"] = 2001;
  Answer too_much =
      Call("POST", "/api/v1/receipts/" + check_receipt + "/refunds", json::serialize(refund), clerk_);
  EXPECT_EQ(too_much.status, 409);
  EXPECT_EQ(too_much.Type(), "refund-exceeds-payment");

  // Close with the right count: float 100.00 + cash 20.00 - change 7.50 = 112.50.
  Answer open_drawer = Call("GET", "/api/v1/drawers/" + drawer, {}, clerk_);
  EXPECT_EQ(open_drawer.body.at("expected_cash_cents").as_int64(), 11250);
  EXPECT_TRUE(open_drawer.body.at("over_short_cents").is_null());
  Answer bad_count = Call("POST", "/api/v1/drawers/" + drawer + "/close",
                          R"({"counted":[{"denomination_cents":300,"count":1}]})", clerk_);
  EXPECT_EQ(bad_count.status, 422);
  EXPECT_EQ(bad_count.Str("field"), "counted[0].denomination_cents");
  Answer closed =
      Call("POST", "/api/v1/drawers/" + drawer + "/close",
           R"({"counted":[{"denomination_cents":10000,"count":1},{"denomination_cents":1000,"count":1},
                                      {"denomination_cents":100,"count":2},{"denomination_cents":25,"count":2}]})",
           clerk_);
  ASSERT_EQ(closed.status, 200) << json::serialize(closed.body);
  const json::value& r = closed.body;
  EXPECT_EQ(r.at("expected_cash_cents").as_int64(), 11250);
  EXPECT_EQ(r.at("counted_cash_cents").as_int64(), 11250);
  EXPECT_EQ(r.at("over_short_cents").as_int64(), 0);
  EXPECT_EQ(r.at("drawer").at("status").as_string(), "closed");
  // The report's totals are the receipts' totals to the cent.
  int64_t receipts_total = 0;
  for (const std::string& n : {check_receipt, cash_receipt}) {
    receipts_total += Call("GET", "/api/v1/receipts/" + n, {}, clerk_).body.at("total_cents").as_int64();
  }
  EXPECT_EQ(r.at("receipts").at("count").as_int64(), 2);
  EXPECT_EQ(r.at("receipts").at("total_cents").as_int64(), receipts_total);
  EXPECT_EQ(r.at("voids").at("count").as_int64(), 1);
  EXPECT_EQ(r.at("voids").at("total_cents").as_int64(), 1000);
  EXPECT_EQ(r.at("refunds").at("total_cents").as_int64(), 1000);
  EXPECT_EQ(r.at("net_cents").as_int64(), receipts_total - 1000);
  EXPECT_EQ(Row(r.at("by_tender"), "kind", "check").at("received_cents").as_int64(), 3000);
  EXPECT_EQ(Row(r.at("by_tender"), "kind", "check").at("refunded_cents").as_int64(), 1000);
  EXPECT_EQ(Row(r.at("by_tender"), "kind", "cash").at("received_cents").as_int64(), 1250);
  EXPECT_EQ(Row(r.at("by_fee_code"), "code", "DOG-ALT-1").at("amount_cents").as_int64(), 3000);
  EXPECT_EQ(Row(r.at("by_fee_code"), "code", "DOG-ALT-1").at("count").as_int64(), 2);
  EXPECT_EQ(Row(r.at("by_fee_code"), "code", "MISC").at("amount_cents").as_int64(), 1250);
  EXPECT_EQ(r.at("by_fee_code").as_array().size(), 2u);  // the voided LATE fee is not in the totals
  EXPECT_EQ(Pay(clerk_, drawer, {Item("MISC", 100)}, {Tender("cash", 100)}).Type(), "drawer-not-open");

  // The same report later, as JSON and as CSV.
  Answer report = Call("GET", "/api/v1/drawers/" + drawer + "/report", {}, auditor_);
  ASSERT_EQ(report.status, 200);
  EXPECT_EQ(report.body, closed.body);
  Answer csv = Call("GET", "/api/v1/drawers/" + drawer + "/report?format=csv", {}, auditor_);
  ASSERT_EQ(csv.status, 200);
  EXPECT_TRUE(csv.raw.Header("content-type").starts_with("text/csv")) << csv.raw.Header("content-type");
  const std::string& text = csv.raw.body;
  EXPECT_TRUE(text.starts_with("drawer_id,section,item,count,amount_cents,amount\r\n")) << text;
  for (std::string line :
       {",summary,float,,10000,100.00", ",summary,receipts,2,4250,42.50", ",summary,refunds,1,1000,10.00",
        ",tender,check,1,3000,30.00", ",tender,cash,1,1250,12.50", ",tender_refund,check,1,1000,10.00",
        ",fee_code,DOG-ALT-1,2,3000,30.00", ",fee_code,MISC,1,1250,12.50", ",cash,expected,,11250,112.50",
        ",cash,counted,,11250,112.50", ",cash,over_short,,0,0.00"}) {
    EXPECT_NE(text.find(drawer + line + "\r\n"), std::string::npos) << line << "\n" << text;
  }
  EXPECT_EQ(Call("GET", "/api/v1/drawers/" + drawer + "/report?format=pdf", {}, auditor_).status, 422);

  // Auditors read but do not take money.
  EXPECT_EQ(Call("GET", "/api/v1/drawers?status=closed", {}, auditor_).body.at("items").as_array().size(),
            1u);
  EXPECT_EQ(Call("GET", "/api/v1/receipts/" + cash_receipt, {}, auditor_).status, 200);
  EXPECT_EQ(Pay(auditor_, drawer, {Item("MISC", 100)}, {Tender("cash", 100)}).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/drawers", R"({"float_cents":0})", auditor_).status, 403);

  // A public user sees their own receipt and nothing else of cashiering.
  Answer u = Call("POST", "/api/v1/users",
                  json::serialize(json::object{{"username", "olga"},
                                               {"roles", json::array{"public"}},
                                               {"party_id", olga_party},
                                               {"password", "olga-password-1"}}),
                  admin_);
  ASSERT_EQ(u.status, 201);
  std::string olga = SignIn("olga", "olga-password-1").Str("token");
  ASSERT_EQ(Call("PUT", "/api/v1/users/me/password",
                 R"({"current_password":"olga-password-1","new_password":"olga-password-2"})", olga)
                .status,
            200);
  Answer mine = Call("GET", "/api/v1/receipts/" + check_receipt, {}, olga);
  EXPECT_EQ(mine.status, 200);
  EXPECT_EQ(mine.Str("status"), "partly-refunded");
  EXPECT_EQ(Call("GET", "/api/v1/receipts/" + cash_receipt, {}, olga).status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/drawers/" + drawer, {}, olga).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/drawers/" + drawer + "/report", {}, olga).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/drawers", {}, olga).status, 403);
  EXPECT_EQ(Pay(olga, drawer, {Item("MISC", 100)}, {Tender("cash", 100)}).status, 403);
}

TEST_F(CashierApiTest, WrongApprovalsCountTowardTheSupervisorsLockout) {
  std::string drawer = OpenDrawer(clerk_, 5000);
  std::string receipt = Pay(clerk_, drawer, {Item("MISC", 500)}, {Tender("cash", 500)}).Str("receipt");
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(Void(receipt, Approval("sam", "guessing-" + std::to_string(i))).status, 403);
  // The fifth failure in a row, at sign-in, locks the account: approvals and sign-ins share one count.
  Answer fifth = SignIn("sam", "still-guessing");
  EXPECT_EQ(fifth.status, 423);
  EXPECT_EQ(fifth.Type(), "account-locked");
  EXPECT_EQ(SignIn("sam", "sam-password-1").status, 423);
  Answer locked = Void(receipt, Approval("sam", "sam-password-1"));
  EXPECT_EQ(locked.Type(), "approval-refused");
  EXPECT_NE(locked.Str("detail").find("locked"), std::string::npos) << locked.Str("detail");
  clock_.Advance(16 * 60 * 1000);
  EXPECT_EQ(Void(receipt, Approval("sam", "sam-password-1")).status, 200);

  // An approval resets the count, as a sign-in does.
  std::string other = Pay(clerk_, drawer, {Item("MISC", 500)}, {Tender("cash", 500)}).Str("receipt");
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(Void(other, Approval("sam", "guessing-" + std::to_string(i))).status, 403);
  EXPECT_EQ(Void(other, Approval("sam", "sam-password-1")).status, 200);
  EXPECT_EQ(SignIn("sam", "still-guessing").status, 401);
  EXPECT_EQ(SignIn("sam", "sam-password-1").status, 201);
}

TEST_F(CashierApiTest, AnEnrolledSupervisorApprovesWithAFreshAuthenticatorCode) {
  Answer fresh = Call("GET", "/api/v1/users/me/totp/new", {}, supervisor_);
  auto secret = FromBase32(fresh.Str("secret"));
  ASSERT_TRUE(secret);
  std::string code = auth::TotpCode(*secret, clock_.NowMs() / 1000);
  ASSERT_EQ(Call("POST", "/api/v1/users/me/totp",
                 json::serialize(json::object{{"secret", fresh.Str("secret")}, {"code", code}}), supervisor_)
                .status,
            201);
  std::string drawer = OpenDrawer(clerk_, 0);
  std::string first = Pay(clerk_, drawer, {Item("MISC", 500)}, {Tender("cash", 500)}).Str("receipt");
  std::string second = Pay(clerk_, drawer, {Item("MISC", 700)}, {Tender("cash", 700)}).Str("receipt");

  Answer no_code = Void(first, Approval("sam", "sam-password-1"));
  EXPECT_EQ(no_code.status, 403);
  EXPECT_EQ(no_code.Type(), "approval-totp-required");
  EXPECT_EQ(no_code.Str("field"), "approval.totp");
  EXPECT_EQ(Void(first, Approval("sam", "sam-password-1", code == "123456" ? "654321" : "123456")).Type(),
            "approval-refused");
  ASSERT_EQ(Void(first, Approval("sam", "sam-password-1", code)).status, 200);
  // The same code does not approve twice.
  Answer replay = Void(second, Approval("sam", "sam-password-1", code));
  EXPECT_EQ(replay.Type(), "approval-refused");
  EXPECT_EQ(replay.Str("field"), "approval.totp");
  clock_.Advance(30000);
  EXPECT_EQ(
      Void(second, Approval("sam", "sam-password-1", auth::TotpCode(*secret, clock_.NowMs() / 1000))).status,
      200);
}

TEST_F(CashierApiTest, SupervisorsWorkOtherDrawersAndApproveTheirOwnRequestsExplicitly) {
  std::string drawer = OpenDrawer(clerk_, 2000);
  std::string receipt =
      Pay(clerk_, drawer, {Item("MISC", 900)}, {Tender("card", 900, "", "T-42")}).Str("receipt");
  // Another clerk may not use or close this drawer; a supervisor may close it and void from it.
  std::string other = UserToken(admin_, "chris", json::array{"clerk"});
  EXPECT_EQ(Pay(other, drawer, {Item("MISC", 100)}, {Tender("cash", 100)}).Type(), "not-your-drawer");
  EXPECT_EQ(Call("POST", "/api/v1/drawers/" + drawer + "/close", R"({"counted":[]})", other).Type(),
            "not-your-drawer");
  json::object body{{"reason", "duplicate"}};
  EXPECT_EQ(Call("POST", "/api/v1/receipts/" + receipt + "/void", json::serialize(body), supervisor_).Type(),
            "approval-required");
  // A refused approval is not remembered under the request's Idempotency-Key: the corrected request may
  // reuse it, and its answer is the one remembered.
  std::vector<std::pair<std::string, std::string>> key = {{"Idempotency-Key", "void-" + receipt}};
  body["approval"] = Approval("sam", "mistyped-password");
  EXPECT_EQ(
      Call("POST", "/api/v1/receipts/" + receipt + "/void", json::serialize(body), supervisor_, key).Type(),
      "approval-refused");
  body["approval"] = Approval("sam", "sam-password-1");
  Answer voided =
      Call("POST", "/api/v1/receipts/" + receipt + "/void", json::serialize(body), supervisor_, key);
  ASSERT_EQ(voided.status, 200) << json::serialize(voided.body);
  EXPECT_EQ(voided.body.at("void").at("approved_by").as_string(), supervisor_id_);
  Answer replayed =
      Call("POST", "/api/v1/receipts/" + receipt + "/void", json::serialize(body), supervisor_, key);
  EXPECT_EQ(replayed.status, 200);
  EXPECT_EQ(replayed.raw.Header("idempotent-replayed"), "true");
  Answer closed = Call("POST", "/api/v1/drawers/" + drawer + "/close",
                       R"({"counted":[{"denomination_cents":1000,"count":1}]})", supervisor_);
  ASSERT_EQ(closed.status, 200);
  EXPECT_EQ(closed.body.at("over_short_cents").as_int64(), -1000);
  Answer listed = Call("GET", "/api/v1/drawers?clerk=me", {}, clerk_);
  ASSERT_EQ(listed.body.at("items").as_array().size(), 1u);
  EXPECT_EQ(listed.body.at("items").at(0).at("closed_by").as_string(), supervisor_id_);
  EXPECT_EQ(Call("GET", "/api/v1/drawers?status=shut", {}, clerk_).Str("field"), "status");
  EXPECT_EQ(Call("GET", "/api/v1/drawers/d-central-99", {}, clerk_).status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/receipts/r-central-99", {}, clerk_).status, 404);
}

}  // namespace
}  // namespace holdfast::testing
