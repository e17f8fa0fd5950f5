// A small synchronous HTTP/1.1 client over one keep-alive TCP connection, used by the tests, the load
// generator and node-to-node sync.
//
// Contract:
// - The connection is opened lazily by the first request and kept open across requests while the server keeps
//   it alive (HTTP/1.1 persistent connections; a response with `Connection: close` closes it after reading).
// - Before a kept connection is reused it is checked for a close the server sent while it was idle; a
//   closed or half-closed connection is replaced without sending anything on it. If a reused connection still
//   fails before any byte of the response arrived (the server closed it while the request was in flight: EOF,
//   reset, broken pipe), the request is sent once more on a fresh connection. A fresh connection is never
//   retried, and neither is a timeout, so a request is sent at most twice and only when the first answer
//   never began.
// - Every request has one deadline (SetTimeout, default 30 s) that covers connecting, sending and reading the
//   whole response. On expiry the connection is closed and the request fails.
// - Failures to reach the server (resolve, connect refused, timeout, reset, malformed response) are
//   returned as errors with Code::kUnavailable, never thrown. Error types: "timeout" when the deadline
//   passed, "connection-failed" otherwise. Any HTTP status, including 4xx and 5xx, is a successful Result.
// - Response bodies larger than kMaxResponseBody (or SetMaxBody) fail with Code::kTooLarge.
//
// Thread-safety: a Client is not thread-safe; use one per thread. Different Clients are independent.
#ifndef HOLDFAST_HTTP_CLIENT_H_
#define HOLDFAST_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace holdfast::http {

inline constexpr uint64_t kMaxResponseBody = uint64_t{256} << 20;  // 256 MiB

struct ClientResponse {
  int status = 0;
  std::string body;
  // Header names lower-cased; a header that appears several times has its values joined with ", ".
  std::map<std::string, std::string> headers;

  // The value of header `name` (matched case-insensitively), or "" if absent.
  std::string Header(std::string_view name) const;
};

// What a refusal says: the problem's detail and the status, e.g. "no such receipt (404)"; or "status 502"
// when the body is not a problem.
std::string ProblemDetail(const ClientResponse& r);

class Client {
 public:
  // Connects lazily to host:port; keeps the connection alive across requests and reconnects once if the
  // server closed it. `host` is an IP address or a name to resolve; it is also sent as the Host header.
  Client(std::string host, uint16_t port);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The deadline of each later request, from the start of Request to the last byte of the response.
  void SetTimeout(std::chrono::milliseconds t);
  // The largest response body later requests accept (default kMaxResponseBody).
  void SetMaxBody(uint64_t bytes) { max_body_ = bytes; }
  // Adds a header sent with every later request (e.g. Authorization); setting a name again replaces its
  // value. A header passed to Request with the same name takes precedence for that request.
  void SetHeader(std::string name, std::string value);

  // Sends one request and reads its response. `method` is any HTTP token ("GET", "POST", ...). When `body` is
  // not empty, `Content-Type: application/json` is sent unless `headers` names another Content-Type.
  // Content-Length is always set from `body`.
  Result<ClientResponse> Request(std::string_view method, std::string_view target, std::string_view body = {},
                                 const std::vector<std::pair<std::string, std::string>>& headers = {});
  Result<ClientResponse> Get(std::string_view target);
  Result<ClientResponse> Post(std::string_view target, std::string_view body,
                              const std::vector<std::pair<std::string, std::string>>& headers = {});

  // How many TCP connections this client has opened so far (for tests and diagnostics).
  int connections_opened() const;

 private:
  struct Connection;
  // One try on the kept connection or a new one. Sets `may_retry` when it failed on a reused connection
  // before any byte of the response arrived.
  Result<ClientResponse> Attempt(std::string_view method, std::string_view target, std::string_view body,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 std::chrono::steady_clock::time_point deadline, bool& may_retry);

  std::string host_;
  uint16_t port_;
  std::chrono::milliseconds timeout_{std::chrono::seconds(30)};
  uint64_t max_body_ = kMaxResponseBody;
  std::vector<std::pair<std::string, std::string>> default_headers_;
  std::unique_ptr<Connection> conn_;
};

}  // namespace holdfast::http

#endif  // HOLDFAST_HTTP_CLIENT_H_
