#include "http/gateway_client.h"

#include <fmt/format.h>

#include "base/json.h"

namespace holdfast::http {

namespace {

constexpr size_t kPooledClients = 4;
// Gateway answers are small; anything larger is not the API expected.
constexpr uint64_t kMaxGatewayAnswer = 1 << 20;

// `s` with every byte outside A-Z a-z 0-9 - . _ ~ written as %XX, for one path segment.
std::string PercentEncoded(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                 c == '.' || c == '_' || c == '~';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

Error Malformed(int status, std::string_view what) {
  return MakeError(Code::kUnavailable,
                   fmt::format("the payment gateway answered {} with something other than {}", status, what),
                   "gateway-unavailable");
}

// A charge as the gateway describes it (200 approved, 402 declined, GET 200 either).
Result<domain::ChargeResult> ParseCharge(const ClientResponse& r) {
  auto v = ParseJson(r.body);
  if (!v.ok() || !v->is_object()) return Malformed(r.status, "a charge");
  const json::object& o = v->get_object();
  std::string_view status = StringOr(o, "status");
  std::string_view id = StringOr(o, "id");
  if (id.empty() || (status != "approved" && status != "declined") || StringOr(o, "object") != "charge") {
    return Malformed(r.status, "a charge");
  }
  domain::ChargeResult result;
  result.outcome = status == "approved" ? domain::ChargeOutcome::kApproved : domain::ChargeOutcome::kDeclined;
  result.reference = std::string(id);
  result.authorization_code = std::string(StringOr(o, "authorization_code"));
  result.decline_code = std::string(StringOr(o, "decline_code"));
  result.message = std::string(StringOr(o, "message"));
  result.amount_cents = IntOr(o, "amount_cents");
  if (result.outcome == domain::ChargeOutcome::kDeclined && result.decline_code.empty()) {
    result.decline_code = "card_declined";
  }
  return result;
}

Result<domain::ChargeResult> ParseRefund(const ClientResponse& r) {
  auto v = ParseJson(r.body);
  if (!v.ok() || !v->is_object()) return Malformed(r.status, "a refund");
  const json::object& o = v->get_object();
  std::string_view id = StringOr(o, "id");
  if (id.empty() || StringOr(o, "object") != "refund" || StringOr(o, "status") != "succeeded") {
    return Malformed(r.status, "a refund");
  }
  domain::ChargeResult result;
  result.outcome = domain::ChargeOutcome::kApproved;
  result.reference = std::string(id);
  result.message = std::string(StringOr(o, "message"));
  result.amount_cents = IntOr(o, "amount_cents");
  return result;
}

// What a problem+json answer says: its type's last segment, detail and field ("" when absent).
struct Problem {
  std::string type, detail, field;
};

Problem ReadProblem(const ClientResponse& r) {
  Problem p;
  auto v = ParseJson(r.body);
  if (!v.ok() || !v->is_object()) return p;
  const json::object& o = v->get_object();
  std::string_view type = StringOr(o, "type");
  auto slash = type.rfind('/');
  p.type = std::string(slash == std::string_view::npos ? type : type.substr(slash + 1));
  p.detail = std::string(StringOr(o, "detail"));
  p.field = std::string(StringOr(o, "field"));
  return p;
}

// The error for an answer that is neither a charge nor a refund.
Error Refusal(const ClientResponse& r) {
  Problem p = ReadProblem(r);
  std::string detail = p.detail.empty() ? fmt::format("status {}", r.status) : p.detail;
  switch (r.status) {
    case 400:
    case 422:
      return MakeError(Code::kInvalid, "the payment gateway refused the request: " + detail, "validation",
                       p.field);
    case 404:
      // Only the gateway's own "no such charge" speaks of the charge; a 404 of another kind (a wrong address
      // in front of the gateway) says nothing about it.
      if (p.type == "no-such-charge")
        return MakeError(Code::kNotFound, "the payment gateway: " + detail, p.type);
      break;
    case 409:
      if (p.type == "idempotency-key-reused") {
        return MakeError(Code::kInvalid, "the payment gateway refused the request: " + detail, p.type);
      }
      return Conflict("the payment gateway refused the request: " + detail,
                      p.type.empty() ? "conflict" : p.type);
    default:
      break;
  }
  return MakeError(Code::kUnavailable, fmt::format("the payment gateway failed ({}): {}", r.status, detail),
                   "gateway-unavailable");
}

}  // namespace

HttpGateway::HttpGateway(HttpGatewayOptions options) : options_(std::move(options)) {}

HttpGateway::~HttpGateway() = default;

Error HttpGateway::Unreached(const Error& e) const {
  if (e.code == Code::kUnavailable && e.Type() == "timeout") {
    return MakeError(
        Code::kUnavailable,
        fmt::format("the payment gateway at {}:{} did not answer within {} ms; the charge may or "
                    "may not have been made: look it up by its idempotency key",
                    options_.host, options_.port, options_.timeout.count()),
        "gateway-timeout");
  }
  return MakeError(Code::kUnavailable,
                   fmt::format("the payment gateway at {}:{} could not be reached: {}", options_.host,
                               options_.port, e.detail),
                   "gateway-unavailable");
}

Result<ClientResponse> HttpGateway::Send(std::string_view method, const std::string& target,
                                         std::string_view body, const std::string& idempotency_key) {
  std::unique_ptr<Client> client;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      client = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!client) {
    client = std::make_unique<Client>(options_.host, options_.port);
    client->SetTimeout(options_.timeout);
    client->SetMaxBody(kMaxGatewayAnswer);
    for (const auto& [name, value] : options_.headers) client->SetHeader(name, value);
  }
  std::vector<std::pair<std::string, std::string>> headers;
  if (!idempotency_key.empty()) headers.emplace_back("Idempotency-Key", idempotency_key);
  auto answer = client->Request(method, target, body, headers);
  if (!answer.ok()) return Unreached(answer.error());
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < kPooledClients) idle_.push_back(std::move(client));
  return answer;
}

Result<domain::ChargeResult> HttpGateway::Charge(const domain::CardCharge& charge) {
  HF_RETURN_IF_ERROR(domain::ValidateCharge(charge));
  json::object body{{"amount_cents", charge.amount_cents},
                    {"card_number", charge.card_number},
                    {"expiry", charge.expiry},
                    {"description", charge.description}};
  HF_ASSIGN_OR_RETURN(ClientResponse r,
                      Send("POST", "/v1/charges", json::serialize(body), charge.idempotency_key));
  if (r.status == 200 || r.status == 402) return ParseCharge(r);
  return Refusal(r);
}

Result<std::optional<domain::ChargeResult>> HttpGateway::Lookup(const std::string& idempotency_key) {
  HF_RETURN_IF_ERROR(domain::ValidateIdempotencyKey(idempotency_key));
  HF_ASSIGN_OR_RETURN(ClientResponse r,
                      Send("GET", "/v1/charges/" + PercentEncoded(idempotency_key), {}, {}));
  if (r.status == 200) {
    HF_ASSIGN_OR_RETURN(domain::ChargeResult result, ParseCharge(r));
    return std::optional<domain::ChargeResult>(std::move(result));
  }
  Error e = Refusal(r);
  if (e.code == Code::kNotFound) return std::optional<domain::ChargeResult>();  // never received
  return e;
}

Result<domain::ChargeResult> HttpGateway::Refund(const std::string& reference,
                                                 const std::string& idempotency_key) {
  HF_RETURN_IF_ERROR(domain::ValidateIdempotencyKey(idempotency_key));
  if (reference.empty() || reference.size() > 100) {
    return Invalid("the reference of the charge to refund must be 1 to 100 characters", "reference");
  }
  json::object body{{"charge", reference}};
  HF_ASSIGN_OR_RETURN(ClientResponse r, Send("POST", "/v1/refunds", json::serialize(body), idempotency_key));
  if (r.status == 200) return ParseRefund(r);
  return Refusal(r);
}

}  // namespace holdfast::http
