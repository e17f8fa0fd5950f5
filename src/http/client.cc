#include "http/client.h"

#include <fmt/format.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <optional>

#include "base/json.h"

namespace holdfast::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// Failures that mean the server closed a kept connection under us, so the request never reached it whole.
bool IsStaleConnectionError(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
         ec == asio::error::not_connected;
}

}  // namespace

std::string ClientResponse::Header(std::string_view name) const {
  auto it = headers.find(Lower(name));
  return it == headers.end() ? std::string() : it->second;
}

// The transport: a private io_context that runs only inside Request, on the caller's thread, and the current
// TCP stream (absent while disconnected). Asynchronous operations are used only so that the stream's deadline
// can cancel them; each one is driven to completion by running the io_context before Request returns.
struct Client::Connection {
  asio::io_context ioc{1};
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  int opened = 0;

  void Close() {
    if (stream) {
      beast::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream->close();
      stream.reset();
    }
    buffer.clear();
  }

  // Runs the io_context until every started operation has completed.
  void Drive() {
    ioc.restart();
    ioc.run();
  }

  // True if the idle kept connection can carry another request: the server has neither closed it nor sent
  // anything unasked (such as a 408 before closing).
  bool IdleConnectionUsable() {
    if (!stream || !stream->socket().is_open() || buffer.size() != 0) return false;
    char c;
    ssize_t n = ::recv(stream->socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
};

Client::Client(std::string host, uint16_t port)
    : host_(std::move(host)), port_(port), conn_(std::make_unique<Connection>()) {}

Client::~Client() { conn_->Close(); }

void Client::SetTimeout(std::chrono::milliseconds t) { timeout_ = t; }

void Client::SetHeader(std::string name, std::string value) {
  for (auto& [n, v] : default_headers_) {
    if (Lower(n) == Lower(name)) {
      v = std::move(value);
      return;
    }
  }
  default_headers_.emplace_back(std::move(name), std::move(value));
}

int Client::connections_opened() const { return conn_->opened; }

Result<ClientResponse> Client::Get(std::string_view target) { return Request("GET", target); }

Result<ClientResponse> Client::Post(std::string_view target, std::string_view body,
                                    const std::vector<std::pair<std::string, std::string>>& headers) {
  return Request("POST", target, body, headers);
}

Result<ClientResponse> Client::Request(std::string_view method, std::string_view target,
                                       std::string_view body,
                                       const std::vector<std::pair<std::string, std::string>>& headers) {
  if (method.empty() || HasLineBreak(method) || method.find(' ') != std::string_view::npos) {
    return Invalid(fmt::format("invalid HTTP method '{}'", method));
  }
  if (target.empty() || HasLineBreak(target) || target.find(' ') != std::string_view::npos) {
    return Invalid(fmt::format("invalid request target '{}'", target));
  }
  using HeaderList = std::vector<std::pair<std::string, std::string>>;
  for (const HeaderList* list : {static_cast<const HeaderList*>(&default_headers_), &headers}) {
    for (const auto& [name, value] : *list) {
      if (name.empty() || HasLineBreak(name) || HasLineBreak(value)) {
        return Invalid(fmt::format("invalid header '{}'", name));
      }
    }
  }
  const auto deadline = SteadyClock::now() + timeout_;
  bool may_retry = false;
  try {
    auto result = Attempt(method, target, body, headers, deadline, may_retry);
    if (!result.ok() && may_retry) {
      bool ignored = false;
      result = Attempt(method, target, body, headers, deadline, ignored);
    }
    return result;
  } catch (const boost::system::system_error& e) {
    conn_->Close();
    return MakeError(Code::kUnavailable,
                     fmt::format("{} http://{}:{}{}: {}", method, host_, port_, target, e.what()),
                     "connection-failed");
  } catch (const std::exception& e) {
    conn_->Close();
    return MakeError(Code::kUnavailable,
                     fmt::format("{} http://{}:{}{}: {}", method, host_, port_, target, e.what()),
                     "connection-failed");
  }
}

Result<ClientResponse> Client::Attempt(std::string_view method, std::string_view target,
                                       std::string_view body,
                                       const std::vector<std::pair<std::string, std::string>>& headers,
                                       SteadyClock::time_point deadline, bool& may_retry) {
  may_retry = false;
  Connection& c = *conn_;
  auto fail = [&](const beast::error_code& ec) -> Error {
    c.Close();
    std::string where = fmt::format("{} http://{}:{}{}", method, host_, port_, target);
    if (ec == beast::error::timeout || ec == asio::error::timed_out) {
      return MakeError(Code::kUnavailable, fmt::format("{}: timed out after {} ms", where, timeout_.count()),
                       "timeout");
    }
    if (ec == bhttp::error::body_limit) {
      return MakeError(Code::kTooLarge,
                       fmt::format("{}: response body larger than {} bytes", where, max_body_),
                       "response-too-large");
    }
    return MakeError(Code::kUnavailable, fmt::format("{}: {}", where, ec.message()), "connection-failed");
  };
  if (SteadyClock::now() >= deadline) return fail(beast::error::timeout);

  bool reused = c.stream.has_value();
  if (reused && !c.IdleConnectionUsable()) {
    c.Close();
    reused = false;
  }
  if (!c.stream) {
    beast::error_code ec;
    std::vector<tcp::endpoint> endpoints;
    auto address = asio::ip::make_address(host_, ec);
    if (!ec) {
      endpoints.emplace_back(address, port_);
    } else {
      tcp::resolver resolver(c.ioc);
      ec = asio::error::would_block;
      resolver.async_resolve(host_, std::to_string(port_),
                             [&](const beast::error_code& e, const tcp::resolver::results_type& results) {
                               ec = e;
                               for (const auto& entry : results) endpoints.push_back(entry.endpoint());
                             });
      c.ioc.restart();
      c.ioc.run_until(deadline);
      if (!c.ioc.stopped()) {
        resolver.cancel();
        c.Drive();
        return fail(beast::error::timeout);
      }
      if (ec) return fail(ec);
    }
    c.stream.emplace(c.ioc);
    c.stream->expires_at(deadline);
    ec = asio::error::would_block;
    c.stream->async_connect(endpoints, [&](const beast::error_code& e, const tcp::endpoint&) { ec = e; });
    c.Drive();
    if (ec) return fail(ec);
    ++c.opened;
    c.stream->socket().set_option(tcp::no_delay(true), ec);
  }

  bhttp::request<bhttp::string_body> req;
  bhttp::verb verb = bhttp::string_to_verb(method);
  if (verb == bhttp::verb::unknown) {
    req.method_string(method);
  } else {
    req.method(verb);
  }
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, fmt::format("{}:{}", host_, port_));
  req.set(bhttp::field::user_agent, "holdfast-client");
  for (const auto& [name, value] : default_headers_) req.set(name, value);
  for (const auto& [name, value] : headers) req.set(name, value);
  if (!body.empty()) {
    if (req.find(bhttp::field::content_type) == req.end())
      req.set(bhttp::field::content_type, "application/json");
    req.body().assign(body);
  }
  req.prepare_payload();

  beast::error_code ec = asio::error::would_block;
  c.stream->expires_at(deadline);
  bhttp::async_write(*c.stream, req, [&](const beast::error_code& e, size_t) { ec = e; });
  c.Drive();
  if (ec) {
    may_retry = reused && IsStaleConnectionError(ec);
    return fail(ec);
  }

  // Room for large reads: Beast reads into what the buffer has free, 512 bytes at first, and a sync answer is
  // megabytes long.
  c.buffer.reserve(64 << 10);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_body_);
  parser.header_limit(64 * 1024);
  if (verb == bhttp::verb::head) parser.skip(true);
  ec = asio::error::would_block;
  c.stream->expires_at(deadline);
  bhttp::async_read(*c.stream, c.buffer, parser, [&](const beast::error_code& e, size_t) { ec = e; });
  c.Drive();
  if (ec) {
    may_retry = reused && !parser.got_some() && IsStaleConnectionError(ec);
    return fail(ec);
  }
  c.stream->expires_never();

  auto res = parser.release();
  ClientResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    std::string name = Lower(field.name_string());
    auto [it, inserted] = out.headers.emplace(name, std::string(field.value()));
    if (!inserted) {
      it->second += ", ";
      it->second += field.value();
    }
  }
  out.body = std::move(res.body());
  if (!res.keep_alive()) c.Close();
  return out;
}

std::string ProblemDetail(const ClientResponse& r) {
  auto v = ParseJson(r.body);
  if (v.ok() && v->is_object()) {
    std::string_view detail = StringOr(v->get_object(), "detail");
    if (!detail.empty()) return fmt::format("{} ({})", detail, r.status);
  }
  return fmt::format("status {}", r.status);
}

}  // namespace holdfast::http
