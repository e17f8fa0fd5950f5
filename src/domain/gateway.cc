#include "domain/gateway.h"

#include <fmt/format.h>

#include <algorithm>

namespace holdfast::domain {

namespace {
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

std::string_view OutcomeName(ChargeOutcome outcome) {
  return outcome == ChargeOutcome::kApproved ? "approved" : "declined";
}

Status ValidateIdempotencyKey(std::string_view key, std::string_view field) {
  if (key.empty()) return Invalid("an idempotency key is required", std::string(field));
  if (key.size() > kMaxIdempotencyKeyLength) {
    return Invalid(fmt::format("the idempotency key is longer than {} characters", kMaxIdempotencyKeyLength),
                   std::string(field));
  }
  bool visible = std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
  if (!visible) {
    return Invalid("the idempotency key may hold only visible ASCII characters (no spaces or controls)",
                   std::string(field));
  }
  return Status::Ok();
}

Status ValidateCharge(const CardCharge& charge) {
  HF_RETURN_IF_ERROR(ValidateIdempotencyKey(charge.idempotency_key));
  if (charge.amount_cents < 1 || charge.amount_cents > kMaxAmountCents) {
    return Invalid(fmt::format("the amount must be from 1 to {} cents", kMaxAmountCents), "amount_cents");
  }
  const std::string& number = charge.card_number;
  if (number.size() < 12 || number.size() > 19 || !std::all_of(number.begin(), number.end(), IsDigit)) {
    return Invalid("the card number must be 12 to 19 digits, without spaces", "card_number");
  }
  const std::string& e = charge.expiry;
  bool shaped =
      e.size() == 5 && IsDigit(e[0]) && IsDigit(e[1]) && e[2] == '/' && IsDigit(e[3]) && IsDigit(e[4]);
  int month = shaped ? (e[0] - '0') * 10 + (e[1] - '0') : 0;
  if (!shaped || month < 1 || month > 12) {
    return Invalid(fmt::format("{:?} is not an expiry written MM/YY", e), "expiry");
  }
  if (charge.description.size() > kMaxChargeDescriptionLength) {
    return Invalid(fmt::format("the description is longer than {} characters", kMaxChargeDescriptionLength),
                   "description");
  }
  return Status::Ok();
}

}  // namespace holdfast::domain
