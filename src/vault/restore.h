// Restoring a node from a vault alone (DESIGN §9): `holdfast restore`.
//
//  1. The node's manifests, generation 1 to the last: each parsed and checked (signature, certificate,
//     checkpoint) and checked to follow the one before (vault/manifest.h), so a gap, a swap or a rewrite
//     in the chain is found and named.
//  2. The keys object: the node key (which must be the key the manifests are signed with) and the city key.
//  3. Unless told to fold every event (`refold`), the latest image of the node's database (vault/image.h),
//     fetched and checked: its chunks against the manifest, its schema against this version's (another is set
//     aside and every event folded instead), its journal (hashes, columns, chain links, positions), every
//     kept hash of its node log, and its identity tables against a fold of its identity events.
//  4. Every pack after the image (every pack, without one) in log order, fetched, opened, decoded and
//     checked on a thread of its own while the one before is stored: its name must be the hash of its bytes,
//     it must decrypt under the backup key, hold the log positions its manifest says and valid events, whose
//     hashes and chain links are checked as `holdfast verify` checks them (store::ChainChecker).
//  5. Each event is stored and folded into the state as it comes (store::FoldEvent), in one transaction.
//  6. Every seal must verify under its feed's certified key, every feed's head must be sealed, the rebuilt
//     node log's root must be the root of the last checkpoint, and the state when the log held the last
//     manifest's digest_size events must have its digest (vault/manifest.h), unless that size is the image's
//     or earlier.
// The new database is built beside its final name and moved there only when all of this passed, so a failed
// restore leaves no node behind.
#ifndef HOLDFAST_VAULT_RESTORE_H_
#define HOLDFAST_VAULT_RESTORE_H_

#include <functional>
#include <string>

#include "base/bytes.h"
#include "base/status.h"
#include "store/registry.h"
#include "vault/target.h"

namespace holdfast::vault {

struct RestoreOptions {
  std::string node;     // which node's backups; "" when the vault holds one node's
  bool refold = false;  // ignore the images: store and fold every event from the first
  std::function<void(std::string_view)> progress;
};

struct RestoreReport {
  std::string city;
  std::string node;
  int64_t generation = 0;
  int64_t events = 0;
  int64_t feeds = 0;
  int64_t seals = 0;
  int64_t packs = 0;
  int64_t bytes = 0;  // sealed bytes fetched
  std::string checkpoint;
  std::string digest;       // the state digest checked, hex ("" when it was not: see Restore)
  int64_t digest_size = 0;  // the log size it is of (the last manifest's digest_size)
  int64_t image_size = 0;   // the log size of the image it started from (0: none, every event folded)
  int64_t image_generation = 0;
  double seconds = 0;
};

// Errors name what failed: the manifest generation or the object (with its pack and log positions).
Result<RestoreReport> Restore(Target& target, std::span<const uint8_t> key, const std::string& dir,
                              const store::Registry& registry, const RestoreOptions& options = {});

}  // namespace holdfast::vault

#endif  // HOLDFAST_VAULT_RESTORE_H_
