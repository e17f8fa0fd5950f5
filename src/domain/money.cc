#include "domain/money.h"

#include <fmt/format.h>

namespace holdfast::domain {

std::string FormatCents(Cents cents) {
  const char* sign = cents < 0 ? "-" : "";
  uint64_t magnitude = cents < 0 ? 0 - static_cast<uint64_t>(cents) : static_cast<uint64_t>(cents);
  return fmt::format("{}{}.{:02}", sign, magnitude / 100, magnitude % 100);
}

}  // namespace holdfast::domain
