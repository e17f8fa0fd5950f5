// Packs: a run of a node's log (the events it stored at log positions first .. first+count-1, in that order,
// whatever their feeds) with the seals it holds over them. A pack is the payload of a vault object of kind
// "pack" (vault/object.h).
//
// Byte format (integers little-endian):
//
//   "holdfast-pack v1\n"
//   u64 first   u32 count
//   count times:  u32 length, then the event's stored bytes (journal/event.h), exactly
//   u32 seals
//   seals times:  u8 feed length, feed, u64 seq, 32-byte event hash, 64-byte Ed25519 signature
//   (journal/seal.h)
#ifndef HOLDFAST_VAULT_PACK_H_
#define HOLDFAST_VAULT_PACK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "journal/seal.h"
#include "store/sqlite.h"

namespace holdfast::vault {

// A pack is closed once it holds this many events or bytes of events.
inline constexpr int64_t kPackMaxEvents = 100000;
inline constexpr size_t kPackMaxBytes = size_t{32} << 20;

struct Pack {
  int64_t first = 0;
  std::vector<std::string> events;  // stored bytes, in log order
  std::vector<journal::Seal> seals;
};

std::string EncodePack(const Pack& pack);
// Errors (kCorrupt, type "bad-pack") say where the bytes break the format.
Result<Pack> DecodePack(std::string_view bytes);

// Reads from `db` the pack of log positions [first, end), cut short at kPackMaxEvents or kPackMaxBytes: its
// events and the seals on them.
Result<Pack> ReadPack(store::Db& db, int64_t first, int64_t end);

}  // namespace holdfast::vault

#endif  // HOLDFAST_VAULT_PACK_H_
