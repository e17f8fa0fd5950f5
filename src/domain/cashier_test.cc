#include "domain/cashier.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "domain/parties.h"
#include "domain/registry.h"
#include "store/journal.h"
#include "store/node.h"
#include "test_support.h"

namespace holdfast::domain {
namespace {

const char kClerkA[] = "u-n1-2";
const char kClerkB[] = "u-n1-3";
const char kClerkC[] = "u-n1-4";
const char kSupervisor[] = "u-n1-9";

template <typename T>
std::string TypeOf(const Result<T>& r) {
  return r.ok() ? "ok" : std::string(r.error().Type());
}

FeeLine Line(std::string code, Cents amount, std::string ref = {}) {
  return FeeLine{code, "Fee " + code, amount, std::move(ref)};
}
Tender Cash(Cents amount) { return Tender{"cash", amount, "", ""}; }
Tender Check(Cents amount, std::string number = "1001") { return Tender{"check", amount, number, ""}; }
Tender Card(Cents amount, std::string reference = "T-778899") {
  return Tender{"card", amount, "", reference};
}
Tender MoneyOrder(Cents amount) { return Tender{"money_order", amount, "MO-5", ""}; }

class CashierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KeyPair key = GenerateSigningKey();
    ASSERT_TRUE(store::Node::Create(dir_.path(), "Testville", "n1", NodeRegistry(), key).ok());
    auto node = store::Node::Open(dir_.path(), NodeRegistry(), {&clock_});
    ASSERT_TRUE(node.ok()) << node.status().ToString();
    node_ = std::move(*node);
    auto party = Run([](store::CommandContext& ctx) {
      PartyInput in;
      in.kind = "person";
      in.name = "Pat Payer";
      return CreateParty(ctx, in, kClerkA);
    });
    ASSERT_TRUE(party.ok()) << party.status().ToString();
    party_ = std::string(StringOr(*party, "id"));
  }

  // Runs `f` as one command on the node's writer.
  template <typename F>
  Result<json::object> Run(F f) {
    auto r = node_->writer().Execute([&f](store::CommandContext& ctx) -> Result<json::value> {
      HF_ASSIGN_OR_RETURN(json::object o, f(ctx));
      return json::value(std::move(o));
    });
    if (!r.ok()) return r.error();
    return r->as_object();
  }

  Result<json::object> Open(const std::string& clerk, Cents float_cents) {
    return Run([&](store::CommandContext& ctx) { return OpenDrawer(ctx, {float_cents, clerk}, clerk); });
  }
  std::string MustOpen(const std::string& clerk, Cents float_cents) {
    auto d = Open(clerk, float_cents);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? std::string(StringOr(*d, "id")) : "";
  }
  Result<json::object> Pay(const std::string& drawer, const std::string& clerk, std::vector<FeeLine> items,
                           std::vector<Tender> tenders, std::string payer = {}) {
    PaymentRequest p{drawer, std::move(payer), std::move(items), std::move(tenders), clerk};
    clock_.Advance(1000);
    return Run([&](store::CommandContext& ctx) { return TakePayment(ctx, p, clerk); });
  }
  Result<json::object> Void(const std::string& receipt, const std::string& actor,
                            const std::string& approver = kSupervisor) {
    clock_.Advance(1000);
    return Run([&](store::CommandContext& ctx) {
      return VoidPayment(ctx, {receipt, "keyed twice", approver, false}, actor);
    });
  }
  Result<json::object> Refund(const std::string& receipt, Cents amount, const std::string& drawer,
                              const std::string& kind, const std::string& actor,
                              const std::string& approver = kSupervisor) {
    clock_.Advance(1000);
    return Run([&](store::CommandContext& ctx) {
      return RefundPayment(ctx, {receipt, amount, drawer, kind, "returned", approver}, actor);
    });
  }
  Result<json::object> Close(const std::string& drawer, const std::string& actor,
                             std::vector<CashCount> counted, bool any_clerk = false) {
    clock_.Advance(1000);
    return Run([&](store::CommandContext& ctx) {
      return CloseDrawer(ctx, {drawer, std::move(counted), any_clerk}, actor);
    });
  }
  json::object Report(const std::string& drawer) {
    auto db = node_->Read();
    EXPECT_TRUE(db.ok());
    auto r = DrawerReport(**db, drawer);
    EXPECT_TRUE(r.ok() && r->has_value());
    return r.ok() && *r ? **r : json::object{};
  }
  json::object Receipt(const std::string& number) {
    auto db = node_->Read();
    auto r = GetReceipt(**db, number);
    EXPECT_TRUE(r.ok() && r->has_value()) << number;
    return r.ok() && *r ? **r : json::object{};
  }
  Cents ExpectedCash(const std::string& drawer) {
    auto db = node_->Read();
    auto d = GetDrawer(**db, drawer);
    EXPECT_TRUE(d.ok() && d->has_value());
    return IntOr(**d, "expected_cash_cents");
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<store::Node> node_;
  std::string party_;
};

// Bills and coins adding up to `cents`, largest first.
std::vector<CashCount> CountOut(Cents cents) {
  std::vector<CashCount> out;
  for (Cents d : {10000, 5000, 2000, 1000, 500, 200, 100, 50, 25, 10, 5, 1}) {
    if (cents >= d) {
      out.push_back({d, d >= 100 ? "bill" : "coin", cents / d});
      cents %= d;
    }
  }
  return out;
}

const json::object& Find(const json::array& rows, std::string_view key, std::string_view value) {
  static const json::object kNone;
  for (const auto& r : rows) {
    if (r.is_object() && StringOr(r.get_object(), key) == value) return r.get_object();
  }
  return kNone;
}

TEST_F(CashierTest, OneReceiptPaysSeveralItemsWithSplitTendersAndCashChange) {
  std::string drawer = MustOpen(kClerkA, 10000);
  auto r = Pay(drawer, kClerkA, {Line("DOG-ALT-1", 1500, "L-1"), Line("DOG-ALT-1", 1500, "L-2")},
               {Card(1000), Cash(5000)}, party_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(StringOr(*r, "receipt"), "r-n1-1");
  EXPECT_EQ(IntOr(*r, "total_cents"), 3000);
  EXPECT_EQ(IntOr(*r, "change_cents"), 3000);
  EXPECT_EQ(StringOr(*r, "status"), "paid");
  EXPECT_EQ(StringOr(*r, "payer_party_id"), party_);
  ASSERT_EQ(ArrayOr(*r, "items").size(), 2u);
  EXPECT_EQ(StringOr(ArrayOr(*r, "items")[1].as_object(), "ref"), "L-2");
  ASSERT_EQ(ArrayOr(*r, "tenders").size(), 2u);
  EXPECT_EQ(StringOr(ArrayOr(*r, "tenders")[0].as_object(), "reference"), "T-778899");
  // Float 100.00 + cash 50.00 - change 30.00.
  EXPECT_EQ(ExpectedCash(drawer), 12000);
  EXPECT_EQ(StringOr(*Pay(drawer, kClerkA, {Line("MISC", 250)}, {Cash(250)}), "receipt"), "r-n1-2");
}

// A payment answers with its receipt as the fold stores it: what the clerk prints is what a later lookup
// shows.
TEST_F(CashierTest, PaymentAnswersTheReceiptAsStored) {
  std::string drawer = MustOpen(kClerkA, 500);
  auto a = Pay(drawer, kClerkA, {Line("DOG-ALT-1", 1500, "L-1"), Line("LATE", 1000, "L-1")},
               {Check(1200, "4411"), Card(800), MoneyOrder(300), Cash(500)}, party_);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(json::serialize(*a), json::serialize(Receipt(std::string(StringOr(*a, "receipt")))));
  auto b = Pay(drawer, kClerkA, {Line("MISC", 250)}, {Cash(1000)});  // no payer, change due
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(IntOr(*b, "change_cents"), 750);
  EXPECT_EQ(json::serialize(*b), json::serialize(Receipt(std::string(StringOr(*b, "receipt")))));
}

TEST_F(CashierTest, TendersMustCoverTheTotalAndOnlyCashGivesChange) {
  std::string drawer = MustOpen(kClerkA, 0);
  auto short_tender = Pay(drawer, kClerkA, {Line("DOG-ALT-1", 1500), Line("LATE", 1000)}, {Cash(2000)});
  ASSERT_EQ(TypeOf(short_tender), "tender-short");
  EXPECT_EQ(short_tender.error().code, Code::kInvalid);
  EXPECT_NE(short_tender.error().detail.find("5.00 is still due"), std::string::npos)
      << short_tender.error().detail;
  EXPECT_EQ(TypeOf(Pay(drawer, kClerkA, {Line("MISC", 1000)}, {Check(1200)})), "change-only-from-cash");
  EXPECT_EQ(TypeOf(Pay(drawer, kClerkA, {Line("MISC", 1000)}, {Card(600), Check(600)})),
            "change-only-from-cash");
  EXPECT_EQ(TypeOf(Pay(drawer, kClerkA, {Line("MISC", 1000)}, {Card(600), Cash(600)})), "ok");
  EXPECT_EQ(TypeOf(Pay(drawer, kClerkA, {Line("MISC", 1000)}, {Check(1000, "")})), "validation");
  EXPECT_EQ(TypeOf(Pay(drawer, kClerkA, {Line("MISC", 1000)}, {Card(1000, "")})), "validation");
  EXPECT_EQ(TypeOf(Pay(drawer, kClerkA, {}, {})), "validation");
  EXPECT_EQ(TypeOf(Pay(drawer, kClerkA, {Line("MISC", 500), Line("DISC", -600)}, {})), "validation");
  EXPECT_EQ(TypeOf(Pay(drawer, kClerkA, {Line("misc", 500)}, {Cash(500)})), "validation");
  // A receipt of nothing due (an exempt license) needs no tender.
  EXPECT_EQ(TypeOf(Pay(drawer, kClerkA, {Line("DOG-SVC", 1500), Line("EXEMPT", -1500)}, {})), "ok");
  EXPECT_EQ(TypeOf(Pay(drawer, kClerkA, {Line("MISC", 500)}, {Cash(500)}, "p-n1-404")), "not-found");
  // Refused payments took no receipt number.
  auto next = Pay(drawer, kClerkA, {Line("MISC", 100)}, {MoneyOrder(100)});
  EXPECT_EQ(StringOr(*next, "receipt"), "r-n1-3");
}

TEST_F(CashierTest, ParseTendersNamesTheFieldAtFault) {
  auto parse = [](std::string_view text) { return ParseTenders(*ParseJson(text)); };
  EXPECT_TRUE(
      parse(R"([{"kind":"cash","amount_cents":500},{"kind":"check","amount_cents":100,"number":"7"}])").ok());
  auto no_number = parse(R"([{"kind":"cash","amount_cents":500},{"kind":"check","amount_cents":100}])");
  ASSERT_FALSE(no_number.ok());
  EXPECT_EQ(no_number.error().field, "tenders[1].number");
  auto card_number =
      parse(R"([{"kind":"card","amount_cents":100,"number":"4111111111111111","reference":"x"}])");
  EXPECT_EQ(card_number.error().field, "tenders[0].number");
  EXPECT_EQ(parse(R"([{"kind":"bitcoin","amount_cents":100}])").error().field, "tenders[0].kind");
  EXPECT_EQ(parse(R"([{"kind":"cash","amount_cents":0}])").error().field, "tenders[0].amount_cents");
  EXPECT_EQ(parse(R"([{"kind":"cash","amount_cents":1.5}])").error().field, "tenders[0].amount_cents");
  EXPECT_EQ(parse(R"([{"kind":"cash","amount_cents":100,"tip":1}])").error().field, "tenders[0].tip");
  EXPECT_EQ(parse(R"([{"kind":"cash","amount_cents":100},7])").error().field, "tenders[1]");
  EXPECT_EQ(parse(R"({"kind":"cash"})").error().field, "tenders");
  auto items = ParseFeeLines(*ParseJson(R"([{"code":"DOG","description":"Dog","amount_cents":100},{}])"));
  EXPECT_EQ(items.error().field, "items[1].code");
}

TEST_F(CashierTest, CashCountsTakeOnlyRealDenominations) {
  auto parse = [](std::string_view text) { return ParseCashCounts(*ParseJson(text)); };
  auto ok = parse(R"([{"denomination_cents":100,"count":3},{"denomination_cents":100,"form":"coin","count":2},
                      {"denomination_cents":25,"count":4}])");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)[0].form, "bill");
  EXPECT_EQ((*ok)[1].form, "coin");
  EXPECT_EQ((*ok)[2].form, "coin");
  EXPECT_EQ(parse(R"([{"denomination_cents":300,"count":1}])").error().field,
            "counted[0].denomination_cents");
  EXPECT_EQ(parse(R"([{"denomination_cents":500,"form":"coin","count":1}])").error().field,
            "counted[0].denomination_cents");
  EXPECT_EQ(parse(R"([{"denomination_cents":5,"count":1},{"denomination_cents":5,"count":2}])").error().field,
            "counted[1].denomination_cents");
  EXPECT_EQ(parse(R"([{"denomination_cents":5,"count":-1}])").error().field, "counted[0].count");
  EXPECT_EQ(parse(R"([{"denomination_cents":5,"count":1,"form":"roll"}])").error().field, "counted[0].form");
}

TEST_F(CashierTest, DrawersBelongToTheirClerk) {
  std::string a = MustOpen(kClerkA, 5000);
  EXPECT_EQ(TypeOf(Open(kClerkA, 0)), "drawer-already-open");
  EXPECT_EQ(TypeOf(Open(kClerkB, -1)), "validation");
  std::string b = MustOpen(kClerkB, 0);
  EXPECT_EQ(TypeOf(Pay(a, kClerkB, {Line("MISC", 100)}, {Cash(100)})), "not-your-drawer");
  EXPECT_EQ(TypeOf(Pay("d-n1-99", kClerkB, {Line("MISC", 100)}, {Cash(100)})), "not-found");
  EXPECT_EQ(TypeOf(Close(a, kClerkB, {})), "not-your-drawer");
  auto closed = Close(a, kSupervisor, CountOut(5000), /*any_clerk=*/true);
  ASSERT_TRUE(closed.ok()) << closed.status().ToString();
  EXPECT_EQ(StringOr(ObjectOr(*closed, "drawer"), "closed_by"), kSupervisor);
  EXPECT_EQ(IntOr(*closed, "over_short_cents"), 0);
  EXPECT_EQ(TypeOf(Pay(a, kClerkA, {Line("MISC", 100)}, {Cash(100)})), "drawer-not-open");
  EXPECT_EQ(TypeOf(Close(a, kClerkA, {})), "drawer-not-open");
  EXPECT_EQ(TypeOf(Open(kClerkA, 0)), "ok");  // a new drawer once the old one is closed

  auto db = node_->Read();
  auto open = ListDrawers(**db, {"open", "", 50, ""});
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->items.size(), 2u);
  auto first = ListDrawers(**db, {"", "", 2, ""});
  ASSERT_EQ(first->items.size(), 2u);
  auto rest = ListDrawers(**db, {"", "", 2, first->next_cursor});
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(StringOr(rest->items[0].as_object(), "id"), a);  // oldest last
  EXPECT_EQ(rest->next_cursor, "");
  EXPECT_EQ(ListDrawers(**db, {"", kClerkB, 50, ""})->items.size(), 1u);
  EXPECT_EQ(StringOr(ListDrawers(**db, {"", kClerkB, 50, ""})->items[0].as_object(), "id"), b);
  EXPECT_EQ(TypeOf(ListDrawers(**db, {"", "", 2, "zz"})), "validation");
}

TEST_F(CashierTest, VoidsAndRefundsFollowTheRules) {
  std::string a = MustOpen(kClerkA, 2000);
  std::string b = MustOpen(kClerkB, 0);
  std::string card = std::string(StringOr(*Pay(a, kClerkA, {Line("PERMIT", 8000)}, {Card(8000)}), "receipt"));
  std::string cash = std::string(StringOr(*Pay(a, kClerkA, {Line("MISC", 3000)}, {Cash(5000)}), "receipt"));

  EXPECT_EQ(TypeOf(Void(cash, kClerkA, "")), "approval-required");
  EXPECT_EQ(TypeOf(Refund(card, 100, a, "cash", kClerkA, "")), "approval-required");
  EXPECT_EQ(TypeOf(Void(cash, kClerkB)), "not-your-drawer");
  auto voided = Void(cash, kClerkA);
  ASSERT_TRUE(voided.ok()) << voided.status().ToString();
  EXPECT_EQ(StringOr(*voided, "status"), "voided");
  EXPECT_EQ(StringOr(ObjectOr(*voided, "void"), "approved_by"), kSupervisor);
  EXPECT_EQ(TypeOf(Void(cash, kClerkA)), "already-voided");
  EXPECT_EQ(TypeOf(Refund(cash, 100, a, "cash", kClerkA)), "already-voided");
  EXPECT_EQ(ExpectedCash(a), 2000);  // the voided payment's cash went back

  EXPECT_EQ(TypeOf(Refund(card, 100, a, "check", kClerkA)), "refund-tender-invalid");
  EXPECT_EQ(TypeOf(Refund(card, 100, b, "card", kClerkA)), "not-your-drawer");
  EXPECT_EQ(TypeOf(Refund(card, 8001, a, "card", kClerkA)), "refund-exceeds-payment");
  EXPECT_EQ(TypeOf(Refund(card, 2001, a, "cash", kClerkA)), "insufficient-cash");
  auto partial = Refund(card, 5000, a, "card", kClerkA);
  ASSERT_TRUE(partial.ok()) << partial.status().ToString();
  EXPECT_EQ(StringOr(ObjectOr(*partial, "refund"), "id"), "rf-n1-1");
  EXPECT_EQ(StringOr(ObjectOr(*partial, "receipt"), "status"), "partly-refunded");
  EXPECT_EQ(IntOr(ObjectOr(*partial, "receipt"), "refundable_cents"), 3000);
  EXPECT_EQ(TypeOf(Void(card, kClerkA)), "receipt-refunded");
  // Paid from clerk B's drawer, in cash B does not have.
  EXPECT_EQ(TypeOf(Refund(card, 1000, b, "cash", kClerkB)), "insufficient-cash");
  EXPECT_EQ(TypeOf(Refund(card, 1000, a, "cash", kClerkA)), "ok");
  EXPECT_EQ(TypeOf(Refund(card, 2001, a, "card", kClerkA)), "refund-exceeds-payment");
  EXPECT_EQ(TypeOf(Refund(card, 2000, a, "card", kClerkA)), "ok");
  json::object done = Receipt(card);
  EXPECT_EQ(StringOr(done, "status"), "refunded");
  EXPECT_EQ(IntOr(done, "refunded_cents"), 8000);
  EXPECT_EQ(ArrayOr(done, "refunds").size(), 3u);
  EXPECT_EQ(ExpectedCash(a), 1000);

  // Once the drawer is closed its payments can no longer be voided, only refunded from an open drawer.
  std::string late = std::string(StringOr(*Pay(a, kClerkA, {Line("MISC", 700)}, {Cash(700)}), "receipt"));
  ASSERT_TRUE(Close(a, kClerkA, CountOut(1700)).ok());
  EXPECT_EQ(TypeOf(Void(late, kClerkA)), "drawer-not-open");
  EXPECT_EQ(TypeOf(Refund(late, 700, a, "cash", kClerkA)), "drawer-not-open");
  ASSERT_TRUE(Pay(b, kClerkB, {Line("MISC", 1000)}, {Cash(1000)}).ok());
  EXPECT_EQ(TypeOf(Refund(late, 700, b, "cash", kClerkB)), "ok");
  EXPECT_EQ(Find(ArrayOr(Report(b), "by_tender"), "kind", "cash").at("refunded_cents").as_int64(), 700);
}

TEST_F(CashierTest, CloseOutReportAndCsvAgreeToTheCent) {
  std::string a = MustOpen(kClerkA, 10000);
  ASSERT_TRUE(
      Pay(a, kClerkA, {Line("DOG-ALT-1", 1500), Line("DOG-ALT-1", 1500)}, {Check(3000, "2231")}).ok());
  ASSERT_TRUE(Pay(a, kClerkA, {Line("CAT-1", 1200), Line("LATE", 1000)}, {Cash(2500)}).ok());
  std::string v = std::string(StringOr(*Pay(a, kClerkA, {Line("TAG-REPL", 500)}, {Cash(500)}), "receipt"));
  ASSERT_TRUE(Void(v, kClerkA).ok());
  std::string c = std::string(StringOr(*Pay(a, kClerkA, {Line("DOG-ALT-1", 1500)}, {Card(1500)}), "receipt"));
  ASSERT_TRUE(Refund(c, 1500, a, "card", kClerkA).ok());
  // Expected: 100.00 + 25.00 - 3.00 = 122.00; counted 2.00 short.
  auto closed = Close(a, kClerkA, CountOut(12000));
  ASSERT_TRUE(closed.ok()) << closed.status().ToString();
  const json::object& r = *closed;
  EXPECT_EQ(IntOr(r, "expected_cash_cents"), 12200);
  EXPECT_EQ(IntOr(r, "counted_cash_cents"), 12000);
  EXPECT_EQ(IntOr(r, "over_short_cents"), -200);
  EXPECT_EQ(IntOr(ObjectOr(r, "receipts"), "count"), 3);
  EXPECT_EQ(IntOr(ObjectOr(r, "receipts"), "total_cents"), 6700);
  EXPECT_EQ(IntOr(ObjectOr(r, "voids"), "total_cents"), 500);
  EXPECT_EQ(IntOr(ObjectOr(r, "refunds"), "total_cents"), 1500);
  EXPECT_EQ(IntOr(r, "net_cents"), 5200);
  const json::array& tenders = ArrayOr(r, "by_tender");
  EXPECT_EQ(IntOr(Find(tenders, "kind", "cash"), "received_cents"), 2200);
  EXPECT_EQ(IntOr(Find(tenders, "kind", "check"), "received_cents"), 3000);
  EXPECT_EQ(IntOr(Find(tenders, "kind", "card"), "net_cents"), 0);
  EXPECT_EQ(IntOr(Find(tenders, "kind", "money_order"), "count"), 0);
  const json::array& codes = ArrayOr(r, "by_fee_code");
  ASSERT_EQ(codes.size(), 3u);
  EXPECT_EQ(IntOr(Find(codes, "code", "DOG-ALT-1"), "amount_cents"), 4500);
  EXPECT_EQ(IntOr(Find(codes, "code", "DOG-ALT-1"), "count"), 3);
  EXPECT_EQ(IntOr(Find(codes, "code", "LATE"), "amount_cents"), 1000);

  std::string csv = DrawerReportCsv(r);
  EXPECT_TRUE(csv.starts_with("drawer_id,section,item,count,amount_cents,amount\r\n")) << csv;
  for (const char* line :
       {"d-n1-1,summary,float,,10000,100.00\r\n", "d-n1-1,summary,receipts,3,6700,67.00\r\n",
        "d-n1-1,summary,voids,1,500,5.00\r\n", "d-n1-1,tender,cash,1,2200,22.00\r\n",
        "d-n1-1,tender_refund,card,1,1500,15.00\r\n", "d-n1-1,fee_code,DOG-ALT-1,3,4500,45.00\r\n",
        "d-n1-1,cash,expected,,12200,122.00\r\n", "d-n1-1,cash,over_short,,-200,-2.00\r\n"}) {
    EXPECT_NE(csv.find(line), std::string::npos) << line << "\n" << csv;
  }
  // While open, counted and over/short are empty.
  std::string b = MustOpen(kClerkB, 0);
  EXPECT_NE(DrawerReportCsv(Report(b)).find("d-n1-2,cash,counted,,,\r\n"), std::string::npos);
}

// --- the property test
// --------------------------------------------------------------------------------------

struct ModelReceipt {
  std::string number;
  int drawer = 0;
  Cents total = 0, change = 0, refunded = 0;
  std::vector<FeeLine> items;
  std::vector<Tender> tenders;
  bool voided = false;
};
struct ModelRefund {
  int receipt = 0;
  int drawer = 0;
  Cents amount = 0;
  std::string kind;
};
struct ModelDrawer {
  std::string id, clerk;
  Cents float_cents = 0;
  bool open = true;
};

struct Model {
  std::vector<ModelDrawer> drawers;
  std::vector<ModelReceipt> receipts;
  std::vector<ModelRefund> refunds;

  Cents Expected(int d) const {
    Cents cash = drawers[d].float_cents;
    for (const auto& r : receipts) {
      if (r.drawer != d || r.voided) continue;
      for (const auto& t : r.tenders) cash += t.kind == "cash" ? t.amount_cents : 0;
      cash -= r.change;
    }
    for (const auto& f : refunds) cash -= (f.drawer == d && f.kind == "cash") ? f.amount : 0;
    return cash;
  }
  Cents PaidBy(int receipt, const std::string& kind) const {
    Cents paid = 0;
    for (const auto& t : receipts[receipt].tenders) paid += t.kind == kind ? t.amount_cents : 0;
    return paid;
  }
  Cents RefundedBy(int receipt, const std::string& kind) const {
    Cents sum = 0;
    for (const auto& f : refunds) sum += (f.receipt == receipt && f.kind == kind) ? f.amount : 0;
    return sum;
  }
};

TEST_F(CashierTest, RandomPaymentsVoidsAndRefundsReconcileToTheCent) {
  std::mt19937 rng(20260101);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
  Model m;
  for (auto [clerk, float_cents] : {std::pair{kClerkA, 10000}, {kClerkB, 25000}, {kClerkC, 5000}}) {
    m.drawers.push_back({MustOpen(clerk, float_cents), clerk, float_cents, true});
  }
  const std::vector<std::string> codes = {"DOG-ALT-1", "DOG-1", "CAT-1", "LATE", "TAG-REPL", "MISC"};
  const std::vector<std::string> kinds = {"cash", "check", "card", "money_order"};
  std::map<std::string, int> outcomes;
  constexpr int kOps = 600;
  for (int op = 0; op < kOps; ++op) {
    clock_.Advance(1 + pick(5000));
    if (op == kOps / 2) {  // the third drawer closes midway, balanced
      auto closed = Close(m.drawers[2].id, kClerkC, CountOut(m.Expected(2)));
      ASSERT_TRUE(closed.ok()) << closed.status().ToString();
      EXPECT_EQ(IntOr(*closed, "over_short_cents"), 0);
      m.drawers[2].open = false;
    }
    int what = pick(100);
    if (what < 55 || m.receipts.empty()) {
      // A payment.
      int d = pick(3);
      std::string clerk = m.drawers[d].clerk;
      if (pick(25) == 0) clerk = m.drawers[(d + 1) % 3].clerk;
      std::vector<FeeLine> items;
      for (int i = 0, n = 1 + pick(3); i < n; ++i) {
        items.push_back(Line(codes[pick(codes.size())], pick(15) == 0 ? -pick(800) : pick(15000),
                             fmt::format("ref-{}", op)));
      }
      Cents total = 0;
      for (const auto& f : items) total += f.amount_cents;
      std::vector<Tender> tenders;
      auto add = [&](Tender t) {
        if (t.amount_cents > 0) tenders.push_back(std::move(t));
      };
      Cents part = total > 1 ? 1 + pick(static_cast<int>(total - 1)) : total;
      switch (pick(9)) {
        case 0:
          add(Check(total, fmt::format("{}", 1000 + op)));
          break;
        case 1:
          add(Card(total));
          break;
        case 2:
          add(Cash(total + pick(3) * pick(2000)));
          break;
        case 3:
          add(MoneyOrder(total));
          break;
        case 4:
          add(Card(part)), add(Cash(total - part + pick(700)));
          break;
        case 5:
          add(Check(part)), add(MoneyOrder(total - part));
          break;
        case 6:
          add(Cash(part)), add(Check(total - part)), add(Cash(pick(2) * 500));
          break;
        case 7:
          add(Cash(total - 1 - pick(static_cast<int>(std::max<Cents>(total, 1)))));
          break;  // short
        default:
          add(Card(total + 1 + pick(300)));
          break;  // change from a card
      }
      Cents tendered = 0, non_cash = 0;
      for (const auto& t : tenders) {
        tendered += t.amount_cents;
        non_cash += t.kind == "cash" ? 0 : t.amount_cents;
      }
      std::string expect = "ok";
      if (!m.drawers[d].open) {
        expect = "drawer-not-open";
      } else if (clerk != m.drawers[d].clerk) {
        expect = "not-your-drawer";
      } else if (total < 0) {
        expect = "validation";
      } else if (tendered < total) {
        expect = "tender-short";
      } else if (non_cash > total) {
        expect = "change-only-from-cash";
      }
      auto r = Pay(m.drawers[d].id, clerk, items, tenders, pick(2) ? party_ : "");
      ASSERT_EQ(TypeOf(r), expect) << "op " << op << (r.ok() ? "" : ": " + r.error().detail);
      ++outcomes["pay " + expect];
      if (r.ok()) {
        EXPECT_EQ(IntOr(*r, "change_cents"), tendered - total);
        m.receipts.push_back(
            {std::string(StringOr(*r, "receipt")), d, total, tendered - total, 0, items, tenders, false});
      }
    } else if (what < 70) {
      // A void.
      int i = pick(m.receipts.size());
      ModelReceipt& rec = m.receipts[i];
      bool approved = pick(8) != 0;
      std::string expect = "ok";
      if (!approved) {
        expect = "approval-required";
      } else if (rec.voided) {
        expect = "already-voided";
      } else if (rec.refunded > 0) {
        expect = "receipt-refunded";
      } else if (!m.drawers[rec.drawer].open) {
        expect = "drawer-not-open";
      }
      auto r = Void(rec.number, m.drawers[rec.drawer].clerk, approved ? kSupervisor : "");
      ASSERT_EQ(TypeOf(r), expect) << "op " << op << (r.ok() ? "" : ": " + r.error().detail);
      ++outcomes["void " + expect];
      if (r.ok()) rec.voided = true;
    } else {
      // A refund, partial or full, sometimes too much, sometimes of a voided receipt.
      int i = pick(m.receipts.size());
      ModelReceipt& rec = m.receipts[i];
      int d = pick(3);
      Cents left = rec.total - rec.refunded;
      Cents amount = 1 + pick(std::max<Cents>(left, 1));
      if (pick(4) == 0) amount = left;
      if (pick(8) == 0) amount = left + 1 + pick(1000);
      if (amount < 1) amount = 1;
      std::string kind = "cash";
      if (int k = pick(10); k >= 6) {
        kind = kinds[1 + pick(3)];
        for (const auto& t : rec.tenders) {
          if (k < 9 && t.kind != "cash") kind = t.kind;  // mostly a kind it was paid with
        }
      }
      bool approved = pick(10) != 0;
      std::string expect = "ok";
      if (!approved) {
        expect = "approval-required";
      } else if (rec.voided) {
        expect = "already-voided";
      } else if (!m.drawers[d].open) {
        expect = "drawer-not-open";
      } else if (amount > left) {
        expect = "refund-exceeds-payment";
      } else if (kind != "cash" && m.PaidBy(i, kind) == 0) {
        expect = "refund-tender-invalid";
      } else if (kind != "cash" && m.RefundedBy(i, kind) + amount > m.PaidBy(i, kind)) {
        expect = "refund-exceeds-tender";
      } else if (kind == "cash" && amount > m.Expected(d)) {
        expect = "insufficient-cash";
      }
      auto r =
          Refund(rec.number, amount, m.drawers[d].id, kind, m.drawers[d].clerk, approved ? kSupervisor : "");
      ASSERT_EQ(TypeOf(r), expect) << "op " << op << (r.ok() ? "" : ": " + r.error().detail);
      ++outcomes["refund " + expect];
      if (r.ok()) {
        rec.refunded += amount;
        m.refunds.push_back({i, d, amount, kind});
      }
    }
  }
  // Every kind of outcome happened, so the run exercised what it claims to.
  for (const char* o :
       {"pay ok", "pay tender-short", "pay change-only-from-cash", "pay drawer-not-open",
        "pay not-your-drawer", "void ok", "void already-voided", "void receipt-refunded",
        "void approval-required", "void drawer-not-open", "refund ok", "refund refund-exceeds-payment",
        "refund already-voided", "refund approval-required", "refund refund-exceeds-tender",
        "refund refund-tender-invalid", "refund drawer-not-open"}) {
    EXPECT_GT(outcomes[o], 0) << o;
  }

  // Receipts match the model to the cent.
  for (const ModelReceipt& rec : m.receipts) {
    json::object r = Receipt(rec.number);
    EXPECT_EQ(IntOr(r, "total_cents"), rec.total) << rec.number;
    EXPECT_EQ(IntOr(r, "change_cents"), rec.change) << rec.number;
    EXPECT_EQ(IntOr(r, "refunded_cents"), rec.refunded) << rec.number;
    EXPECT_EQ(StringOr(r, "status") == "voided", rec.voided) << rec.number;
  }

  // Close the two open drawers: one with the expected cash, one 1.37 short; then every report reconciles.
  for (int d = 0; d < 2; ++d) {
    Cents expected = m.Expected(d);
    EXPECT_EQ(ExpectedCash(m.drawers[d].id), expected);
    Cents shortage = d == 1 ? 137 : 0;
    ASSERT_GE(expected, shortage);
    auto closed = Close(m.drawers[d].id, m.drawers[d].clerk, CountOut(expected - shortage));
    ASSERT_TRUE(closed.ok()) << closed.status().ToString();
    EXPECT_EQ(IntOr(*closed, "over_short_cents"), -shortage);
    EXPECT_EQ(IntOr(*closed, "counted_cash_cents"), expected - shortage);
  }
  for (int d = 0; d < 3; ++d) {
    json::object r = Report(m.drawers[d].id);
    SCOPED_TRACE(m.drawers[d].id);
    EXPECT_EQ(IntOr(r, "expected_cash_cents"), m.Expected(d));
    EXPECT_EQ(IntOr(ObjectOr(r, "cash"), "expected_cents"), m.Expected(d));
    int64_t paid_count = 0, void_count = 0, refund_count = 0;
    Cents paid = 0, voided = 0, refunded = 0;
    std::map<std::string, std::pair<int64_t, Cents>> by_code, received, paid_back;
    for (const ModelReceipt& rec : m.receipts) {
      if (rec.drawer != d) continue;
      if (rec.voided) {
        ++void_count, voided += rec.total;
        continue;
      }
      ++paid_count, paid += rec.total;
      for (const auto& f : rec.items) ++by_code[f.code].first, by_code[f.code].second += f.amount_cents;
      for (const auto& t : rec.tenders) ++received[t.kind].first, received[t.kind].second += t.amount_cents;
      received["cash"].second -= rec.change;
    }
    for (const ModelRefund& f : m.refunds) {
      if (f.drawer != d) continue;
      ++refund_count, refunded += f.amount;
      ++paid_back[f.kind].first, paid_back[f.kind].second += f.amount;
    }
    EXPECT_EQ(IntOr(ObjectOr(r, "receipts"), "count"), paid_count);
    EXPECT_EQ(IntOr(ObjectOr(r, "receipts"), "total_cents"), paid);
    EXPECT_EQ(IntOr(ObjectOr(r, "voids"), "count"), void_count);
    EXPECT_EQ(IntOr(ObjectOr(r, "voids"), "total_cents"), voided);
    EXPECT_EQ(IntOr(ObjectOr(r, "refunds"), "count"), refund_count);
    EXPECT_EQ(IntOr(ObjectOr(r, "refunds"), "total_cents"), refunded);
    EXPECT_EQ(IntOr(r, "net_cents"), paid - refunded);
    Cents tender_sum = 0, code_sum = 0;
    for (const std::string& kind : kinds) {
      const json::object& t = Find(ArrayOr(r, "by_tender"), "kind", kind);
      EXPECT_EQ(IntOr(t, "count"), received[kind].first) << kind;
      EXPECT_EQ(IntOr(t, "received_cents"), received[kind].second) << kind;
      EXPECT_EQ(IntOr(t, "refund_count"), paid_back[kind].first) << kind;
      EXPECT_EQ(IntOr(t, "refunded_cents"), paid_back[kind].second) << kind;
      tender_sum += IntOr(t, "received_cents");
    }
    EXPECT_EQ(ArrayOr(r, "by_fee_code").size(), by_code.size());
    for (const auto& [code, figures] : by_code) {
      const json::object& c = Find(ArrayOr(r, "by_fee_code"), "code", code);
      EXPECT_EQ(IntOr(c, "count"), figures.first) << code;
      EXPECT_EQ(IntOr(c, "amount_cents"), figures.second) << code;
      code_sum += IntOr(c, "amount_cents");
    }
    EXPECT_EQ(tender_sum, paid);
    EXPECT_EQ(code_sum, paid);
  }

  // The state is a function of the events: the live digest equals the digest after refolding every cashiering
  // aggregate, after a rebuild, and after folding the same events in a random order into a fresh database.
  const store::Registry& registry = NodeRegistry();
  std::string live;
  {
    auto db = node_->Read();
    live = Hex(*store::StateDigest(**db, registry));
  }
  node_.reset();
  auto db = store::Db::Open(dir_.path() + "/node.db", store::OpenMode::kReadWrite);
  ASSERT_TRUE(db.ok());
  auto txn = store::Transaction::Begin(**db);
  ASSERT_TRUE(txn.ok());
  std::vector<std::string> aggregates;
  {
    auto s = (*db)->Prepare(
        "SELECT DISTINCT aggregate FROM event_aggregates WHERE aggregate LIKE 'drawer:%' OR "
        "aggregate LIKE 'receipt:%'");
    while (*(*s)->Step()) aggregates.push_back((*s)->Text(0));
  }
  EXPECT_GT(aggregates.size(), 100u);
  for (const auto& a : aggregates) ASSERT_TRUE(store::RefoldAggregate(**db, registry, a).ok()) << a;
  EXPECT_EQ(Hex(*store::StateDigest(**db, registry)), live);
  ASSERT_TRUE(store::RebuildState(**db, registry).ok());
  EXPECT_EQ(Hex(*store::StateDigest(**db, registry)), live);

  std::vector<journal::StoredEvent> events;
  {
    auto s = (*db)->Prepare("SELECT body FROM events");
    while (*(*s)->Step()) events.push_back(*journal::Decode(AsChars((*s)->Blob(0))));
  }
  std::shuffle(events.begin(), events.end(), rng);
  auto fresh = store::Db::Open("", store::OpenMode::kMemory);
  ASSERT_TRUE(store::CreateSchema(**fresh, registry).ok());
  for (const auto& e : events) {
    ASSERT_TRUE(store::InsertEvent(**fresh, registry, e).ok());
    Status s = store::FoldEvent(**fresh, registry, e);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_EQ(Hex(*store::StateDigest(**fresh, registry)), live);
}

}  // namespace
}  // namespace holdfast::domain
