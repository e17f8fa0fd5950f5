// The cryptographic primitives Holdfast uses, in one place: SHA-256 and HMAC (OpenSSL), Ed25519 signatures
// and secure randomness (libsodium). Call InitCrypto() once before any of them (main and the test runner do).
#ifndef HOLDFAST_BASE_CRYPTO_H_
#define HOLDFAST_BASE_CRYPTO_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"

namespace holdfast {

using Hash = std::array<uint8_t, 32>;

Status InitCrypto();

Hash Sha256(std::span<const uint8_t> data);
inline Hash Sha256(std::string_view data) { return Sha256(AsBytes(data)); }

// Incremental SHA-256, for digests over many rows.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void Update(std::span<const uint8_t> data);
  void Update(std::string_view data) { Update(AsBytes(data)); }
  Hash Finish();

 private:
  void* ctx_;
};

enum class HmacAlgorithm { kSha1, kSha256, kSha512 };
Bytes Hmac(HmacAlgorithm algorithm, std::span<const uint8_t> key, std::span<const uint8_t> message);

// Ed25519 (libsodium's crypto_sign). Public keys 32 bytes, secret keys 64 bytes (seed + public),
// signatures 64.
struct KeyPair {
  Bytes public_key;
  Bytes secret_key;
};
KeyPair GenerateSigningKey();
Bytes Sign(std::span<const uint8_t> secret_key, std::span<const uint8_t> message);
bool VerifySignature(std::span<const uint8_t> public_key, std::span<const uint8_t> message,
                     std::span<const uint8_t> signature);

void RandomBytes(std::span<uint8_t> out);
Bytes RandomBytes(size_t n);
// A random token for people and URLs: `n` random bytes, base32 without padding, lower case.
std::string RandomToken(size_t n);

}  // namespace holdfast

#endif  // HOLDFAST_BASE_CRYPTO_H_
