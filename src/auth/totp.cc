#include "auth/totp.h"

#include <fmt/format.h>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace holdfast::auth {

std::string HotpCode(std::span<const uint8_t> secret, int64_t step, const TotpParams& params) {
  uint8_t counter[8];
  for (int i = 7; i >= 0; --i) {
    counter[i] = static_cast<uint8_t>(step & 0xff);
    step >>= 8;
  }
  Bytes mac = Hmac(params.algorithm, secret, counter);
  size_t offset = mac.back() & 0x0f;
  uint32_t binary =
      (mac[offset] & 0x7fu) << 24 | mac[offset + 1] << 16 | mac[offset + 2] << 8 | mac[offset + 3];
  uint32_t mod = 1;
  for (int i = 0; i < params.digits; ++i) mod *= 10;
  return fmt::format("{:0{}}", binary % mod, params.digits);
}

std::string TotpCode(std::span<const uint8_t> secret, int64_t unix_seconds, const TotpParams& params) {
  return HotpCode(secret, unix_seconds / params.period_seconds, params);
}

std::optional<int64_t> MatchTotp(std::span<const uint8_t> secret, std::string_view code, int64_t unix_seconds,
                                 int window, const TotpParams& params) {
  if (code.size() != static_cast<size_t>(params.digits)) return std::nullopt;
  int64_t now_step = unix_seconds / params.period_seconds;
  for (int64_t d = -window; d <= window; ++d) {
    std::string expected = HotpCode(secret, now_step + d, params);
    if (ConstantTimeEqual(AsBytes(expected), AsBytes(code))) return now_step + d;
  }
  return std::nullopt;
}

std::string OtpAuthUri(std::string_view issuer, std::string_view account, std::span<const uint8_t> secret) {
  auto enc = [](std::string_view s) { return boost::urls::encode(s, boost::urls::unreserved_chars); };
  return fmt::format("otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
                     enc(issuer), enc(account), Base32(secret), enc(issuer));
}

Bytes NewTotpSecret() { return RandomBytes(20); }

}  // namespace holdfast::auth
