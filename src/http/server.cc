#include "http/server.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <mutex>
#include <unordered_map>

#include <sys/socket.h>

#include <pthread.h>

namespace holdfast::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

using SteadyClock = std::chrono::steady_clock;

class Connection;

// The live connections, so that one sweep over them enforces every connection's deadline: per-request timers
// would cost more than the requests they guard.
class Registry {
 public:
  void Add(const std::shared_ptr<Connection>& c) {
    std::lock_guard<std::mutex> lock(mu_);
    live_[c.get()] = c;
  }
  void Remove(Connection* c) {
    std::lock_guard<std::mutex> lock(mu_);
    live_.erase(c);
  }
  std::vector<std::shared_ptr<Connection>> Snapshot() {
    std::vector<std::shared_ptr<Connection>> out;
    std::lock_guard<std::mutex> lock(mu_);
    out.reserve(live_.size());
    for (auto& [_, weak] : live_) {
      if (auto c = weak.lock()) out.push_back(std::move(c));
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> live_;
};

// One client connection. Its operations are strictly sequential (read a request, wait for its answer, write
// it, read the next), so they need no strand; the only other thread that touches it is the sweep, through
// Expire(), which uses only the atomic deadline and the socket's descriptor under close_mu_.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, const ServerOptions& options, const Handler& handler, Registry& registry)
      : socket_(std::move(socket)), options_(options), handler_(handler), registry_(registry) {}
  ~Connection() { registry_.Remove(this); }

  void Start() {
    registry_.Add(shared_from_this());
    Read();
  }

  // Called by the sweep: when the connection's deadline has passed, stops what it waits for. A read then
  // ends (and is answered 408 if a request had begun); a write or a drain ends with an error and the
  // connection closes.
  void Expire(SteadyClock::time_point now) {
    if (!Due(now)) return;
    std::lock_guard<std::mutex> lock(close_mu_);
    if (!Due(now) || !socket_.is_open() || timed_out_.exchange(true)) return;
    ::shutdown(socket_.native_handle(), writing_.load() ? SHUT_RDWR : SHUT_RD);
  }

 private:
  void SetDeadline(std::chrono::milliseconds after, bool writing) {
    writing_.store(writing);
    deadline_ns_.store((SteadyClock::now() + after).time_since_epoch().count(), std::memory_order_release);
  }
  // Under close_mu_, so that once it returns the sweep can no longer act on the old deadline.
  void ClearDeadline() {
    std::lock_guard<std::mutex> lock(close_mu_);
    deadline_ns_.store(0, std::memory_order_release);
  }
  bool Due(SteadyClock::time_point now) const {
    int64_t deadline = deadline_ns_.load(std::memory_order_acquire);
    return deadline != 0 && now.time_since_epoch().count() >= deadline;
  }

  void Read() {
    parser_.emplace();
    // The parser checks Content-Length against its limit as soon as the header is complete, so the header is
    // read under the larger limit; the target's own limit is applied once the target is known.
    parser_->body_limit(options_.large_body_prefix.empty()
                            ? options_.body_limit
                            : std::max(options_.body_limit, options_.large_body_limit));
    parser_->header_limit(static_cast<std::uint32_t>(options_.header_limit));
    // The first request on a connection must arrive within the read timeout; later ones within the idle
    // timeout.
    SetDeadline(first_ ? options_.read_timeout : options_.idle_timeout, false);
    first_ = false;
    // The header first: the body's limit depends on the target.
    bhttp::async_read_header(
        socket_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
          self->body_limit_ = self->options_.body_limit;
          const auto& prefix = self->options_.large_body_prefix;
          if (!prefix.empty() && std::string_view(self->parser_->get().target()).starts_with(prefix)) {
            self->body_limit_ = std::max(self->body_limit_, self->options_.large_body_limit);
          }
          if (ec) return self->OnRead(ec);
          self->parser_->body_limit(self->body_limit_);
          if (auto length = self->parser_->content_length(); length && *length > self->body_limit_) {
            return self->OnRead(bhttp::error::body_limit);
          }
          bhttp::async_read(self->socket_, self->buffer_, *self->parser_,
                            [self](beast::error_code ec, size_t) { self->OnRead(ec); });
        });
  }

  void OnRead(beast::error_code ec) {
    ClearDeadline();
    if (ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset || ec == asio::error::eof) {
      return Close();
    }
    if (ec && timed_out_) {                                             // the sweep ended the read
      if (buffer_.size() == 0 && !parser_->got_some()) return Close();  // idle keep-alive connection
      return Fail(MakeError(Code::kInvalid, "the request was not received in time", "request-timeout"));
    }
    if (ec == bhttp::error::body_limit) {
      return Fail(MakeError(Code::kTooLarge,
                            fmt::format("the request body is larger than the limit of {} bytes", body_limit_),
                            "body-too-large"));
    }
    if (ec == bhttp::error::header_limit) {
      return Fail(MakeError(Code::kInvalid, "the request headers are too large", "headers-too-large"));
    }
    if (ec) return Fail(MakeError(Code::kInvalid, "malformed HTTP request: " + ec.message(), "bad-request"));

    auto& msg = parser_->get();
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (const auto& field : msg) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      auto [it, inserted] = req.headers.emplace(name, std::string(field.value()));
      if (!inserted) it->second += ", " + std::string(field.value());
    }
    req.body = std::move(msg.body());
    if (remote_.empty()) {
      beast::error_code rec;
      auto ep = socket_.remote_endpoint(rec);
      if (!rec) remote_ = ep.address().to_string();
    }
    req.remote = remote_;
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    head_ = msg.method() == bhttp::verb::head;
    Status parsed = ParseTarget(req.target, req);
    if (!parsed.ok()) return Fail(parsed.error());

    auto self = shared_from_this();
    Responder respond = [self](Response r) {
      asio::post(self->socket_.get_executor(),
                 [self, r = std::move(r)]() mutable { self->Write(std::move(r)); });
    };
    handler_(std::move(req), std::move(respond));
  }

  void Fail(const Error& e) {
    keep_alive_ = false;
    Write(Response::Problem(e));
  }

  // The answer's bytes: status line, headers, body.
  std::string Serialize(Response& r) const {
    std::string out;
    out.reserve(256 + r.body.size());
    auto header = [&out](std::string_view name, std::string_view value) {
      out += name;
      out += ": ";
      for (char c : value) out += (c == '\r' || c == '\n') ? ' ' : c;  // never a header injected
      out += "\r\n";
    };
    out += version_ == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += std::to_string(r.status);
    out += ' ';
    out += bhttp::obsolete_reason(static_cast<bhttp::status>(r.status));
    out += "\r\n";
    header("Server", "holdfast");
    header("Content-Type", r.content_type);
    header("X-Content-Type-Options", "nosniff");
    bool own_cache_control = std::any_of(r.headers.begin(), r.headers.end(), [](const auto& h) {
      return beast::iequals(h.first, "Cache-Control");
    });
    if (!own_cache_control) header("Cache-Control", "no-store");
    for (const auto& [k, v] : r.headers) header(k, v);
    header("Content-Length", std::to_string(r.body.size()));
    if (!keep_alive_) {
      header("Connection", "close");
    } else if (version_ == 10) {
      header("Connection", "keep-alive");
    }
    out += "\r\n";
    if (!head_) out += r.body;  // an answer to HEAD has the length of the body it does not carry
    return out;
  }

  void Write(Response r) {
    auto bytes = std::make_shared<std::string>(Serialize(r));
    SetDeadline(options_.read_timeout, true);
    asio::async_write(socket_, asio::buffer(*bytes),
                      [self = shared_from_this(), bytes](beast::error_code ec, size_t) {
                        self->ClearDeadline();
                        if (ec || self->timed_out_) return self->Close();
                        if (!self->keep_alive_) return self->LingerClose();
                        self->Read();
                      });
  }

  // Closes after an answer the client may still be sending a body to (413, 408, 400): stop sending, then read
  // and discard what arrives for a moment, so the kernel does not reset the connection and destroy the answer
  // before the client reads it.
  void LingerClose() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    SetDeadline(std::chrono::seconds(2), true);
    Drain();
  }

  void Drain() {
    discard_.resize(64 * 1024);
    socket_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > (64u << 20)) return self->Close();
                              self->Drain();
                            });
  }

  void Close() {
    std::lock_guard<std::mutex> lock(close_mu_);
    deadline_ns_.store(0, std::memory_order_release);
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    socket_.close(ec);
  }

  tcp::socket socket_;
  const ServerOptions& options_;
  const Handler& handler_;
  Registry& registry_;
  std::atomic<int64_t> deadline_ns_{0};  // steady clock; 0: none
  std::atomic<bool> writing_{false};
  std::atomic<bool> timed_out_{false};
  std::mutex close_mu_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool keep_alive_ = false;
  bool first_ = true;
  size_t body_limit_ = 0;  // of the request being read
  std::string remote_;
  std::vector<char> discard_;
  size_t drained_ = 0;
  unsigned version_ = 11;
  bool head_ = false;  // the request being answered is a HEAD
};

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, Handler h)
      : options(std::move(o)), handler(std::move(h)), acceptor(ioc), sweeper(ioc) {}

  void Accept() {
    acceptor.async_accept(ioc, [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) {
        beast::error_code opt;
        socket.set_option(tcp::no_delay(true), opt);
        std::make_shared<Connection>(std::move(socket), options, handler, registry)->Start();
      }
      Accept();
    });
  }

  // Every connection's deadline is checked a few times per timeout.
  void Sweep() {
    auto shortest = std::min(options.read_timeout, options.idle_timeout);
    auto period = std::clamp<std::chrono::milliseconds>(shortest / 4, std::chrono::milliseconds(10),
                                                        std::chrono::milliseconds(1000));
    sweeper.expires_after(period);
    sweeper.async_wait([this](beast::error_code ec) {
      if (ec) return;
      auto now = SteadyClock::now();
      for (auto& c : registry.Snapshot()) c->Expire(now);
      Sweep();
    });
  }

  ServerOptions options;
  Handler handler;
  Registry registry;  // outlives the io_context, whose pending handlers hold connections
  asio::io_context ioc;
  tcp::acceptor acceptor;
  asio::steady_timer sweeper;
  std::vector<std::thread> threads;
};

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() { Stop(); }

Status Server::Start() {
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) return Invalid(fmt::format("{:?} is not an IP address to listen on", impl_->options.host));
  tcp::endpoint endpoint(address, impl_->options.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return MakeError(
        Code::kUnavailable,
        fmt::format("cannot listen on {}:{}: {}", impl_->options.host, impl_->options.port, ec.message()),
        "listen-failed");
  }
  port_ = acceptor.local_endpoint().port();
  impl_->Accept();
  impl_->Sweep();
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->threads.emplace_back([this] {
      pthread_setname_np(pthread_self(), "hf-http");
      impl_->ioc.run();
    });
  }
  return Status::Ok();
}

void Server::Stop() {
  if (!impl_ || impl_->threads.empty()) return;
  asio::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    impl_->sweeper.cancel();
  });
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

Result<std::pair<std::string, uint16_t>> ParseListen(std::string_view listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Invalid(fmt::format("{:?} is not HOST:PORT (for example 127.0.0.1:8080)", std::string(listen)));
  }
  std::string host(listen.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  auto port_text = listen.substr(colon + 1);
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || p != port_text.data() + port_text.size() || port > 65535) {
    return Invalid(fmt::format("{:?} is not a port number from 0 to 65535", std::string(port_text)));
  }
  return std::make_pair(host, static_cast<uint16_t>(port));
}

Status ParseTarget(std::string_view target, Request& request) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return MakeError(Code::kInvalid, "malformed request target", "bad-request");
  request.path = std::string(url->path());
  for (auto param : url->params()) request.query[std::string(param.key)] = std::string(param.value);
  return Status::Ok();
}

}  // namespace holdfast::http
