#include "http/online_payment_route.h"

#include <fmt/format.h>

#include <cctype>

#include "http/app.h"

namespace holdfast::http {
namespace {

// Why the processor declined the card, as a clause for "the card was declined…": its message without the
// closing full stop (" (insufficient funds)"), its decline code when it gave no message, and nothing when the
// message only says the card was declined.
std::string DeclineReason(const json::object& payment) {
  std::string reason(StringOr(payment, "message"));
  while (!reason.empty() && (reason.back() == '.' || reason.back() == ' ')) reason.pop_back();
  if (reason.empty()) reason = std::string(StringOr(payment, "decline_code"));
  std::string lower = reason;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (reason.empty() || lower == "the card was declined" || lower == "card_declined") return "";
  return " (" + reason + ")";
}

}  // namespace

// The card is charged on a call-out thread (the gateway may take seconds to answer), never on a network or
// writer thread.
void PayOnlineRoute(Call& call, domain::PaymentTarget target) {
  App& app = *call.app;
  domain::PaymentGateway* gateway = app.gateway();
  if (!gateway) {
    return call.Fail(MakeError(Code::kUnavailable,
                               "online card payments are not available at this office now; pay at a counter "
                               "or by mail",
                               "payments-offline"));
  }
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  domain::OnlinePaymentRequest p;
  p.target = target;
  p.number = call.params["number"];
  p.amount_cents = r.RequiredInt("amount_cents");
  p.card_number = r.RequiredString("card_number", 19);
  p.expiry = r.RequiredString("expiry", 5);
  if (Status s = r.Finish(); !s.ok()) return call.Fail(s.error());
  p.idempotency_key = std::string(call.req.Header("idempotency-key"));
  if (p.idempotency_key.empty()) {
    return call.Fail(MakeError(Code::kInvalid,
                               "an online payment needs an Idempotency-Key header (a new random value per "
                               "payment, sent again unchanged with every retry of it) so it is never "
                               "charged twice",
                               "idempotency-key-required", "Idempotency-Key"));
  }
  if (Status s = domain::ValidateOnlinePayment(p); !s.ok()) return call.Fail(s.error());
  p.payer = call.who.id();
  p.public_user = call.who.IsPublicOnly();
  if (p.public_user) p.payer_party_id = call.who.user->party_id;
  Date today = CityToday(call);
  auto keep = call.shared_from_this();
  app.CallOut([keep, &app, gateway, p = std::move(p), today] {
    Call& c = *keep;
    auto out = domain::PayOnline(app.node().writer(), *gateway, p, today);
    if (!out.ok()) return c.Fail(out.error());
    const json::object& payment = out->payment;
    if (out->status == "approved") {
      json::object done{{"payment", payment}};
      std::string location;
      switch (p.target) {
        case domain::PaymentTarget::kPermit:
          done["permit"] = out->permit;
          location = fmt::format("/api/v1/permits/{}", p.number);
          break;
        case domain::PaymentTarget::kLicenseRenewal:
          done["license"] = out->license;
          location = fmt::format("/api/v1/licenses/{}", p.number);
          break;
        case domain::PaymentTarget::kUtilityAccount:
          done["account"] = out->account;
          location = fmt::format("/api/v1/utility/accounts/{}", p.number);
          break;
      }
      return c.Reply(Response::Created(std::move(done), location));
    }
    if (out->status == "declined") {
      return c.Reply(Response::Problem(
          MakeError(Code::kInvalid,
                    fmt::format("the card was declined{}. Nothing was charged; use another card, or pay at "
                                "a counter or by mail.",
                                DeclineReason(payment)),
                    "card-declined"),
          c.req.path,
          json::object{{"decline_code", StringOr(payment, "decline_code")}, {"payment", payment}}));
    }
    Error e = out->error.value_or(MakeError(Code::kUnavailable, "the payment is not finished yet"));
    Response resp = Response::Problem(e, c.req.path, json::object{{"payment", payment}});
    if (out->status == "pending") resp.headers.emplace_back("Retry-After", "5");
    c.Reply(std::move(resp));
  });
}

}  // namespace holdfast::http
