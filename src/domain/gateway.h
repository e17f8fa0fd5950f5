// Card payments through an outside payment processor (a "gateway"): residents paying water bills online are
// charged by it, and a payment voided later is refunded through it.
//
// The gateway is reached over the network, so every call can end without an answer. The contract that keeps
// a resident from being charged twice is the idempotency key: the caller picks one key per intended charge
// (for example the id of the pending payment), stores it before calling, and sends every retry of that
// charge with the same key. The gateway charges at most once per key and gives every later call with that
// key the first outcome. After an error (Code::kUnavailable) the caller cannot know whether the card was
// charged; Lookup with the same key tells, and a retry of Charge with the same key is always safe.
//
// Implementations: http::HttpGateway (a processor's JSON API over HTTP, docs/payments-gateway.md) and, for
// tests and demos, http::TestGateway serves that API in process.
#ifndef HOLDFAST_DOMAIN_GATEWAY_H_
#define HOLDFAST_DOMAIN_GATEWAY_H_

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "domain/money.h"

namespace holdfast::domain {

inline constexpr size_t kMaxIdempotencyKeyLength = 100;
inline constexpr size_t kMaxChargeDescriptionLength = 500;

struct CardCharge {
  // 1..100 visible ASCII characters (0x21..0x7E: no spaces or controls, so it travels in an HTTP header).
  // The same key always gives the same outcome and never charges twice.
  std::string idempotency_key;
  Cents amount_cents = 0;  // 1..kMaxAmountCents
  // 12..19 digits, no spaces. Tests and demos use the test gateway's numbers (http/test_gateway.h); a real
  // integration would send the processor's token for the card instead.
  std::string card_number;
  std::string expiry;       // "MM/YY", month 01..12; the card is valid through the end of that month
  std::string description;  // for the statement and the gateway's records, e.g. "Water account 100234"
};

enum class ChargeOutcome { kApproved, kDeclined };

// "approved" or "declined", as on the wire.
std::string_view OutcomeName(ChargeOutcome outcome);

struct ChargeResult {
  ChargeOutcome outcome = ChargeOutcome::kDeclined;
  std::string reference;           // the gateway's transaction id (approved or declined)
  std::string authorization_code;  // approved only
  // Declined only: "card_declined", "insufficient_funds", "expired_card", "incorrect_number",
  // "amount_too_large", or another code the processor uses.
  std::string decline_code;
  std::string message;  // for people
  Cents amount_cents = 0;

  bool approved() const { return outcome == ChargeOutcome::kApproved; }
};

// Checks an idempotency key against the rule on CardCharge::idempotency_key; errors are kInvalid and name
// `field`.
Status ValidateIdempotencyKey(std::string_view key, std::string_view field = "idempotency_key");

// Checks every field of a charge against the rules above (not whether the card is good: that is the
// gateway's decision). Errors are kInvalid and name the field at fault.
Status ValidateCharge(const CardCharge& charge);

// Thread-safety: implementations are safe to call from several threads at once.
class PaymentGateway {
 public:
  virtual ~PaymentGateway() = default;

  // Approved or declined. Errors:
  // - kInvalid: the charge breaks the rules above, or its key was used before for a different charge; nothing
  //   was charged.
  // - kUnavailable, type "gateway-timeout" (no answer in time) or "gateway-unavailable" (not reached, or it
  //   failed): the charge may or may not have happened; Lookup by the same key tells.
  virtual Result<ChargeResult> Charge(const CardCharge& charge) = 0;

  // The outcome of an earlier Charge with this key; nullopt when the gateway never received it (or received
  // it but failed before deciding, so a retry with the key will decide). Errors as for Charge.
  virtual Result<std::optional<ChargeResult>> Lookup(const std::string& idempotency_key) = 0;

  // Refunds the approved charge `reference` in full (for a payment voided later). The result is kApproved
  // with the refund's own reference and the amount refunded. Retrying with the same `idempotency_key` gives
  // the same result and refunds once. Errors: kNotFound for an unknown reference; kConflict (type
  // "already-refunded" or "not-refundable") for a charge refunded before under another key or a declined
  // one; kInvalid and kUnavailable as for Charge.
  virtual Result<ChargeResult> Refund(const std::string& reference, const std::string& idempotency_key) = 0;
};

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_GATEWAY_H_
