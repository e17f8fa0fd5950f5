#include "domain/utilities.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "base/bytes.h"
#include "base/crypto.h"
#include "base/text.h"
#include "domain/city_date.h"
#include "domain/conflicts.h"
#include "domain/incidents.h"
#include "domain/lockbox.h"
#include "domain/parties.h"
#include "domain/refusals.h"
#include "store/series.h"

namespace holdfast::domain {
namespace {

using store::Db;
using store::StmtRef;

constexpr std::string_view kRefPrefix = "UA-";

bool IsAccountNumber(std::string_view s) {
  return !s.empty() && s.size() <= 20 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == '-';
  });
}

// One ledger row: kind, signed amount, the columns each kind uses.
struct LedgerRow {
  std::string id, kind;
  Cents amount_cents = 0;
  std::string period, due_on, bill_id, receipt, channel, reference, note, on;
};

Status InsertLedger(Db& db, const journal::StoredEvent& se, std::string_view aggregate, const LedgerRow& r) {
  const journal::Event& e = se.event;
  std::string_view number = StringOr(e.data, "number");
  HF_ASSIGN_OR_RETURN(
      StmtRef s, db.Prepare("INSERT OR IGNORE INTO utility_ledger(id, account, kind, amount_cents, period, "
                            "due_on, bill_id, receipt, channel, reference, note, on_date, at, event_hash) "
                            "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  s->BindAll(r.id, number, r.kind, r.amount_cents, r.period, r.due_on, r.bill_id, r.receipt, r.channel,
             r.reference, r.note, r.on, e.stamp.time, se.HashHex());
  HF_RETURN_IF_ERROR(s->Run());
  if (db.Changes() > 0) return Status::Ok();
  // The same row recorded twice: one bills file imported at two offices cut off from each other, or one late
  // fee assessed by the daily job of two nodes. The first in canonical order stands; the same decision twice
  // is no conflict, a different amount is one for a supervisor.
  HF_ASSIGN_OR_RETURN(StmtRef q,
                      db.Prepare("SELECT amount_cents FROM utility_ledger WHERE account=? AND id=?"));
  q->BindAll(number, r.id);
  HF_ASSIGN_OR_RETURN(bool found, q->Step());
  if (found && q->Int(0) == r.amount_cents) return Status::Ok();
  return RecordConflict(
      db, aggregate, fmt::format("{}-twice", r.kind), e,
      fmt::format("{} {} of account {} was recorded twice with different amounts; the first stands", r.kind,
                  r.id, number),
      json::object{{"account", number}, {"id", r.id}, {"amount_cents", r.amount_cents}});
}

Status ApplyAccount(Db& db, const journal::StoredEvent& se, std::string_view aggregate) {
  const journal::Event& e = se.event;
  const json::object& d = e.data;
  std::string_view number = StringOr(d, "number");
  if (aggregate.starts_with("series:")) {
    return store::ApplySeriesNumber(db, aggregate, store::SeriesNumberOf(StringOr(d, "adjustment_id")));
  }
  if (e.type == "utility.account_opened") {
    const json::object& a = ObjectOr(d, "service_address");
    HF_RETURN_IF_ERROR(
        db.Run("INSERT OR IGNORE INTO utility_accounts(number, customer_party_id, line1, line2, city, "
               "state, zip, status, opened_on, closed_on, updated_at, event_hash) "
               "VALUES(?,?,?,?,?,?,?,'open',?,NULL,?,?)",
               number, StringOr(d, "customer_party_id"), StringOr(a, "line1"), StringOr(a, "line2"),
               StringOr(a, "city"), StringOr(a, "state"), StringOr(a, "zip"), StringOr(d, "opened_on"),
               e.stamp.time, se.HashHex()));
    if (db.Changes() > 0) return Status::Ok();
    return RecordConflict(
        db, aggregate, "account-opened-twice", e,
        fmt::format("account {} was opened at two places; the first stands", number),
        json::object{{"account", number}, {"customer_party_id", StringOr(d, "customer_party_id")}});
  }
  if (e.type == "utility.account_closed") {
    return db.Run(
        "UPDATE utility_accounts SET status='closed', closed_on=?, updated_at=?, event_hash=? WHERE number=?",
        StringOr(d, "closed_on"), e.stamp.time, se.HashHex(), number);
  }
  LedgerRow r;
  if (e.type == "utility.bill_posted") {
    r = {.id = std::string(StringOr(d, "bill_id")),
         .kind = "bill",
         .amount_cents = IntOr(d, "amount_cents"),
         .period = std::string(StringOr(d, "period")),
         .due_on = std::string(StringOr(d, "due_on")),
         .bill_id = std::string(StringOr(d, "bill_id")),
         .reference = std::string(StringOr(d, "import_id")),
         .on = std::string(StringOr(d, "posted_on"))};
  } else if (e.type == "utility.late_fee_assessed") {
    r = {.id = std::string(StringOr(d, "fee_id")),
         .kind = "late_fee",
         .amount_cents = IntOr(d, "amount_cents"),
         .due_on = std::string(StringOr(d, "assessed_on")),
         .bill_id = std::string(StringOr(d, "bill_id")),
         .on = std::string(StringOr(d, "assessed_on"))};
  } else if (e.type == "utility.payment_applied") {
    r = {.id = std::string(StringOr(d, "payment_id")),
         .kind = "payment",
         .amount_cents = -IntOr(d, "amount_cents"),
         .receipt = std::string(StringOr(d, "receipt")),
         .channel = std::string(StringOr(d, "channel")),
         .reference = std::string(StringOr(d, "reference")),
         .on = std::string(StringOr(d, "paid_on"))};
  } else if (e.type == "utility.payment_reversed") {
    r = {.id = std::string(StringOr(d, "payment_id")) + "/reversed",
         .kind = "reversal",
         .amount_cents = IntOr(d, "amount_cents"),
         .due_on = std::string(StringOr(d, "reversed_on")),
         .receipt = std::string(StringOr(d, "receipt")),
         .note = std::string(StringOr(d, "reason")),
         .on = std::string(StringOr(d, "reversed_on"))};
  } else if (e.type == "utility.adjusted") {
    r = {.id = std::string(StringOr(d, "adjustment_id")),
         .kind = "adjustment",
         .amount_cents = IntOr(d, "amount_cents"),
         .due_on = std::string(StringOr(d, "adjusted_on")),
         .note = std::string(StringOr(d, "reason")),
         .on = std::string(StringOr(d, "adjusted_on"))};
  } else {
    return Status::Ok();
  }
  return InsertLedger(db, se, aggregate, r);
}

Status ApplyImport(Db& db, const journal::StoredEvent& se, std::string_view) {
  const json::object& d = se.event.data;
  return db.Run(
      "INSERT OR IGNORE INTO utility_imports(id, kind, file_name, rows, total_cents, imported_on, at, "
      "event_hash) VALUES(?,?,?,?,?,?,?,?)",
      StringOr(d, "id"), StringOr(d, "kind"), StringOr(d, "file_name"), IntOr(d, "rows"),
      IntOr(d, "total_cents"), StringOr(d, "imported_on"), se.event.stamp.time, se.HashHex());
}

Status ApplyLockboxException(Db& db, const journal::StoredEvent& se, std::string_view) {
  const journal::Event& e = se.event;
  const json::object& d = e.data;
  if (e.type == "utility.lockbox_exception") {
    return db.Run(
        "INSERT OR IGNORE INTO utility_lockbox_exceptions(id, import_id, item_id, account, amount_cents, "
        "check_number, payer_name, deposit_date, reason, status, resolution, resolved_account, note, "
        "updated_at, event_hash) VALUES(?,?,?,?,?,?,?,?,?,'open','','','',?,?)",
        StringOr(d, "id"), StringOr(d, "import_id"), StringOr(d, "item_id"), StringOr(d, "account"),
        IntOr(d, "amount_cents"), StringOr(d, "check_number"), StringOr(d, "payer_name"),
        StringOr(d, "deposit_date"), StringOr(d, "reason"), e.stamp.time, se.HashHex());
  }
  // The first resolution in canonical order stands.
  return db.Run(
      "UPDATE utility_lockbox_exceptions SET status='resolved', resolution=?, resolved_account=?, note=?, "
      "updated_at=?, event_hash=? WHERE id=? AND status='open'",
      StringOr(d, "resolution"), StringOr(d, "account"), StringOr(d, "note"), e.stamp.time, se.HashHex(),
      StringOr(d, "id"));
}

Status ApplySettings(Db& db, const journal::StoredEvent& se, std::string_view) {
  HF_ASSIGN_OR_RETURN(std::string text, Canonical(json::value(se.event.data)));
  return db.Run("INSERT OR REPLACE INTO utility_settings VALUES('city', ?, ?, ?)", text, se.event.stamp.time,
                se.HashHex());
}

// --- the ledger read back, and what is past due ------------------------------------------------------------

struct Charge {
  std::string id, kind, bill_id;
  Date due;
  std::optional<Date> effective_due;  // nullopt: not due while an incident is active
  Cents amount = 0;
  Cents unpaid = 0;
};

struct Ledger {
  std::vector<LedgerRow> rows;
  std::vector<Charge> charges;  // in payment order, each with what is unpaid of it
  Cents balance = 0;
  std::set<std::string> late_fee_bills;
};

Result<Ledger> ReadLedger(Db& db, std::string_view number, const IncidentRules& rules) {
  Ledger l;
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare("SELECT id, kind, amount_cents, period, due_on, bill_id, receipt, "
                                 "channel, reference, note, on_date FROM utility_ledger WHERE account=? "
                                 "ORDER BY on_date, at, id"));
  s->Bind(1, number);
  Cents credits = 0;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    LedgerRow r{s->Text(0), s->Text(1), s->Int(2),  s->Text(3), s->Text(4), s->Text(5),
                s->Text(6), s->Text(7), s->Text(8), s->Text(9), s->Text(10)};
    l.balance += r.amount_cents;
    if (r.kind == "late_fee") l.late_fee_bills.insert(r.bill_id);
    if (r.amount_cents > 0) {
      HF_ASSIGN_OR_RETURN(Date due, Date::Parse(r.due_on.empty() ? r.on : r.due_on));
      Charge c{r.id, r.kind, r.bill_id, due, rules.EffectiveDue(due), r.amount_cents, r.amount_cents};
      l.charges.push_back(std::move(c));
    } else {
      credits -= r.amount_cents;
    }
    l.rows.push_back(std::move(r));
  }
  // Credits pay the oldest charges first: by effective due date (not-yet-due last), then id.
  std::stable_sort(l.charges.begin(), l.charges.end(), [](const Charge& a, const Charge& b) {
    auto key = [](const Charge& c) { return c.effective_due ? c.effective_due->days() : INT64_MAX; };
    if (key(a) != key(b)) return key(a) < key(b);
    return a.id < b.id;
  });
  for (auto& c : l.charges) {
    Cents paid = std::min(credits, c.amount);
    c.unpaid = c.amount - paid;
    credits -= paid;
  }
  return l;
}

// The oldest charge unpaid after its effective due date, as of `today`.
const Charge* OldestPastDue(const Ledger& l, Date today) {
  for (const auto& c : l.charges) {
    if (c.unpaid > 0 && c.effective_due && *c.effective_due < today) return &c;
  }
  return nullptr;
}

Cents PastDue(const Ledger& l, Date today) {
  Cents sum = 0;
  for (const auto& c : l.charges) {
    if (c.unpaid > 0 && c.effective_due && *c.effective_due < today) sum += c.unpaid;
  }
  return sum;
}

Result<std::vector<std::string>> AccountNumbers(Db& db) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT number FROM utility_accounts ORDER BY number"));
  std::vector<std::string> out;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(s->Text(0));
  }
  return out;
}

Result<bool> AccountExists(Db& db, std::string_view number) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT 1 FROM utility_accounts WHERE number=?"));
  s->Bind(1, number);
  return s->Step();
}

Result<bool> LedgerHas(Db& db, std::string_view account, std::string_view id) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT 1 FROM utility_ledger WHERE account=? AND id=?"));
  s->BindAll(account, id);
  return s->Step();
}

// The id of a file to import (the SHA-256 of its bytes), refused when the same bytes were imported before.
Result<std::string> NewImportId(Db& db, std::string_view bytes) {
  std::string id = Hex(Sha256(bytes));
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT file_name, imported_on FROM utility_imports WHERE id=?"));
  s->Bind(1, id);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (row) {
    return Refused(Code::kConflict, "import-duplicate",
                   fmt::format("this file was imported already on {} (as {}); nothing was done again",
                               s->Text(1), s->Text(0)));
  }
  return id;
}

Result<json::object> Existing(Db& db, std::string_view number, Date today) {
  HF_ASSIGN_OR_RETURN(auto a, GetAccount(db, number, today));
  if (!a) return NotFound(fmt::format("no utility account {}", number));
  return *a;
}

// The PaidItemsReversal of utility payments (at a counter or online): the account owes the amount again.
Status ReversePayment(store::CommandContext& ctx, const ReversedPayment& reversed, const std::string& actor) {
  HF_ASSIGN_OR_RETURN(Date today, CityToday(ctx));
  for (const PaidItem& item : reversed.items) {
    std::string number = item.ref.substr(kRefPrefix.size());
    HF_ASSIGN_OR_RETURN(bool applied, LedgerHas(ctx.db(), number, reversed.receipt));
    if (!applied) continue;
    HF_RETURN_IF_ERROR(ctx.Emit("utility.payment_reversed",
                                json::object{{"number", number},
                                             {"payment_id", reversed.receipt},
                                             {"amount_cents", item.amount_cents},
                                             {"reason", reversed.reason},
                                             {"receipt", reversed.receipt},
                                             {"reversed_on", today.ToString()}},
                                actor)
                           .status());
  }
  return Status::Ok();
}

}  // namespace

void RegisterUtilities(store::Registry& registry) {
  registry.AddTable(
      {"utility_accounts",
       "CREATE TABLE IF NOT EXISTS utility_accounts(number TEXT PRIMARY KEY, customer_party_id TEXT NOT "
       "NULL, line1 TEXT NOT NULL, line2 TEXT NOT NULL, city TEXT NOT NULL, state TEXT NOT NULL, zip "
       "TEXT NOT NULL, status TEXT NOT NULL, opened_on TEXT NOT NULL, closed_on TEXT, updated_at "
       "INTEGER NOT NULL, event_hash TEXT NOT NULL) WITHOUT ROWID;"
       "CREATE INDEX IF NOT EXISTS utility_accounts_party ON utility_accounts(customer_party_id);",
       {"number"}});
  registry.AddTable(
      {"utility_ledger",
       "CREATE TABLE IF NOT EXISTS utility_ledger(account TEXT NOT NULL, id TEXT NOT NULL, kind TEXT "
       "NOT NULL, amount_cents INTEGER NOT NULL, period TEXT NOT NULL, due_on TEXT NOT NULL, bill_id "
       "TEXT NOT NULL, receipt TEXT NOT NULL, channel TEXT NOT NULL, reference TEXT NOT NULL, note "
       "TEXT NOT NULL, on_date TEXT NOT NULL, at INTEGER NOT NULL, event_hash TEXT NOT NULL, "
       "PRIMARY KEY(account, id)) WITHOUT ROWID;",
       {"account", "id"}});
  registry.AddTable(
      {"utility_imports",
       "CREATE TABLE IF NOT EXISTS utility_imports(id TEXT PRIMARY KEY, kind TEXT NOT NULL, file_name "
       "TEXT NOT NULL, rows INTEGER NOT NULL, total_cents INTEGER NOT NULL, imported_on TEXT NOT NULL, "
       "at INTEGER NOT NULL, event_hash TEXT NOT NULL) WITHOUT ROWID;",
       {"id"}});
  registry.AddTable(
      {"utility_lockbox_exceptions",
       "CREATE TABLE IF NOT EXISTS utility_lockbox_exceptions(id TEXT PRIMARY KEY, import_id TEXT NOT "
       "NULL, item_id TEXT NOT NULL, account TEXT NOT NULL, amount_cents INTEGER NOT NULL, check_number "
       "TEXT NOT NULL, payer_name TEXT NOT NULL, deposit_date TEXT NOT NULL, reason TEXT NOT NULL, status "
       "TEXT NOT NULL, resolution TEXT NOT NULL, resolved_account TEXT NOT NULL, note TEXT NOT NULL, "
       "updated_at INTEGER NOT NULL, event_hash TEXT NOT NULL) WITHOUT ROWID;",
       {"id"}});
  registry.AddTable(
      {"utility_settings",
       "CREATE TABLE IF NOT EXISTS utility_settings(id TEXT PRIMARY KEY, settings_json TEXT NOT NULL, "
       "set_at INTEGER NOT NULL, event_hash TEXT NOT NULL) WITHOUT ROWID;",
       {"id"}});
  registry.AddAggregate({"account", [](Db& db, std::string_view number) -> Status {
                           HF_RETURN_IF_ERROR(ClearConflicts(db, fmt::format("account:{}", number)));
                           HF_RETURN_IF_ERROR(db.Run("DELETE FROM utility_ledger WHERE account=?", number));
                           return db.Run("DELETE FROM utility_accounts WHERE number=?", number);
                         }});
  registry.AddAggregate({"utility-import", [](Db& db, std::string_view id) -> Status {
                           return db.Run("DELETE FROM utility_imports WHERE id=?", id);
                         }});
  registry.AddAggregate({"lockbox-exception", [](Db& db, std::string_view id) -> Status {
                           return db.Run("DELETE FROM utility_lockbox_exceptions WHERE id=?", id);
                         }});
  for (const char* type : {"utility.lockbox_exception", "utility.lockbox_exception_resolved"}) {
    registry.AddRule({type, store::OneAggregate("lockbox-exception"), ApplyLockboxException});
  }
  registry.AddAggregate({"utility-settings", [](Db& db, std::string_view) -> Status {
                           return db.Run("DELETE FROM utility_settings");
                         }});
  for (const char* type : {"utility.account_opened", "utility.account_closed", "utility.bill_posted",
                           "utility.late_fee_assessed", "utility.payment_applied", "utility.payment_reversed",
                           "utility.adjusted"}) {
    registry.AddRule({type,
                      [](const journal::Event& e) {
                        std::vector<std::string> out{fmt::format("account:{}", StringOr(e.data, "number"))};
                        if (e.type == "utility.adjusted")
                          out.push_back(store::SeriesAggregate(e.feed, "adjustment"));
                        return out;
                      },
                      ApplyAccount});
  }
  registry.AddRule({"utility.import_recorded", store::OneAggregate("utility-import"), ApplyImport});
  registry.AddRule({"utility.settings_set",
                    [](const journal::Event&) { return std::vector<std::string>{"utility-settings:city"}; },
                    ApplySettings});
  RegisterPaidItemsReversal(std::string(kRefPrefix), ReversePayment);
}

// --- settings ---------------------------------------------------------------------------------------------

json::object UtilitySettings::ToJson() const {
  return {{"late_fee_cents", late_fee_cents},
          {"late_fee_basis_points", late_fee_basis_points},
          {"grace_days", grace_days},
          {"shutoff_days", shutoff_days}};
}

Result<UtilitySettings> ParseUtilitySettings(const json::value& v) {
  ObjectReader r(v);
  UtilitySettings s;
  auto read = [&](const char* key, int64_t lo, int64_t hi, auto& out) {
    if (auto n = r.Int(key)) {
      if (*n < lo || *n > hi) r.Fail(key, fmt::format("{} is {} to {}", key, lo, hi));
      out = static_cast<std::remove_reference_t<decltype(out)>>(*n);
    }
  };
  read("late_fee_cents", 0, 100'000, s.late_fee_cents);
  read("late_fee_basis_points", 0, 10'000, s.late_fee_basis_points);
  read("grace_days", 0, 365, s.grace_days);
  read("shutoff_days", 1, 3650, s.shutoff_days);
  HF_RETURN_IF_ERROR(r.Finish());
  return s;
}

Result<UtilitySettings> CurrentUtilitySettings(Db& db) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT settings_json FROM utility_settings WHERE id='city'"));
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return UtilitySettings{};
  HF_ASSIGN_OR_RETURN(json::value v, ParseJson(s->TextView(0)));
  return ParseUtilitySettings(v);
}

Result<json::object> SetUtilitySettings(store::CommandContext& ctx, const UtilitySettings& s,
                                        const std::string& actor) {
  HF_RETURN_IF_ERROR(ctx.Emit("utility.settings_set", s.ToJson(), actor).status());
  return s.ToJson();
}

// --- accounts and bills
// -------------------------------------------------------------------------------------

Result<AccountInput> ParseAccountInput(const json::value& body) {
  ObjectReader r(body);
  AccountInput in;
  in.number = r.RequiredString("number", 20);
  if (r.Has("number") && !IsAccountNumber(in.number)) {
    r.Fail("number", "an account number is 1 to 20 of 0-9, A-Z and '-'");
  }
  in.customer_party_id = r.RequiredString("customer_party_id", 100);
  if (const json::object* a = r.Object("service_address")) {
    ObjectReader ar(*a, "service_address.");
    in.line1 = ar.RequiredString("line1", 100);
    in.line2 = ar.String("line2", 100).value_or("");
    in.city = ar.RequiredString("city", 100);
    in.state = ar.RequiredString("state", 2);
    in.zip = ar.RequiredString("zip", 10);
    Status s = ar.Finish();
    if (!s.ok()) r.Fail("service_address", s.error().detail);
  } else if (!r.Has("service_address")) {
    r.Fail("service_address", "service_address is required: line1, line2, city, state, zip of the service");
  }
  HF_RETURN_IF_ERROR(r.Finish());
  return in;
}

Result<json::object> OpenAccount(store::CommandContext& ctx, const AccountInput& in, Date today,
                                 const std::string& actor) {
  Db& db = ctx.db();
  HF_ASSIGN_OR_RETURN(bool exists, AccountExists(db, in.number));
  if (exists) {
    return Refused(Code::kConflict, "account-exists",
                   fmt::format("utility account {} exists already", in.number), "number");
  }
  HF_ASSIGN_OR_RETURN(bool party, PartyExists(db, in.customer_party_id));
  if (!party) {
    return Refused(Code::kInvalid, "unknown-party", fmt::format("no party {}", in.customer_party_id),
                   "customer_party_id");
  }
  HF_RETURN_IF_ERROR(ctx.Emit("utility.account_opened",
                              json::object{{"number", in.number},
                                           {"customer_party_id", in.customer_party_id},
                                           {"service_address", json::object{{"line1", in.line1},
                                                                            {"line2", in.line2},
                                                                            {"city", in.city},
                                                                            {"state", in.state},
                                                                            {"zip", in.zip}}},
                                           {"opened_on", today.ToString()}},
                              actor)
                         .status());
  return Existing(db, in.number, today);
}

Result<std::vector<BillLine>> ParseBillsCsv(std::string_view bytes) {
  auto bad = [](int line, std::string what) {
    return MakeError(Code::kInvalid, fmt::format("line {}: {}", line, what), "bills-malformed",
                     fmt::format("line {}", line));
  };
  if (bytes.size() > 50'000'000) return bad(1, "the file is larger than 50 MB");
  if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
  std::vector<BillLine> out;
  int line = 0;
  bool header = false;
  while (!bytes.empty()) {
    ++line;
    size_t end = bytes.find('\n');
    std::string_view text = bytes.substr(0, end);
    bytes = end == std::string_view::npos ? std::string_view() : bytes.substr(end + 1);
    if (text.ends_with('\r')) text.remove_suffix(1);
    if (text.empty()) {
      if (bytes.empty()) break;
      return bad(line, "an empty line (remove it)");
    }
    std::vector<std::string_view> f;
    for (size_t start = 0;;) {
      size_t comma = text.find(',', start);
      f.push_back(
          text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (!header) {
      if (f.size() != 4 || f[0] != "account" || f[1] != "period" || f[2] != "amount" || f[3] != "due_date") {
        return bad(line, "the first line must be the header account,period,amount,due_date");
      }
      header = true;
      continue;
    }
    if (f.size() != 4) {
      return bad(line, fmt::format("{} fields where account,period,amount,due_date are 4", f.size()));
    }
    BillLine b;
    b.line = line;
    b.account = std::string(f[0]);
    if (!IsAccountNumber(b.account))
      return bad(line, fmt::format("account {:?} is not an account number", f[0]));
    b.period = std::string(f[1]);
    auto month = Date::Parse(fmt::format("{}-01", f[1]));
    if (f[1].size() != 7 || !month.ok()) return bad(line, fmt::format("period {:?} is not YYYY-MM", f[1]));
    auto cents = ParseDollars(f[2]);
    if (!cents || *cents <= 0 || *cents > kMaxAmountCents) {
      return bad(line, fmt::format("amount {:?} is not dollars with two decimals, e.g. 48.20", f[2]));
    }
    b.amount_cents = *cents;
    auto due = Date::Parse(f[3]);
    if (!due.ok()) return bad(line, fmt::format("due_date {:?} is not a date YYYY-MM-DD", f[3]));
    b.due_on = *due;
    out.push_back(std::move(b));
  }
  if (!header) return bad(1, "the file is empty: it needs the header account,period,amount,due_date");
  if (out.empty()) return bad(line, "the file has no bills");
  return out;
}

Result<json::object> ImportBills(store::CommandContext& ctx, std::string_view bytes,
                                 const std::string& file_name, Date today, const std::string& actor) {
  Db& db = ctx.db();
  HF_ASSIGN_OR_RETURN(const std::string id, NewImportId(db, bytes));
  HF_ASSIGN_OR_RETURN(std::vector<BillLine> bills, ParseBillsCsv(bytes));
  std::set<std::string> seen;
  Cents total = 0;
  for (const auto& b : bills) {
    auto line_error = [&](std::string type, std::string what) {
      return MakeError(Code::kInvalid, fmt::format("line {}: {}; nothing was posted", b.line, what),
                       std::move(type), fmt::format("line {}", b.line));
    };
    HF_ASSIGN_OR_RETURN(bool exists, AccountExists(db, b.account));
    if (!exists) return line_error("unknown-account", fmt::format("no utility account {}", b.account));
    std::string bill_id = fmt::format("{}/{}", b.account, b.period);
    HF_ASSIGN_OR_RETURN(bool posted, LedgerHas(db, b.account, bill_id));
    if (posted || !seen.insert(bill_id).second) {
      return line_error("bill-exists",
                        fmt::format("account {} is billed for {} already", b.account, b.period));
    }
    total += b.amount_cents;
  }
  for (const auto& b : bills) {
    HF_RETURN_IF_ERROR(ctx.Emit("utility.bill_posted",
                                json::object{{"number", b.account},
                                             {"bill_id", fmt::format("{}/{}", b.account, b.period)},
                                             {"period", b.period},
                                             {"amount_cents", b.amount_cents},
                                             {"due_on", b.due_on.ToString()},
                                             {"posted_on", today.ToString()},
                                             {"import_id", id}},
                                actor)
                           .status());
  }
  HF_RETURN_IF_ERROR(ctx.Emit("utility.import_recorded",
                              json::object{{"id", id},
                                           {"kind", "bills"},
                                           {"file_name", file_name},
                                           {"rows", static_cast<int64_t>(bills.size())},
                                           {"total_cents", total},
                                           {"imported_on", today.ToString()}},
                              actor)
                         .status());
  return json::object{
      {"import_id", id}, {"bills", static_cast<int64_t>(bills.size())}, {"total_cents", total}};
}

// --- payments and adjustments
// ---------------------------------------------------------------------------------

Result<json::object> PayAtCounter(store::CommandContext& ctx, const UtilityCounterPayment& p, Date today,
                                  const std::string& clerk) {
  HF_ASSIGN_OR_RETURN(json::object account, Existing(ctx.db(), p.number, today));
  if (p.amount_cents <= 0 || p.amount_cents > kMaxAmountCents) {
    return Invalid(fmt::format("amount_cents is 1 to {}", kMaxAmountCents), "amount_cents");
  }
  PaymentRequest payment;
  payment.drawer_id = p.drawer_id;
  payment.payer_party_id =
      p.payer_party_id.empty() ? std::string(StringOr(account, "customer_party_id")) : p.payer_party_id;
  payment.tenders = p.tenders;
  payment.clerk = clerk;
  payment.items.push_back({"UTIL-PAY", fmt::format("Utility payment, account {}", p.number), p.amount_cents,
                           AccountItemRef(p.number)});
  HF_ASSIGN_OR_RETURN(json::object receipt, TakePayment(ctx, payment, clerk));
  std::string number(StringOr(receipt, "receipt"));
  HF_ASSIGN_OR_RETURN(json::object after, ApplyPayment(ctx, p.number, number, p.amount_cents, "counter",
                                                       number, "", today, clerk));
  return json::object{{"receipt", std::move(receipt)}, {"account", std::move(after)}};
}

std::string AccountItemRef(std::string_view number) { return fmt::format("{}{}", kRefPrefix, number); }

Result<json::object> ApplyPayment(store::CommandContext& ctx, const std::string& number,
                                  const std::string& payment_id, Cents amount_cents,
                                  const std::string& channel, const std::string& receipt,
                                  const std::string& reference, Date today, const std::string& actor) {
  Db& db = ctx.db();
  HF_ASSIGN_OR_RETURN(bool exists, AccountExists(db, number));
  if (!exists) return NotFound(fmt::format("no utility account {}", number));
  HF_ASSIGN_OR_RETURN(bool applied, LedgerHas(db, number, payment_id));
  if (applied) {
    return Refused(Code::kConflict, "payment-applied",
                   fmt::format("payment {} is on account {} already", payment_id, number));
  }
  HF_RETURN_IF_ERROR(ctx.Emit("utility.payment_applied",
                              json::object{{"number", number},
                                           {"payment_id", payment_id},
                                           {"amount_cents", amount_cents},
                                           {"channel", channel},
                                           {"receipt", receipt},
                                           {"reference", reference},
                                           {"paid_on", today.ToString()}},
                              actor)
                         .status());
  return Existing(db, number, today);
}

Result<json::object> ImportLockbox(store::CommandContext& ctx, std::string_view bytes,
                                   const std::string& file_name, Date today, const std::string& actor) {
  Db& db = ctx.db();
  HF_ASSIGN_OR_RETURN(const std::string id, NewImportId(db, bytes));
  HF_ASSIGN_OR_RETURN(LockboxFile file, ParseLockboxFile(bytes));
  const std::string prefix = "LBX-" + id.substr(0, 12) + "-";
  json::array exceptions, differs;
  int64_t applied = 0;
  Cents applied_cents = 0;
  for (const auto& item : file.items) {
    std::string reason;
    json::object account;
    if (item.account.empty()) {
      reason = "no account on the stub";
    } else {
      HF_ASSIGN_OR_RETURN(auto a, GetAccount(db, item.account, today));
      if (!a) {
        reason = fmt::format("no utility account {}", item.account);
      } else if (StringOr(*a, "status") != "open") {
        reason = fmt::format("account {} is closed", item.account);
      } else {
        account = std::move(*a);
      }
    }
    const std::string payment_id = prefix + item.item_id;
    if (!reason.empty()) {
      json::object data{{"id", payment_id},
                        {"import_id", id},
                        {"item_id", item.item_id},
                        {"account", item.account},
                        {"amount_cents", item.amount_cents},
                        {"check_number", item.check_number},
                        {"payer_name", item.payer_name},
                        {"deposit_date", file.deposit_date.ToString()},
                        {"reason", reason}};
      HF_RETURN_IF_ERROR(ctx.Emit("utility.lockbox_exception", data, actor).status());
      exceptions.push_back(json::object{{"id", payment_id},
                                        {"item_id", item.item_id},
                                        {"account", item.account},
                                        {"amount_cents", item.amount_cents},
                                        {"reason", reason}});
      continue;
    }
    const Cents due = IntOr(account, "balance_cents");
    if (due != item.amount_cents) {
      differs.push_back(json::object{{"account", item.account},
                                     {"item_id", item.item_id},
                                     {"amount_cents", item.amount_cents},
                                     {"due_cents", due}});
    }
    std::string reference = item.check_number.empty() ? "" : "check " + item.check_number;
    HF_RETURN_IF_ERROR(ApplyPayment(ctx, item.account, payment_id, item.amount_cents, "lockbox", "",
                                    reference, file.deposit_date, actor)
                           .status());
    ++applied;
    applied_cents += item.amount_cents;
  }
  HF_RETURN_IF_ERROR(ctx.Emit("utility.import_recorded",
                              json::object{{"id", id},
                                           {"kind", "lockbox"},
                                           {"file_name", file_name},
                                           {"rows", static_cast<int64_t>(file.items.size())},
                                           {"total_cents", file.total_cents},
                                           {"imported_on", today.ToString()}},
                              actor)
                         .status());
  return json::object{{"import_id", id},
                      {"file_id", file.file_id},
                      {"deposit_date", file.deposit_date.ToString()},
                      {"items", static_cast<int64_t>(file.items.size())},
                      {"total_cents", file.total_cents},
                      {"applied", applied},
                      {"applied_cents", applied_cents},
                      {"exceptions", std::move(exceptions)},
                      {"amount_differs", std::move(differs)}};
}

namespace {

// The lockbox exceptions of one status ("" any), or the one with `id` (not "").
Result<json::array> QueryExceptions(Db& db, const std::string& status, const std::string& id) {
  HF_ASSIGN_OR_RETURN(
      StmtRef s, db.Prepare("SELECT id, import_id, item_id, account, amount_cents, check_number, payer_name, "
                            "deposit_date, reason, status, resolution, resolved_account, note FROM "
                            "utility_lockbox_exceptions WHERE (?='' OR status=?) AND (?='' OR id=?) ORDER BY "
                            "deposit_date, id"));
  s->BindAll(status, status, id, id);
  json::array out;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(json::object{{"id", s->Text(0)},
                               {"import_id", s->Text(1)},
                               {"item_id", s->Text(2)},
                               {"account", s->Text(3)},
                               {"amount_cents", s->Int(4)},
                               {"check_number", s->Text(5)},
                               {"payer_name", s->Text(6)},
                               {"deposit_date", s->Text(7)},
                               {"reason", s->Text(8)},
                               {"status", s->Text(9)},
                               {"resolution", s->Text(10)},
                               {"resolved_account", s->Text(11)},
                               {"note", s->Text(12)}});
  }
  return out;
}

}  // namespace

Result<json::array> ListLockboxExceptions(Db& db, const std::string& status) {
  return QueryExceptions(db, status, "");
}

Result<json::object> ResolveLockboxException(store::CommandContext& ctx, const std::string& id,
                                             const std::string& resolution, const std::string& account,
                                             const std::string& note, Date today, const std::string& actor) {
  Db& db = ctx.db();
  HF_ASSIGN_OR_RETURN(json::array one, QueryExceptions(db, "", id));
  if (one.empty()) return NotFound(fmt::format("no lockbox exception {}", id));
  const json::object* found = &one[0].as_object();
  if (StringOr(*found, "status") != "open") {
    return Refused(Code::kConflict, "exception-resolved",
                   fmt::format("lockbox item {} was {} already", id, StringOr(*found, "resolution")));
  }
  if (resolution == "applied") {
    HF_ASSIGN_OR_RETURN(auto a, GetAccount(db, account, today));
    if (!a || StringOr(*a, "status") != "open") {
      return Refused(Code::kInvalid, "unknown-account", fmt::format("no open utility account {}", account),
                     "account");
    }
    HF_RETURN_IF_ERROR(ApplyPayment(ctx, account, id, IntOr(*found, "amount_cents"), "lockbox", "",
                                    StringOr(*found, "check_number").empty()
                                        ? std::string()
                                        : "check " + std::string(StringOr(*found, "check_number")),
                                    today, actor)
                           .status());
  } else if (resolution == "returned") {
    if (note.empty()) return Invalid("say how the payment goes back to the payer", "note");
  } else {
    return Invalid("resolution is applied (to an account) or returned (to the payer)", "resolution");
  }
  HF_RETURN_IF_ERROR(ctx.Emit("utility.lockbox_exception_resolved",
                              json::object{{"id", id},
                                           {"resolution", resolution},
                                           {"account", resolution == "applied" ? account : std::string()},
                                           {"note", note}},
                              actor)
                         .status());
  HF_ASSIGN_OR_RETURN(json::array after, QueryExceptions(db, "", id));
  if (after.empty()) return Internal(fmt::format("lockbox exception {} vanished", id));
  return after[0].as_object();
}

Result<json::object> AdjustAccount(store::CommandContext& ctx, const std::string& number, Cents amount_cents,
                                   const std::string& reason, Date today, const std::string& approved_by,
                                   const std::string& actor) {
  HF_RETURN_IF_ERROR(NeedReason(reason));
  if (amount_cents == 0 || amount_cents > kMaxAmountCents || amount_cents < -kMaxAmountCents) {
    return Invalid("amount_cents is a non-zero amount: positive charges the account, negative credits it",
                   "amount_cents");
  }
  HF_RETURN_IF_ERROR(Existing(ctx.db(), number, today).status());
  HF_ASSIGN_OR_RETURN(int64_t n, store::NextSeriesNumber(ctx.db(), ctx.node_id(), "adjustment"));
  HF_RETURN_IF_ERROR(ctx.Emit("utility.adjusted",
                              json::object{{"number", number},
                                           {"adjustment_id", store::SeriesId("ADJ", ctx.node_id(), n)},
                                           {"amount_cents", amount_cents},
                                           {"reason", reason},
                                           {"approved_by", approved_by},
                                           {"adjusted_on", today.ToString()}},
                              actor)
                         .status());
  return Existing(ctx.db(), number, today);
}

Result<json::object> ReturnLockboxPayment(store::CommandContext& ctx, const std::string& number,
                                          const std::string& payment_id, const std::string& reason,
                                          const std::string& actor) {
  Db& db = ctx.db();
  HF_RETURN_IF_ERROR(NeedReason(reason));
  HF_ASSIGN_OR_RETURN(bool exists, AccountExists(db, number));
  if (!exists) return NotFound(fmt::format("no utility account {}", number));
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT kind, amount_cents, channel, receipt FROM utility_ledger "
                                            "WHERE account=? AND id=?"));
  s->BindAll(number, payment_id);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row || s->TextView(0) != "payment") {
    return NotFound(fmt::format("account {} has no payment {}", number, payment_id));
  }
  const Cents amount = -s->Int(1);
  const std::string channel = s->Text(2), receipt = s->Text(3);
  s->Reset();
  if (channel != "lockbox") {
    return Refused(
        Code::kConflict, "not-a-lockbox-payment",
        channel == "counter"
            ? fmt::format("payment {} was taken at a counter, on receipt {}: a check it was paid with is "
                          "recorded as returned on that receipt",
                          payment_id, receipt)
            : fmt::format("payment {} came by {}, not by mail: refund it instead", payment_id, channel));
  }
  HF_ASSIGN_OR_RETURN(bool reversed, LedgerHas(db, number, payment_id + "/reversed"));
  if (reversed) {
    return Refused(Code::kConflict, "payment-reversed",
                   fmt::format("payment {} on account {} is reversed already", payment_id, number));
  }
  HF_RETURN_IF_ERROR(ReversePayment(ctx,
                                    {.receipt = payment_id,
                                     .described = "lockbox payment " + payment_id,
                                     .items = {PaidItem{AccountItemRef(number), amount}},
                                     .reason = "returned check: " + reason,
                                     .approved_by = actor},
                                    actor));
  HF_ASSIGN_OR_RETURN(Date today, CityToday(ctx));
  return Existing(db, number, today);
}

Result<json::array> AssessLateFees(store::CommandContext& ctx, Date today, const std::string& actor) {
  Db& db = ctx.db();
  HF_ASSIGN_OR_RETURN(UtilitySettings settings, CurrentUtilitySettings(db));
  HF_ASSIGN_OR_RETURN(IncidentRules rules, IncidentRulesFor(db, "utilities"));
  json::array out;
  if (rules.Protected(today)) return out;
  HF_ASSIGN_OR_RETURN(std::vector<std::string> numbers, AccountNumbers(db));
  for (const auto& number : numbers) {
    HF_ASSIGN_OR_RETURN(Ledger l, ReadLedger(db, number, rules));
    for (const auto& c : l.charges) {
      if (c.kind != "bill" || c.unpaid <= 0 || !c.effective_due || l.late_fee_bills.count(c.bill_id))
        continue;
      if (!(c.effective_due->AddDays(settings.grace_days) < today)) continue;
      Cents fee =
          std::max<Cents>(settings.late_fee_cents, c.unpaid * settings.late_fee_basis_points / 10'000);
      if (fee <= 0) continue;
      json::object data{{"number", number},
                        {"fee_id", c.bill_id + "/late"},
                        {"bill_id", c.bill_id},
                        {"amount_cents", fee},
                        {"assessed_on", today.ToString()}};
      HF_RETURN_IF_ERROR(ctx.Emit("utility.late_fee_assessed", data, actor).status());
      out.push_back(std::move(data));
    }
  }
  return out;
}

// --- reads
// --------------------------------------------------------------------------------------------------

Result<std::optional<json::object>> GetAccount(Db& db, std::string_view number, Date today) {
  HF_ASSIGN_OR_RETURN(
      StmtRef s,
      db.Prepare("SELECT a.number, a.customer_party_id, coalesce(p.name, ''), a.line1, a.line2, "
                 "a.city, a.state, a.zip, a.status, a.opened_on, a.closed_on FROM utility_accounts a "
                 "LEFT JOIN parties p ON p.id=a.customer_party_id WHERE a.number=?"));
  s->Bind(1, number);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<json::object>();
  json::object a{{"number", s->Text(0)},
                 {"customer_party_id", s->Text(1)},
                 {"customer_name", s->Text(2)},
                 {"service_address", json::object{{"line1", s->Text(3)},
                                                  {"line2", s->Text(4)},
                                                  {"city", s->Text(5)},
                                                  {"state", s->Text(6)},
                                                  {"zip", s->Text(7)}}},
                 {"status", s->Text(8)},
                 {"opened_on", s->Text(9)},
                 {"closed_on", s->IsNull(10) ? json::value(nullptr) : json::value(s->Text(10))}};
  s->Reset();
  HF_ASSIGN_OR_RETURN(IncidentRules rules, IncidentRulesFor(db, "utilities"));
  HF_ASSIGN_OR_RETURN(Ledger l, ReadLedger(db, number, rules));
  std::map<std::string, const Charge*> charges;
  for (const auto& c : l.charges) charges[c.id] = &c;
  json::array ledger;
  for (const auto& r : l.rows) {
    json::object o{{"id", r.id},
                   {"kind", r.kind},
                   {"amount_cents", r.amount_cents},
                   {"period", r.period},
                   {"due_on", r.due_on},
                   {"bill_id", r.bill_id},
                   {"receipt", r.receipt},
                   {"channel", r.channel},
                   {"reference", r.reference},
                   {"note", r.note},
                   {"on", r.on}};
    auto it = charges.find(r.id);
    if (it != charges.end()) {
      o["effective_due_on"] = it->second->effective_due ? json::value(it->second->effective_due->ToString())
                                                        : json::value(nullptr);
      o["unpaid_cents"] = it->second->unpaid;
    }
    ledger.push_back(std::move(o));
  }
  const Charge* oldest = OldestPastDue(l, today);
  a["balance_cents"] = l.balance;
  a["past_due_cents"] = PastDue(l, today);
  a["oldest_past_due_on"] = oldest ? json::value(oldest->effective_due->ToString()) : json::value(nullptr);
  a["ledger"] = std::move(ledger);
  return std::optional<json::object>(std::move(a));
}

Result<json::array> ListAccounts(Db& db, const AccountQuery& q) {
  HF_ASSIGN_OR_RETURN(
      StmtRef s, db.Prepare("SELECT a.number, a.customer_party_id, coalesce(p.name, ''), a.line1, a.city, "
                            "a.status, (SELECT coalesce(sum(amount_cents), 0) FROM utility_ledger l WHERE "
                            "l.account=a.number) FROM utility_accounts a LEFT JOIN parties p ON "
                            "p.id=a.customer_party_id WHERE (?1='' OR a.customer_party_id=?1) AND (?2='' OR "
                            "a.number LIKE ?3||'%' ESCAPE '\\' OR a.line1 LIKE '%'||?3||'%' ESCAPE '\\' OR "
                            "p.name LIKE '%'||?3||'%' ESCAPE '\\') ORDER BY a.number LIMIT ?4"));
  s->BindAll(q.party_id, q.q, EscapeLike(q.q), q.limit);
  json::array out;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(json::object{{"number", s->Text(0)},
                               {"customer_party_id", s->Text(1)},
                               {"customer_name", s->Text(2)},
                               {"service_line1", s->Text(3)},
                               {"service_city", s->Text(4)},
                               {"status", s->Text(5)},
                               {"balance_cents", s->Int(6)}});
  }
  return out;
}

Result<json::object> ShutoffList(Db& db, Date today) {
  HF_ASSIGN_OR_RETURN(UtilitySettings settings, CurrentUtilitySettings(db));
  HF_ASSIGN_OR_RETURN(IncidentRules rules, IncidentRulesFor(db, "utilities"));
  json::array items;
  const bool protected_day = rules.Protected(today);
  if (!protected_day) {
    HF_ASSIGN_OR_RETURN(std::vector<std::string> numbers, AccountNumbers(db));
    for (const auto& number : numbers) {
      HF_ASSIGN_OR_RETURN(Ledger l, ReadLedger(db, number, rules));
      const Charge* oldest = OldestPastDue(l, today);
      if (!oldest) continue;
      int64_t days = today.days() - oldest->effective_due->days();
      if (days < settings.shutoff_days) continue;
      HF_ASSIGN_OR_RETURN(auto a, GetAccount(db, number, today));
      if (!a || StringOr(*a, "status") != "open") continue;
      items.push_back(json::object{{"number", number},
                                   {"customer_name", a->at("customer_name")},
                                   {"service_address", a->at("service_address")},
                                   {"past_due_cents", PastDue(l, today)},
                                   {"oldest_past_due_on", oldest->effective_due->ToString()},
                                   {"days_past_due", days}});
    }
  }
  return json::object{{"date", today.ToString()},
                      {"shutoff_days", settings.shutoff_days},
                      {"protected_by_incident", protected_day},
                      {"items", std::move(items)}};
}

}  // namespace holdfast::domain
