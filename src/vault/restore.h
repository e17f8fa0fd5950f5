// Restoring a node from a vault alone (DESIGN §9): `holdfast restore`.
//
//  1. The node's manifests, generation 1 to the last: each parsed and checked (signature, certificate,
//     checkpoint) and checked to follow the one before (vault/manifest.h), so a gap, a swap or a rewrite
//     in the chain is found and named.
//  2. The keys object: the node key (which must be the key the manifests are signed with) and the city key.
//  3. Every pack in log order, fetched and opened while the one before is stored: its name must be the hash
//  of
//     its bytes, it must decrypt under the backup key, and it must hold the log positions its manifest says;
//     its events and seals go into a new database in one transaction.
//  4. The rebuilt node log's root must be the root of the last checkpoint; the state is folded from the
//     journal; then every event hash, chain link, certificate and seal is verified (store/verify.h) and the
//     state digest must be the one the last manifest recorded.
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
  std::string node;  // which node's backups; "" when the vault holds one node's
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
  std::string digest;
  double seconds = 0;
};

// Errors name what failed: the manifest generation or the object (with its pack and log positions).
Result<RestoreReport> Restore(Target& target, std::span<const uint8_t> key, const std::string& dir,
                              const store::Registry& registry, const RestoreOptions& options = {});

}  // namespace holdfast::vault

#endif  // HOLDFAST_VAULT_RESTORE_H_
