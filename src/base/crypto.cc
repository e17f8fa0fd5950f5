#include "base/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>

namespace holdfast {

Status InitCrypto() {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  return Status::Ok();
}

namespace {

// SHA-256 as OpenSSL found it once. Its implicit lookups (the one-shot SHA256(), EVP_sha256() in
// EVP_DigestInit_ex) find the algorithm again on every call, which costs as much as hashing a few hundred
// bytes, and the node hashes many short inputs (events, tokens).
const EVP_MD* Sha256Algorithm() {
  static EVP_MD* const fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return fetched ? fetched : EVP_sha256();
}

}  // namespace

Hash Sha256(std::span<const uint8_t> data) {
  // Each thread keeps a context.
  struct Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Context context;
  Hash h;
  unsigned n = 0;
  if (!context.ctx || EVP_DigestInit_ex(context.ctx, Sha256Algorithm(), nullptr) != 1 ||
      EVP_DigestUpdate(context.ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(context.ctx, h.data(), &n) != 1) {
    SHA256(data.data(), data.size(), h.data());
  }
  return h;
}

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), Sha256Algorithm(), nullptr);
}
Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }
void Sha256Stream::Update(std::span<const uint8_t> data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}
Hash Sha256Stream::Finish() {
  Hash h;
  unsigned int n = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), h.data(), &n);
  return h;
}

Bytes Hmac(HmacAlgorithm algorithm, std::span<const uint8_t> key, std::span<const uint8_t> message) {
  const EVP_MD* md = algorithm == HmacAlgorithm::kSha1     ? EVP_sha1()
                     : algorithm == HmacAlgorithm::kSha256 ? EVP_sha256()
                                                           : EVP_sha512();
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int n = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()), message.data(), message.size(), out.data(), &n);
  out.resize(n);
  return out;
}

KeyPair GenerateSigningKey() {
  KeyPair k{Bytes(crypto_sign_PUBLICKEYBYTES), Bytes(crypto_sign_SECRETKEYBYTES)};
  crypto_sign_keypair(k.public_key.data(), k.secret_key.data());
  return k;
}

Bytes Sign(std::span<const uint8_t> secret_key, std::span<const uint8_t> message) {
  Bytes sig(crypto_sign_BYTES);
  assert(secret_key.size() == crypto_sign_SECRETKEYBYTES);
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_key.data());
  return sig;
}

bool VerifySignature(std::span<const uint8_t> public_key, std::span<const uint8_t> message,
                     std::span<const uint8_t> signature) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), public_key.data()) ==
         0;
}

void RandomBytes(std::span<uint8_t> out) { randombytes_buf(out.data(), out.size()); }

Bytes RandomBytes(size_t n) {
  Bytes b(n);
  RandomBytes(b);
  return b;
}

std::string RandomToken(size_t n) {
  std::string s = Base32(RandomBytes(n));
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace holdfast
