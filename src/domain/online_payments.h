// Online payments by card on the portal, of a utility account (its holder), of a permit's fees (its
// applicant or contractor) or of a pet license's renewal (its owner): the city's payment gateway
// (domain/gateway.h) charges the card, and the payment is applied to the account or the permit, or the
// license renewed, when it approves.
//
// A charge happens in another system that can fail to answer at any moment, and the node itself can stop
// between any two steps, so a payment goes through three, and no approved charge is ever lost or made twice:
//   1. Begin (a command): the attempt is recorded before any money moves. Its id is "OP-" and 24 hex digits
//      of the SHA-256 of the payer's user id and the request's Idempotency-Key, so the same request sent
//      again finds its attempt instead of making another; the same key with another account, amount or card
//      is refused. The id is also the gateway's idempotency key: every call for this attempt, from any node,
//      charges at most once.
//   2. Charge (outside the writer, on a thread that may wait): the gateway charges. When it does not answer,
//      Lookup by the same key tells whether the charge happened.
//   3. Settle (a command): the outcome is recorded; when approved, the payment is applied in the same
//      command: to the account (utility.payment_applied, channel "online", payment id and receipt = the
//      attempt id, reference = the gateway's transaction id), or to the permit (permit.paid, receipt = the
//      attempt id, channel "online", reference = the gateway's transaction id), or the license renewed for a
//      year (license.renewed, receipt = the attempt id). When what it pays for has changed meanwhile and
//      refuses it, the outcome is "unapplied", with the refusal as its message: the money was taken, and a
//      supervisor refunds it (RefundOnline). A supervisor can also refund an applied charge: it is first
//      taken back off what it paid for, and is then unapplied.
// An attempt whose outcome is not known (the gateway did not answer, the node stopped midway) stays
// "pending": the payer's retry with the same key finishes it, and ReconcileOnlinePayments, which `serve`
// runs every minute, asks the gateway about it. An attempt the gateway never received is "abandoned" after
// kAbandonAfterMs (nothing was charged). An approval arriving after that still applies the payment: money
// taken is always credited.
//
// Events (aggregate online-payment:<id>; <target> is "utility" for an account, "permit" for a permit's fees,
// "license" for a license's renewal):
//   <target>.online_payment_started  id, number, amount_cents, card_last4, payer (user id), started_on
//   <target>.online_payment_settled  id, number, outcome ("approved" | "declined" | "abandoned"), reference,
//                                    authorization_code, decline_code, message, settled_on
//                                    ("unapplied": charged, but not applied; `message` says why)
//   <target>.online_payment_unapplied id, number, amount_cents, reason, unapplied_on: an applied charge
//                                    taken back off what it paid for, in the command that reverses it there
//                                    and records its refund (status "unapplied", `message` the reason)
//   <target>.online_payment_refunded id, number, amount_cents, refund_reference (the gateway's; "" when the
//                                    processor had refunded it already), reason, refunded_on: an unapplied
//                                    charge given back to the card (status "refunded")
// Table utility_online_payments (both targets; its column `target` says which). The first settlement in
// canonical order stands, except that a charge ("approved" or "unapplied") replaces "abandoned".
#ifndef HOLDFAST_DOMAIN_ONLINE_PAYMENTS_H_
#define HOLDFAST_DOMAIN_ONLINE_PAYMENTS_H_

#include <optional>
#include <string>

#include "base/date.h"
#include "base/json.h"
#include "domain/gateway.h"
#include "store/registry.h"
#include "store/writer.h"

namespace holdfast::domain {

inline constexpr int64_t kAbandonAfterMs = 30 * 60 * 1000;

void RegisterOnlinePayments(store::Registry& registry);

// What an online payment pays: a utility account, or the fees due on a permit.
// A renewal paid online is for one year at the standard fee: longer terms and the senior-owner discount
// (whose proof a clerk sees) are at the counter.
enum class PaymentTarget { kUtilityAccount, kPermit, kLicenseRenewal };
// "utility", "permit" or "license", as in the event types and the `target` of a payment.
std::string_view TargetName(PaymentTarget target);

struct OnlinePaymentRequest {
  PaymentTarget target = PaymentTarget::kUtilityAccount;
  std::string number;           // the account, the permit, or the license
  Cents amount_cents = 0;       // 1..kMaxAmountCents
  std::string card_number;      // 12..19 digits; never stored, only its last four digits
  std::string expiry;           // MM/YY
  std::string idempotency_key;  // the request's Idempotency-Key (1..100 visible ASCII characters)
  std::string payer;            // the user id paying
  // A public user pays only the accounts of their own party, the fees of permits their party applied for or
  // is the contractor of, and the renewals of their party's pets' licenses: "" for staff taking a payment by
  // phone.
  std::string payer_party_id;
  bool public_user = false;
};

// Checks the request's fields (not the card: that is the gateway's decision). Errors are kInvalid and name
// the field at fault.
Status ValidateOnlinePayment(const OnlinePaymentRequest& r);

struct OnlinePaymentOutcome {
  // "approved" (account or permit holds it after the payment), "declined" (the card was refused; nothing
  // was charged), "pending" (the outcome is not known yet: `error` says why and what to do), or "unapplied"
  // (charged, but what it paid for refused it: `error` is 409 "payment-unapplied").
  std::string status;
  json::object payment;  // the attempt: {id, target, number, amount_cents, card_last4, status, ...}
  json::object account;  // approved, of an account: the account as GetAccount answers it
  json::object permit;   // approved, of a permit: the permit as GetPermit answers it
  json::object license;  // approved, of a renewal: the license as GetLicense answers it
  std::optional<Error> error;
};

// Runs the three steps for one request, calling `gateway` on the calling thread (which may wait up to the
// gateway's timeout, so never a network or writer thread). Errors: what Begin refuses (404 unknown account
// or permit, or not the payer's; 409 "account-closed"; for a permit 409 "permit-closed", 409 "permit-paid"
// when nothing is due and 422 "amount-not-due" (field amount_cents) when the amount is not what is due;
// for a license what QuoteRenewal refuses (409 "renewal-too-early", 409 "rabies-expired" …) and 422
// "amount-not-due" when the amount is not the renewal's fee;
// 422 "idempotency-key-reused", 409 "payment-abandoned" for an attempt given up earlier), or the gateway's
// kInvalid; the writer's failures.
Result<OnlinePaymentOutcome> PayOnline(store::Writer& writer, PaymentGateway& gateway,
                                       const OnlinePaymentRequest& r, Date today);

// Asks the gateway about every attempt pending for longer than `min_age_ms` (read from `db`, a read
// connection) and settles those it can on `writer`: the gateway's outcome, or "abandoned" when it never
// received a charge pending for kAbandonAfterMs. Answers {checked, approved, declined, abandoned, unapplied,
// still_pending, failed}. Gateway errors leave an attempt pending. An attempt the writer fails to settle
// stays pending too, listed in `failed` ([{id, detail}]), and does not stop the others.
Result<json::object> ReconcileOnlinePayments(store::Db& db, store::Writer& writer, PaymentGateway& gateway,
                                             int64_t now_ms, int64_t min_age_ms, Date today);

// Refunds the charge of online payment `id` to its card, through `gateway` (its idempotency key is the id and
// "-refund", so a retry, from any node, refunds once), then records it on `writer`; `db` is a read
// connection. `actor` decides (a supervisor). An applied charge ("approved") is also taken back off what it
// paid for (the reversals registered with RegisterPaidItemsReversal, domain/cashier.h): the account owes the
// amount again, the permit's fees are due again, the renewal is undone. That is tried first in a command that
// changes nothing, so its refusal (409, e.g. "permit-issued") comes before the card is refunded; then done in
// the command that records the refund. Answers the payment, status "refunded"; one refunded already is
// answered as it is. Errors, all changing nothing: 404; 409 "not-refundable" for a charge not taken (pending,
// declined, abandoned); 409 "refund-declined" when the processor refuses; 503 when it does not answer (ask
// again); 422 for no reason. One more, when what an applied charge paid for changed between the check and the
// refund: the refund is recorded, and 409 "refunded-still-applied" says what still counts the payment.
Result<json::object> RefundOnline(store::Db& db, store::Writer& writer, PaymentGateway& gateway,
                                  const std::string& id, const std::string& reason, Date today,
                                  const std::string& actor);

// Online payments by status ("" all, or pending, approved, declined, abandoned, unapplied, refunded) and of
// one account, permit or license (`number`, "" all), newest first, at most `limit`.
Result<json::array> ListOnlinePayments(store::Db& db, const std::string& status, const std::string& number,
                                       int limit);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_ONLINE_PAYMENTS_H_
