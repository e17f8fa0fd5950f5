// A payment processor for tests and demos: serves, in process and in memory, the small JSON API that
// HttpGateway speaks (docs/payments-gateway.md), and decides each charge by its card number the way a real
// processor's test mode does. Nothing here moves money.
//
// Wire API (JSON bodies; errors are application/problem+json whose type ends in the slug given):
//
//   POST /v1/charges      header Idempotency-Key: 1..100 visible ASCII characters (required)
//                         body {"amount_cents": int, "card_number": "digits", "expiry": "MM/YY",
//                               "description": "..." (optional)}
//     200 approved / 402 declined, with the charge:
//         {"object": "charge", "id": "ch_000001", "idempotency_key", "status": "approved" | "declined",
//          "amount_cents", "description", "card_last4", "authorization_code" (approved),
//          "decline_code" (declined), "message", "refunded": bool}
//     A request with a key already used and the same body gets the stored answer again (same status and
//     body) with the header `Idempotent-Replayed: true`; nothing is charged again. The same key with a
//     different body: 409 "idempotency-key-reused". Missing or bad fields or key: 422 "validation"
//     (400 "malformed-json" when the body is not JSON). A processing error: 500 "processing-error", and
//     nothing is recorded (a retry with the key is decided afresh).
//   GET /v1/charges/{idempotency_key}   (the key percent-encoded)
//     200 the charge as it stands now (with "refunded"), or 404 "no-such-charge".
//   POST /v1/refunds      header Idempotency-Key (required; keys are shared with charges)
//                         body {"charge": "ch_000001"}
//     200 {"object": "refund", "id": "re_000001", "charge", "status": "succeeded", "amount_cents",
//          "message"}; replays as for charges; 404 "no-such-charge"; 409 "already-refunded" (refunded
//     before under another key); 409 "not-refundable" (a declined charge).
//   Only decided answers (approved, declined, refunded) are stored under their key; a refused request
//   (422, 404, 409, 500) leaves the key unused.
//
// Decisions, in this order:
//   1. a number failing the Luhn check               → declined "incorrect_number"
//   2. 4000000000000119                              → 500 processing error, nothing recorded
//   3. an amount over $10,000.00 (1,000,000 cents)   → declined "amount_too_large"
//   4. an expiry month before the current one        → declined "expired_card"
//   5. 4000000000000002                              → declined "card_declined"
//      4000000000009995                              → declined "insufficient_funds"
//      4000000000000069                              → declined "expired_card"
//      4000000000006975                              → approved and recorded at once, but answered only
//                                                      after `slow_answer_delay` (longer than the client's
//                                                      timeout: the client sees a timeout, Lookup finds it;
//                                                      a first answer for this number is always held back,
//                                                      a replay is not)
//      4242424242424242, any other Luhn-valid number  → approved
//
// Thread-safety: all state is behind one mutex; the server's threads call Handle concurrently.
#ifndef HOLDFAST_HTTP_TEST_GATEWAY_H_
#define HOLDFAST_HTTP_TEST_GATEWAY_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "domain/money.h"
#include "http/message.h"

namespace holdfast::http {

inline constexpr std::string_view kTestCardApproved = "4242424242424242";
inline constexpr std::string_view kTestCardDeclined = "4000000000000002";
inline constexpr std::string_view kTestCardInsufficientFunds = "4000000000009995";
inline constexpr std::string_view kTestCardExpired = "4000000000000069";
inline constexpr std::string_view kTestCardProcessingError = "4000000000000119";
inline constexpr std::string_view kTestCardSlowAnswer = "4000000000006975";

// Charges above this decline with "amount_too_large": $10,000.00.
inline constexpr domain::Cents kTestGatewayMaxChargeCents = 1'000'000;

struct TestGatewayOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port
  // How long the answer for kTestCardSlowAnswer is held back.
  std::chrono::milliseconds slow_answer_delay{15000};
  // Decides which expiries are past; SystemClock when null. Must outlive the gateway.
  const Clock* clock = nullptr;
  int threads = 2;
};

class TestGateway {
 public:
  explicit TestGateway(TestGatewayOptions options = {});
  ~TestGateway();
  TestGateway(const TestGateway&) = delete;
  TestGateway& operator=(const TestGateway&) = delete;

  // Binds and starts serving. Fails with a clear message when the address is taken or invalid.
  Status Start();
  // The port actually bound.
  uint16_t port() const;
  // Stops serving; answers still held back are dropped (their connections closed). Safe to call twice.
  void Stop();

  // Charges recorded (approved or declined; replays and refused requests are not counted).
  int charges() const;
  int approved_charges() const;
  int refunds() const;

  // Answers one request of the wire API above; the server calls it, tests may too.
  void Handle(Request&& request, Responder respond);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The Luhn (mod 10) check digit test over a string of digits; false for an empty or non-digit string.
bool PassesLuhn(std::string_view digits);

}  // namespace holdfast::http

#endif  // HOLDFAST_HTTP_TEST_GATEWAY_H_
