// The animal-control counter through the HTTP API, as a day at the counter goes: a drawer opened with a
// float, two dogs renewed on one receipt paid by check, another owner paying cash with change, a dog whose
// rabies vaccination has lapsed refused, a void approved by a supervisor, the drawer closed balanced; then
// the node verifies and rebuilds to the same digest. Each refusal the counter must explain is checked on the
// way.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "base/bytes.h"
#include "domain/fees.h"
#include "domain/licenses.h"
#include "domain/parties.h"
#include "domain/pets.h"
#include "licensing_fixture.h"
#include "process.h"

namespace holdfast::testing {
namespace {

class CounterScenarioTest : public LicensingCityTest {
 protected:
  void SetUp() override {
    LicensingCityTest::SetUp();
    supervisor_ = UserToken(admin_, "sam", json::array{"supervisor"});
    // Last year's licenses, issued 320 days ago, so this year's renewals are open now.
    Date issued = today_.AddDays(-320);
    maria_ = Owner("Maria Gonzalez");
    biscuit_ = Dog(maria_, "Biscuit", true, today_.AddYears(2));
    tango_ = Dog(maria_, "Tango", false, today_.AddYears(1).AddDays(100));
    james_ = Owner("James Carter");
    rex_ = Dog(james_, "Rex", true, today_.AddYears(2));
    aisha_ = Owner("Aisha Rahman");
    duke_ = Dog(aisha_, "Duke", true, today_.AddDays(-1));  // lapsed yesterday
    biscuit_license_ = Licensed(biscuit_, 1001, issued);
    tango_license_ = Licensed(tango_, 1002, issued);
    rex_license_ = Licensed(rex_, 1003, issued);
    duke_license_ = Licensed(duke_, 1004, issued);
  }

  static json::object Renew(const std::string& license, int64_t tag = 0) {
    json::object o{{"action", "renew"}, {"license", license}, {"term_years", 1}};
    if (tag) o["tag"] = tag;
    return o;
  }

  Answer Sell(const std::string& drawer, json::array items, json::array tenders) {
    return Call("POST", "/api/v1/counter/sales",
                json::serialize(json::object{{"drawer_id", drawer}, {"items", items}, {"tenders", tenders}}),
                clerk_);
  }

  // The stored event whose hash (lowercase hex) is `hash_hex`: its type, its number's license and its
  // inclusion in the node log as GET /api/v1/log/inclusion proves it, which names the event's hash again.
  struct NamedEvent {
    std::string type, license, proven_hash;
  };
  NamedEvent EventWithHash(const std::string& hash_hex) {
    std::string feed;
    int64_t seq = 0;
    NamedEvent named;
    {
      auto db = node_->Read();
      EXPECT_TRUE(db.ok());
      auto s = (*db)->Prepare("SELECT feed, seq, type, body FROM events WHERE lower(hex(hash))=?");
      (*s)->Bind(1, hash_hex);
      auto row = (*s)->Step();
      if (!row.ok() || !*row) {
        ADD_FAILURE() << "no stored event has the hash " << hash_hex;
        return named;
      }
      feed = (*s)->Text(0);
      seq = (*s)->Int(1);
      named.type = (*s)->Text(2);
      auto body = ParseJson(AsChars((*s)->Blob(3)));
      EXPECT_TRUE(body.ok());
      named.license = StringOr(ObjectOr(body->as_object(), "data"), "number");
    }
    Answer proof = Call("GET", fmt::format("/api/v1/log/inclusion?feed={}&seq={}", feed, seq));
    EXPECT_EQ(proof.status, 200) << json::serialize(proof.body);
    named.proven_hash = proof.Str("event_hash");
    return named;
  }

  std::string supervisor_;
  std::string maria_, james_, aisha_, biscuit_, tango_, rex_, duke_;
  std::string biscuit_license_, tango_license_, rex_license_, duke_license_;
};

TEST_F(CounterScenarioTest, ADayAtTheAnimalControlCounter) {
  // 1. The clerk opens a drawer with a $100.00 float.
  Answer opened = Call("POST", "/api/v1/drawers", R"({"float_cents":10000})", clerk_);
  ASSERT_EQ(opened.status, 201) << json::serialize(opened.body);
  std::string drawer = opened.Str("id");

  // 2. Maria renews her two dogs, one altered and one not, on one receipt paid by check. A short check is
  //    refused first, and nothing of that attempt remains.
  json::array two_dogs{Renew(biscuit_license_, 1010), Renew(tango_license_, 1011)};
  Answer short_check =
      Sell(drawer, two_dogs,
           json::array{json::object{{"kind", "check"}, {"amount_cents", 5000}, {"number", "1234"}}});
  EXPECT_EQ(short_check.status, 422);
  EXPECT_EQ(short_check.Type(), "tender-short");
  EXPECT_NE(short_check.Str("detail").find("5.00"), std::string::npos) << short_check.Str("detail");
  Answer maria =
      Sell(drawer, two_dogs,
           json::array{json::object{{"kind", "check"}, {"amount_cents", 5500}, {"number", "1234"}}});
  ASSERT_EQ(maria.status, 201) << json::serialize(maria.body);
  const json::object& check_receipt = maria.body.at("receipt").as_object();
  EXPECT_EQ(IntOr(check_receipt, "total_cents"), 1500 + 4000);
  EXPECT_EQ(IntOr(check_receipt, "change_cents"), 0);
  EXPECT_EQ(StringOr(check_receipt, "payer_party_id"), maria_);
  ASSERT_EQ(maria.body.at("licenses").as_array().size(), 2u);
  for (const auto& lic : maria.body.at("licenses").as_array()) {
    EXPECT_EQ(StringOr(lic.as_object(), "state"), "active");
    EXPECT_EQ(IntOr(lic.as_object(), "renewals"), 1);
  }
  EXPECT_EQ(maria.raw.Header("location"),
            "/api/v1/receipts/" + std::string(StringOr(check_receipt, "receipt")));

  // The clear refusals: a license renewed twice, a tag already used, a tag outside the office's ranges.
  Answer twice = Sell(drawer, json::array{Renew(biscuit_license_)},
                      json::array{json::object{{"kind", "cash"}, {"amount_cents", 1500}}});
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(twice.Type(), "renewal-too-early");
  EXPECT_EQ(twice.Str("field"), "items[0]");
  Answer used_tag = Sell(drawer, json::array{Renew(rex_license_, 1010)},
                         json::array{json::object{{"kind", "cash"}, {"amount_cents", 1500}}});
  EXPECT_EQ(used_tag.status, 409);
  EXPECT_EQ(used_tag.Type(), "tag-used");
  EXPECT_NE(used_tag.Str("detail").find(biscuit_license_), std::string::npos) << used_tag.Str("detail");
  Answer foreign_tag = Sell(drawer, json::array{Renew(rex_license_, 5001)},
                            json::array{json::object{{"kind", "cash"}, {"amount_cents", 1500}}});
  EXPECT_EQ(foreign_tag.status, 422);
  EXPECT_EQ(foreign_tag.Type(), "tag-outside-ranges");
  EXPECT_EQ(foreign_tag.Str("field"), "items[0].tag");

  // 3. James pays $20.00 cash for Rex and gets $5.00 change.
  Answer james = Sell(drawer, json::array{Renew(rex_license_, 1012)},
                      json::array{json::object{{"kind", "cash"}, {"amount_cents", 2000}}});
  ASSERT_EQ(james.status, 201) << json::serialize(james.body);
  EXPECT_EQ(james.body.at("receipt").at("change_cents").as_int64(), 500);

  // 4. Duke's rabies vaccination lapsed yesterday: his renewal is refused with the reason.
  Answer duke = Sell(drawer, json::array{Renew(duke_license_, 1013)},
                     json::array{json::object{{"kind", "cash"}, {"amount_cents", 1500}}});
  EXPECT_EQ(duke.status, 422);
  EXPECT_EQ(duke.Type(), "rabies-expired");
  EXPECT_NE(duke.Str("detail").find("Duke's rabies vaccination expired on " + today_.AddDays(-1).ToString()),
            std::string::npos)
      << duke.Str("detail");

  // 5. A tag fee rung up by mistake is voided: not without a supervisor, then with one.
  Answer mistake = Call(
      "POST", "/api/v1/payments",
      json::serialize(json::object{
          {"drawer_id", drawer},
          {"items", json::array{json::object{
                        {"code", "TAG-REPL"}, {"description", "Replacement tag"}, {"amount_cents", 500}}}},
          {"tenders", json::array{json::object{{"kind", "cash"}, {"amount_cents", 500}}}}}),
      clerk_);
  ASSERT_EQ(mistake.status, 201) << json::serialize(mistake.body);
  std::string mistaken = mistake.Str("receipt");
  Answer no_supervisor =
      Call("POST", "/api/v1/receipts/" + mistaken + "/void", R"({"reason":"rung up by mistake"})", clerk_);
  EXPECT_EQ(no_supervisor.status, 403);
  EXPECT_EQ(no_supervisor.Type(), "approval-required");
  Answer voided = Call("POST", "/api/v1/receipts/" + mistaken + "/void",
                       json::serialize(json::object{
                           {"reason", "rung up by mistake"},
                           {"approval", json::object{{"username", "sam"}, {"password", "sam-password-1"}}}}),
                       clerk_);
  ASSERT_EQ(voided.status, 200) << json::serialize(voided.body);

  // 6. The drawer closes balanced: $100.00 float + $20.00 cash − $5.00 change = $115.00 counted.
  Answer closed =
      Call("POST", "/api/v1/drawers/" + drawer + "/close",
           R"({"counted":[{"denomination_cents":10000,"count":1},{"denomination_cents":1000,"count":1},
                                      {"denomination_cents":500,"count":1}]})",
           clerk_);
  ASSERT_EQ(closed.status, 200) << json::serialize(closed.body);
  EXPECT_EQ(closed.body.at("expected_cash_cents").as_int64(), 11500);
  EXPECT_EQ(closed.body.at("over_short_cents").as_int64(), 0);
  // The close-out totals equal the receipts, to the cent.
  Answer report = Call("GET", "/api/v1/drawers/" + drawer + "/report", {}, clerk_);
  ASSERT_EQ(report.status, 200);
  int64_t receipts = 0;
  for (const json::value* r : {&maria.body.at("receipt"), &james.body.at("receipt")}) {
    Answer stored = Call("GET", "/api/v1/receipts/" + std::string(r->at("receipt").as_string()), {}, clerk_);
    receipts += stored.body.at("total_cents").as_int64();
  }
  EXPECT_EQ(report.body.at("receipts").at("total_cents").as_int64(), receipts);
  EXPECT_EQ(report.body.at("net_cents").as_int64(), receipts);
  int64_t by_code = 0, by_tender = 0;
  for (const auto& row : report.body.at("by_fee_code").as_array())
    by_code += row.at("amount_cents").as_int64();
  for (const auto& row : report.body.at("by_tender").as_array()) {
    by_tender += row.at("received_cents").as_int64();  // cash: tendered less change
  }
  EXPECT_EQ(by_code, receipts);
  EXPECT_EQ(by_tender, receipts);

  // 7. A license is voided only with a supervisor's approval.
  Answer void_license =
      Call("POST", "/api/v1/licenses/" + rex_license_ + "/void", R"({"reason":"owner moved away"})", clerk_);
  EXPECT_EQ(void_license.Type(), "approval-required");
  Answer license_voided =
      Call("POST", "/api/v1/licenses/" + rex_license_ + "/void",
           json::serialize(
               json::object{{"reason", "owner moved away"},
                            {"approval", json::object{{"username", "sam"}, {"password", "sam-password-1"}}}}),
           clerk_);
  ASSERT_EQ(license_voided.status, 200) << json::serialize(license_voided.body);
  EXPECT_EQ(license_voided.Str("state"), "voided");

  // 8. The record holds: verify finds nothing, and a rebuild reproduces the same state.
  ExpectVerifiedAndRebuiltAlike();
}

TEST_F(CounterScenarioTest, ALicenseNamesTheEventThatLastChangedIt) {
  Answer opened = Call("POST", "/api/v1/drawers", R"({"float_cents":0})", clerk_);
  ASSERT_EQ(opened.status, 201) << json::serialize(opened.body);
  const std::string drawer = opened.Str("id");
  auto license = [&](const std::string& number) {
    Answer a = Call("GET", "/api/v1/licenses/" + number, {}, clerk_);
    EXPECT_EQ(a.status, 200) << json::serialize(a.body);
    return a;
  };

  // As issued: the license.issued event.
  const std::string issued = license(rex_license_).Str("event_hash");
  NamedEvent first = EventWithHash(issued);
  EXPECT_EQ(first.type, "license.issued");
  EXPECT_EQ(first.license, rex_license_);
  EXPECT_EQ(first.proven_hash, issued);

  // Renewed at the counter: the renewal's event, not the issue's and not the payment's.
  Answer sale = Sell(drawer, json::array{Renew(rex_license_, 1020)},
                     json::array{json::object{{"kind", "cash"}, {"amount_cents", 1500}}});
  ASSERT_EQ(sale.status, 201) << json::serialize(sale.body);
  const json::object& answered = sale.body.at("licenses").as_array().at(0).as_object();
  const std::string renewed = std::string(StringOr(answered, "event_hash"));
  EXPECT_NE(renewed, issued);
  EXPECT_NE(renewed, std::string(StringOr(sale.body.at("receipt").as_object(), "event_hash")));
  EXPECT_EQ(license(rex_license_).Str("event_hash"), renewed);
  NamedEvent second = EventWithHash(renewed);
  EXPECT_EQ(second.type, "license.renewed");
  EXPECT_EQ(second.license, rex_license_);
  EXPECT_EQ(second.proven_hash, renewed);
  // The license it did not touch still names its own issue.
  EXPECT_EQ(EventWithHash(license(tango_license_).Str("event_hash")).license, tango_license_);

  // Voided: the void's event, in the command's answer, the read and the pet's list alike.
  Answer voided = Call("POST", "/api/v1/licenses/" + rex_license_ + "/void",
                       json::serialize(json::object{
                           {"reason", "owner moved away"},
                           {"approval", json::object{{"username", "sam"}, {"password", "sam-password-1"}}}}),
                       clerk_);
  ASSERT_EQ(voided.status, 200) << json::serialize(voided.body);
  const std::string void_hash = voided.Str("event_hash");
  EXPECT_EQ(EventWithHash(void_hash).type, "license.voided");
  EXPECT_EQ(license(rex_license_).Str("event_hash"), void_hash);
  Answer of_pet = Call("GET", "/api/v1/pets/" + rex_ + "/licenses", {}, clerk_);
  ASSERT_EQ(of_pet.status, 200);
  ASSERT_EQ(of_pet.body.at("items").as_array().size(), 1u);
  EXPECT_EQ(StringOr(of_pet.body.at("items").as_array()[0].as_object(), "event_hash"), void_hash);

  // A rebuild from the journal gives every license the same hash again.
  Stop();
  std::string before = Digest();
  RunResult rebuilt = RunHoldfast({"rebuild", "--data", dir_.path()});
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.Describe();
  EXPECT_EQ(Digest(), before);
  RunResult verify = RunHoldfast({"verify", "--data", dir_.path()});
  EXPECT_EQ(verify.exit_code, 0) << verify.Describe();
}

TEST_F(CounterScenarioTest, VoidingASaleUndoesWhatItPaidFor) {
  Answer opened = Call("POST", "/api/v1/drawers", R"({"float_cents":0})", clerk_);
  ASSERT_EQ(opened.status, 201) << json::serialize(opened.body);
  const std::string drawer = opened.Str("id");
  const json::array cash{json::object{{"kind", "cash"}, {"amount_cents", 20000}}};
  auto get = [&](const std::string& path) {
    Answer a = Call("GET", path, {}, clerk_);
    EXPECT_EQ(a.status, 200) << path << ": " << json::serialize(a.body);
    return a;
  };
  auto void_receipt = [&](const std::string& receipt) {
    return Call("POST", "/api/v1/receipts/" + receipt + "/void",
                json::serialize(json::object{
                    {"reason", "keyed on the wrong account"},
                    {"approval", json::object{{"username", "sam"}, {"password", "sam-password-1"}}}}),
                clerk_);
  };
  const std::string pepper = Dog(maria_, "Pepper", true, today_.AddYears(2));
  Answer biscuit_before = get("/api/v1/licenses/" + biscuit_license_);

  // One sale renews Biscuit with a new tag, licenses Pepper and transfers Tango to James.
  Answer sale = Sell(
      drawer,
      json::array{Renew(biscuit_license_, 1010),
                  json::object{{"action", "issue"}, {"pet_id", pepper}, {"term_years", 1}, {"tag", 1011}},
                  json::object{{"action", "transfer"}, {"license", tango_license_}, {"to_party_id", james_}}},
      cash);
  ASSERT_EQ(sale.status, 201) << json::serialize(sale.body);
  const std::string receipt = std::string(StringOr(sale.body.at("receipt").as_object(), "receipt"));
  const std::string pepper_license =
      std::string(StringOr(sale.body.at("licenses").as_array().at(1).as_object(), "number"));
  EXPECT_EQ(get("/api/v1/pets/" + tango_).Str("owner_party_id"), james_);

  // Voided: every change the receipt paid for is undone, in the same command as the void.
  Answer voided = void_receipt(receipt);
  ASSERT_EQ(voided.status, 200) << json::serialize(voided.body);
  EXPECT_EQ(voided.Str("status"), "voided");
  Answer biscuit = get("/api/v1/licenses/" + biscuit_license_);
  EXPECT_EQ(biscuit.Str("expires_on"), biscuit_before.Str("expires_on"));
  EXPECT_EQ(biscuit.Str("starts_on"), biscuit_before.Str("starts_on"));
  EXPECT_EQ(biscuit.body.at("tag").as_int64(), 1001);
  EXPECT_EQ(biscuit.body.at("renewals").as_int64(), 0);
  EXPECT_EQ(get("/api/v1/tags/1010").Str("status"), "spoiled");
  Answer pepper_lic = get("/api/v1/licenses/" + pepper_license);
  EXPECT_EQ(pepper_lic.Str("state"), "voided");
  EXPECT_NE(pepper_lic.Str("void_reason").find(receipt), std::string::npos) << pepper_lic.Str("void_reason");
  EXPECT_EQ(get("/api/v1/tags/1011").Str("status"), "spoiled");
  EXPECT_EQ(get("/api/v1/licenses/" + tango_license_).Str("owner_party_id"), maria_);
  EXPECT_EQ(get("/api/v1/pets/" + tango_).Str("owner_party_id"), maria_);

  // Biscuit's renewal is open again, and Pepper can be licensed again.
  Answer again = Sell(
      drawer,
      json::array{Renew(biscuit_license_, 1012),
                  json::object{{"action", "issue"}, {"pet_id", pepper}, {"term_years", 1}, {"tag", 1013}}},
      cash);
  ASSERT_EQ(again.status, 201) << json::serialize(again.body);
  EXPECT_EQ(get("/api/v1/licenses/" + biscuit_license_).body.at("renewals").as_int64(), 1);

  // A sale whose license changed afterwards is not voided: the later change would be lost with it.
  Answer rex_sale = Sell(drawer, json::array{Renew(rex_license_)}, cash);
  ASSERT_EQ(rex_sale.status, 201) << json::serialize(rex_sale.body);
  Answer rex_tag =
      Sell(drawer,
           json::array{json::object{
               {"action", "replace_tag"}, {"license", rex_license_}, {"tag", 1014}, {"reason", "lost"}}},
           cash);
  ASSERT_EQ(rex_tag.status, 201) << json::serialize(rex_tag.body);
  const std::string rex_receipt = std::string(StringOr(rex_sale.body.at("receipt").as_object(), "receipt"));
  Answer refused = void_receipt(rex_receipt);
  EXPECT_EQ(refused.status, 409) << json::serialize(refused.body);
  EXPECT_EQ(refused.Type(), "license-changed-since-sale");
  EXPECT_NE(refused.Str("detail").find(rex_license_), std::string::npos) << refused.Str("detail");
  EXPECT_EQ(get("/api/v1/receipts/" + rex_receipt).Str("status"), "paid");
  EXPECT_EQ(get("/api/v1/licenses/" + rex_license_).body.at("renewals").as_int64(), 1);
  // Undoing the later sale first makes the earlier one voidable.
  ASSERT_EQ(void_receipt(std::string(StringOr(rex_tag.body.at("receipt").as_object(), "receipt"))).status,
            200);
  EXPECT_EQ(get("/api/v1/licenses/" + rex_license_).body.at("tag").as_int64(), 1003);
  ASSERT_EQ(void_receipt(rex_receipt).status, 200);
  EXPECT_EQ(get("/api/v1/licenses/" + rex_license_).body.at("renewals").as_int64(), 0);

  // The journal holds all of it: verify passes and a rebuild reproduces the same state.
  ExpectVerifiedAndRebuiltAlike();
}

TEST_F(CounterScenarioTest, AReturnedCheckMakesTheRenewalOwedAgainAndLeavesTheDepositAsClosedOut) {
  Answer opened = Call("POST", "/api/v1/drawers", R"({"float_cents":0})", clerk_);
  ASSERT_EQ(opened.status, 201) << json::serialize(opened.body);
  const std::string drawer = opened.Str("id");
  auto tender = [](const std::string& kind, int64_t cents, const std::string& number = {}) {
    json::object t{{"kind", kind}, {"amount_cents", cents}};
    if (!number.empty()) t["number"] = number;
    return t;
  };
  auto receipt_of = [](const Answer& sale) {
    return std::string(StringOr(sale.body.at("receipt").as_object(), "receipt"));
  };
  auto get = [&](const std::string& path) {
    Answer a = Call("GET", path, {}, clerk_);
    EXPECT_EQ(a.status, 200) << path << ": " << json::serialize(a.body);
    return a;
  };
  auto returned = [&](const std::string& receipt, const std::string& token,
                      const std::string& reason = "insufficient funds") {
    return Call("POST", "/api/v1/receipts/" + receipt + "/returned-check",
                json::serialize(json::object{{"reason", reason}}), token);
  };
  const Answer rex_before = get("/api/v1/licenses/" + rex_license_);

  // Rex renewed by check, Biscuit by cash, Tango by check and cash; then the drawer closes balanced.
  Answer rex = Sell(drawer, json::array{Renew(rex_license_)}, json::array{tender("check", 1500, "5150")});
  ASSERT_EQ(rex.status, 201) << json::serialize(rex.body);
  Answer biscuit = Sell(drawer, json::array{Renew(biscuit_license_)}, json::array{tender("cash", 1500)});
  ASSERT_EQ(biscuit.status, 201) << json::serialize(biscuit.body);
  Answer tango = Sell(drawer, json::array{Renew(tango_license_)},
                      json::array{tender("check", 2000, "77"), tender("cash", 2000)});
  ASSERT_EQ(tango.status, 201) << json::serialize(tango.body);
  ASSERT_EQ(get("/api/v1/licenses/" + rex_license_).body.at("renewals").as_int64(), 1);
  Answer closed = Call(
      "POST", "/api/v1/drawers/" + drawer + "/close",
      R"({"counted":[{"denomination_cents":1000,"count":3},{"denomination_cents":500,"count":1}]})", clerk_);
  ASSERT_EQ(closed.status, 200) << json::serialize(closed.body);
  const json::value report = get("/api/v1/drawers/" + drawer + "/report").body;
  EXPECT_EQ(report.at("over_short_cents").as_int64(), 0) << json::serialize(report);

  // Days later the bank returns Rex's check. Only a supervisor records it, and says why.
  const std::string rex_receipt = receipt_of(rex);
  EXPECT_EQ(returned(rex_receipt, clerk_).status, 403);
  Answer blank = returned(rex_receipt, supervisor_, " ");
  EXPECT_EQ(blank.status, 422) << json::serialize(blank.body);
  EXPECT_EQ(blank.Str("field"), "reason");
  EXPECT_EQ(returned("r-nowhere-1", supervisor_).status, 404);
  Answer recorded = returned(rex_receipt, supervisor_);
  ASSERT_EQ(recorded.status, 200) << json::serialize(recorded.body);
  EXPECT_EQ(recorded.Str("status"), "check-returned");
  EXPECT_EQ(recorded.body.at("refundable_cents").as_int64(), 0);
  const json::object& ret = recorded.body.at("returned_check").as_object();
  EXPECT_EQ(StringOr(ret, "reason"), "insufficient funds");
  EXPECT_EQ(StringOr(ret, "returned_on"), today_.ToString());
  EXPECT_FALSE(StringOr(ret, "returned_by").empty());

  // The renewal it paid for is undone: Rex's license runs to its old expiry, and is owed again.
  Answer rex_after = get("/api/v1/licenses/" + rex_license_);
  EXPECT_EQ(rex_after.Str("expires_on"), rex_before.Str("expires_on"));
  EXPECT_EQ(rex_after.body.at("renewals").as_int64(), 0);
  // The drawer's close-out stays what was deposited.
  EXPECT_EQ(json::serialize(get("/api/v1/drawers/" + drawer + "/report").body), json::serialize(report));

  // Recorded once; neither voided nor refunded afterwards.
  Answer twice = returned(rex_receipt, supervisor_);
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(twice.Type(), "check-returned");
  Answer refund = Call("POST", "/api/v1/receipts/" + rex_receipt + "/refunds",
                       json::serialize(json::object{
                           {"amount_cents", 1500},
                           {"drawer_id", drawer},
                           {"tender_kind", "check"},
                           {"reason", "asked for it back"},
                           {"approval", json::object{{"username", "sam"}, {"password", "sam-password-1"}}}}),
                       clerk_);
  EXPECT_EQ(refund.status, 409) << json::serialize(refund.body);
  EXPECT_EQ(refund.Type(), "check-returned");
  Answer void_after =
      Call("POST", "/api/v1/receipts/" + rex_receipt + "/void",
           json::serialize(
               json::object{{"reason", "rang up twice"},
                            {"approval", json::object{{"username", "sam"}, {"password", "sam-password-1"}}}}),
           clerk_);
  EXPECT_EQ(void_after.status, 409) << json::serialize(void_after.body);
  EXPECT_EQ(void_after.Type(), "check-returned");

  // Only a receipt paid wholly by check has a check to return; those stay as they were.
  for (const Answer* sale : {&biscuit, &tango}) {
    Answer refused = returned(receipt_of(*sale), supervisor_);
    EXPECT_EQ(refused.status, 409) << json::serialize(refused.body);
    EXPECT_EQ(refused.Type(), "not-paid-by-check");
    EXPECT_EQ(get("/api/v1/receipts/" + receipt_of(*sale)).Str("status"), "paid");
  }
  EXPECT_EQ(get("/api/v1/licenses/" + tango_license_).body.at("renewals").as_int64(), 1);

  // James pays again, in cash, at a new drawer: the renewal is open to him again.
  Answer reopened = Call("POST", "/api/v1/drawers", R"({"float_cents":0})", clerk_);
  ASSERT_EQ(reopened.status, 201);
  Answer paid = Sell(reopened.Str("id"), json::array{Renew(rex_license_)}, json::array{tender("cash", 1500)});
  ASSERT_EQ(paid.status, 201) << json::serialize(paid.body);
  EXPECT_EQ(get("/api/v1/licenses/" + rex_license_).body.at("renewals").as_int64(), 1);

  // A check payment voided, or refunded in part, has no check left to return.
  const json::object approval{{"username", "sam"}, {"password", "sam-password-1"}};
  auto misc_by_check = [&](const std::string& number) {
    Answer a = Call(
        "POST", "/api/v1/payments",
        json::serialize(json::object{
            {"drawer_id", reopened.Str("id")},
            {"items", json::array{json::object{
                          {"code", "MISC"}, {"description", "Copy of a record"}, {"amount_cents", 800}}}},
            {"tenders", json::array{tender("check", 800, number)}}}),
        clerk_);
    EXPECT_EQ(a.status, 201) << json::serialize(a.body);
    return a.Str("receipt");
  };
  const std::string voided = misc_by_check("7001"), refunded = misc_by_check("7002");
  ASSERT_EQ(Call("POST", "/api/v1/receipts/" + voided + "/void",
                 json::serialize(json::object{{"reason", "wrong record"}, {"approval", approval}}), clerk_)
                .status,
            200);
  ASSERT_EQ(Call("POST", "/api/v1/receipts/" + refunded + "/refunds",
                 json::serialize(json::object{{"amount_cents", 300},
                                              {"drawer_id", reopened.Str("id")},
                                              {"tender_kind", "check"},
                                              {"reason", "two copies only"},
                                              {"approval", approval}}),
                 clerk_)
                .status,
            201);
  EXPECT_EQ(returned(voided, supervisor_).Type(), "already-voided");
  EXPECT_EQ(returned(refunded, supervisor_).Type(), "receipt-refunded");

  // Pepper's renewal was paid by check, then her tag replaced: the renewal cannot be undone under the later
  // change. The bank's return is recorded all the same, and queued for a supervisor.
  const std::string pepper =
      Licensed(Dog(maria_, "Pepper", true, today_.AddYears(2)), 1020, today_.AddDays(-320));
  Answer pepper_sale =
      Sell(reopened.Str("id"), json::array{Renew(pepper)}, json::array{tender("check", 1500, "6060")});
  ASSERT_EQ(pepper_sale.status, 201) << json::serialize(pepper_sale.body);
  Answer retagged =
      Sell(reopened.Str("id"),
           json::array{json::object{
               {"action", "replace_tag"}, {"license", pepper}, {"tag", 1021}, {"reason", "lost"}}},
           json::array{tender("cash", 500)});
  ASSERT_EQ(retagged.status, 201) << json::serialize(retagged.body);
  Answer unreversed = returned(receipt_of(pepper_sale), supervisor_, "stop payment");
  ASSERT_EQ(unreversed.status, 200) << json::serialize(unreversed.body);
  EXPECT_EQ(unreversed.Str("status"), "check-returned");
  const json::object& how = unreversed.body.at("returned_check").as_object();
  EXPECT_FALSE(BoolOr(how, "reversed"));
  EXPECT_NE(StringOr(how, "not_reversed").find(pepper), std::string::npos) << json::serialize(how);
  EXPECT_EQ(get("/api/v1/licenses/" + pepper).body.at("renewals").as_int64(), 1);
  Answer queue = Call("GET", "/api/v1/conflicts", {}, supervisor_);
  ASSERT_EQ(queue.status, 200) << json::serialize(queue.body);
  int queued = 0;
  for (const auto& c : queue.body.at("items").as_array()) {
    if (c.at("kind").as_string() != "returned-check-not-reversed") continue;
    ++queued;
    EXPECT_NE(std::string(c.at("summary").as_string()).find(receipt_of(pepper_sale)), std::string::npos);
  }
  EXPECT_EQ(queued, 1) << json::serialize(queue.body);

  // Finance lists the month's returned checks to offset them against the deposits.
  Answer month = get("/api/v1/returned-checks");
  EXPECT_EQ(month.body.at("count").as_int64(), 2) << json::serialize(month.body);
  EXPECT_EQ(month.body.at("total_cents").as_int64(), 1500 + 1500);
  EXPECT_EQ(month.body.at("to").as_string(), today_.ToString());
  EXPECT_EQ(month.body.at("from").as_string(), today_.AddDays(-29).ToString()) << "30 days, today's included";
  const json::array& listed = month.body.at("items").as_array();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(json::value_to<std::string>(listed[0].at("receipt")),
            std::min(rex_receipt, receipt_of(pepper_sale)));
  EXPECT_EQ(get("/api/v1/returned-checks?from=" + today_.AddDays(-40).ToString() +
                "&to=" + today_.AddDays(-1).ToString())
                .body.at("count")
                .as_int64(),
            0);
  Answer backwards = Call(
      "GET", "/api/v1/returned-checks?from=" + today_.ToString() + "&to=" + today_.AddDays(-1).ToString(), {},
      clerk_);
  EXPECT_EQ(backwards.status, 422);
  EXPECT_EQ(backwards.Str("field"), "from");
  EXPECT_EQ(Call("GET", "/api/v1/returned-checks?to=tomorrow", {}, clerk_).Str("field"), "to");

  ExpectVerifiedAndRebuiltAlike();
}

}  // namespace
}  // namespace holdfast::testing
