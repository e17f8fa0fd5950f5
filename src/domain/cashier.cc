#include "domain/cashier.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "base/bytes.h"
#include "base/date.h"
#include "base/text.h"
#include "domain/city_date.h"
#include "domain/conflicts.h"
#include "domain/parties.h"
#include "store/series.h"

namespace holdfast::domain {
namespace {

using store::Db;
using store::StmtRef;

constexpr size_t kMaxItems = 100;
constexpr size_t kMaxTenders = 20;
constexpr int64_t kMaxCount = 1'000'000;

struct Denomination {
  Cents cents;
  const char* form;
};
constexpr Denomination kDenominations[] = {{10000, "bill"}, {5000, "bill"}, {2000, "bill"}, {1000, "bill"},
                                           {500, "bill"},   {200, "bill"},  {100, "bill"},  {100, "coin"},
                                           {50, "coin"},    {25, "coin"},   {10, "coin"},   {5, "coin"},
                                           {1, "coin"}};

const json::object kNoObject;

bool IsTenderKind(std::string_view kind) {
  return std::find(std::begin(kTenderKinds), std::end(kTenderKinds), kind) != std::end(kTenderKinds);
}

// --- validation shared by request parsing and by C++ callers
// ------------------------------------------------

// `name` is the field path of the tender, e.g. "tenders[1]".
Status CheckTender(const Tender& t, const std::string& name) {
  if (!IsTenderKind(t.kind)) {
    return Invalid(fmt::format("{}.kind must be cash, check, card or money_order", name), name + ".kind");
  }
  if (t.amount_cents < 1 || t.amount_cents > kMaxAmountCents) {
    return Invalid(fmt::format("{}.amount_cents must be 1 to {}", name, kMaxAmountCents),
                   name + ".amount_cents");
  }
  const bool numbered = t.kind == "check" || t.kind == "money_order";
  if (numbered && IsBlank(t.number)) {
    return Invalid(fmt::format("{}.number is required: the {} number", name,
                               t.kind == "check" ? "check's" : "money order's"),
                   name + ".number");
  }
  if (!numbered && !t.number.empty()) {
    return Invalid(t.kind == "card" ? fmt::format("{}.number: never send a card number; give the terminal's "
                                                  "reference as {}.reference",
                                                  name, name)
                                    : fmt::format("{}.number: cash has no number", name),
                   name + ".number");
  }
  if (t.kind == "card" && IsBlank(t.reference)) {
    return Invalid(fmt::format("{}.reference is required: the card terminal's reference for the sale", name),
                   name + ".reference");
  }
  if (t.kind != "card" && !t.reference.empty()) {
    return Invalid(fmt::format("{}.reference is only for card tenders", name), name + ".reference");
  }
  if (t.number.size() > 40 || HasControl(t.number)) {
    return Invalid(fmt::format("{}.number is at most 40 characters without control characters", name),
                   name + ".number");
  }
  if (t.reference.size() > 100 || HasControl(t.reference)) {
    return Invalid(fmt::format("{}.reference is at most 100 characters without control characters", name),
                   name + ".reference");
  }
  return Status::Ok();
}

Status CheckFeeLine(const FeeLine& f, const std::string& name) {
  if (!IsFeeCode(f.code)) {
    return Invalid(fmt::format("{}.code must be 1 to 24 of A-Z, 0-9, '-' and '_'", name), name + ".code");
  }
  if (IsBlank(f.description) || f.description.size() > 200 || HasControl(f.description)) {
    return Invalid(fmt::format("{}.description must be 1 to 200 characters without control characters", name),
                   name + ".description");
  }
  if (f.amount_cents < -kMaxAmountCents || f.amount_cents > kMaxAmountCents) {
    return Invalid(fmt::format("{}.amount_cents must be within ±{}", name, kMaxAmountCents),
                   name + ".amount_cents");
  }
  if (f.ref.size() > 100 || HasControl(f.ref)) {
    return Invalid(fmt::format("{}.ref is at most 100 characters without control characters", name),
                   name + ".ref");
  }
  return Status::Ok();
}

const char* DefaultForm(Cents denomination) { return denomination >= 100 ? "bill" : "coin"; }

Status CheckCashCounts(const std::vector<CashCount>& counted) {
  for (size_t i = 0; i < counted.size(); ++i) {
    const CashCount& c = counted[i];
    std::string name = fmt::format("counted[{}]", i);
    bool known = std::any_of(
        std::begin(kDenominations), std::end(kDenominations),
        [&](const Denomination& d) { return d.cents == c.denomination_cents && c.form == d.form; });
    if (!known) {
      return Invalid(fmt::format("{}: there is no {}-cent {}; bills are 10000 5000 2000 1000 500 200 100 and "
                                 "coins 100 50 25 10 5 1 (cents)",
                                 name, c.denomination_cents, c.form),
                     name + ".denomination_cents");
    }
    if (c.count < 0 || c.count > kMaxCount) {
      return Invalid(fmt::format("{}.count must be 0 to {}", name, kMaxCount), name + ".count");
    }
    for (size_t j = 0; j < i; ++j) {
      if (counted[j].denomination_cents == c.denomination_cents && counted[j].form == c.form) {
        return Invalid(fmt::format("{}: the {}-cent {} is counted twice", name, c.denomination_cents, c.form),
                       name + ".denomination_cents");
      }
    }
  }
  return Status::Ok();
}

json::object TenderJson(const Tender& t) {
  json::object o{{"kind", t.kind}, {"amount_cents", t.amount_cents}};
  if (!t.number.empty()) o["number"] = t.number;
  if (!t.reference.empty()) o["reference"] = t.reference;
  return o;
}

// --- reading state
// ------------------------------------------------------------------------------------------

struct DrawerRow {
  std::string id, feed, clerk;
  Cents float_cents = 0;
  std::string opened_on;
  int64_t opened_at = 0;
  std::string status;
  std::optional<int64_t> closed_at;
  std::string closed_by;
  std::optional<Cents> counted, expected, over_short;
};

constexpr std::string_view kDrawerColumns =
    "id, feed, clerk, float_cents, opened_on, opened_at, status, closed_at, closed_by, counted_cash_cents, "
    "expected_cash_cents, over_short_cents";

std::optional<int64_t> OptInt(store::Stmt& s, int col) {
  return s.IsNull(col) ? std::nullopt : std::optional<int64_t>(s.Int(col));
}

DrawerRow ReadDrawer(store::Stmt& s) {
  DrawerRow d;
  d.id = s.Text(0);
  d.feed = s.Text(1);
  d.clerk = s.Text(2);
  d.float_cents = s.Int(3);
  d.opened_on = s.Text(4);
  d.opened_at = s.Int(5);
  d.status = s.Text(6);
  d.closed_at = OptInt(s, 7);
  d.closed_by = s.Text(8);
  d.counted = OptInt(s, 9);
  d.expected = OptInt(s, 10);
  d.over_short = OptInt(s, 11);
  return d;
}

Result<std::optional<DrawerRow>> LoadDrawer(Db& db, std::string_view id) {
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare(fmt::format("SELECT {} FROM drawers WHERE id=?", kDrawerColumns)));
  s->Bind(1, id);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<DrawerRow>();
  return std::optional<DrawerRow>(ReadDrawer(*s));
}

// The first column of the first row (0 when there is none).
template <typename... Args>
Result<int64_t> QueryOne(Db& db, std::string_view sql, const Args&... args) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare(sql));
  s->BindAll(args...);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  return row ? s->Int(0) : 0;
}

// The cash movements of a drawer as the tables hold them now.
struct CashFigures {
  Cents tendered = 0;  // cash tenders on receipts not voided
  Cents change = 0;    // change given on those receipts
  Cents refunded = 0;  // cash refunds the drawer paid out
};

Result<CashFigures> CashOf(Db& db, std::string_view drawer_id) {
  CashFigures f;
  HF_ASSIGN_OR_RETURN(f.tendered, QueryOne(db,
                                           "SELECT COALESCE(SUM(t.amount_cents), 0) FROM receipt_tenders t "
                                           "JOIN receipts r ON r.number = t.receipt "
                                           "WHERE r.drawer_id=?1 AND r.status='paid' AND t.kind='cash'",
                                           drawer_id));
  HF_ASSIGN_OR_RETURN(f.change, QueryOne(db,
                                         "SELECT COALESCE(SUM(change_cents), 0) FROM receipts "
                                         "WHERE drawer_id=?1 AND status='paid'",
                                         drawer_id));
  HF_ASSIGN_OR_RETURN(f.refunded, QueryOne(db,
                                           "SELECT COALESCE(SUM(amount_cents), 0) FROM refunds "
                                           "WHERE drawer_id=?1 AND tender_kind='cash'",
                                           drawer_id));
  return f;
}

Cents Expected(const DrawerRow& d, const CashFigures& f) {
  return d.float_cents + f.tendered - f.change - f.refunded;
}

json::value OptJson(const std::optional<int64_t>& v) { return v ? json::value(*v) : json::value(nullptr); }

Result<json::object> DrawerJson(Db& db, const DrawerRow& d) {
  json::object o{{"id", d.id},
                 {"node", d.feed},
                 {"clerk", d.clerk},
                 {"float_cents", d.float_cents},
                 {"opened_on", d.opened_on},
                 {"opened_at", d.opened_at},
                 {"status", d.status},
                 {"closed_at", OptJson(d.closed_at)},
                 {"closed_by", d.closed_by}};
  if (d.status == "open") {
    HF_ASSIGN_OR_RETURN(CashFigures f, CashOf(db, d.id));
    o["expected_cash_cents"] = Expected(d, f);
  } else {
    o["expected_cash_cents"] = OptJson(d.expected);
  }
  o["counted_cash_cents"] = OptJson(d.counted);
  o["over_short_cents"] = OptJson(d.over_short);
  return o;
}

struct ReceiptRow {
  std::string number, drawer_id, payer_party_id, clerk, status;
  Cents total_cents = 0, change_cents = 0, refunded_cents = 0;
  bool check_returned = false;
};

Result<std::optional<ReceiptRow>> LoadReceipt(Db& db, std::string_view number) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT number, drawer_id, payer_party_id, clerk, status, "
                                            "total_cents, change_cents, refunded_cents, "
                                            "returned_at IS NOT NULL FROM receipts WHERE number=?"));
  s->Bind(1, number);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<ReceiptRow>();
  return std::optional<ReceiptRow>(ReceiptRow{s->Text(0), s->Text(1), s->Text(2), s->Text(3), s->Text(4),
                                              s->Int(5), s->Int(6), s->Int(7), s->Int(8) != 0});
}

constexpr std::string_view kRefundColumns =
    "id, receipt, drawer_id, amount_cents, tender_kind, reason, approved_by, clerk, refunded_at";

json::object ReadRefund(store::Stmt& s) {
  return {{"id", s.Text(0)},          {"receipt", s.Text(1)},     {"drawer_id", s.Text(2)},
          {"amount_cents", s.Int(3)}, {"tender_kind", s.Text(4)}, {"reason", s.Text(5)},
          {"approved_by", s.Text(6)}, {"clerk", s.Text(7)},       {"refunded_at", s.Int(8)}};
}

// An open drawer of this node that `actor` may use.
Status CheckDrawerUsable(const DrawerRow& d, const std::string& node, const std::string& actor,
                         bool any_clerk) {
  if (d.status != "open") {
    return Conflict(fmt::format("drawer {} is closed; open a drawer first", d.id), "drawer-not-open");
  }
  if (d.feed != node) {
    return Conflict(
        fmt::format("drawer {} is a drawer of node {}, not of this node; open a drawer here", d.id, d.feed),
        "drawer-not-open");
  }
  if (d.clerk != actor && !any_clerk) {
    return MakeError(Code::kForbidden,
                     fmt::format("drawer {} belongs to {}, not to you; use your own drawer", d.id, d.clerk),
                     "not-your-drawer");
  }
  return Status::Ok();
}

// The receipt `number`, to take back by `what` ("void", "refund", "record as returned") for `reason`: refused
// when the reason is missing or too long, the receipt unknown, voided already ("already-voided") or its check
// returned unpaid ("check-returned"; its money never came in, and what it paid for was reversed then).
// A receipt's returned check, from the columns kReturnColumns at `col` on: {reason, returned_by, returned_at,
// returned_on, reversed, not_reversed?}; null when its check was not returned.
constexpr std::string_view kReturnColumns =
    "returned_at, returned_by, return_reason, returned_on, return_unreversed";
json::value ReadReturn(store::Stmt& s, int col) {
  if (s.IsNull(col)) return nullptr;
  json::object o{{"reason", s.Text(col + 2)},
                 {"returned_by", s.Text(col + 1)},
                 {"returned_at", s.Int(col)},
                 {"returned_on", s.Text(col + 3)},
                 {"reversed", s.TextView(col + 4).empty()}};
  if (!s.TextView(col + 4).empty()) o["not_reversed"] = s.Text(col + 4);
  return o;
}

Result<ReceiptRow> ReceiptToTakeBack(Db& db, std::string_view number, const std::string& reason,
                                     std::string_view what) {
  if (IsBlank(reason) || reason.size() > 500 || HasControl(reason)) {
    return Invalid("reason must say why, in 1 to 500 characters", "reason");
  }
  HF_ASSIGN_OR_RETURN(auto receipt, LoadReceipt(db, number));
  if (!receipt) return NotFound(fmt::format("no receipt {}", number));
  if (receipt->status == "voided") {
    return Conflict(fmt::format("receipt {} is voided: there is nothing to {}", number, what),
                    "already-voided");
  }
  if (receipt->check_returned) {
    return Conflict(
        fmt::format("receipt {}'s check was returned unpaid and is recorded so: there is nothing to {}",
                    number, what),
        "check-returned");
  }
  return *receipt;
}

Error ApprovalRequired(std::string_view what) {
  return MakeError(Code::kForbidden,
                   fmt::format("{} needs a supervisor's approval: their username and password (and "
                               "authenticator code) as \"approval\"",
                               what),
                   "approval-required", "approval");
}

// --- folds
// --------------------------------------------------------------------------------------------------

std::string DrawerAggregate(std::string_view id) { return fmt::format("drawer:{}", id); }
std::string ReceiptAggregate(std::string_view number) { return fmt::format("receipt:{}", number); }

Status ApplyDrawer(Db& db, const journal::Event& e) {
  const json::object& d = e.data;
  std::string_view id = StringOr(d, "id");
  if (e.type == "drawer.opened") {
    HF_ASSIGN_OR_RETURN(StmtRef s,
                        db.Prepare("INSERT OR REPLACE INTO drawers VALUES(?,?,?,?,?,?,'open',NULL,'',"
                                   "NULL,NULL,NULL)"));
    return s
        ->BindAll(std::string(id), e.feed, StringOr(d, "clerk"), IntOr(d, "float_cents"),
                  StringOr(d, "opened_on"), e.stamp.time)
        .Run();
  }
  // drawer.closed: the first close in canonical order is the close.
  HF_ASSIGN_OR_RETURN(auto drawer, LoadDrawer(db, id));
  if (!drawer || drawer->status != "open") return Status::Ok();
  {
    HF_ASSIGN_OR_RETURN(StmtRef s,
                        db.Prepare("UPDATE drawers SET status='closed', closed_at=?, closed_by=?, "
                                   "counted_cash_cents=?, expected_cash_cents=?, over_short_cents=? "
                                   "WHERE id=?"));
    HF_RETURN_IF_ERROR(s->BindAll(e.stamp.time, StringOr(d, "closed_by"), IntOr(d, "counted_cash_cents"),
                                  IntOr(d, "expected_cash_cents"), IntOr(d, "over_short_cents"),
                                  std::string(id))
                           .Run());
  }
  for (const json::value& v : ArrayOr(d, "counted")) {
    if (!v.is_object()) continue;
    const json::object& c = v.get_object();
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("INSERT OR REPLACE INTO drawer_counts VALUES(?,?,?,?)"));
    HF_RETURN_IF_ERROR(
        s->BindAll(std::string(id), IntOr(c, "denomination_cents"), StringOr(c, "form"), IntOr(c, "count"))
            .Run());
  }
  return Status::Ok();
}

// A receipt as GetReceipt reads it right after its payment.taken event `se` is folded. TakePayment answers
// with it instead of reading the rows back; CashierTest.PaymentAnswersTheReceiptAsStored keeps the two in
// step.
json::object NewReceipt(const journal::StoredEvent& se) {
  const journal::Event& e = se.event;
  const json::object& d = e.data;
  const Cents total = IntOr(d, "total_cents");
  return json::object{{"receipt", d.at("receipt")},
                      {"drawer_id", d.at("drawer_id")},
                      {"payer_party_id", d.at("payer_party_id")},
                      {"clerk", d.at("clerk")},
                      {"total_cents", total},
                      {"change_cents", d.at("change_cents")},
                      {"taken_at", e.stamp.time},
                      {"event_hash", se.HashHex()},
                      {"void", nullptr},
                      {"returned_check", nullptr},
                      {"status", "paid"},
                      {"refunded_cents", 0},
                      {"refundable_cents", total},
                      {"items", d.at("items")},
                      {"tenders", d.at("tenders")},
                      {"refunds", json::array()}};
}

// A returned check meets a void or a refund of the same receipt, `e` being the later of the two in canonical
// order: recorded at offices cut off from each other, so the city may have paid out money it never received.
// Both stand; a supervisor sorts it out.
Status ReturnMet(Db& db, std::string_view number, bool voided, bool refunded, const journal::Event& e) {
  const std::string aggregate = ReceiptAggregate(number);
  auto conflict = [&](std::string_view kind, std::string_view what, std::string_view then) {
    return RecordConflict(
        db, aggregate, kind, e,
        fmt::format("receipt {} was {} at one office and its check recorded as returned unpaid "
                    "at another: {}",
                    number, what, then),
        json::object{{"receipt", number}, {"node", e.feed}});
  };
  if (voided) {
    HF_RETURN_IF_ERROR(conflict("check-returned-and-voided", "voided",
                                "see whether the check was handed back or deposited"));
  }
  if (refunded) {
    HF_RETURN_IF_ERROR(
        conflict("check-returned-and-refunded", "refunded",
                 "the refund paid out money the city never received; recover it from the payer"));
  }
  return Status::Ok();
}

Status ApplyReceipt(Db& db, const journal::StoredEvent& se) {
  const journal::Event& e = se.event;
  const json::object& d = e.data;
  std::string number(StringOr(d, "receipt"));
  if (e.type == "payment.taken") {
    {
      HF_ASSIGN_OR_RETURN(StmtRef s,
                          db.Prepare("INSERT OR REPLACE INTO receipts VALUES(?,?,?,?,?,?,?,'paid',0,?,"
                                     "NULL,'','','',?,NULL,'','','','')"));
      HF_RETURN_IF_ERROR(s->BindAll(number, e.feed, StringOr(d, "drawer_id"), StringOr(d, "payer_party_id"),
                                    StringOr(d, "clerk"), IntOr(d, "total_cents"), IntOr(d, "change_cents"),
                                    e.stamp.time, se.HashHex())
                             .Run());
    }
    int64_t line = 0;
    for (const json::value& v : ArrayOr(d, "items")) {
      const json::object& item = v.is_object() ? v.get_object() : kNoObject;
      HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("INSERT OR REPLACE INTO receipt_items VALUES(?,?,?,?,?,?)"));
      HF_RETURN_IF_ERROR(s->BindAll(number, line++, StringOr(item, "code"), StringOr(item, "description"),
                                    IntOr(item, "amount_cents"), StringOr(item, "ref"))
                             .Run());
    }
    line = 0;
    for (const json::value& v : ArrayOr(d, "tenders")) {
      const json::object& t = v.is_object() ? v.get_object() : kNoObject;
      HF_ASSIGN_OR_RETURN(StmtRef s,
                          db.Prepare("INSERT OR REPLACE INTO receipt_tenders VALUES(?,?,?,?,?,?)"));
      HF_RETURN_IF_ERROR(s->BindAll(number, line++, StringOr(t, "kind"), IntOr(t, "amount_cents"),
                                    StringOr(t, "number"), StringOr(t, "reference"))
                             .Run());
    }
    return Status::Ok();
  }
  if (e.type == "payment.check_returned") {
    HF_ASSIGN_OR_RETURN(auto was, LoadReceipt(db, number));
    if (!was || was->check_returned) return Status::Ok();  // returned twice (two offices): the first stands
    {
      HF_ASSIGN_OR_RETURN(StmtRef s,
                          db.Prepare("UPDATE receipts SET returned_at=?, returned_by=?, return_reason=?, "
                                     "returned_on=?, return_unreversed=? WHERE number=?"));
      HF_RETURN_IF_ERROR(s->BindAll(e.stamp.time, e.actor, StringOr(d, "reason"), StringOr(d, "returned_on"),
                                    StringOr(d, "not_reversed"), number)
                             .Run());
    }
    if (!StringOr(d, "not_reversed").empty()) {
      HF_RETURN_IF_ERROR(RecordConflict(
          db, ReceiptAggregate(number), "returned-check-not-reversed", e,
          fmt::format(
              "receipt {}'s check came back unpaid, but what it paid for could not be taken back: {}. "
              "Collect the amount from the payer, or undo what it paid for and resolve this",
              number, StringOr(d, "not_reversed")),
          json::object{{"receipt", number}, {"node", e.feed}}));
    }
    return ReturnMet(db, number, was->status == "voided", was->refunded_cents > 0, e);
  }
  if (e.type == "payment.voided") {
    HF_ASSIGN_OR_RETURN(auto was, LoadReceipt(db, number));
    if (was && was->check_returned && was->status == "paid") {
      HF_RETURN_IF_ERROR(ReturnMet(db, number, /*voided=*/true, /*refunded=*/false, e));
    }
    // The first void in canonical order is the void.
    HF_ASSIGN_OR_RETURN(StmtRef s,
                        db.Prepare("UPDATE receipts SET status='voided', voided_at=?, voided_by=?, "
                                   "void_reason=?, void_approved_by=? "
                                   "WHERE number=? AND status='paid'"));
    return s->BindAll(e.stamp.time, e.actor, StringOr(d, "reason"), StringOr(d, "approved_by"), number).Run();
  }
  // payment.refunded
  {
    HF_ASSIGN_OR_RETURN(auto was, LoadReceipt(db, number));
    if (was && was->check_returned && was->refunded_cents == 0) {
      HF_RETURN_IF_ERROR(ReturnMet(db, number, /*voided=*/false, /*refunded=*/true, e));
    }
  }
  {
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("INSERT OR REPLACE INTO refunds VALUES(?,?,?,?,?,?,?,?,?)"));
    HF_RETURN_IF_ERROR(s->BindAll(StringOr(d, "refund"), number, StringOr(d, "drawer_id"),
                                  IntOr(d, "amount_cents"), StringOr(d, "tender_kind"), StringOr(d, "reason"),
                                  StringOr(d, "approved_by"), e.actor, e.stamp.time)
                           .Run());
  }
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("UPDATE receipts SET refunded_cents = refunded_cents + ? "
                                            "WHERE number=?"));
  return s->BindAll(IntOr(d, "amount_cents"), number).Run();
}

Status ApplyCashier(Db& db, const journal::StoredEvent& se, std::string_view aggregate) {
  const journal::Event& e = se.event;
  if (aggregate.starts_with("series:")) {
    const char* key = e.type == "drawer.opened" ? "id" : e.type == "payment.taken" ? "receipt" : "refund";
    return store::ApplySeriesNumber(db, aggregate, store::SeriesNumberOf(StringOr(e.data, key)));
  }
  if (aggregate.starts_with("drawer:")) return ApplyDrawer(db, e);
  return ApplyReceipt(db, se);
}

Status DeleteWhere(Db& db, std::string_view table, std::string_view column, std::string_view value) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare(fmt::format("DELETE FROM {} WHERE {}=?", table, column)));
  return s->Bind(1, value).Run();
}

// --- CSV
// ----------------------------------------------------------------------------------------------------

std::string CsvField(std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

void RegisterCashier(store::Registry& registry) {
  registry.AddTable(
      {"drawers",
       "CREATE TABLE IF NOT EXISTS drawers(id TEXT PRIMARY KEY, feed TEXT NOT NULL, clerk TEXT NOT NULL, "
       "float_cents INTEGER NOT NULL, opened_on TEXT NOT NULL, opened_at INTEGER NOT NULL, status TEXT NOT "
       "NULL, closed_at INTEGER, closed_by TEXT NOT NULL, counted_cash_cents INTEGER, expected_cash_cents "
       "INTEGER, over_short_cents INTEGER) WITHOUT ROWID;"
       "CREATE INDEX IF NOT EXISTS drawers_clerk ON drawers(clerk, status);"
       "CREATE INDEX IF NOT EXISTS drawers_opened ON drawers(opened_at, id);",
       {"id"}});
  registry.AddTable(
      {"drawer_counts",
       "CREATE TABLE IF NOT EXISTS drawer_counts(drawer_id TEXT NOT NULL, denomination_cents INTEGER NOT "
       "NULL, "
       "form TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY(drawer_id, denomination_cents, form)) "
       "WITHOUT ROWID",
       {"drawer_id", "denomination_cents", "form"}});
  registry.AddTable(
      {"receipts",
       "CREATE TABLE IF NOT EXISTS receipts(number TEXT PRIMARY KEY, feed TEXT NOT NULL, drawer_id TEXT NOT "
       "NULL, payer_party_id TEXT NOT NULL, clerk TEXT NOT NULL, total_cents INTEGER NOT NULL, change_cents "
       "INTEGER NOT NULL, status TEXT NOT NULL, refunded_cents INTEGER NOT NULL, taken_at INTEGER NOT NULL, "
       "voided_at INTEGER, voided_by TEXT NOT NULL, void_reason TEXT NOT NULL, void_approved_by TEXT NOT "
       "NULL, event_hash TEXT NOT NULL, returned_at INTEGER, returned_by TEXT NOT NULL, return_reason TEXT "
       "NOT NULL, returned_on TEXT NOT NULL, return_unreversed TEXT NOT NULL) WITHOUT ROWID;"
       "CREATE INDEX IF NOT EXISTS receipts_drawer ON receipts(drawer_id, status);"
       "CREATE INDEX IF NOT EXISTS receipts_payer ON receipts(payer_party_id);"
       "CREATE INDEX IF NOT EXISTS receipts_returned ON receipts(returned_on, number) "
       "WHERE returned_at IS NOT NULL;",
       {"number"}});
  registry.AddTable(
      {"receipt_items",
       "CREATE TABLE IF NOT EXISTS receipt_items(receipt TEXT NOT NULL, line INTEGER NOT NULL, code TEXT NOT "
       "NULL, description TEXT NOT NULL, amount_cents INTEGER NOT NULL, ref TEXT NOT NULL, "
       "PRIMARY KEY(receipt, line)) WITHOUT ROWID",
       {"receipt", "line"}});
  registry.AddTable({"receipt_tenders",
                     "CREATE TABLE IF NOT EXISTS receipt_tenders(receipt TEXT NOT NULL, line INTEGER NOT "
                     "NULL, kind TEXT NOT "
                     "NULL, amount_cents INTEGER NOT NULL, number TEXT NOT NULL, reference TEXT NOT NULL, "
                     "PRIMARY KEY(receipt, line)) WITHOUT ROWID",
                     {"receipt", "line"}});
  registry.AddTable(
      {"refunds",
       "CREATE TABLE IF NOT EXISTS refunds(id TEXT PRIMARY KEY, receipt TEXT NOT NULL, drawer_id TEXT NOT "
       "NULL, amount_cents INTEGER NOT NULL, tender_kind TEXT NOT NULL, reason TEXT NOT NULL, approved_by "
       "TEXT NOT NULL, clerk TEXT NOT NULL, refunded_at INTEGER NOT NULL) WITHOUT ROWID;"
       "CREATE INDEX IF NOT EXISTS refunds_receipt ON refunds(receipt);"
       "CREATE INDEX IF NOT EXISTS refunds_drawer ON refunds(drawer_id, tender_kind);",
       {"id"},
       {"refunds_receipt"}});  // the receipt aggregate's clear
  registry.AddAggregate({"drawer", [](Db& db, std::string_view id) -> Status {
                           HF_RETURN_IF_ERROR(DeleteWhere(db, "drawers", "id", id));
                           return DeleteWhere(db, "drawer_counts", "drawer_id", id);
                         }});
  registry.AddAggregate({"receipt", [](Db& db, std::string_view number) -> Status {
                           HF_RETURN_IF_ERROR(DeleteWhere(db, "receipts", "number", number));
                           HF_RETURN_IF_ERROR(DeleteWhere(db, "receipt_items", "receipt", number));
                           HF_RETURN_IF_ERROR(DeleteWhere(db, "receipt_tenders", "receipt", number));
                           HF_RETURN_IF_ERROR(ClearConflicts(db, ReceiptAggregate(number)));
                           return DeleteWhere(db, "refunds", "receipt", number);
                         }});
  registry.AddRule(
      {"drawer.opened",
       [](const journal::Event& e) -> std::vector<std::string> {
         return {DrawerAggregate(StringOr(e.data, "id")), store::SeriesAggregate(e.feed, "drawer")};
       },
       ApplyCashier});
  registry.AddRule({"drawer.closed",
                    [](const journal::Event& e) -> std::vector<std::string> {
                      return {DrawerAggregate(StringOr(e.data, "id"))};
                    },
                    ApplyCashier});
  registry.AddRule(
      {"payment.taken",
       [](const journal::Event& e) -> std::vector<std::string> {
         return {ReceiptAggregate(StringOr(e.data, "receipt")), store::SeriesAggregate(e.feed, "receipt")};
       },
       ApplyCashier});
  registry.AddRule({"payment.voided",
                    [](const journal::Event& e) -> std::vector<std::string> {
                      return {ReceiptAggregate(StringOr(e.data, "receipt"))};
                    },
                    ApplyCashier});
  registry.AddRule({"payment.check_returned",
                    [](const journal::Event& e) -> std::vector<std::string> {
                      return {ReceiptAggregate(StringOr(e.data, "receipt"))};
                    },
                    ApplyCashier});
  registry.AddRule(
      {"payment.refunded",
       [](const journal::Event& e) -> std::vector<std::string> {
         return {ReceiptAggregate(StringOr(e.data, "receipt")), store::SeriesAggregate(e.feed, "refund")};
       },
       ApplyCashier});
}

// --- parsing
// ------------------------------------------------------------------------------------------------

Result<std::vector<Tender>> ParseTenders(const json::value& tenders) {
  if (!tenders.is_array()) return Invalid("tenders must be an array of {kind, amount_cents, …}", "tenders");
  const json::array& a = tenders.get_array();
  if (a.size() > kMaxTenders) return Invalid(fmt::format("at most {} tenders", kMaxTenders), "tenders");
  std::vector<Tender> out;
  for (size_t i = 0; i < a.size(); ++i) {
    std::string name = fmt::format("tenders[{}]", i);
    if (!a[i].is_object()) return Invalid(fmt::format("{} must be an object", name), name);
    ObjectReader r(a[i].get_object(), name + ".");
    Tender t;
    t.kind = r.RequiredString("kind", 20);
    t.amount_cents = r.RequiredInt("amount_cents");
    t.number = r.String("number", 40).value_or("");
    t.reference = r.String("reference", 100).value_or("");
    HF_RETURN_IF_ERROR(r.Finish());
    HF_RETURN_IF_ERROR(CheckTender(t, name));
    out.push_back(std::move(t));
  }
  return out;
}

Result<std::vector<FeeLine>> ParseFeeLines(const json::value& items) {
  if (!items.is_array()) {
    return Invalid("items must be an array of {code, description, amount_cents, ref?}", "items");
  }
  const json::array& a = items.get_array();
  if (a.empty()) return Invalid("a payment needs at least one item", "items");
  if (a.size() > kMaxItems)
    return Invalid(fmt::format("at most {} items on one receipt", kMaxItems), "items");
  std::vector<FeeLine> out;
  for (size_t i = 0; i < a.size(); ++i) {
    std::string name = fmt::format("items[{}]", i);
    if (!a[i].is_object()) return Invalid(fmt::format("{} must be an object", name), name);
    ObjectReader r(a[i].get_object(), name + ".");
    FeeLine f;
    f.code = r.RequiredString("code", 24);
    f.description = r.RequiredString("description", 200);
    f.amount_cents = r.RequiredInt("amount_cents");
    f.ref = r.String("ref", 100).value_or("");
    HF_RETURN_IF_ERROR(r.Finish());
    HF_RETURN_IF_ERROR(CheckFeeLine(f, name));
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<CashCount>> ParseCashCounts(const json::value& counted) {
  if (!counted.is_array()) {
    return Invalid("counted must be an array of {denomination_cents, count, form?}", "counted");
  }
  const json::array& a = counted.get_array();
  if (a.size() > std::size(kDenominations)) {
    return Invalid(fmt::format("at most {} lines: one per denomination", std::size(kDenominations)),
                   "counted");
  }
  std::vector<CashCount> out;
  for (size_t i = 0; i < a.size(); ++i) {
    std::string name = fmt::format("counted[{}]", i);
    if (!a[i].is_object()) return Invalid(fmt::format("{} must be an object", name), name);
    ObjectReader r(a[i].get_object(), name + ".");
    CashCount c;
    c.denomination_cents = r.RequiredInt("denomination_cents");
    c.count = r.RequiredInt("count");
    auto form = r.String("form", 10);
    HF_RETURN_IF_ERROR(r.Finish());
    c.form = form.value_or(DefaultForm(c.denomination_cents));
    if (c.form != "bill" && c.form != "coin") {
      return Invalid(fmt::format("{}.form must be \"bill\" or \"coin\"", name), name + ".form");
    }
    out.push_back(std::move(c));
  }
  HF_RETURN_IF_ERROR(CheckCashCounts(out));
  return out;
}

// --- commands
// -----------------------------------------------------------------------------------------------

Result<json::object> OpenDrawer(store::CommandContext& ctx, const OpenDrawerRequest& request,
                                const std::string& actor) {
  const std::string& clerk = request.clerk.empty() ? actor : request.clerk;
  if (request.float_cents < 0 || request.float_cents > kMaxAmountCents) {
    return Invalid(fmt::format("float_cents must be 0 to {}", kMaxAmountCents), "float_cents");
  }
  {
    HF_ASSIGN_OR_RETURN(StmtRef s,
                        ctx.db().Prepare("SELECT id FROM drawers WHERE clerk=? AND status='open' AND feed=? "
                                         "ORDER BY opened_at LIMIT 1"));
    s->BindAll(clerk, ctx.node_id());
    HF_ASSIGN_OR_RETURN(bool open, s->Step());
    if (open) {
      return Conflict(
          fmt::format("drawer {} is still open for this clerk; close it before opening another", s->Text(0)),
          "drawer-already-open");
    }
  }
  HF_ASSIGN_OR_RETURN(int64_t n, store::NextSeriesNumber(ctx.db(), ctx.node_id(), "drawer"));
  std::string id = store::SeriesId("d", ctx.node_id(), n);
  HF_ASSIGN_OR_RETURN(Date today, CityToday(ctx));
  json::object d{
      {"id", id}, {"clerk", clerk}, {"float_cents", request.float_cents}, {"opened_on", today.ToString()}};
  HF_RETURN_IF_ERROR(ctx.Emit("drawer.opened", std::move(d), actor).status());
  HF_ASSIGN_OR_RETURN(auto drawer, GetDrawer(ctx.db(), id));
  if (!drawer) return Internal("drawer vanished after it was opened");
  return *drawer;
}

Result<json::object> TakePayment(store::CommandContext& ctx, const PaymentRequest& request,
                                 const std::string& actor) {
  Db& db = ctx.db();
  const std::string& clerk = request.clerk.empty() ? actor : request.clerk;
  HF_ASSIGN_OR_RETURN(auto drawer, LoadDrawer(db, request.drawer_id));
  if (!drawer) return NotFound(fmt::format("no drawer {}", request.drawer_id));
  HF_RETURN_IF_ERROR(CheckDrawerUsable(*drawer, ctx.node_id(), clerk, false));
  if (!request.payer_party_id.empty()) {
    HF_ASSIGN_OR_RETURN(bool found, PartyExists(db, request.payer_party_id));
    if (!found) return NotFound(fmt::format("no party {} to pay", request.payer_party_id));
  }
  if (request.items.empty()) return Invalid("a payment needs at least one item", "items");
  if (request.items.size() > kMaxItems) {
    return Invalid(fmt::format("at most {} items on one receipt", kMaxItems), "items");
  }
  Cents total = 0;
  json::array items;
  for (size_t i = 0; i < request.items.size(); ++i) {
    HF_RETURN_IF_ERROR(CheckFeeLine(request.items[i], fmt::format("items[{}]", i)));
    total += request.items[i].amount_cents;
    items.push_back(request.items[i].ToJson());
  }
  if (total < 0) {
    return Invalid(fmt::format("the items come to {}: a payment cannot be negative (refund instead)",
                               FormatCents(total)),
                   "items");
  }
  if (total > kMaxAmountCents) {
    return Invalid(fmt::format("the items come to {}, more than one receipt may take ({})",
                               FormatCents(total), FormatCents(kMaxAmountCents)),
                   "items");
  }
  if (request.tenders.size() > kMaxTenders) {
    return Invalid(fmt::format("at most {} tenders", kMaxTenders), "tenders");
  }
  Cents tendered = 0, non_cash = 0;
  json::array tenders;
  for (size_t i = 0; i < request.tenders.size(); ++i) {
    const Tender& t = request.tenders[i];
    HF_RETURN_IF_ERROR(CheckTender(t, fmt::format("tenders[{}]", i)));
    tendered += t.amount_cents;
    if (t.kind != "cash") non_cash += t.amount_cents;
    tenders.push_back(TenderJson(t));
  }
  if (tendered < total) {
    return MakeError(Code::kInvalid,
                     fmt::format("the tenders come to {} of the {} due: {} is still due",
                                 FormatCents(tendered), FormatCents(total), FormatCents(total - tendered)),
                     "tender-short", "tenders");
  }
  if (non_cash > total) {
    return MakeError(
        Code::kInvalid,
        fmt::format("only cash gives change: the check, card and money order tenders come to {}, "
                    "more than the {} due",
                    FormatCents(non_cash), FormatCents(total)),
        "change-only-from-cash", "tenders");
  }
  std::string number = request.receipt;
  if (number.empty()) {
    HF_ASSIGN_OR_RETURN(number, NextReceiptNumber(ctx));
  }
  json::object d{{"receipt", number},
                 {"drawer_id", request.drawer_id},
                 {"payer_party_id", request.payer_party_id},
                 {"clerk", clerk},
                 {"items", std::move(items)},
                 {"total_cents", total},
                 {"tenders", std::move(tenders)},
                 {"change_cents", tendered - total}};
  HF_ASSIGN_OR_RETURN(journal::StoredEvent e, ctx.Emit("payment.taken", std::move(d), actor));
  return NewReceipt(e);
}

Result<json::object> CloseDrawer(store::CommandContext& ctx, const CloseDrawerRequest& request,
                                 const std::string& actor) {
  HF_ASSIGN_OR_RETURN(auto drawer, LoadDrawer(ctx.db(), request.drawer_id));
  if (!drawer) return NotFound(fmt::format("no drawer {}", request.drawer_id));
  HF_RETURN_IF_ERROR(CheckDrawerUsable(*drawer, ctx.node_id(), actor, request.any_clerk));
  HF_RETURN_IF_ERROR(CheckCashCounts(request.counted));
  Cents counted_cash = 0;
  json::array counted;
  for (const CashCount& c : request.counted) {
    counted_cash += c.denomination_cents * c.count;
    counted.push_back(
        json::object{{"denomination_cents", c.denomination_cents}, {"form", c.form}, {"count", c.count}});
  }
  HF_ASSIGN_OR_RETURN(CashFigures f, CashOf(ctx.db(), drawer->id));
  const Cents expected = Expected(*drawer, f);
  json::object d{{"id", drawer->id},
                 {"counted", std::move(counted)},
                 {"counted_cash_cents", counted_cash},
                 {"expected_cash_cents", expected},
                 {"over_short_cents", counted_cash - expected},
                 {"closed_by", actor}};
  HF_RETURN_IF_ERROR(ctx.Emit("drawer.closed", std::move(d), actor).status());
  HF_ASSIGN_OR_RETURN(auto report, DrawerReport(ctx.db(), drawer->id));
  if (!report) return Internal("drawer vanished after it was closed");
  return *report;
}

Result<std::string> NextReceiptNumber(store::CommandContext& ctx) {
  HF_ASSIGN_OR_RETURN(int64_t n, store::NextSeriesNumber(ctx.db(), ctx.node_id(), "receipt"));
  return store::SeriesId("r", ctx.node_id(), n);
}

namespace {
// Registered at startup (before any command runs), read-only afterwards.
struct RegisteredReversal {
  std::string prefix;
  PaidItemsReversal reversal;
  std::vector<std::string> refusals;
};
std::vector<RegisteredReversal>& Reversals() {
  static std::vector<RegisteredReversal> reversals;
  return reversals;
}

// What a receipt paid for: its distinct refs in the order of its items, with the amount of each.
Result<std::vector<PaidItem>> PaidItemsOf(Db& db, std::string_view receipt) {
  HF_ASSIGN_OR_RETURN(
      StmtRef s, db.Prepare("SELECT ref, amount_cents FROM receipt_items WHERE receipt=? ORDER BY line"));
  s->Bind(1, receipt);
  std::vector<PaidItem> items;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    std::string_view ref = s->TextView(0);
    if (ref.empty()) continue;
    auto same = std::find_if(items.begin(), items.end(), [&](const PaidItem& i) { return i.ref == ref; });
    if (same == items.end()) same = items.insert(items.end(), PaidItem{std::string(ref), 0});
    same->amount_cents += s->Int(1);
  }
  return items;
}
}  // namespace

Status ReversePaidItems(store::CommandContext& ctx, const ReversedPayment& reversed,
                        const std::string& actor) {
  for (const auto& [prefix, reversal, refusals] : Reversals()) {
    ReversedPayment some = reversed;
    std::erase_if(some.items, [&](const PaidItem& i) { return !i.ref.starts_with(prefix); });
    if (!some.items.empty()) HF_RETURN_IF_ERROR(reversal(ctx, some, actor));
  }
  return Status::Ok();
}

void RegisterPaidItemsReversal(std::string ref_prefix, PaidItemsReversal reversal,
                               std::vector<std::string> refusals) {
  for (const RegisteredReversal& r : Reversals()) {
    if (r.prefix == ref_prefix) return;  // registered once, by the first registry built
  }
  Reversals().push_back({std::move(ref_prefix), std::move(reversal), std::move(refusals)});
}

bool IsReversalRefusal(const Error& e) {
  for (const RegisteredReversal& r : Reversals()) {
    if (std::find(r.refusals.begin(), r.refusals.end(), e.Type()) != r.refusals.end()) return true;
  }
  return false;
}

Result<json::object> VoidPayment(store::CommandContext& ctx, const VoidRequest& request,
                                 const std::string& actor) {
  if (request.approved_by.empty()) return ApprovalRequired("a void");
  HF_ASSIGN_OR_RETURN(const ReceiptRow receipt,
                      ReceiptToTakeBack(ctx.db(), request.receipt, request.reason, "void"));
  if (receipt.refunded_cents > 0) {
    return Conflict(fmt::format("receipt {} has {} refunded already; refund the rest instead of voiding it",
                                receipt.number, FormatCents(receipt.refunded_cents)),
                    "receipt-refunded");
  }
  HF_ASSIGN_OR_RETURN(auto drawer, LoadDrawer(ctx.db(), receipt.drawer_id));
  if (!drawer || drawer->status != "open") {
    return Conflict(
        fmt::format("receipt {}'s drawer {} is closed: a payment can be voided only while its drawer "
                    "is open; refund it instead",
                    receipt.number, receipt.drawer_id),
        "drawer-not-open");
  }
  HF_RETURN_IF_ERROR(CheckDrawerUsable(*drawer, ctx.node_id(), actor, request.any_drawer));
  HF_RETURN_IF_ERROR(ctx.Emit("payment.voided",
                              json::object{{"receipt", receipt.number},
                                           {"reason", request.reason},
                                           {"approved_by", request.approved_by}},
                              actor)
                         .status());
  HF_ASSIGN_OR_RETURN(std::vector<PaidItem> items, PaidItemsOf(ctx.db(), receipt.number));
  HF_RETURN_IF_ERROR(ReversePaidItems(ctx,
                                      {.receipt = receipt.number,
                                       .described = "receipt " + receipt.number,
                                       .instead = "refund the receipt instead of voiding it",
                                       .items = std::move(items),
                                       .reason = request.reason,
                                       .approved_by = request.approved_by},
                                      actor));
  HF_ASSIGN_OR_RETURN(auto after, GetReceipt(ctx.db(), receipt.number));
  return *after;
}

Result<json::object> RefundPayment(store::CommandContext& ctx, const RefundRequest& request,
                                   const std::string& actor) {
  Db& db = ctx.db();
  if (request.approved_by.empty()) return ApprovalRequired("a refund");
  if (request.amount_cents < 1 || request.amount_cents > kMaxAmountCents) {
    return Invalid(fmt::format("amount_cents must be 1 to {}", kMaxAmountCents), "amount_cents");
  }
  if (!IsTenderKind(request.tender_kind)) {
    return Invalid("tender_kind must be cash, check, card or money_order", "tender_kind");
  }
  HF_ASSIGN_OR_RETURN(const ReceiptRow receipt,
                      ReceiptToTakeBack(db, request.receipt, request.reason, "refund"));
  HF_ASSIGN_OR_RETURN(auto drawer, LoadDrawer(db, request.drawer_id));
  if (!drawer) return NotFound(fmt::format("no drawer {}", request.drawer_id));
  HF_RETURN_IF_ERROR(CheckDrawerUsable(*drawer, ctx.node_id(), actor, false));
  const Cents left = receipt.total_cents - receipt.refunded_cents;
  if (request.amount_cents > left) {
    return Conflict(
        fmt::format("receipt {} has {} left to refund (of {} paid); {} is more than that", receipt.number,
                    FormatCents(left), FormatCents(receipt.total_cents), FormatCents(request.amount_cents)),
        "refund-exceeds-payment");
  }
  if (request.tender_kind != "cash") {
    HF_ASSIGN_OR_RETURN(Cents paid, QueryOne(db,
                                             "SELECT COALESCE(SUM(amount_cents), 0) FROM receipt_tenders "
                                             "WHERE receipt=?1 AND kind=?2",
                                             receipt.number, request.tender_kind));
    if (paid == 0) {
      return MakeError(
          Code::kInvalid,
          fmt::format("receipt {} was not paid by {}: refund in cash or to a kind it was paid with",
                      receipt.number, request.tender_kind),
          "refund-tender-invalid", "tender_kind");
    }
    HF_ASSIGN_OR_RETURN(Cents refunded, QueryOne(db,
                                                 "SELECT COALESCE(SUM(amount_cents), 0) FROM refunds "
                                                 "WHERE receipt=?1 AND tender_kind=?2",
                                                 receipt.number, request.tender_kind));
    if (refunded + request.amount_cents > paid) {
      return Conflict(
          fmt::format("receipt {} took {} by {} and {} of it is refunded already: at most {} more "
                      "can go back that way",
                      receipt.number, FormatCents(paid), request.tender_kind, FormatCents(refunded),
                      FormatCents(paid - refunded)),
          "refund-exceeds-tender");
    }
  } else {
    HF_ASSIGN_OR_RETURN(CashFigures f, CashOf(db, drawer->id));
    const Cents cash = Expected(*drawer, f);
    if (request.amount_cents > cash) {
      return Conflict(fmt::format("drawer {} holds {} in cash, less than the {} to refund", drawer->id,
                                  FormatCents(cash), FormatCents(request.amount_cents)),
                      "insufficient-cash");
    }
  }
  HF_ASSIGN_OR_RETURN(int64_t n, store::NextSeriesNumber(db, ctx.node_id(), "refund"));
  std::string id = store::SeriesId("rf", ctx.node_id(), n);
  json::object d{{"receipt", receipt.number},
                 {"refund", id},
                 {"amount_cents", request.amount_cents},
                 {"drawer_id", drawer->id},
                 {"tender_kind", request.tender_kind},
                 {"reason", request.reason},
                 {"approved_by", request.approved_by}};
  HF_RETURN_IF_ERROR(ctx.Emit("payment.refunded", std::move(d), actor).status());
  json::object refund;
  {
    HF_ASSIGN_OR_RETURN(StmtRef s,
                        db.Prepare(fmt::format("SELECT {} FROM refunds WHERE id=?", kRefundColumns)));
    s->Bind(1, id);
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return Internal("refund vanished after it was recorded");
    refund = ReadRefund(*s);
  }
  HF_ASSIGN_OR_RETURN(auto after, GetReceipt(db, receipt.number));
  return json::object{{"refund", std::move(refund)}, {"receipt", std::move(*after)}};
}

Result<json::object> RecordReturnedCheck(store::CommandContext& ctx, const ReturnedCheckRequest& request,
                                         const std::string& actor) {
  Db& db = ctx.db();
  HF_ASSIGN_OR_RETURN(const ReceiptRow receipt,
                      ReceiptToTakeBack(db, request.receipt, request.reason, "record as returned"));
  if (receipt.refunded_cents > 0) {
    return Conflict(fmt::format("receipt {} has {} refunded already: a returned check is recorded only on a "
                                "receipt nothing was refunded from; collect what is owed as a new payment",
                                receipt.number, FormatCents(receipt.refunded_cents)),
                    "receipt-refunded");
  }
  std::vector<std::string> checks;
  Cents by_check = 0;
  {
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT kind, amount_cents, number FROM receipt_tenders "
                                              "WHERE receipt=? ORDER BY line"));
    s->Bind(1, receipt.number);
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      if (s->TextView(0) != "check") {
        return Conflict(
            fmt::format("receipt {} was paid partly by {}: a returned check is recorded only on a "
                        "receipt paid wholly by check; collect the unpaid amount as a new payment",
                        receipt.number, s->TextView(0)),
            "not-paid-by-check");
      }
      by_check += s->Int(1);
      checks.push_back(s->Text(2));
    }
  }
  if (checks.empty()) {
    return Conflict(fmt::format("receipt {} was not paid by check", receipt.number), "not-paid-by-check");
  }
  HF_ASSIGN_OR_RETURN(Date today, CityToday(ctx));
  HF_ASSIGN_OR_RETURN(std::vector<PaidItem> items, PaidItemsOf(db, receipt.number));
  Status reversed = ctx.Attempt([&] {
    return ReversePaidItems(ctx,
                            {.receipt = receipt.number,
                             .described = fmt::format("receipt {} (its check returned)", receipt.number),
                             .items = std::move(items),
                             .reason = "returned check: " + request.reason,
                             .approved_by = actor},
                            actor);
  });
  if (!reversed.ok() && !IsReversalRefusal(reversed.error())) return reversed.error();
  json::array numbers;
  for (auto& n : checks) numbers.emplace_back(std::move(n));
  json::object data{{"receipt", receipt.number},
                    {"amount_cents", by_check},
                    {"check_numbers", std::move(numbers)},
                    {"reason", request.reason},
                    {"returned_on", today.ToString()}};
  if (!reversed.ok()) data["not_reversed"] = reversed.error().detail;
  HF_RETURN_IF_ERROR(ctx.Emit("payment.check_returned", std::move(data), actor).status());
  HF_ASSIGN_OR_RETURN(auto after, GetReceipt(db, receipt.number));
  return *after;
}

// --- reads
// --------------------------------------------------------------------------------------------------

Result<std::optional<json::object>> GetReceipt(Db& db, std::string_view number) {
  json::object o;
  Cents total = 0, refunded = 0;
  std::string status;
  {
    HF_ASSIGN_OR_RETURN(
        StmtRef s,
        db.Prepare(fmt::format("SELECT number, drawer_id, payer_party_id, clerk, total_cents, "
                               "change_cents, status, refunded_cents, taken_at, voided_at, voided_by, "
                               "void_reason, void_approved_by, event_hash, {} FROM receipts WHERE "
                               "number=?",
                               kReturnColumns)));
    s->Bind(1, number);
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return std::optional<json::object>();
    total = s->Int(4);
    refunded = s->Int(7);
    status = s->Text(6);
    o["receipt"] = s->Text(0);
    o["drawer_id"] = s->Text(1);
    o["payer_party_id"] = s->Text(2);
    o["clerk"] = s->Text(3);
    o["total_cents"] = total;
    o["change_cents"] = s->Int(5);
    o["taken_at"] = s->Int(8);
    o["event_hash"] = s->Text(13);
    if (status == "voided") {
      o["void"] = json::object{{"reason", s->Text(11)},
                               {"approved_by", s->Text(12)},
                               {"voided_by", s->Text(10)},
                               {"voided_at", s->Int(9)}};
    } else {
      o["void"] = nullptr;
    }
    o["returned_check"] = ReadReturn(*s, 14);
    if (status == "paid" && !s->IsNull(14)) status = "check-returned";
  }
  if (status == "paid" && refunded > 0) status = refunded >= total ? "refunded" : "partly-refunded";
  o["status"] = status;
  o["refunded_cents"] = refunded;
  o["refundable_cents"] = status == "voided" || status == "check-returned" ? 0 : total - refunded;
  json::array items;
  {
    HF_ASSIGN_OR_RETURN(StmtRef s,
                        db.Prepare("SELECT code, description, amount_cents, ref FROM receipt_items "
                                   "WHERE receipt=? ORDER BY line"));
    s->Bind(1, number);
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      items.push_back(FeeLine{s->Text(0), s->Text(1), s->Int(2), s->Text(3)}.ToJson());
    }
  }
  o["items"] = std::move(items);
  json::array tenders;
  {
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT kind, amount_cents, number, reference FROM "
                                              "receipt_tenders WHERE receipt=? ORDER BY line"));
    s->Bind(1, number);
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      tenders.push_back(TenderJson(Tender{s->Text(0), s->Int(1), s->Text(2), s->Text(3)}));
    }
  }
  o["tenders"] = std::move(tenders);
  json::array refunds;
  {
    HF_ASSIGN_OR_RETURN(
        StmtRef s, db.Prepare(fmt::format("SELECT {} FROM refunds WHERE receipt=? ORDER BY refunded_at, id",
                                          kRefundColumns)));
    s->Bind(1, number);
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      refunds.push_back(ReadRefund(*s));
    }
  }
  o["refunds"] = std::move(refunds);
  return std::optional<json::object>(std::move(o));
}

Result<json::object> ReturnedChecks(Db& db, Date from, Date to) {
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare(fmt::format("SELECT number, total_cents, payer_party_id, drawer_id, "
                                             "taken_at, {} FROM receipts WHERE returned_at IS NOT "
                                             "NULL AND returned_on >= ? AND returned_on <= ? ORDER "
                                             "BY returned_on, number",
                                             kReturnColumns)));
  s->BindAll(from.ToString(), to.ToString());
  json::array items;
  Cents total = 0;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    json::object o = ReadReturn(*s, 5).as_object();
    o["receipt"] = s->Text(0);
    o["amount_cents"] = s->Int(1);
    o["payer_party_id"] = s->Text(2);
    o["drawer_id"] = s->Text(3);
    o["taken_at"] = s->Int(4);
    total += s->Int(1);
    items.push_back(std::move(o));
  }
  const auto count = static_cast<int64_t>(items.size());
  return json::object{{"from", from.ToString()},
                      {"to", to.ToString()},
                      {"items", std::move(items)},
                      {"count", count},
                      {"total_cents", total}};
}

Result<std::optional<json::object>> GetDrawer(Db& db, std::string_view id) {
  HF_ASSIGN_OR_RETURN(auto drawer, LoadDrawer(db, id));
  if (!drawer) return std::optional<json::object>();
  HF_ASSIGN_OR_RETURN(json::object o, DrawerJson(db, *drawer));
  return std::optional<json::object>(std::move(o));
}

Result<DrawerPage> ListDrawers(Db& db, const DrawerQuery& q) {
  // Cursor: "<opened_at>\x1f<id>" of the last item, hex-encoded so it is URL-safe.
  int64_t after_at = 0;
  std::string after_id;
  if (!q.after.empty()) {
    auto raw = FromHex(q.after);
    std::string text = raw ? std::string(AsChars(*raw)) : "";
    auto sep = text.find('\x1f');
    auto [p, ec] = std::from_chars(text.data(), text.data() + (sep == std::string::npos ? 0 : sep), after_at);
    if (sep == std::string::npos || ec != std::errc() || p != text.data() + sep) {
      return Invalid("the cursor is not one this server gave out", "cursor");
    }
    after_id = text.substr(sep + 1);
  }
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare(fmt::format("SELECT {} FROM drawers WHERE (?1 = '' OR status = ?1) "
                                             "AND (?2 = '' OR clerk = ?2) AND (?3 = '' OR "
                                             "(opened_at, id) < (?4, ?3)) "
                                             "ORDER BY opened_at DESC, id DESC LIMIT ?5",
                                             kDrawerColumns)));
  s->BindAll(q.status, q.clerk, after_id, after_at, int64_t{q.limit + 1});
  std::vector<DrawerRow> rows;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    rows.push_back(ReadDrawer(*s));
  }
  DrawerPage page;
  if (static_cast<int>(rows.size()) > q.limit) {
    rows.resize(q.limit);
    page.next_cursor = Hex(AsBytes(fmt::format("{}\x1f{}", rows.back().opened_at, rows.back().id)));
  }
  for (const DrawerRow& d : rows) {
    HF_ASSIGN_OR_RETURN(json::object o, DrawerJson(db, d));
    page.items.push_back(std::move(o));
  }
  return page;
}

Result<std::optional<json::object>> DrawerReport(Db& db, std::string_view id) {
  HF_ASSIGN_OR_RETURN(auto drawer, LoadDrawer(db, id));
  if (!drawer) return std::optional<json::object>();
  HF_ASSIGN_OR_RETURN(json::object drawer_json, DrawerJson(db, *drawer));
  auto count_and_sum = [&](std::string_view sql,
                           std::string_view b = {}) -> Result<std::pair<int64_t, Cents>> {
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare(sql));
    s->Bind(1, id);
    if (!b.empty()) s->Bind(2, b);
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return std::pair<int64_t, Cents>{0, 0};
    return std::pair<int64_t, Cents>{s->Int(0), s->Int(1)};
  };
  constexpr std::string_view kReceiptsByStatus =
      "SELECT COUNT(*), COALESCE(SUM(total_cents), 0) FROM receipts WHERE drawer_id=?1 AND status=?2";
  HF_ASSIGN_OR_RETURN(auto paid, count_and_sum(kReceiptsByStatus, "paid"));
  HF_ASSIGN_OR_RETURN(auto voided, count_and_sum(kReceiptsByStatus, "voided"));
  HF_ASSIGN_OR_RETURN(auto refunds,
                      count_and_sum("SELECT COUNT(*), COALESCE(SUM(amount_cents), 0) FROM refunds "
                                    "WHERE drawer_id=?1"));
  HF_ASSIGN_OR_RETURN(CashFigures cash, CashOf(db, id));

  json::array by_tender;
  for (std::string_view kind : kTenderKinds) {
    HF_ASSIGN_OR_RETURN(auto received, count_and_sum("SELECT COUNT(*), COALESCE(SUM(t.amount_cents), 0) FROM "
                                                     "receipt_tenders t JOIN receipts r ON r.number = "
                                                     "t.receipt WHERE r.drawer_id=?1 AND r.status='paid' "
                                                     "AND t.kind=?2",
                                                     kind));
    HF_ASSIGN_OR_RETURN(auto refunded, count_and_sum("SELECT COUNT(*), COALESCE(SUM(amount_cents), 0) FROM "
                                                     "refunds WHERE drawer_id=?1 AND tender_kind=?2",
                                                     kind));
    Cents in = received.second - (kind == "cash" ? cash.change : 0);
    by_tender.push_back(json::object{{"kind", kind},
                                     {"count", received.first},
                                     {"received_cents", in},
                                     {"refund_count", refunded.first},
                                     {"refunded_cents", refunded.second},
                                     {"net_cents", in - refunded.second}});
  }
  json::array by_code;
  {
    HF_ASSIGN_OR_RETURN(
        StmtRef s, db.Prepare("SELECT i.code, COUNT(*), SUM(i.amount_cents) FROM receipt_items i "
                              "JOIN receipts r ON r.number = i.receipt "
                              "WHERE r.drawer_id=? AND r.status='paid' GROUP BY i.code ORDER BY i.code"));
    s->Bind(1, id);
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      by_code.push_back(
          json::object{{"code", s->Text(0)}, {"count", s->Int(1)}, {"amount_cents", s->Int(2)}});
    }
  }
  json::array counted;
  {
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT denomination_cents, form, count FROM drawer_counts "
                                              "WHERE drawer_id=? ORDER BY denomination_cents DESC, form"));
    s->Bind(1, id);
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      counted.push_back(json::object{{"denomination_cents", s->Int(0)},
                                     {"form", s->Text(1)},
                                     {"count", s->Int(2)},
                                     {"amount_cents", s->Int(0) * s->Int(2)}});
    }
  }
  json::object r;
  r["drawer"] = drawer_json;
  r["float_cents"] = drawer->float_cents;
  r["receipts"] = json::object{{"count", paid.first}, {"total_cents", paid.second}};
  r["voids"] = json::object{{"count", voided.first}, {"total_cents", voided.second}};
  r["refunds"] = json::object{{"count", refunds.first}, {"total_cents", refunds.second}};
  r["net_cents"] = paid.second - refunds.second;
  r["by_tender"] = std::move(by_tender);
  r["by_fee_code"] = std::move(by_code);
  r["cash"] = json::object{{"float_cents", drawer->float_cents},
                           {"tendered_cents", cash.tendered},
                           {"change_cents", cash.change},
                           {"refunded_cents", cash.refunded},
                           {"expected_cents", Expected(*drawer, cash)}};
  r["expected_cash_cents"] = drawer_json["expected_cash_cents"];
  r["counted_cash_cents"] = drawer_json["counted_cash_cents"];
  r["over_short_cents"] = drawer_json["over_short_cents"];
  r["counted"] = std::move(counted);
  return std::optional<json::object>(std::move(r));
}

std::string DrawerReportCsv(const json::object& report) {
  const std::string id(StringOr(ObjectOr(report, "drawer"), "id"));
  std::string out = "drawer_id,section,item,count,amount_cents,amount\r\n";
  auto row = [&](std::string_view section, std::string_view item, std::optional<int64_t> count,
                 const json::value* amount) {
    std::string cents, dollars;
    if (amount && amount->is_int64()) {
      cents = std::to_string(amount->get_int64());
      dollars = FormatCents(amount->get_int64());
    }
    out += fmt::format("{},{},{},{},{},{}\r\n", CsvField(id), section, CsvField(item),
                       count ? std::to_string(*count) : "", cents, dollars);
  };
  auto figure = [&](std::string_view section, std::string_view item, const json::object& o,
                    std::string_view amount_key, std::string_view count_key = {}) {
    std::optional<int64_t> count;
    if (!count_key.empty()) count = IntOr(o, count_key);
    row(section, item, count, o.if_contains(amount_key));
  };
  figure("summary", "float", report, "float_cents");
  figure("summary", "receipts", ObjectOr(report, "receipts"), "total_cents", "count");
  figure("summary", "voids", ObjectOr(report, "voids"), "total_cents", "count");
  figure("summary", "refunds", ObjectOr(report, "refunds"), "total_cents", "count");
  figure("summary", "net", report, "net_cents");
  for (const json::value& v : ArrayOr(report, "by_tender")) {
    if (!v.is_object()) continue;
    const json::object& t = v.get_object();
    figure("tender", StringOr(t, "kind"), t, "received_cents", "count");
  }
  for (const json::value& v : ArrayOr(report, "by_tender")) {
    if (!v.is_object()) continue;
    const json::object& t = v.get_object();
    figure("tender_refund", StringOr(t, "kind"), t, "refunded_cents", "refund_count");
  }
  for (const json::value& v : ArrayOr(report, "by_fee_code")) {
    if (!v.is_object()) continue;
    const json::object& c = v.get_object();
    figure("fee_code", StringOr(c, "code"), c, "amount_cents", "count");
  }
  const json::object& cash = ObjectOr(report, "cash");
  figure("cash", "tendered", cash, "tendered_cents");
  figure("cash", "change", cash, "change_cents");
  figure("cash", "refunded", cash, "refunded_cents");
  figure("cash", "expected", report, "expected_cash_cents");
  figure("cash", "counted", report, "counted_cash_cents");
  figure("cash", "over_short", report, "over_short_cents");
  return out;
}

}  // namespace holdfast::domain
