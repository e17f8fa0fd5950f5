// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP), as authenticator apps implement them.
#ifndef HOLDFAST_AUTH_TOTP_H_
#define HOLDFAST_AUTH_TOTP_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/crypto.h"

namespace holdfast::auth {

struct TotpParams {
  HmacAlgorithm algorithm = HmacAlgorithm::kSha1;
  int digits = 6;
  int64_t period_seconds = 30;
};

// The code for time step `step` (= unix_seconds / period).
std::string HotpCode(std::span<const uint8_t> secret, int64_t step, const TotpParams& params = {});
std::string TotpCode(std::span<const uint8_t> secret, int64_t unix_seconds, const TotpParams& params = {});

// Checks `code` against the steps within `window` of now (clock skew of ±window periods). Returns the
// matching step, so the caller can refuse a step already used (a replayed code).
std::optional<int64_t> MatchTotp(std::span<const uint8_t> secret, std::string_view code, int64_t unix_seconds,
                                 int window = 1, const TotpParams& params = {});

// otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30 (for a QR
// code).
std::string OtpAuthUri(std::string_view issuer, std::string_view account, std::span<const uint8_t> secret);

// A new 20-byte secret.
Bytes NewTotpSecret();

}  // namespace holdfast::auth

#endif  // HOLDFAST_AUTH_TOTP_H_
