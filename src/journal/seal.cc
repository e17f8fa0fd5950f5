#include "journal/seal.h"

#include <fmt/format.h>

#include "base/crypto.h"

namespace holdfast::journal {

std::string SealMessage(std::string_view feed, int64_t seq, std::string_view hash_hex) {
  return fmt::format("holdfast-seal v1\n{}\n{}\n{}\n", feed, seq, hash_hex);
}

Seal MakeSeal(std::span<const uint8_t> secret_key, std::string feed, int64_t seq, std::string hash_hex) {
  Bytes sig = Sign(secret_key, AsBytes(SealMessage(feed, seq, hash_hex)));
  return Seal{std::move(feed), seq, std::move(hash_hex), std::move(sig)};
}

bool VerifySeal(std::span<const uint8_t> public_key, const Seal& seal) {
  return VerifySignature(public_key, AsBytes(SealMessage(seal.feed, seal.seq, seal.hash)), seal.signature);
}

}  // namespace holdfast::journal
