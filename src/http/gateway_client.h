// HttpGateway: a domain::PaymentGateway that speaks a processor's JSON API over HTTP/1.1 (the wire API in
// http/test_gateway.h and docs/payments-gateway.md), with one deadline per request.
//
// How answers become results:
// - 200 / 402 with a charge → approved / declined; 200 with a refund → the refund (kApproved).
// - 400 / 422 → kInvalid with the gateway's detail; 409 "idempotency-key-reused" → kInvalid of that type;
//   other 409s → kConflict of the gateway's type ("already-refunded", "not-refundable"); 404 → kNotFound
//   (for Lookup, 404 "no-such-charge" → nullopt).
// - No answer within the timeout → kUnavailable "gateway-timeout". Not reached (refused, reset, name not
//   resolved), a 5xx, any other status, or an answer that is not the JSON expected → kUnavailable
//   "gateway-unavailable". In both cases a charge may or may not have been made; Lookup tells.
//
// Every charge and refund carries the caller's idempotency key in the Idempotency-Key header, so the one
// resend that http::Client makes on a kept connection the server closed is safe.
//
// Thread-safety: safe to call from several threads; each call uses an http::Client of its own from a small
// pool of kept connections.
#ifndef HOLDFAST_HTTP_GATEWAY_CLIENT_H_
#define HOLDFAST_HTTP_GATEWAY_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/gateway.h"
#include "http/client.h"

namespace holdfast::http {

struct HttpGatewayOptions {
  std::string host = "127.0.0.1";  // an IP address or a name
  uint16_t port = 0;
  // The deadline of each request, from connecting to the last byte of the answer.
  std::chrono::milliseconds timeout{10000};
  // Sent with every request, e.g. {"Authorization", "Bearer <processor API key>"}.
  std::vector<std::pair<std::string, std::string>> headers;
};

class HttpGateway : public domain::PaymentGateway {
 public:
  explicit HttpGateway(HttpGatewayOptions options);
  ~HttpGateway() override;
  HttpGateway(const HttpGateway&) = delete;
  HttpGateway& operator=(const HttpGateway&) = delete;

  Result<domain::ChargeResult> Charge(const domain::CardCharge& charge) override;
  Result<std::optional<domain::ChargeResult>> Lookup(const std::string& idempotency_key) override;
  Result<domain::ChargeResult> Refund(const std::string& reference,
                                      const std::string& idempotency_key) override;

 private:
  // Sends one request on a pooled client; a client whose request failed is discarded, not pooled.
  Result<ClientResponse> Send(std::string_view method, const std::string& target, std::string_view body,
                              const std::string& idempotency_key);
  // The error for a client failure (timeout or not reached).
  Error Unreached(const Error& e) const;

  HttpGatewayOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Client>> idle_;  // guarded by mu_
};

}  // namespace holdfast::http

#endif  // HOLDFAST_HTTP_GATEWAY_CLIENT_H_
