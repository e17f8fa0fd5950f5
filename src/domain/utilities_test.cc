#include "domain/utilities.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "domain/cashier.h"
#include "domain/incidents.h"
#include "domain/parties.h"
#include "domain/registry.h"
#include "store/node.h"
#include "test_support.h"

namespace holdfast::domain {
namespace {

constexpr char kClerk[] = "u-n1-2";
constexpr int64_t kDayMs = 86'400'000;

class UtilitiesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KeyPair key = GenerateSigningKey();
    ASSERT_TRUE(store::Node::Create(dir_.path(), "Testville", "n1", NodeRegistry(), key).ok());
    auto node = store::Node::Open(dir_.path(), NodeRegistry(), {&clock_});
    ASSERT_TRUE(node.ok()) << node.status().ToString();
    node_ = std::move(*node);
  }

  template <typename F>
  Result<json::value> Run(F f) {
    return node_->writer().Execute([&f](store::CommandContext& ctx) -> Result<json::value> {
      HF_ASSIGN_OR_RETURN(auto out, f(ctx));
      return json::value(std::move(out));
    });
  }

  Date Today() const { return Date::FromUnixMs(clock_.NowMs()); }

  json::object Account(const std::string& number) {
    auto db = node_->Read();
    EXPECT_TRUE(db.ok());
    auto a = GetAccount(**db, number, Today());
    EXPECT_TRUE(a.ok() && a->has_value()) << number;
    return a.ok() && a->has_value() ? **a : json::object{};
  }

  testing::TempDir dir_;
  FakeClock clock_{1767261600000};  // 2026-01-01T10:00:00Z
  std::unique_ptr<store::Node> node_;
};

// Random bills, counter payments (some voided), adjustments, late-fee runs and incidents over a simulated
// year: every account's balance is its charges less its credits to the cent, the ledger sums to it, what is
// unpaid of the charges is the balance when it is owed and nothing when in credit, no late fee falls on a day
// an incident protects, and no bill takes two.
TEST_F(UtilitiesTest, RandomBillsPaymentsAdjustmentsLateFeesAndIncidentsReconcileToTheCent) {
  std::mt19937 rng(20261123);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const int kAccounts = 6;
  std::vector<std::string> numbers;
  auto setup = Run([&](store::CommandContext& ctx) -> Result<json::object> {
    for (int i = 0; i < kAccounts; ++i) {
      HF_ASSIGN_OR_RETURN(
          json::object p,
          CreateParty(ctx, {.kind = "person", .name = fmt::format("Customer {}", i)}, kClerk));
      AccountInput in{.number = fmt::format("{}", 300000 + i),
                      .customer_party_id = std::string(StringOr(p, "id")),
                      .line1 = fmt::format("{} Main Street", i),
                      .city = "Testville",
                      .state = "IL",
                      .zip = "62701"};
      HF_RETURN_IF_ERROR(OpenAccount(ctx, in, Date::FromUnixMs(ctx.clock().NowMs()), kClerk).status());
      numbers.push_back(in.number);
    }
    return OpenDrawer(ctx, {.float_cents = 0, .clerk = kClerk}, kClerk);
  });
  ASSERT_TRUE(setup.ok()) << setup.status().ToString();
  const std::string drawer(StringOr(setup->as_object(), "id"));

  std::map<std::string, Cents> expected;                      // charges less credits, by account
  std::vector<std::pair<std::string, std::string>> receipts;  // (account, receipt) not voided
  std::set<std::string> fee_bills;
  std::optional<std::string> incident;
  int period = 0, fees = 0, protected_runs = 0;
  for (int step = 0; step < 400; ++step) {
    clock_.Advance(pick(0, 2) * kDayMs + 1000);
    const Date today = Today();
    const std::string number = numbers[pick(0, kAccounts - 1)];
    switch (pick(0, 9)) {
      case 0: {  // a billing run for every account
        ++period;
        std::string csv = "account,period,amount,due_date\n";
        std::map<std::string, Cents> amounts;
        for (const auto& n : numbers) {
          Cents amount = pick(1, 30000);
          amounts[n] = amount;
          csv += fmt::format("{},{:04d}-{:02d},{},{}\n", n, 2000 + period / 12, period % 12 + 1,
                             FormatCents(amount), today.AddDays(pick(5, 25)).ToString());
        }
        auto done = Run([&](store::CommandContext& ctx) {
          return ImportBills(ctx, csv, fmt::format("run-{}.csv", period), today, kClerk);
        });
        ASSERT_TRUE(done.ok()) << done.status().ToString();
        for (const auto& [n, a] : amounts) expected[n] += a;
        break;
      }
      case 1:
      case 2: {  // a counter payment, sometimes more than is owed
        Cents amount = pick(1, 20000);
        auto paid = Run([&](store::CommandContext& ctx) {
          return PayAtCounter(ctx,
                              {.number = number,
                               .drawer_id = drawer,
                               .amount_cents = amount,
                               .tenders = {{.kind = "check", .amount_cents = amount, .number = "100"}}},
                              today, kClerk);
        });
        ASSERT_TRUE(paid.ok()) << paid.status().ToString();
        expected[number] -= amount;
        receipts.emplace_back(number, std::string(StringOr(paid->at("receipt").as_object(), "receipt")));
        break;
      }
      case 3: {  // a supervisor voids a counter payment: it is owed again
        if (receipts.empty()) break;
        size_t k = static_cast<size_t>(pick(0, static_cast<int>(receipts.size()) - 1));
        auto [n, receipt] = receipts[k];
        receipts.erase(receipts.begin() + static_cast<std::ptrdiff_t>(k));
        Cents amount = 0;
        auto voided = Run([&, receipt = receipt](store::CommandContext& ctx) -> Result<json::object> {
          HF_ASSIGN_OR_RETURN(auto r, GetReceipt(ctx.db(), receipt));
          amount = IntOr(*r, "total_cents");
          return VoidPayment(ctx, {.receipt = receipt, .reason = "wrong account", .approved_by = "u-n1-9"},
                             kClerk);
        });
        ASSERT_TRUE(voided.ok()) << voided.status().ToString();
        expected[n] += amount;
        break;
      }
      case 4: {  // an adjustment either way
        Cents amount = pick(-5000, 5000);
        if (amount == 0) break;
        auto adjusted = Run([&](store::CommandContext& ctx) {
          return AdjustAccount(ctx, number, amount, "correction", today, "u-n1-9", "u-n1-9");
        });
        ASSERT_TRUE(adjusted.ok()) << adjusted.status().ToString();
        expected[number] += amount;
        break;
      }
      case 5: {  // an incident declared, or the active one ended
        auto changed = Run([&](store::CommandContext& ctx) -> Result<json::object> {
          if (incident) return EndIncident(ctx, *incident, std::nullopt, today, "u-n1-9");
          return DeclareIncident(ctx,
                                 {.services = {"utilities"}, .notice = "outage", .grace_days = pick(0, 20)},
                                 today, "u-n1-9");
        });
        ASSERT_TRUE(changed.ok()) << changed.status().ToString();
        incident = incident ? std::nullopt : std::optional<std::string>(StringOr(changed->as_object(), "id"));
        break;
      }
      default: {  // the daily late-fee job
        auto assessed = Run([&](store::CommandContext& ctx) { return AssessLateFees(ctx, today, "system"); });
        ASSERT_TRUE(assessed.ok()) << assessed.status().ToString();
        auto db = node_->Read();
        ASSERT_TRUE(db.ok());
        auto rules = IncidentRulesFor(**db, "utilities");
        ASSERT_TRUE(rules.ok());
        if (rules->Protected(today)) {
          ++protected_runs;
          EXPECT_TRUE(assessed->as_array().empty())
              << "a late fee on " << today.ToString() << ", a protected day";
        }
        for (const auto& f : assessed->as_array()) {
          const json::object& o = f.as_object();
          EXPECT_TRUE(fee_bills.insert(std::string(StringOr(o, "bill_id"))).second)
              << "two late fees on a bill";
          expected[std::string(StringOr(o, "number"))] += IntOr(o, "amount_cents");
          ++fees;
        }
      }
    }
  }
  EXPECT_GT(fees, 0) << "the run should reach late fees";
  EXPECT_GT(protected_runs, 0) << "the run should reach a late-fee job inside an incident";
  for (const auto& n : numbers) {
    json::object a = Account(n);
    const Cents balance = IntOr(a, "balance_cents");
    EXPECT_EQ(balance, expected[n]) << n;
    Cents sum = 0, unpaid = 0;
    for (const auto& row : ArrayOr(a, "ledger")) {
      sum += IntOr(row.as_object(), "amount_cents");
      unpaid += IntOr(row.as_object(), "unpaid_cents");
    }
    EXPECT_EQ(sum, balance) << n;
    EXPECT_EQ(unpaid, std::max<Cents>(0, balance)) << n;
    EXPECT_LE(IntOr(a, "past_due_cents"), std::max<Cents>(0, balance)) << n;
  }
}

TEST(BillsCsvTest, RefusesWhatTheBillingRunCouldGetWrongNamingTheLine) {
  auto bad = [](std::string csv) {
    auto r = ParseBillsCsv(csv);
    return r.ok() ? std::string("ok") : r.error().detail;
  };
  EXPECT_EQ(bad(""), "line 1: the file is empty: it needs the header account,period,amount,due_date");
  EXPECT_EQ(bad("acct,period,amount,due\n"),
            "line 1: the first line must be the header account,period,amount,due_date");
  EXPECT_EQ(bad("account,period,amount,due_date\n"), "line 1: the file has no bills");
  EXPECT_EQ(bad("account,period,amount,due_date\n1,2026-13,1.00,2026-01-01\n"),
            "line 2: period \"2026-13\" is not YYYY-MM");
  EXPECT_EQ(bad("account,period,amount,due_date\n1,2026-01,-1.00,2026-01-01\n"),
            "line 2: amount \"-1.00\" is not dollars with two decimals, e.g. 48.20");
  EXPECT_EQ(bad("account,period,amount,due_date\n1,2026-01,0.00,2026-01-01\n"),
            "line 2: amount \"0.00\" is not dollars with two decimals, e.g. 48.20");
  EXPECT_EQ(bad("account,period,amount,due_date\n1,2026-01,1.00,2026-02-30\n"),
            "line 2: due_date \"2026-02-30\" is not a date YYYY-MM-DD");
  EXPECT_EQ(bad("account,period,amount,due_date\n1,2026-01,1.00\n"),
            "line 2: 3 fields where account,period,amount,due_date are 4");
  EXPECT_EQ(bad("account,period,amount,due_date\n\n1,2026-01,1.00,2026-02-01\n"),
            "line 2: an empty line (remove it)");
  EXPECT_EQ(bad("account,period,amount,due_date\nab c,2026-01,1.00,2026-02-01\n"),
            "line 2: account \"ab c\" is not an account number");
  auto good = ParseBillsCsv(
      "\xEF\xBB\xBF"
      "account,period,amount,due_date\r\n100234,2026-10,48.20,2026-11-15\r\n");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  ASSERT_EQ(good->size(), 1u);
  EXPECT_EQ((*good)[0].amount_cents, 4820);
  EXPECT_EQ((*good)[0].due_on, Date::FromCivil(2026, 11, 15));
}

}  // namespace
}  // namespace holdfast::domain
