#include "domain/money.h"

#include <fmt/format.h>

#include <algorithm>

namespace holdfast::domain {

std::optional<Cents> ParseDollars(std::string_view text) {
  size_t point = text.find('.');
  if (point == std::string_view::npos || point == 0 || point > 13 || text.size() != point + 3)
    return std::nullopt;
  Cents cents = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == point) continue;
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    cents = cents * 10 + (text[i] - '0');
  }
  return cents;
}

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

bool IsFeeCode(std::string_view code) {
  return !code.empty() && code.size() <= 24 && std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

}  // namespace holdfast::domain
