// Utility accounts (water, sewer): accounts, bills from the billing run, payments from every channel, late
// fees, adjustments and the shut-off eligibility list.
//
// Every money movement of an account is one row of its ledger (table utility_ledger), made by one event; the
// balance is the sum of the rows, so it is the same whatever order the events arrive in. Charges (bills, late
// fees, positive adjustments) raise the balance; credits (payments, negative adjustments) lower it; a voided
// payment's reversal raises it again.
//
// What is past due: credits pay the oldest charges first (by effective due date, then id). A charge's
// effective due date is its due date moved past any incident affecting utilities (domain/incidents.h). A
// charge still unpaid after its effective due date is past due; a bill past due by more than the settings'
// grace_days takes one late fee (the greater of late_fee_cents and late_fee_basis_points of what is unpaid
// of it), assessed by the daily job (AssessLateFees), never while an incident protects the day. The shut-off
// list holds the accounts whose oldest unpaid charge is past due by shutoff_days or more; it is empty while
// an incident protects the day.
//
// Events (aggregate account:<number>; money in cents, dates YYYY-MM-DD):
//   utility.account_opened  number, customer_party_id, service_address {line1, line2, city, state, zip},
//                           opened_on
//   utility.account_closed  number, closed_on, reason
//   utility.bill_posted     number, bill_id ("<number>/<period>"), period (YYYY-MM), amount_cents, due_on,
//                           posted_on, import_id (the SHA-256 of the bills file)
//   utility.late_fee_assessed  number, fee_id ("<bill_id>/late"), bill_id, amount_cents, assessed_on
//   utility.payment_applied number, payment_id, amount_cents, channel ("counter" | "online" | "lockbox"),
//                           receipt, reference, paid_on
//   utility.payment_reversed number, payment_id, amount_cents, reason, receipt
//   utility.adjusted        number, adjustment_id ("ADJ-<node>-<n>", the node's "adjustment" series),
//                           amount_cents (signed), reason, approved_by, adjusted_on
// Aggregate lockbox-exception:<id>: utility.lockbox_exception {id, import_id, item_id, account, amount_cents,
// check_number, payer_name, deposit_date, reason}; utility.lockbox_exception_resolved {id, resolution
// ("applied" | "returned"), account, note}.
// Aggregate utility-import:<sha256>: utility.import_recorded {id, kind ("bills" | "lockbox"), file_name,
// rows, total_cents, imported_on}. Aggregate utility-settings:city: utility.settings_set {late_fee_cents,
// late_fee_basis_points, grace_days, shutoff_days}.
#ifndef HOLDFAST_DOMAIN_UTILITIES_H_
#define HOLDFAST_DOMAIN_UTILITIES_H_

#include <optional>
#include <string>
#include <vector>

#include "base/date.h"
#include "base/json.h"
#include "domain/cashier.h"
#include "domain/money.h"
#include "store/registry.h"
#include "store/writer.h"

namespace holdfast::domain {

void RegisterUtilities(store::Registry& registry);

struct UtilitySettings {
  Cents late_fee_cents = 1000;      // at least this much
  int late_fee_basis_points = 500;  // or this share of what is unpaid of the bill, if more (5%)
  int grace_days = 5;               // days after the due date before a late fee
  int shutoff_days = 60;            // days past due before an account is eligible for shut-off

  json::object ToJson() const;
};
Result<UtilitySettings> ParseUtilitySettings(const json::value& v);
Result<UtilitySettings> CurrentUtilitySettings(store::Db& db);
Result<json::object> SetUtilitySettings(store::CommandContext& ctx, const UtilitySettings& s,
                                        const std::string& actor);

struct AccountInput {
  std::string number;  // the billing system's account number: 1 to 20 of 0-9, A-Z, '-'
  std::string customer_party_id;
  std::string line1, line2, city, state, zip;
};
Result<AccountInput> ParseAccountInput(const json::value& body);
// 409 "account-exists", 422 "unknown-party".
Result<json::object> OpenAccount(store::CommandContext& ctx, const AccountInput& in, Date today,
                                 const std::string& actor);

// One line of a bills file: account,period,amount,due_date (a header line first, amount in dollars with two
// decimals, e.g. "account,period,amount,due_date\n100234,2026-10,48.20,2026-11-15\n").
struct BillLine {
  int line = 0;
  std::string account;
  std::string period;  // YYYY-MM
  Cents amount_cents = 0;
  Date due_on;
};
// Parses a bills file; errors name the line ("line 4: …"), type "bills-malformed".
Result<std::vector<BillLine>> ParseBillsCsv(std::string_view bytes);

// Posts every bill of a file, all or nothing: refuses a file imported before (409 "import-duplicate"), a
// line naming an unknown account or a period billed already (422, naming the line). Answers {import_id,
// bills, total_cents}.
Result<json::object> ImportBills(store::CommandContext& ctx, std::string_view bytes,
                                 const std::string& file_name, Date today, const std::string& actor);

struct UtilityCounterPayment {
  std::string number;
  std::string drawer_id;
  std::string payer_party_id;  // "" → the customer
  Cents amount_cents = 0;
  std::vector<Tender> tenders;
};
// Takes a payment on an account at a counter drawer (TakePayment, one line, ref "UA-<number>") and applies
// it, in the caller's command. Answers {receipt, account}.
Result<json::object> PayAtCounter(store::CommandContext& ctx, const UtilityCounterPayment& p, Date today,
                                  const std::string& clerk);

// The ref of what pays account `number`: on a receipt's items, and for taking a payment back
// (ReversePaidItems, domain/cashier.h).
std::string AccountItemRef(std::string_view number);

// Applies a payment that arrived by another channel (online, lockbox) under `payment_id`, which must be new
// for the account (409 "payment-applied").
Result<json::object> ApplyPayment(store::CommandContext& ctx, const std::string& number,
                                  const std::string& payment_id, Cents amount_cents,
                                  const std::string& channel, const std::string& receipt,
                                  const std::string& reference, Date today, const std::string& actor);

// Applies a bank's lockbox file (domain/lockbox.h: CSV or BAI2), all or nothing and never twice (409
// "import-duplicate"; a malformed file is 422 "lockbox-malformed" naming its line). Each item paying an open
// account is applied (channel "lockbox", payment id "LBX-<first 12 hex of the file's SHA-256>-<item id>"); an
// item with no account, an unknown or a closed one goes to the exceptions queue for a clerk. Answers
// {import_id, file_id, deposit_date, items, total_cents, applied, applied_cents, exceptions [{id, item_id,
// account, amount_cents, reason}], amount_differs [{account, item_id, amount_cents, due_cents}]} — the last
// lists items applied whose amount is not what the account owed, for a clerk to look at.
Result<json::object> ImportLockbox(store::CommandContext& ctx, std::string_view bytes,
                                   const std::string& file_name, Date today, const std::string& actor);

// A lockbox check the bank returned unpaid (insufficient funds, a closed account, a stopped payment),
// recorded by a supervisor or admin: the payment `payment_id` ("LBX-…") is reversed on account `number`
// (utility.payment_reversed, reason "returned check: <reason>"), which owes the amount again. 404 when the
// account has no such payment; 409 "not-a-lockbox-payment" for a payment of another channel (a counter
// payment's check is returned on its receipt, an online payment is refunded), "payment-reversed" when it was
// reversed already. Answers the account.
Result<json::object> ReturnLockboxPayment(store::CommandContext& ctx, const std::string& number,
                                          const std::string& payment_id, const std::string& reason,
                                          const std::string& actor);

// The lockbox items waiting for a clerk (status "open"), or all of them (status "").
Result<json::array> ListLockboxExceptions(store::Db& db, const std::string& status);
// A clerk resolves an exception: "applied" to `account` (an open account; the payment is applied in the same
// command) or "returned" to the payer (with a note). 409 "exception-resolved" when resolved already.
Result<json::object> ResolveLockboxException(store::CommandContext& ctx, const std::string& id,
                                             const std::string& resolution, const std::string& account,
                                             const std::string& note, Date today, const std::string& actor);

// A supervisor's adjustment (positive: a charge; negative: a credit), with the reason.
Result<json::object> AdjustAccount(store::CommandContext& ctx, const std::string& number, Cents amount_cents,
                                   const std::string& reason, Date today, const std::string& approved_by,
                                   const std::string& actor);

// The daily job: assesses every late fee due on `today` (see above). Answers the fees assessed.
Result<json::array> AssessLateFees(store::CommandContext& ctx, Date today, const std::string& actor);

// The account with its balance, what is past due on `today`, and its ledger (oldest first): {number,
// customer_party_id, customer_name, service_address, status, opened_on, balance_cents, past_due_cents,
// oldest_past_due_on (null when nothing is past due), ledger [{id, kind, amount_cents, period, due_on,
// effective_due_on, bill_id, receipt, channel, reference, note, on}]}.
Result<std::optional<json::object>> GetAccount(store::Db& db, std::string_view number, Date today);

struct AccountQuery {
  std::string party_id;  // "" or one customer
  std::string q;         // "" or a prefix of the number, or part of the service address's first line
  int limit = 50;
};
Result<json::array> ListAccounts(store::Db& db, const AccountQuery& query);

// Accounts eligible for shut-off on `today`: {date, protected_by_incident, items [{number, customer_name,
// past_due_cents, oldest_past_due_on, days_past_due}]}.
Result<json::object> ShutoffList(store::Db& db, Date today);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_UTILITIES_H_
