#include "http/client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <thread>

namespace holdfast::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using ::testing::HasSubstr;

// A tiny HTTP/1.1 server on 127.0.0.1, port 0, run by one thread. Every request is answered 200 with the body
// "<method> <target>\n<body>" and each request header echoed back as "x-echo-<name>". With
// `close_after_each_response`, the server closes the connection after answering while still advertising
// keep-alive, as a server does when its idle timeout fires.
class EchoServer {
 public:
  explicit EchoServer(bool close_after_each_response = false)
      : close_after_each_response_(close_after_each_response),
        acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    asio::co_spawn(ioc_, Accept(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~EchoServer() {
    ioc_.stop();
    thread_.join();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int connections_accepted() const { return accepted_.load(); }

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      ++accepted_;
      asio::co_spawn(ioc_, Serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> Serve(tcp::socket socket) {
    boost::beast::flat_buffer buffer;
    for (;;) {
      boost::system::error_code ec;
      bhttp::request<bhttp::string_body> req;
      co_await bhttp::async_read(socket, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      bhttp::response<bhttp::string_body> res(bhttp::status::ok, 11);
      for (const auto& field : req) {
        res.set("x-echo-" + std::string(field.name_string()), field.value());
      }
      res.body() = std::string(req.method_string()) + " " + std::string(req.target()) + "\n" + req.body();
      res.keep_alive(true);
      res.prepare_payload();
      co_await bhttp::async_write(socket, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || close_after_each_response_) co_return;  // the socket closes as the coroutine ends
    }
  }

  const bool close_after_each_response_;
  std::atomic<int> accepted_{0};
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

TEST(Client, EchoesMethodTargetAndBodyOverOneKeptConnection) {
  EchoServer server;
  Client client("127.0.0.1", server.port());

  auto a = client.Get("/hello?x=1");
  ASSERT_TRUE(a.ok()) << a.error().detail;
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(a->body, "GET /hello?x=1\n");
  EXPECT_EQ(a->Header("X-Echo-Content-Type"), "");  // no body, no content type

  auto b = client.Post("/api/v1/parties", R"({"name":"Ann"})");
  ASSERT_TRUE(b.ok()) << b.error().detail;
  EXPECT_EQ(b->body, "POST /api/v1/parties\n{\"name\":\"Ann\"}");
  EXPECT_EQ(b->Header("x-echo-content-type"), "application/json");
  EXPECT_EQ(b->Header("x-echo-content-length"), "14");

  auto c = client.Request("DELETE", "/things/7");
  ASSERT_TRUE(c.ok()) << c.error().detail;
  EXPECT_EQ(c->body, "DELETE /things/7\n");

  EXPECT_EQ(client.connections_opened(), 1);
  EXPECT_EQ(server.connections_accepted(), 1);
}

TEST(Client, SendsDefaultAndPerRequestHeaders) {
  EchoServer server;
  Client client("127.0.0.1", server.port());
  client.SetHeader("Authorization", "Bearer first");
  client.SetHeader("authorization", "Bearer tok-123");  // replaces, whatever the case

  auto r = client.Post("/x", "{}", {{"X-Request-Id", "r-9"}, {"Content-Type", "text/plain"}});
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->Header("x-echo-authorization"), "Bearer tok-123");
  EXPECT_EQ(r->Header("X-ECHO-X-REQUEST-ID"), "r-9");
  EXPECT_EQ(r->Header("x-echo-content-type"), "text/plain");
  EXPECT_EQ(r->headers.count("x-echo-x-request-id"), 1u);  // stored lower-cased

  auto again = client.Get("/y");
  ASSERT_TRUE(again.ok()) << again.error().detail;
  EXPECT_EQ(again->Header("x-echo-authorization"), "Bearer tok-123");
  EXPECT_EQ(again->Header("x-echo-x-request-id"), "");
}

TEST(Client, ReconnectsWhenTheServerClosedTheKeptConnection) {
  EchoServer server(/*close_after_each_response=*/true);
  Client client("127.0.0.1", server.port());
  for (int i = 0; i < 3; ++i) {
    auto r = client.Post("/n", std::to_string(i));
    ASSERT_TRUE(r.ok()) << "request " << i << ": " << r.error().detail;
    EXPECT_EQ(r->body, "POST /n\n" + std::to_string(i));
  }
  EXPECT_EQ(server.connections_accepted(), 3);
  EXPECT_EQ(client.connections_opened(), 3);
}

TEST(Client, TimesOutAgainstAServerThatNeverAnswers) {
  // A listening socket that never accepts: the kernel completes the handshake and buffers the request, and no
  // answer ever comes.
  asio::io_context ioc;
  tcp::acceptor silent(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  Client client("127.0.0.1", silent.local_endpoint().port());
  client.SetTimeout(std::chrono::milliseconds(200));

  auto start = std::chrono::steady_clock::now();
  auto r = client.Get("/slow");
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kUnavailable);
  EXPECT_EQ(r.error().type, "timeout");
  EXPECT_THAT(r.error().detail, HasSubstr("timed out after 200 ms"));
  EXPECT_GE(elapsed, std::chrono::milliseconds(200));
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST(Client, ReportsConnectionRefused) {
  uint16_t port;
  {
    asio::io_context ioc;
    tcp::acceptor probe(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }  // closed: nothing listens on `port` now
  Client client("127.0.0.1", port);
  auto r = client.Get("/");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kUnavailable);
  EXPECT_EQ(r.error().type, "connection-failed");
  EXPECT_THAT(r.error().detail, HasSubstr("refused"));
  EXPECT_THAT(r.error().detail, HasSubstr("127.0.0.1"));

  // Bad input is an error, not a malformed request on the wire.
  EXPECT_EQ(client.Get("/a b").error().code, Code::kInvalid);
  EXPECT_EQ(client.Request("GET", "/x", {}, {{"X-Bad", "a\r\nInjected: 1"}}).error().code, Code::kInvalid);
}

}  // namespace
}  // namespace holdfast::http
