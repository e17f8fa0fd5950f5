#include "http/test_gateway.h"

#include <fmt/format.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "base/date.h"
#include "base/json.h"
#include "domain/gateway.h"
#include "http/server.h"

namespace holdfast::http {

bool PassesLuhn(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool doubled = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it < '0' || *it > '9') return false;
    int d = *it - '0';
    if (doubled) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    doubled = !doubled;
  }
  return sum % 10 == 0;
}

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kChargesPath = "/v1/charges";
constexpr std::string_view kRefundsPath = "/v1/refunds";

struct ChargeRecord {
  std::string id;
  std::string idempotency_key;
  domain::Cents amount_cents = 0;
  std::string description;
  std::string card_last4;
  bool approved = false;
  std::string authorization_code;
  std::string decline_code;
  std::string message;
  bool refunded = false;

  json::object ToJson() const {
    json::object o{{"object", "charge"},
                   {"id", id},
                   {"idempotency_key", idempotency_key},
                   {"status", approved ? "approved" : "declined"},
                   {"amount_cents", amount_cents},
                   {"description", description},
                   {"card_last4", card_last4},
                   {"message", message},
                   {"refunded", refunded}};
    if (approved) {
      o["authorization_code"] = authorization_code;
    } else {
      o["decline_code"] = decline_code;
    }
    return o;
  }
};

// The first decided answer under an idempotency key, replayed for every later request with the same key
// and the same request.
struct StoredAnswer {
  std::string request;  // the endpoint and the request's fields, compared on reuse
  Response response;
};

// Holds answers back and sends each when its time comes, from one thread of its own, so that no server
// thread sleeps.
class HeldAnswers {
 public:
  HeldAnswers() : thread_([this] { Run(); }) {}
  ~HeldAnswers() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  void Add(SteadyClock::time_point when, Responder respond, Response response) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      held_.emplace(when, std::make_pair(std::move(respond), std::move(response)));
    }
    cv_.notify_all();
  }

  // Forgets every held answer without sending it (their connections close when the server stops).
  void Drop() {
    std::multimap<SteadyClock::time_point, std::pair<Responder, Response>> dropped;
    std::lock_guard<std::mutex> lock(mu_);
    dropped.swap(held_);
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      if (held_.empty()) {
        cv_.wait(lock);
        continue;
      }
      auto first = held_.begin();
      if (first->first > SteadyClock::now()) {
        // A copy: the wait releases the lock, and Drop may free the node meanwhile.
        const SteadyClock::time_point when = first->first;
        cv_.wait_until(lock, when);
        continue;
      }
      // Sent with the lock held, so that once Drop returns no answer is on its way to a server being
      // destroyed. Sending only queues the answer on the connection.
      auto answer = std::move(first->second);
      held_.erase(first);
      answer.first(std::move(answer.second));
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::multimap<SteadyClock::time_point, std::pair<Responder, Response>> held_;
  std::thread thread_;  // last: starts after the members it uses
};

// True when the card's MM/YY (valid through the end of that month) is before the month of `now_ms`.
bool ExpiryPassed(std::string_view expiry, int64_t now_ms) {
  int month = (expiry[0] - '0') * 10 + (expiry[1] - '0');
  int year = 2000 + (expiry[3] - '0') * 10 + (expiry[4] - '0');
  Date today = Date::FromUnixMs(now_ms);
  return year * 12 + month < today.year() * 12 + today.month();
}

}  // namespace

struct TestGateway::Impl {
  explicit Impl(TestGatewayOptions o) : options(std::move(o)) {
    if (!options.clock) options.clock = &SystemClock::Get();
  }

  void Handle(Request&& req, Responder respond) {
    if (req.path == kChargesPath) {
      if (req.method != "POST") return respond(MethodNotAllowed());
      return CreateCharge(req, std::move(respond));
    }
    // The path arrives percent-decoded (ParseTarget), so a key holding '/' or '%' is found as sent.
    if (req.path.starts_with(std::string(kChargesPath) + "/")) {
      if (req.method != "GET") return respond(MethodNotAllowed());
      return respond(GetCharge(req.path.substr(kChargesPath.size() + 1)));
    }
    if (req.path == kRefundsPath) {
      if (req.method != "POST") return respond(MethodNotAllowed());
      return respond(CreateRefund(req));
    }
    respond(Response::Problem(MakeError(Code::kNotFound, fmt::format("no such resource {}", req.path))));
  }

  static Response MethodNotAllowed() {
    return Response::Problem(MakeError(Code::kInvalid, "method not allowed here", "method-not-allowed"));
  }

  // The stored answer when `key` was used before with the same request (marked as a replay), a 409 when it
  // was used with another, nullopt when it is new. Requires: mu held.
  std::optional<Response> Replay(const std::string& key, const std::string& request) {
    auto it = answers.find(key);
    if (it == answers.end()) return std::nullopt;
    if (it->second.request != request) {
      return Response::Problem(
          Conflict("this Idempotency-Key was used before with a different request; use a new key for a "
                   "new charge or refund",
                   "idempotency-key-reused"));
    }
    Response again = it->second.response;
    again.headers.emplace_back("Idempotent-Replayed", "true");
    return again;
  }

  void CreateCharge(const Request& req, Responder respond) {
    domain::CardCharge charge;
    charge.idempotency_key = std::string(req.Header("idempotency-key"));
    Status valid = domain::ValidateIdempotencyKey(charge.idempotency_key, "Idempotency-Key");
    if (!valid.ok()) return respond(Response::Problem(valid.error()));
    auto body = ParseJson(req.body);
    if (!body.ok()) return respond(Response::Problem(body.error()));
    ObjectReader reader(*body);
    charge.amount_cents = reader.RequiredInt("amount_cents");
    charge.card_number = reader.RequiredString("card_number", 19);
    charge.expiry = reader.RequiredString("expiry", 5);
    charge.description = reader.String("description", domain::kMaxChargeDescriptionLength).value_or("");
    valid = reader.Finish();
    if (valid.ok()) valid = domain::ValidateCharge(charge);
    if (!valid.ok()) return respond(Response::Problem(valid.error()));
    std::string request = json::serialize(json::object{{"endpoint", "charge"},
                                                       {"amount_cents", charge.amount_cents},
                                                       {"card_number", charge.card_number},
                                                       {"expiry", charge.expiry},
                                                       {"description", charge.description}});

    std::unique_lock<std::mutex> lock(mu);
    if (auto replay = Replay(charge.idempotency_key, request)) {
      lock.unlock();
      return respond(std::move(*replay));
    }
    const std::string& number = charge.card_number;
    bool luhn = PassesLuhn(number);
    if (luhn && number == kTestCardProcessingError) {
      lock.unlock();
      return respond(Response::Problem(
          MakeError(Code::kInternal, "the processor failed while handling this charge; nothing was charged",
                    "processing-error")));
    }
    ChargeRecord record;
    record.id = fmt::format("ch_{:06}", ++charge_count);
    record.idempotency_key = charge.idempotency_key;
    record.amount_cents = charge.amount_cents;
    record.description = charge.description;
    record.card_last4 = number.substr(number.size() - 4);
    auto decline = [&record](std::string code, std::string message) {
      record.decline_code = std::move(code);
      record.message = std::move(message);
    };
    if (!luhn) {
      decline("incorrect_number", "The card number is incorrect.");
    } else if (charge.amount_cents > kTestGatewayMaxChargeCents) {
      decline("amount_too_large", fmt::format("The amount is over the limit of ${} for one charge.",
                                              domain::FormatCents(kTestGatewayMaxChargeCents)));
    } else if (ExpiryPassed(charge.expiry, options.clock->NowMs()) || number == kTestCardExpired) {
      decline("expired_card", "The card has expired.");
    } else if (number == kTestCardDeclined) {
      decline("card_declined", "The card was declined.");
    } else if (number == kTestCardInsufficientFunds) {
      decline("insufficient_funds", "The card has insufficient funds.");
    } else {
      record.approved = true;
      ++approved_count;
      record.authorization_code = fmt::format("A{:05}", charge_count % 100000);
      record.message = "Approved.";
    }
    Response answer = Response::Json(record.approved ? 200 : 402, record.ToJson());
    answers[record.idempotency_key] = StoredAnswer{request, answer};
    key_by_id[record.id] = record.idempotency_key;
    charges.emplace(record.idempotency_key, std::move(record));
    lock.unlock();
    if (number == kTestCardSlowAnswer) {
      return held.Add(SteadyClock::now() + options.slow_answer_delay, std::move(respond), std::move(answer));
    }
    respond(std::move(answer));
  }

  Response GetCharge(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = charges.find(key);
    if (it == charges.end()) {
      return Response::Problem(
          MakeError(Code::kNotFound, "no charge was made with this idempotency key", "no-such-charge"));
    }
    return Response::Json(200, it->second.ToJson());
  }

  Response CreateRefund(const Request& req) {
    std::string key(req.Header("idempotency-key"));
    Status valid = domain::ValidateIdempotencyKey(key, "Idempotency-Key");
    if (!valid.ok()) return Response::Problem(valid.error());
    auto body = ParseJson(req.body);
    if (!body.ok()) return Response::Problem(body.error());
    ObjectReader reader(*body);
    std::string charge_id = reader.RequiredString("charge", 100);
    valid = reader.Finish();
    if (!valid.ok()) return Response::Problem(valid.error());
    std::string request = json::serialize(json::object{{"endpoint", "refund"}, {"charge", charge_id}});

    std::lock_guard<std::mutex> lock(mu);
    if (auto replay = Replay(key, request)) return std::move(*replay);
    auto id = key_by_id.find(charge_id);
    if (id == key_by_id.end()) {
      return Response::Problem(
          MakeError(Code::kNotFound, fmt::format("no charge {:?}", charge_id), "no-such-charge"));
    }
    ChargeRecord& charge = charges.at(id->second);
    if (!charge.approved) {
      return Response::Problem(Conflict(
          fmt::format("charge {} was declined: there is nothing to refund", charge.id), "not-refundable"));
    }
    if (charge.refunded) {
      return Response::Problem(
          Conflict(fmt::format("charge {} was refunded already", charge.id), "already-refunded"));
    }
    charge.refunded = true;
    json::object refund{{"object", "refund"},
                        {"id", fmt::format("re_{:06}", ++refund_count)},
                        {"charge", charge.id},
                        {"status", "succeeded"},
                        {"amount_cents", charge.amount_cents},
                        {"message", fmt::format("Refunded ${}.", domain::FormatCents(charge.amount_cents))}};
    Response answer = Response::Json(200, refund);
    answers[key] = StoredAnswer{request, answer};
    return answer;
  }

  TestGatewayOptions options;
  std::unique_ptr<Server> server;

  mutable std::mutex mu;
  std::map<std::string, StoredAnswer> answers;   // by idempotency key, charges and refunds alike
  std::map<std::string, ChargeRecord> charges;   // by idempotency key
  std::map<std::string, std::string> key_by_id;  // charge id → its idempotency key
  int charge_count = 0;
  int approved_count = 0;
  int refund_count = 0;

  HeldAnswers held;
};

TestGateway::TestGateway(TestGatewayOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

TestGateway::~TestGateway() { Stop(); }

Status TestGateway::Start() {
  ServerOptions so;
  so.host = impl_->options.host;
  so.port = impl_->options.port;
  so.threads = impl_->options.threads;
  Impl* impl = impl_.get();
  impl_->server = std::make_unique<Server>(
      so, [impl](Request&& req, Responder respond) { impl->Handle(std::move(req), std::move(respond)); });
  return impl_->server->Start();
}

uint16_t TestGateway::port() const { return impl_->server ? impl_->server->port() : 0; }

void TestGateway::Stop() {
  if (!impl_->server) return;
  // The server's threads first, so that nothing is held back after the drop; the held answers' connections
  // must go before the server that owns their sockets.
  impl_->server->Stop();
  impl_->held.Drop();
  impl_->server.reset();
}

int TestGateway::charges() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->charge_count;
}

int TestGateway::approved_charges() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->approved_count;
}

int TestGateway::refunds() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->refund_count;
}

void TestGateway::Handle(Request&& request, Responder respond) {
  impl_->Handle(std::move(request), std::move(respond));
}

}  // namespace holdfast::http
