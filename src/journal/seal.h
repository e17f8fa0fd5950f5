// Seals: a node's Ed25519 signature over the head of its feed, written after each commit batch in the same
// transaction as the events it covers. A seal on (feed, seq, hash) vouches for that event and, through the
// prev links, for every earlier event of the feed.
//
// Signed message, bytes exactly (UTF-8, "\n" is 0x0a, seq in decimal without leading zeros, hash lowercase
// hex):
//
//   "holdfast-seal v1\n" feed "\n" seq "\n" hash "\n"
//
// The signature is 64 bytes (RFC 8032 Ed25519), stored raw.
#ifndef HOLDFAST_JOURNAL_SEAL_H_
#define HOLDFAST_JOURNAL_SEAL_H_

#include <cstdint>
#include <span>
#include <string>

#include "base/bytes.h"

namespace holdfast::journal {

struct Seal {
  std::string feed;
  int64_t seq = 0;
  std::string hash;  // lowercase hex of the sealed event's hash
  Bytes signature;
};

std::string SealMessage(std::string_view feed, int64_t seq, std::string_view hash_hex);
Seal MakeSeal(std::span<const uint8_t> secret_key, std::string feed, int64_t seq, std::string hash_hex);
bool VerifySeal(std::span<const uint8_t> public_key, const Seal& seal);

}  // namespace holdfast::journal

#endif  // HOLDFAST_JOURNAL_SEAL_H_
