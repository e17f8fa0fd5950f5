#include "http/server.h"

#include <fmt/format.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <charconv>

#include <pthread.h>

namespace holdfast::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, const ServerOptions& options, const Handler& handler)
      : stream_(std::move(socket)), deadline_(stream_.get_executor()), options_(options), handler_(handler) {}

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(options_.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(options_.header_limit));
    // The first request on a connection must arrive within the read timeout; later ones within the idle
    // timeout. The deadline is a timer of our own rather than the stream's, which would close the socket and
    // leave no way to answer 408.
    stream_.expires_never();
    timed_out_ = false;
    deadline_.expires_after(first_ ? options_.read_timeout : options_.idle_timeout);
    first_ = false;
    deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: the request arrived
      self->timed_out_ = true;
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    deadline_.cancel();
    if (ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset || ec == asio::error::eof) {
      return Close();
    }
    if (ec && timed_out_) {  // a read that completed just as the deadline fired is still served
      if (buffer_.size() == 0 && !parser_->got_some()) return Close();  // idle keep-alive connection
      return Fail(MakeError(Code::kInvalid, "the request was not received in time", "request-timeout"));
    }
    if (ec == bhttp::error::body_limit) {
      return Fail(
          MakeError(Code::kTooLarge,
                    fmt::format("the request body is larger than the limit of {} bytes", options_.body_limit),
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
      auto ep = stream_.socket().remote_endpoint(rec);
      if (!rec) remote_ = ep.address().to_string();
    }
    req.remote = remote_;
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    Status parsed = ParseTarget(req.target, req);
    if (!parsed.ok()) return Fail(parsed.error());

    auto self = shared_from_this();
    Responder respond = [self](Response r) {
      asio::post(self->stream_.get_executor(),
                 [self, r = std::move(r)]() mutable { self->Write(std::move(r)); });
    };
    handler_(std::move(req), std::move(respond));
  }

  void Fail(const Error& e) {
    keep_alive_ = false;
    Write(Response::Problem(e));
  }

  void Write(Response r) {
    auto res =
        std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(r.status), version_);
    res->set(bhttp::field::server, "holdfast");
    res->set(bhttp::field::content_type, r.content_type);
    res->set("X-Content-Type-Options", "nosniff");
    res->set(bhttp::field::cache_control, "no-store");
    for (auto& [k, v] : r.headers) res->insert(k, v);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    stream_.expires_after(options_.read_timeout);
    bhttp::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      if (ec) return self->Close();
      if (!res->keep_alive()) return self->LingerClose();
      self->Read();
    });
  }

  // Closes after an answer the client may still be sending a body to (413, 408, 400): stop sending, then read
  // and discard what arrives for a moment, so the kernel does not reset the connection and destroy the answer
  // before the client reads it.
  void LingerClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    stream_.expires_after(std::chrono::seconds(2));
    Drain();
  }

  void Drain() {
    discard_.resize(64 * 1024);
    stream_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > (64u << 20)) return self->Close();
                              self->Drain();
                            });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  asio::steady_timer deadline_;
  bool timed_out_ = false;
  const ServerOptions& options_;
  const Handler& handler_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool keep_alive_ = false;
  bool first_ = true;
  std::string remote_;
  std::vector<char> discard_;
  size_t drained_ = 0;
  unsigned version_ = 11;
};

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, Handler h) : options(std::move(o)), handler(std::move(h)), acceptor(ioc) {}

  void Accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) {
        beast::error_code opt;
        socket.set_option(tcp::no_delay(true), opt);
        std::make_shared<Connection>(std::move(socket), options, handler)->Start();
      }
      Accept();
    });
  }

  ServerOptions options;
  Handler handler;
  asio::io_context ioc;
  tcp::acceptor acceptor;
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
