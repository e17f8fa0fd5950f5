// The node log (DESIGN §8): an RFC 6962 Merkle tree over the events this node stores, in the order it stored
// them. Leaf i is MerkleLeafHash(hash of the event with events.stored = i), so the tree is a function of the
// events table alone and grows in the same transaction as it.
//
// Kept hashes: log_nodes(level, idx, hash) holds every full subtree at levels 4, 8, 12 … (one row per 16
// events, written as each completes); any other full subtree is computed from the kept level just below it or
// from the leaves, at most 15 hashes away, so a proof of a tree of n events reads O(log n) rows.
#ifndef HOLDFAST_STORE_NODE_LOG_H_
#define HOLDFAST_STORE_NODE_LOG_H_

#include <cstdint>
#include <span>

#include "base/crypto.h"
#include "base/status.h"
#include "journal/merkle.h"
#include "store/sqlite.h"

namespace holdfast::store {

inline constexpr int kLogStride = 4;

// The table's DDL (part of the journal schema).
extern const std::string_view kNodeLogDdl;

// Records the subtrees completed by the event just stored at leaf index `stored`.
Status AppendToLog(Db& db, int64_t stored);

// How many events the log holds.
Result<uint64_t> LogSize(Db& db);
// The full-subtree hashes of this node's log, read from `db` (which must outlive the function).
journal::FullSubtreeHash LogSubtrees(Db& db);
Result<Hash> LogRoot(Db& db, uint64_t size);

// Recomputes every kept hash from the events and reports each one that differs or is missing or extra, as
// "log level L index I".
Result<std::vector<std::string>> CheckLog(Db& db);

// The events' places in the log (`stored`) and the hashes stored beside them, for a caller that reads every
// event anyway (verify): gathered in any order, then checked as CheckLog checks them, without reading the
// events again.
class LogLeaves {
 public:
  // `hash`: the event's stored hash column.
  void Add(int64_t stored, std::span<const uint8_t> hash);
  Result<std::vector<std::string>> Check(Db& db);

 private:
  std::vector<std::pair<int64_t, Hash>> leaves_;
  std::vector<int64_t> not_hashes_;  // places whose hash column is not 32 bytes
};

}  // namespace holdfast::store

#endif  // HOLDFAST_STORE_NODE_LOG_H_
