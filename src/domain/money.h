// Money is an integer number of cents everywhere: in events, tables, the API and reports (DESIGN §4 allows no
// fractions in the journal). Amounts in requests are `*_cents` integers.
#ifndef HOLDFAST_DOMAIN_MONEY_H_
#define HOLDFAST_DOMAIN_MONEY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/json.h"

namespace holdfast::domain {

using Cents = int64_t;

// The largest single amount accepted: $10,000,000.00. Sums of many such amounts stay far inside ±(2^53−1).
inline constexpr Cents kMaxAmountCents = 1'000'000'000;

// "12.34", "-0.05", "1000.00": for reports and messages; never parsed back.
std::string FormatCents(Cents cents);

// Dollars written with exactly two decimals ("48.20", "1200.00", "0.05"; no sign, no thousands separators,
// at most 13 digits before the point) as cents; nullopt for anything else. For files from other systems.
std::optional<Cents> ParseDollars(std::string_view text);

// One charge (or discount, negative) on a receipt.
struct FeeLine {
  std::string code;
  std::string description;
  Cents amount_cents = 0;
  std::string ref;  // what it pays for, e.g. a license number

  json::object ToJson() const;
};

// Fee codes group receipt lines in reports: 1 to 24 of A-Z, 0-9, '-' and '_'.
bool IsFeeCode(std::string_view code);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_MONEY_H_
