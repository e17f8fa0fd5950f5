// The HTTP/1.1 server (Boost.Beast): accepts connections, reads requests within size and time limits, hands
// each to one Handler and writes its answer, keeping connections alive. It knows nothing of routes or
// sign-in.
//
// Limits: a body over `body_limit` is answered 413, headers over `header_limit` 431, a request not fully read
// within `read_timeout` 408 and the connection closed; an idle keep-alive connection is closed after
// `idle_timeout`. Malformed HTTP is answered 400 and the connection closed. All answers to such errors are
// application/problem+json.
//
// Threads: `threads` I/O threads run the handlers; a handler may answer later from any thread, but before the
// Server is destroyed: an answer posts to the server's I/O context, which is gone after it. StopServing
// (http/app.h) keeps that order for the App's own work.
#ifndef HOLDFAST_HTTP_SERVER_H_
#define HOLDFAST_HTTP_SERVER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "http/message.h"

namespace holdfast::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port
  size_t body_limit = 1 << 20;
  // Requests whose target starts with this prefix (node-to-node sync) may have bodies up to the larger limit.
  std::string large_body_prefix;
  size_t large_body_limit = 0;
  size_t header_limit = 16 << 10;
  std::chrono::milliseconds read_timeout{30000};
  std::chrono::milliseconds idle_timeout{60000};
  int threads = 2;
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the I/O threads. Fails with a clear message when the address is taken or invalid.
  Status Start();
  // The port actually bound (useful with port 0).
  uint16_t port() const { return port_; }
  // Stops accepting, closes connections and joins the threads.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

// Parses "HOST:PORT" ("127.0.0.1:8080", "[::1]:0", "0.0.0.0:80").
Result<std::pair<std::string, uint16_t>> ParseListen(std::string_view listen);

// Splits a request target into a decoded path and query parameters. Fails on malformed percent-encoding.
Status ParseTarget(std::string_view target, Request& request);

}  // namespace holdfast::http

#endif  // HOLDFAST_HTTP_SERVER_H_
