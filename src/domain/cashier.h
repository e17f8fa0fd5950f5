// Cashiering: cash drawers, payments with their tenders and receipts, voids, refunds and the drawer's
// close-out. Licensing, permits and utility payments take their money through TakePayment, inside their own
// commands, so that a license and the payment for it are one all-or-nothing write.
//
// Events (data members; every amount is integer cents):
//   drawer.opened     {id, clerk, float_cents, opened_on}
//       id: "d-<node>-<n>" from the node's "drawer" series; clerk: the user id who owns the drawer;
//       opened_on: the node's date, "YYYY-MM-DD".
//   payment.taken     {receipt, drawer_id, payer_party_id, clerk, items, total_cents, tenders, change_cents}
//       receipt: "r-<node>-<n>" from the node's "receipt" series; payer_party_id: a party id or "";
//       items: [{code, description, amount_cents, ref?}] (FeeLine::ToJson; ref left out when empty);
//       total_cents: the sum of the items' amounts (>= 0);
//       tenders: [{kind, amount_cents, number?, reference?}]   kind: cash | check | card | money_order;
//         number: a check's or money order's number; reference: the card terminal's reference (never a
//         card number); each left out when empty;
//       change_cents: sum(tenders) - total_cents, given back in cash.
//   payment.voided    {receipt, reason, approved_by}
//       The whole payment is reversed (its cash handed back from its drawer): the receipt no longer counts
//       in its drawer's totals. approved_by: the supervisor's user id.
//   payment.refunded  {receipt, refund, amount_cents, drawer_id, tender_kind, reason, approved_by}
//       refund: "rf-<node>-<n>" from the node's "refund" series; drawer_id: the drawer that paid it out;
//       tender_kind: "cash", or a non-cash kind the receipt was paid with (back to the card, a check).
//   drawer.closed     {id, counted, counted_cash_cents, expected_cash_cents, over_short_cents, closed_by}
//       counted: [{denomination_cents, form, count}]  form: "bill" | "coin"; bills 10000 5000 2000 1000 500
//         200 100, coins 100 50 25 10 5 1; over_short_cents = counted_cash_cents - expected_cash_cents.
//
// The close command decides the expected cash once and records it (DESIGN §4): float_cents + cash tendered
// - change given on the drawer's receipts that are not voided - cash refunds the drawer paid out.
//
// Rules the commands enforce (the folds record what the events say): payments, voids and refunds only
// through an open drawer of this node belonging to the clerk acting; tenders cover the total, and only cash
// gives change (the non-cash tenders together never exceed the total); a void only while the receipt's
// drawer is open and before any refund; refunds together never exceed the receipt's total, and a refund
// back to a non-cash kind never exceeds what that kind paid; a cash refund never exceeds the cash in the
// paying drawer; voids and refunds name an approving supervisor (http/approval.h checks their credentials).
//
// Aggregates: drawer:<id> (drawer.opened, drawer.closed), receipt:<number> (payment.taken, payment.voided,
// payment.refunded), and the series aggregates of the drawer, receipt and refund numbers. Folds read only
// their own event and aggregate: a drawer's totals are computed when read, from its receipts and refunds.
//
// State tables:
//   drawers(id, feed, clerk, float_cents, opened_on, opened_at, status, closed_at, closed_by,
//           counted_cash_cents, expected_cash_cents, over_short_cents)
//       status: "open" | "closed"; the close columns are NULL while open.
//   drawer_counts(drawer_id, denomination_cents, form, count)            the close-out count
//   receipts(number, feed, drawer_id, payer_party_id, clerk, total_cents, change_cents, status,
//            refunded_cents, taken_at, voided_at, voided_by, void_reason, void_approved_by, event_hash)
//       status: "paid" | "voided"; refunded_cents: the sum of the receipt's refunds; event_hash: the hash
//       (lowercase hex) of the receipt's payment.taken event, which the node log proves is in the record.
//   receipt_items(receipt, line, code, description, amount_cents, ref)   line: 0, 1, 2 … as in the event
//   receipt_tenders(receipt, line, kind, amount_cents, number, reference)
//   refunds(id, receipt, drawer_id, amount_cents, tender_kind, reason, approved_by, clerk, refunded_at)
#ifndef HOLDFAST_DOMAIN_CASHIER_H_
#define HOLDFAST_DOMAIN_CASHIER_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/date.h"
#include "base/json.h"
#include "domain/money.h"
#include "store/registry.h"
#include "store/writer.h"

namespace holdfast::domain {

void RegisterCashier(store::Registry& registry);

// The kinds of tender, in the order reports list them.
inline constexpr std::string_view kTenderKinds[] = {"cash", "check", "card", "money_order"};

struct Tender {
  std::string kind;  // cash | check | card | money_order
  Cents amount_cents = 0;
  std::string number;     // check and money order: required; otherwise empty
  std::string reference;  // card: the terminal's reference, required; otherwise empty
};

// Validates an array of tenders from a request body: [{kind, amount_cents, number?, reference?}]. Errors name
// the field, e.g. "tenders[1].number". Each amount is 1..kMaxAmountCents; an empty array is valid (a receipt
// of nothing due).
Result<std::vector<Tender>> ParseTenders(const json::value& tenders);

// Validates an array of items from a request body: [{code, description, amount_cents, ref?}]; at least one;
// codes are 1 to 24 of A-Z 0-9 - _; amounts within ±kMaxAmountCents (a negative line is a discount). Errors
// name the field, e.g. "items[0].code".
Result<std::vector<FeeLine>> ParseFeeLines(const json::value& items);

struct PaymentRequest {
  std::string drawer_id;
  std::string payer_party_id;  // "" for a walk-in payer
  std::vector<FeeLine> items;
  std::vector<Tender> tenders;
  std::string clerk;  // the user id taking the payment: the drawer's owner
  // The receipt's number when the command took it already (NextReceiptNumber, so that the items it pays for
  // can name it); "" to take the next one.
  std::string receipt;
};

// Takes a payment into an open drawer: checks that the drawer is open, at this node and the clerk's
// (types "drawer-not-open", "not-your-drawer"), the payer (if given) exists, the items (at least one; the
// total is 0..kMaxAmountCents) and the tenders: their sum covers the total (otherwise 422 "tender-short",
// saying how much is still due); change only from cash (the non-cash tenders may not exceed the total:
// 422 "change-only-from-cash"); a check or money order has its number, a card the terminal's reference.
// Then takes the next receipt number and emits payment.taken. Answers the receipt (GetReceipt).
// Runs inside the caller's command: a caller that fails after this leaves no payment behind.
Result<json::object> TakePayment(store::CommandContext& ctx, const PaymentRequest& request,
                                 const std::string& actor);

// A receipt: {receipt, drawer_id, payer_party_id, clerk, items, total_cents, tenders, change_cents,
// status, refunded_cents, refundable_cents, refunds: [refund…], void: null | {reason, approved_by,
// voided_by, voided_at}, returned_check: null | {reason, returned_by, returned_at, returned_on, reversed,
// not_reversed?}, taken_at, event_hash}. status: "paid", "partly-refunded", "refunded", "voided" or
// "check-returned". event_hash: the hash of its payment.taken event, unchanged by voids and refunds; anyone
// can have it proven in the node log (GET /api/v1/verify/receipt/{number}). A refund: {id, receipt,
// drawer_id, amount_cents, tender_kind, reason, approved_by, clerk, refunded_at}.
Result<std::optional<json::object>> GetReceipt(store::Db& db, std::string_view number);

// The number TakePayment gives the next receipt of this command, for events a command emits before its
// payment that must name the receipt paying for them. It is TakePayment's number only if no other payment is
// taken in between.
Result<std::string> NextReceiptNumber(store::CommandContext& ctx);

// What taking a payment back undoes besides the money. A component whose items a payment pays for (each
// item's ref names the thing paid for, e.g. a license number) registers, once at startup, how to reverse what
// the payment paid for. ReversePaidItems calls it inside the command that takes the payment back (a receipt's
// void, an online charge's refund), with the payment's distinct refs that start with `ref_prefix`, in the
// order of its items. Its error fails that command, which then changes nothing.
struct PaidItem {
  std::string ref;
  Cents amount_cents = 0;  // what the payment paid for `ref`, over all its lines
};
struct ReversedPayment {
  std::string receipt;    // the receipt's number, or the online payment's id: what events record as `receipt`
  std::string described;  // how messages name it: "receipt r-central-7", "online payment OP-…"
  std::string instead;    // what else to do when it cannot be reversed ("" for nothing else), for messages
  std::vector<PaidItem> items;
  std::string reason;
  std::string approved_by;
  // ", or <instead>" for a message, or "" when there is nothing else to do.
  std::string Otherwise() const { return instead.empty() ? "" : ", or " + instead; }
};
using PaidItemsReversal = std::function<Status(store::CommandContext& ctx, const ReversedPayment& reversed,
                                               const std::string& actor)>;
// `refusals` are the problem types with which `reversal` refuses because what was paid for has changed since
// (a permit issued, a license changed): a returned check is then recorded without the reversal. Any other
// error is a failure.
void RegisterPaidItemsReversal(std::string ref_prefix, PaidItemsReversal reversal,
                               std::vector<std::string> refusals = {});
// Whether `e` is a registered reversal's refusal.
bool IsReversalRefusal(const Error& e);
// Runs the reversal registered for each kind of item `reversed` paid for.
Status ReversePaidItems(store::CommandContext& ctx, const ReversedPayment& reversed,
                        const std::string& actor);

struct OpenDrawerRequest {
  Cents float_cents = 0;  // the starting cash, 0..kMaxAmountCents
  std::string clerk;      // the owner; one open drawer per clerk ("drawer-already-open")
};
// Opens a drawer; answers it (GetDrawer).
Result<json::object> OpenDrawer(store::CommandContext& ctx, const OpenDrawerRequest& request,
                                const std::string& actor);

// One line of a cash count.
struct CashCount {
  Cents denomination_cents = 0;
  std::string form;  // "bill" or "coin"
  int64_t count = 0;
};
// Validates [{denomination_cents, count, form?}]: bills 10000 5000 2000 1000 500 200 100, coins 100 50 25 10
// 5 1; form defaults to "bill" for 100 and up and "coin" below; each denomination and form at most once;
// counts 0..1,000,000.
Result<std::vector<CashCount>> ParseCashCounts(const json::value& counted);

struct CloseDrawerRequest {
  std::string drawer_id;
  std::vector<CashCount> counted;
  bool any_clerk = false;  // a supervisor or admin may close another clerk's drawer
};
// Closes an open drawer of this node with the cash counted, records the expected cash and the over/short,
// and answers the close-out report (DrawerReport).
Result<json::object> CloseDrawer(store::CommandContext& ctx, const CloseDrawerRequest& request,
                                 const std::string& actor);

struct VoidRequest {
  std::string receipt;
  std::string reason;
  std::string approved_by;  // the approving supervisor's user id, already verified; "" → "approval-required"
  bool any_drawer = false;  // a supervisor or admin may void from another clerk's drawer
};
// Voids a whole payment while its drawer is open: refused on a voided receipt ("already-voided"), one with
// refunds ("receipt-refunded"), or when the drawer is closed ("drawer-not-open"). Reverses what the receipt
// paid for through the registered reversals (RegisterPaidItemsReversal), in the same command. Answers the
// receipt.
Result<json::object> VoidPayment(store::CommandContext& ctx, const VoidRequest& request,
                                 const std::string& actor);

struct RefundRequest {
  std::string receipt;
  Cents amount_cents = 0;
  std::string drawer_id;    // the open drawer of the actor that pays it out
  std::string tender_kind;  // "cash", or a non-cash kind the receipt was paid with
  std::string reason;
  std::string approved_by;  // as for VoidRequest
};
// Refunds part or all of a payment: refused on a voided receipt ("already-voided"), beyond what is left to
// refund ("refund-exceeds-payment"), to a kind the receipt was not paid with ("refund-tender-invalid"),
// beyond what that kind paid ("refund-exceeds-tender"), or in cash beyond the drawer's cash
// ("insufficient-cash"). Answers {refund, receipt}.
Result<json::object> RefundPayment(store::CommandContext& ctx, const RefundRequest& request,
                                   const std::string& actor);

// A check the bank returned unpaid (insufficient funds, a closed account, a stopped payment), recorded by a
// supervisor or admin (the actor) on the receipt it paid, whatever its drawer's state: the drawer's figures
// stay as closed out (the check was deposited), the receipt shows it, and what it paid for is reversed as by
// a void (RegisterPaidItemsReversal), in the same command, so it is owed again. Refused on a receipt voided
// ("already-voided"), refunded ("receipt-refunded"), returned already ("check-returned"), or not paid
// wholly by check ("not-paid-by-check"). When what it paid for cannot be taken back (a reversal refuses with
// one of its registered refusals: a permit issued since, a license changed since), the return is recorded all
// the same, without the reversal (CommandContext::Attempt undoes what the reversal did), with the refusal's
// message as `not_reversed`, and the receipt fold queues a conflict for a supervisor. Emits
// payment.check_returned; answers the receipt.
//
// Offices cut off from each other may return a check one refunded or voided: the receipt fold records both
// and a conflict (check-returned-and-refunded, check-returned-and-voided), since the city then paid out money
// it never received.
struct ReturnedCheckRequest {
  std::string receipt;
  std::string reason;  // the bank's reason, 1 to 500 characters
};
Result<json::object> RecordReturnedCheck(store::CommandContext& ctx, const ReturnedCheckRequest& request,
                                         const std::string& actor);

// The checks returned unpaid with returned_on in [from, to], by date then receipt: {from, to, items:
// [{receipt, amount_cents, payer_party_id, drawer_id, taken_at, and the receipt's returned_check}], count,
// total_cents}, for finance to offset against the deposits they were part of.
Result<json::object> ReturnedChecks(store::Db& db, Date from, Date to);

// A drawer: {id, node, clerk, float_cents, opened_on, opened_at, status, closed_at, closed_by,
// expected_cash_cents, counted_cash_cents, over_short_cents}. expected_cash_cents is the cash that should be
// in the drawer now while open, and as recorded at the close once closed; counted and over/short are null
// while open.
Result<std::optional<json::object>> GetDrawer(store::Db& db, std::string_view id);

struct DrawerQuery {
  std::string status;  // "", "open" or "closed"
  std::string clerk;   // "" or a user id
  int limit = 50;
  std::string after;  // cursor from the previous page
};
struct DrawerPage {
  json::array items;
  std::string next_cursor;  // "" on the last page
};
// Drawers, most recently opened first.
Result<DrawerPage> ListDrawers(store::Db& db, const DrawerQuery& query);

// The close-out report of a drawer (also while it is open):
//   {drawer: GetDrawer, float_cents,
//    receipts: {count, total_cents}           receipts not voided
//    voids:    {count, total_cents}           receipts voided
//    refunds:  {count, total_cents}           refunds this drawer paid out
//    net_cents: receipts.total_cents - refunds.total_cents,
//    by_tender: [{kind, count, received_cents, refund_count, refunded_cents, net_cents}]   every kind, in
//        kTenderKinds order; received: what the kind brought in on receipts not voided (cash: tendered less
//        change given); refunded: what this drawer paid back that way
//    by_fee_code: [{code, count, amount_cents}]   item lines of receipts not voided, by code
//    cash: {float_cents, tendered_cents, change_cents, refunded_cents, expected_cents}   computed now
//    expected_cash_cents, counted_cash_cents, over_short_cents   (as GetDrawer)
//    counted: [{denomination_cents, form, count, amount_cents}]}
// Totals agree to the cent: sum(by_tender.received) = sum(by_fee_code.amount) = receipts.total_cents.
Result<std::optional<json::object>> DrawerReport(store::Db& db, std::string_view id);

// The report as CSV (RFC 4180, CRLF line ends), one row per figure so that many drawers' reports concatenate:
//   drawer_id,section,item,count,amount_cents,amount
// sections: summary (float, receipts, voids, refunds, net), tender (received by kind), tender_refund
// (refunded by kind), fee_code (by code), cash (tendered, change, refunded, expected, counted, over_short;
// counted and over_short empty while open). amount is amount_cents as dollars ("12.34").
std::string DrawerReportCsv(const json::object& report);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_CASHIER_H_
