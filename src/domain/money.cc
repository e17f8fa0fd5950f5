#include "domain/money.h"

#include <fmt/format.h>

namespace holdfast::domain {

std::string FormatCents(Cents cents) {
  const char* sign = cents < 0 ? "-" : "";
  uint64_t magnitude = cents < 0 ? 0 - static_cast<uint64_t>(cents) : static_cast<uint64_t>(cents);
  return fmt::format("{}{}.{:02}", sign, magnitude / 100, magnitude % 100);
}

json::object FeeLine::ToJson() const {
  json::object o{{"code", code}, {"description", description}, {"amount_cents", amount_cents}};
  if (!ref.empty()) o["ref"] = ref;
  return o;
}

Result<FeeLine> FeeLine::FromJson(const json::value& v) {
  ObjectReader r(v);
  FeeLine f;
  f.code = r.RequiredString("code", 24);
  f.description = r.RequiredString("description", 200);
  f.amount_cents = r.RequiredInt("amount_cents");
  f.ref = r.String("ref", 100).value_or("");
  HF_RETURN_IF_ERROR(r.Finish());
  return f;
}

}  // namespace holdfast::domain
