// Load generator for a running node: N keep-alive connections POST new parties as fast as the node answers,
// for a fixed time after a warm-up.
//
//   bench_loadgen --host 127.0.0.1 --port P --token T --clients N --seconds S [--warmup S] [--threads K]
//
// Design: the generator must cost the machine little, since it shares the CPU with the node it measures. It
// uses plain non-blocking sockets (TCP_NODELAY), one keep-alive connection per client, each with one request
// in flight, driven by K epoll threads (default 2, at most N) that each own an equal share of the
// connections. Each request is written into a reusable per-connection buffer (a precomputed header prefix,
// then Content-Length and the body) and sent with one send(); each answer is read into a reusable
// per-connection buffer and parsed just enough: the status line, Content-Length and Connection headers, then
// the body. A partial write waits for EPOLLOUT; a partial read waits for more input.
//
// A command counts when it started inside the measured window (after the warm-up) and was answered 201. Any
// other answer, or a failure to get one, is an error; the first error's status and body go to stderr. A
// failure (connect refused, connection closed or reset, malformed answer, no whole answer within 10 s) closes
// the connection, which is opened again for the next request, 10 ms later so that an unreachable node does
// not make it spin; an answer with `Connection: close` also makes the next request use a new connection.
// Latency is the time from starting a request (sending it, or connecting first when needed) to reading its
// whole response, on the client. At the end of the window no new request starts; those in flight get up to
// 2 s more to finish, then count as errors. The last two lines of stdout are a summary for people and the
// same numbers as one JSON object for scripts (bench/run.sh):
//
//   {"clients":N,"seconds":S,"commands":C,"commands_per_s":X,"p50_ms":...,"p99_ms":...,"errors":E}
//
// With --body the requests carry that text instead of a new party, each "{n}" in it replaced by the request's
// number (from --first, one more per request), so a run can address existing records one by one (license
// L-central-{n}); --count stops after that many requests, for setting up such records.
//
// With --acks FILE every answer 201 (warm-up included) is written to FILE after the run, one line each:
// the wall-clock time it was read (Unix ms) and the "id" of the record the answer names ("-" if none), e.g.
// "1795400000123 p-central-17". bench/vault.sh uses it to find which acknowledged writes a restore lost.
//
// Exit status: 0 if at least one command counted, 1 if none did, 2 on bad arguments.
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace holdfast::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

constexpr auto kRequestTimeout = std::chrono::seconds(10);       // per request, connecting included
constexpr auto kReconnectPause = std::chrono::milliseconds(10);  // after a failure, before the next try
constexpr auto kGrace = std::chrono::seconds(2);                 // for requests in flight at the end
constexpr auto kMaxIdleWait = std::chrono::milliseconds(100);    // longest epoll_wait
constexpr size_t kMaxHeaderBytes = 64 << 10;
constexpr size_t kMaxBodyBytes = size_t{64} << 20;
constexpr size_t kInitialReadBuffer = 16 << 10;

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string token;
  int clients = 16;
  int threads = 2;
  double seconds = 10;
  double warmup = 0;
  std::string target = "/api/v1/parties";
  std::string body;  // "" : a new party per request; otherwise "{n}" stands for the request number
  std::optional<uint64_t> first;  // the first request number (default: microseconds since the epoch)
  uint64_t count = 0;             // stop after this many requests (0: run for the time given)
  std::string acks;               // "": no log of acknowledged writes
};

// One acknowledged write: when its answer was read (Unix ms) and the id the answer names.
struct Ack {
  int64_t unix_ms = 0;
  std::string id;
};

// What one thread's connections saw inside the measured window.
struct Tally {
  std::vector<uint32_t> latencies_us;  // of counted commands
  int64_t errors = 0;
  std::vector<Ack> acks;  // with --acks: every answer 201
};

// Appends `body` with every "{n}" replaced by `n`.
void AppendTemplateBody(std::string& out, std::string_view body, uint64_t n) {
  for (size_t at = 0;;) {
    size_t hole = body.find("{n}", at);
    out.append(body.substr(at, hole == std::string_view::npos ? std::string_view::npos : hole - at));
    if (hole == std::string_view::npos) return;
    fmt::format_to(std::back_inserter(out), "{}", n);
    at = hole + 3;
  }
}

// Appends the body of request number `n` to `out`.
void AppendPartyBody(std::string& out, uint64_t n) {
  fmt::format_to(
      std::back_inserter(out),
      R"({{"kind":"person","name":"Load Test {0}","email":"lt{0}@example.org","phone":"555-0100",)"
      R"("address":{{"line1":"{1} Main St","city":"Springfield","state":"IL","postal_code":"62701"}}}})",
      n, n % 9999 + 1);
}

// Reports only the first error of the run, from whichever thread meets it.
void ReportFirstError(std::atomic<bool>& reported, const std::string& what) {
  if (!reported.exchange(true)) std::fprintf(stderr, "first error: %s\n", what.c_str());
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether a Connection header value lists the token "close".
bool ListsClose(std::string_view value) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    if (EqualsNoCase(Trim(value.substr(0, comma)), "close")) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// The head of a response: status line and the headers that frame it.
struct ResponseHead {
  int status = 0;
  size_t content_length = 0;
  bool close = false;
};

// Parses `head` (the status line and headers, without the final empty line). Returns "" or what is wrong.
std::string ParseHead(std::string_view head, ResponseHead& out) {
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  // "HTTP/1.1 201 Created": the version, a space, three digits, then a space or the end of the line.
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ' ||
      (line.size() > 12 && line[12] != ' ')) {
    return fmt::format("malformed status line '{}'", line.substr(0, 100));
  }
  auto [p, ec] = std::from_chars(line.data() + 9, line.data() + 12, out.status);
  if (ec != std::errc() || p != line.data() + 12 || out.status < 100) {
    return fmt::format("malformed status line '{}'", line.substr(0, 100));
  }
  out.close = line.substr(0, 8) == "HTTP/1.0";  // 1.0 closes unless it says keep-alive
  bool has_length = false;
  while (eol != std::string_view::npos) {
    head.remove_prefix(eol + 2);
    eol = head.find("\r\n");
    line = head.substr(0, eol);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return fmt::format("malformed header line '{}'", line.substr(0, 100));
    }
    std::string_view name = line.substr(0, colon);
    std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsNoCase(name, "content-length")) {
      size_t n = 0;
      auto [q, ec2] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec2 != std::errc() || q != value.data() + value.size() ||
          (has_length && n != out.content_length)) {
        return fmt::format("bad Content-Length '{}'", value.substr(0, 100));
      }
      out.content_length = n;
      has_length = true;
    } else if (EqualsNoCase(name, "transfer-encoding")) {
      return fmt::format("unsupported Transfer-Encoding '{}'", value.substr(0, 100));
    } else if (EqualsNoCase(name, "connection")) {
      if (ListsClose(value)) {
        out.close = true;
      } else if (EqualsNoCase(value, "keep-alive")) {
        out.close = false;
      }
    }
  }
  bool no_body = out.status < 200 || out.status == 204 || out.status == 304;
  if (no_body) {
    out.content_length = 0;
  } else if (!has_length) {
    return "answer without Content-Length";
  }
  if (out.content_length > kMaxBodyBytes) {
    return fmt::format("answer body of {} bytes is too large", out.content_length);
  }
  return "";
}

int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The value of the first "id" string member of a JSON answer (the node's answers put it first), or "-".
std::string_view IdOf(std::string_view body) {
  constexpr std::string_view kKey = R"("id":")";
  size_t at = body.find(kKey);
  if (at == std::string_view::npos) return "-";
  at += kKey.size();
  size_t end = body.find('"', at);
  if (end == std::string_view::npos || end == at) return "-";
  return body.substr(at, end - at);
}

// Where the node is, resolved once; connections try its addresses in turn.
struct Endpoint {
  std::string name;  // "host:port", for messages
  std::vector<sockaddr_storage> addrs;
  std::vector<socklen_t> addr_lens;
  std::string resolve_error;  // non-empty when the host could not be resolved
};

Endpoint Resolve(const Options& opt) {
  Endpoint ep;
  ep.name = fmt::format("{}:{}", opt.host, opt.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
  addrinfo* res = nullptr;
  std::string port = std::to_string(opt.port);
  int rc = getaddrinfo(opt.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) {
    ep.resolve_error = fmt::format("cannot resolve {}: {}", opt.host, gai_strerror(rc));
    return ep;
  }
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    sockaddr_storage s{};
    std::memcpy(&s, a->ai_addr, a->ai_addrlen);
    ep.addrs.push_back(s);
    ep.addr_lens.push_back(a->ai_addrlen);
  }
  freeaddrinfo(res);
  if (ep.addrs.empty()) ep.resolve_error = fmt::format("cannot resolve {}: no address", opt.host);
  return ep;
}

// What is shared, read-only or atomic, by all threads.
struct Shared {
  Endpoint endpoint;
  std::string request_prefix;  // request line and headers up to "Content-Length: "
  std::string where;           // "POST http://host:port/target", for messages
  TimePoint measure_from;
  TimePoint stop_at;
  std::atomic<uint64_t> next_number{0};
  uint64_t last_number = 0;  // with --count: the number of the last request to send
  std::string body;          // the --body template
  std::atomic<bool> error_reported{false};
  bool log_acks = false;
};

// One client: a connection with at most one request in flight.
struct Conn {
  enum class State {
    kIdle,        // no request; the next one starts at once
    kPaused,      // no request, no socket; the next one starts at retry_at
    kConnecting,  // request built, connect in progress
    kInFlight,    // request being sent or answered
    kDone,        // the run is over for this client
  };
  State state = State::kIdle;
  int fd = -1;
  bool want_out = false;  // EPOLLOUT is registered
  size_t addr_index = 0;  // the address to connect to next
  size_t connect_tries = 0;
  TimePoint start;     // when the request in flight started
  TimePoint deadline;  // when it fails if not answered
  TimePoint retry_at;  // kPaused: when to start the next request
  bool measured = false;
  std::string body;
  std::string out;
  size_t out_sent = 0;
  std::string in;  // in.size() is the capacity; in_len bytes are filled
  size_t in_len = 0;
  size_t head_scanned = 0;  // bytes of `in` known not to start the "\r\n\r\n" ending the head
  size_t head_len = 0;      // with the "\r\n\r\n"; 0 until the head is complete
  ResponseHead head;
};

class Worker {
 public:
  Worker(Shared& shared, int clients, Tally& tally) : shared_(shared), conns_(clients), tally_(tally) {}

  void Run() {
    tally_.latencies_us.reserve(1 << 20);
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) {
      ReportFirstError(shared_.error_reported, fmt::format("epoll_create1: {}", std::strerror(errno)));
      ++tally_.errors;
      return;
    }
    TimePoint now = SteadyClock::now();
    for (auto& c : conns_) {
      c.in.resize(kInitialReadBuffer);
      StartRequest(c, now);
    }
    std::vector<epoll_event> events(std::max<size_t>(conns_.size(), 1));
    next_timer_ = now;
    while (done_ < conns_.size()) {
      now = SteadyClock::now();
      if (now >= next_timer_) {
        CheckTimers(now);
        continue;
      }
      auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_timer_ - now).count();
      int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), static_cast<int>(wait));
      if (n < 0) {
        if (errno == EINTR) continue;
        ReportFirstError(shared_.error_reported, fmt::format("epoll_wait: {}", std::strerror(errno)));
        break;
      }
      for (int i = 0; i < n; ++i) {
        HandleEvent(*static_cast<Conn*>(events[i].data.ptr), events[i].events);
      }
    }
    for (auto& c : conns_) CloseSocket(c);
    close(epoll_);
  }

 private:
  void WakeBy(TimePoint t) { next_timer_ = std::min(next_timer_, t); }

  void CloseSocket(Conn& c) {
    if (c.fd < 0) return;
    close(c.fd);  // also removes it from the epoll set
    c.fd = -1;
    c.want_out = false;
  }

  void Finish(Conn& c) {
    CloseSocket(c);
    c.state = Conn::State::kDone;
    ++done_;
  }

  // Starts the next request of `c` at `now`, on its open connection or a new one.
  void StartRequest(Conn& c, TimePoint now) {
    if (now >= shared_.stop_at) return Finish(c);
    c.start = now;
    c.deadline = now + kRequestTimeout;
    c.measured = now >= shared_.measure_from;
    const uint64_t n = shared_.next_number.fetch_add(1, std::memory_order_relaxed);
    if (shared_.last_number && n > shared_.last_number) return Finish(c);
    c.body.clear();
    if (shared_.body.empty()) {
      AppendPartyBody(c.body, n);
    } else {
      AppendTemplateBody(c.body, shared_.body, n);
    }
    c.out.assign(shared_.request_prefix);
    fmt::format_to(std::back_inserter(c.out), "{}\r\n\r\n", c.body.size());
    c.out.append(c.body);
    c.out_sent = 0;
    c.in_len = 0;
    c.head_scanned = 0;
    c.head_len = 0;
    if (c.fd >= 0) {
      c.state = Conn::State::kInFlight;
      Send(c);
    } else {
      c.connect_tries = 0;
      Connect(c);
    }
  }

  // Opens a connection to the current address of `c` for the request already built.
  void Connect(Conn& c) {
    const Endpoint& ep = shared_.endpoint;
    if (!ep.resolve_error.empty()) return Fail(c, ep.resolve_error);
    const auto* addr = reinterpret_cast<const sockaddr*>(&ep.addrs[c.addr_index]);
    c.fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) return Fail(c, fmt::format("cannot create a socket: {}", std::strerror(errno)));
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ++c.connect_tries;
    int rc = connect(c.fd, addr, ep.addr_lens[c.addr_index]);
    if (rc != 0 && errno != EINPROGRESS && errno != EINTR) return ConnectFailed(c, errno);
    epoll_event ev{};
    ev.events = rc == 0 ? uint32_t{EPOLLIN} : uint32_t{EPOLLIN | EPOLLOUT};
    ev.data.ptr = &c;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev) != 0) {
      return Fail(c, fmt::format("epoll_ctl: {}", std::strerror(errno)));
    }
    c.want_out = rc != 0;
    if (rc == 0) {
      c.state = Conn::State::kInFlight;
      Send(c);
    } else {
      c.state = Conn::State::kConnecting;
    }
  }

  // The connect of `c` failed with `err`: tries the node's next address, or fails the request once each
  // address was tried.
  void ConnectFailed(Conn& c, int err) {
    CloseSocket(c);
    const Endpoint& ep = shared_.endpoint;
    c.addr_index = (c.addr_index + 1) % ep.addrs.size();
    if (c.connect_tries < ep.addrs.size()) return Connect(c);
    Fail(c, fmt::format("cannot connect to {}: {}", ep.name, std::strerror(err)));
  }

  // The request in flight on `c` got no answer: counts an error, drops the connection and pauses the client.
  void Fail(Conn& c, const std::string& what) {
    if (c.measured) ++tally_.errors;
    ReportFirstError(shared_.error_reported, what);
    CloseSocket(c);
    c.state = Conn::State::kPaused;
    c.retry_at = SteadyClock::now() + kReconnectPause;
    WakeBy(c.retry_at);
  }

  void FailIo(Conn& c, const char* what, int err) {
    Fail(c, fmt::format("{}: {}: {}", shared_.where, what, std::strerror(err)));
  }

  void WantOut(Conn& c, bool want) {
    if (c.want_out == want) return;
    epoll_event ev{};
    ev.events = want ? uint32_t{EPOLLIN | EPOLLOUT} : uint32_t{EPOLLIN};
    ev.data.ptr = &c;
    if (epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev) != 0) return FailIo(c, "epoll_ctl", errno);
    c.want_out = want;
  }

  // Sends what is left of the request of `c`; waits for EPOLLOUT if the socket is full.
  void Send(Conn& c) {
    while (c.out_sent < c.out.size()) {
      ssize_t n = send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
      if (n >= 0) {
        c.out_sent += static_cast<size_t>(n);
      } else if (errno == EINTR) {
        continue;
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return WantOut(c, true);
      } else {
        return FailIo(c, "send", errno);
      }
    }
    WantOut(c, false);
  }

  void HandleEvent(Conn& c, uint32_t events) {
    if (c.state == Conn::State::kConnecting) {
      int err = 0;
      socklen_t len = sizeof err;
      if (getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      if (err != 0) return ConnectFailed(c, err);
      if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;  // not connected yet
      c.state = Conn::State::kInFlight;
      Send(c);
      return;
    }
    if (c.state != Conn::State::kInFlight) return;
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
      Receive(c);
      if (c.state != Conn::State::kInFlight || c.fd < 0) return;
    }
    if ((events & EPOLLOUT) && c.out_sent < c.out.size()) Send(c);
  }

  // Reads what the socket of `c` has, and handles the answer once it is whole.
  void Receive(Conn& c) {
    if (c.in_len == c.in.size()) c.in.resize(c.in.size() * 2);
    ssize_t n;
    do {
      n = recv(c.fd, c.in.data() + c.in_len, c.in.size() - c.in_len, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      return FailIo(c, "recv", errno);
    }
    if (n == 0) {
      return Fail(c, fmt::format("{}: the node closed the connection {}", shared_.where,
                                 c.in_len == 0 ? "before answering" : "in the middle of an answer"));
    }
    c.in_len += static_cast<size_t>(n);
    for (;;) {
      if (c.head_len == 0) {
        std::string_view in(c.in.data(), c.in_len);
        size_t end = in.find("\r\n\r\n", c.head_scanned);
        if (end == std::string_view::npos) {
          if (c.in_len > kMaxHeaderBytes) {
            return Fail(c,
                        fmt::format("{}: answer head larger than {} bytes", shared_.where, kMaxHeaderBytes));
          }
          c.head_scanned = c.in_len >= 3 ? c.in_len - 3 : 0;
          return;
        }
        c.head = ResponseHead{};
        std::string problem = ParseHead(in.substr(0, end), c.head);
        if (!problem.empty()) return Fail(c, fmt::format("{}: {}", shared_.where, problem));
        c.head_len = end + 4;
        if (c.head.status < 200) {  // an interim answer (100 Continue): drop it and read on
          c.in.erase(0, c.head_len);
          c.in.resize(std::max(c.in.size(), kInitialReadBuffer));
          c.in_len -= c.head_len;
          c.head_len = 0;
          c.head_scanned = 0;
          continue;
        }
      }
      size_t total = c.head_len + c.head.content_length;
      if (c.in_len < total) {
        if (c.in.size() < total) c.in.resize(total);
        return;
      }
      return Complete(c, total);
    }
  }

  // The whole answer to the request of `c` is in c.in[0, total).
  void Complete(Conn& c, size_t total) {
    TimePoint now = SteadyClock::now();
    const int status = c.head.status;
    if (status == 201) {
      if (shared_.log_acks) {
        std::string_view body(c.in.data() + c.head_len, c.head.content_length);
        tally_.acks.push_back({UnixMs(), std::string(IdOf(body))});
      }
      if (c.measured) {
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - c.start).count();
        tally_.latencies_us.push_back(static_cast<uint32_t>(std::min<int64_t>(us, UINT32_MAX)));
      }
    } else {
      if (c.measured) ++tally_.errors;
      if (!shared_.error_reported.load(std::memory_order_relaxed)) {
        std::string_view body(c.in.data() + c.head_len, c.head.content_length);
        ReportFirstError(shared_.error_reported, fmt::format("HTTP {}: {}", status, body));
      }
    }
    if (c.in_len > total) {  // the node sent more than one answer to one request
      return Fail(c, fmt::format("{}: {} unexpected bytes after an answer", shared_.where, c.in_len - total));
    }
    // An answer before the whole request was sent leaves the connection unusable.
    if (c.head.close || c.out_sent < c.out.size()) CloseSocket(c);
    c.state = Conn::State::kIdle;
    StartRequest(c, now);
  }

  // Handles pauses that ended, requests past their deadline and the end of the run; sets next_timer_.
  void CheckTimers(TimePoint now) {
    const bool over = now >= shared_.stop_at;
    const bool grace_over = now >= shared_.stop_at + kGrace;
    next_timer_ = now + kMaxIdleWait;
    if (!over) WakeBy(shared_.stop_at);
    for (auto& c : conns_) {
      switch (c.state) {
        case Conn::State::kDone:
          break;
        case Conn::State::kIdle:  // not expected between events; handled for safety
          StartRequest(c, now);
          break;
        case Conn::State::kPaused:
          if (over) {
            Finish(c);
          } else if (now >= c.retry_at) {
            StartRequest(c, now);
          } else {
            WakeBy(c.retry_at);
          }
          break;
        case Conn::State::kConnecting:
        case Conn::State::kInFlight:
          if (grace_over) {
            if (c.measured) ++tally_.errors;
            ReportFirstError(shared_.error_reported,
                             fmt::format("{}: no answer {} s after the end of the run", shared_.where,
                                         std::chrono::duration_cast<std::chrono::seconds>(kGrace).count()));
            Finish(c);
          } else if (now >= c.deadline) {
            Fail(c, fmt::format("{}: no answer within {} s", shared_.where,
                                std::chrono::duration_cast<std::chrono::seconds>(kRequestTimeout).count()));
            if (over) Finish(c);
          }
          break;
      }
    }
    if (over && !grace_over) WakeBy(shared_.stop_at + kGrace);
  }

  Shared& shared_;
  std::vector<Conn> conns_;  // never resized: epoll events point at its elements
  Tally& tally_;
  int epoll_ = -1;
  size_t done_ = 0;
  TimePoint next_timer_;
};

// Lets the process open one socket per client.
void RaiseFileLimit(int clients) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  rlim_t want = static_cast<rlim_t>(clients) + 64;
  if (lim.rlim_cur >= want) return;
  lim.rlim_cur = std::min(want, lim.rlim_max);
  setrlimit(RLIMIT_NOFILE, &lim);
}

// The nearest-rank percentile of sorted values, in milliseconds.
double PercentileMs(const std::vector<uint32_t>& sorted_us, double p) {
  if (sorted_us.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted_us.size())));
  rank = std::clamp<size_t>(rank, 1, sorted_us.size());
  return sorted_us[rank - 1] / 1000.0;
}

int Run(const Options& opt) {
  RaiseFileLimit(opt.clients);
  Shared shared;
  shared.endpoint = Resolve(opt);
  shared.request_prefix = fmt::format(
      "POST {} HTTP/1.1\r\nHost: {}:{}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\n"
      "Content-Length: ",
      opt.target, opt.host, opt.port, opt.token);
  shared.where = fmt::format("POST http://{}:{}{}", opt.host, opt.port, opt.target);
  const uint64_t first =
      opt.first.value_or(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                   std::chrono::system_clock::now().time_since_epoch())
                                                   .count()));
  shared.next_number = first;
  if (opt.count) shared.last_number = first + opt.count - 1;
  shared.body = opt.body;
  shared.log_acks = !opt.acks.empty();
  const int threads = std::min(opt.threads, opt.clients);
  std::vector<Tally> tallies(threads);
  auto t0 = SteadyClock::now();
  shared.measure_from =
      t0 + std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(opt.warmup));
  shared.stop_at = shared.measure_from + std::chrono::duration_cast<SteadyClock::duration>(
                                             std::chrono::duration<double>(opt.seconds));

  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (int i = 0; i < threads; ++i) {
    int clients = (i + 1) * opt.clients / threads - i * opt.clients / threads;
    workers.emplace_back([&shared, &tallies, clients, i] { Worker(shared, clients, tallies[i]).Run(); });
  }
  for (auto& t : workers) t.join();
  // With --count the run may end before the window does: the rate is over the part of the window used.
  const double measured_s = std::max(
      0.001, std::chrono::duration<double>(std::min(SteadyClock::now(), shared.stop_at) - shared.measure_from)
                 .count());

  std::vector<uint32_t> all;
  int64_t errors = 0;
  for (auto& t : tallies) {
    all.insert(all.end(), t.latencies_us.begin(), t.latencies_us.end());
    errors += t.errors;
  }
  std::sort(all.begin(), all.end());
  if (!opt.acks.empty()) {
    std::FILE* f = std::fopen(opt.acks.c_str(), "w");
    if (f == nullptr) {
      std::fprintf(stderr, "cannot write %s: %s\n", opt.acks.c_str(), std::strerror(errno));
      return 1;
    }
    for (auto& t : tallies) {
      for (const Ack& a : t.acks)
        std::fprintf(f, "%lld %s\n", static_cast<long long>(a.unix_ms), a.id.c_str());
    }
    if (std::fclose(f) != 0) {
      std::fprintf(stderr, "cannot write %s: %s\n", opt.acks.c_str(), std::strerror(errno));
      return 1;
    }
  }
  const int64_t commands = static_cast<int64_t>(all.size());
  const double rate = static_cast<double>(commands) / std::min(opt.seconds, measured_s);
  const double p50 = PercentileMs(all, 50);
  const double p99 = PercentileMs(all, 99);

  std::printf(
      "%d clients, %g s: %lld commands, %.1f commands/s, p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f "
      "ms, "
      "max %.3f ms, %lld errors\n",
      opt.clients, opt.seconds, static_cast<long long>(commands), rate, p50, PercentileMs(all, 90), p99,
      PercentileMs(all, 99.9), PercentileMs(all, 100), static_cast<long long>(errors));
  std::printf(
      R"({"clients":%d,"seconds":%g,"commands":%lld,"commands_per_s":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"errors":%lld})"
      "\n",
      opt.clients, opt.seconds, static_cast<long long>(commands), rate, p50, p99,
      static_cast<long long>(errors));
  std::fflush(stdout);
  return commands > 0 ? 0 : 1;
}

}  // namespace
}  // namespace holdfast::bench

int main(int argc, char** argv) {
  holdfast::bench::Options opt;
  CLI::App app{
      "Posts new parties to a running Holdfast node from N keep-alive connections and reports the rate"};
  app.add_option("--host", opt.host, "node address (IP or name)");
  app.add_option("--port", opt.port, "node port")->required()->check(CLI::Range(1, 65535));
  app.add_option("--token", opt.token, "session token, sent as 'Authorization: Bearer <token>'")->required();
  app.add_option("--clients", opt.clients, "concurrent connections, one request in flight each")
      ->check(CLI::Range(1, 4096));
  app.add_option("--threads", opt.threads, "event-loop threads sharing the connections (at most --clients)")
      ->check(CLI::Range(1, 64));
  app.add_option("--seconds", opt.seconds, "length of the measured window")->check(CLI::Range(0.1, 86400.0));
  app.add_option("--warmup", opt.warmup, "seconds of load before measuring")->check(CLI::Range(0.0, 3600.0));
  app.add_option("--target", opt.target, "request target to POST to");
  app.add_option("--body", opt.body,
                 "request body; every {n} in it is replaced by the request's number (default: a new party)");
  app.add_option("--first", opt.first, "number of the first request (default: microseconds since the epoch)");
  app.add_option("--count", opt.count, "send this many requests, then stop (within --seconds)");
  app.add_option("--acks", opt.acks, "after the run, write each answer 201 to this file: Unix ms and the id");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return holdfast::bench::Run(opt);
}
