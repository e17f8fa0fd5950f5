// Signed checkpoints of a node log, in the C2SP tlog-checkpoint format as a C2SP signed note:
//
//   <origin>\n                  "<city>/holdfast/<node>"
//   <tree size>\n               decimal
//   <root hash>\n               base64 (standard, padded) of the 32-byte Merkle root
//   \n
//   — <key name> <signature>\n  one line per signature: U+2014, space, name, space,
//                               base64(key id (4 bytes) || Ed25519 signature (64 bytes))
//
// The signature covers the note's text: the three lines above the blank line, each with its newline. The key
// name is the origin with every space replaced by '_' (key names have no spaces); the key id is the first
// four bytes of SHA-256(key name || "\n" || 0x01 || Ed25519 public key).
#ifndef HOLDFAST_JOURNAL_CHECKPOINT_H_
#define HOLDFAST_JOURNAL_CHECKPOINT_H_

#include <cstdint>
#include <span>
#include <string>

#include "base/bytes.h"
#include "base/crypto.h"
#include "base/status.h"

namespace holdfast::journal {

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
};

std::string LogOrigin(std::string_view city, std::string_view node);
std::string KeyName(std::string_view origin);
Bytes KeyId(std::string_view key_name, std::span<const uint8_t> public_key);

// The note's text (the part that is signed).
std::string CheckpointText(const Checkpoint& c);
// The whole signed note.
std::string SignCheckpoint(const Checkpoint& c, std::span<const uint8_t> secret_key,
                           std::span<const uint8_t> public_key);
// Reads a signed note's checkpoint without checking any signature (to learn its size before its proof is
// fetched); only OpenCheckpoint's answer is to be trusted.
Result<Checkpoint> ParseCheckpoint(std::string_view note);
// Parses a signed note and checks it carries a valid signature by `public_key` under the origin's key name.
// Errors are kInvalid, type "bad-checkpoint", saying what is wrong.
Result<Checkpoint> OpenCheckpoint(std::string_view note, std::span<const uint8_t> public_key);

}  // namespace holdfast::journal

#endif  // HOLDFAST_JOURNAL_CHECKPOINT_H_
