#include "auth/password.h"

#include <fmt/format.h>
#include <sodium.h>

namespace holdfast::auth {

Status CheckPasswordPolicy(std::string_view password) {
  if (password.size() < kMinPasswordLength) {
    return MakeError(Code::kInvalid,
                     fmt::format("the password must be at least {} characters long", kMinPasswordLength),
                     "weak-password", "password");
  }
  if (password.size() > kMaxPasswordLength) {
    return MakeError(Code::kInvalid,
                     fmt::format("the password must be at most {} characters", kMaxPasswordLength),
                     "weak-password", "password");
  }
  return Status::Ok();
}

Result<std::string> HashPassword(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return MakeError(Code::kUnavailable, "not enough memory to hash the password", "out-of-memory");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view stored_hash, std::string_view password) {
  if (stored_hash.size() >= crypto_pwhash_STRBYTES) return false;
  std::string h(stored_hash);  // NUL-terminated copy
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

std::string GeneratePassword() {
  static constexpr char kAlphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  constexpr uint32_t n = sizeof kAlphabet - 1;
  std::string out;
  for (int i = 0; i < 20; ++i) out += kAlphabet[randombytes_uniform(n)];
  return out;
}

}  // namespace holdfast::auth
