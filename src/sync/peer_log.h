// Keeping peers honest about their logs (DESIGN §8): a node remembers the last checkpoint each peer showed
// it, and accepts a newer one only with a consistency proof that the peer's log grew from the remembered one
// without rewriting any of it. A peer whose log shrank or was rewritten is refused ("log-rewritten") until
// someone looks into it; the evidence stays in the table.
//
// Node-local table: peer_checkpoints(node, size, root, note, seen_at, problem).
#ifndef HOLDFAST_SYNC_PEER_LOG_H_
#define HOLDFAST_SYNC_PEER_LOG_H_

#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "journal/checkpoint.h"
#include "store/registry.h"
#include "store/sqlite.h"
#include "store/writer.h"

namespace holdfast::sync {

void RegisterPeerLog(store::Registry& registry);

struct SeenCheckpoint {
  journal::Checkpoint checkpoint;
  std::string note;
  std::string problem;  // "" while the peer's log has been consistent
};
Result<std::optional<SeenCheckpoint>> LastPeerCheckpoint(store::Db& db, std::string_view node);

// Checks `note` (the peer's latest checkpoint) against the one remembered for `node`: it must open under the
// node's enrolled key with the origin "<city>/holdfast/<node>", and extend the remembered one as `proof` (the
// consistency proof from the remembered size to the new one) shows. `proof` is unused when nothing is
// remembered or the sizes are equal. Answers the opened checkpoint; "peer-unknown" when `node` is not
// enrolled here.
Result<journal::Checkpoint> CheckPeerCheckpoint(store::Db& db, std::string_view city, std::string_view node,
                                                std::string_view note, const std::vector<Bytes>& proof);

// Remembers `note` as the latest checkpoint of `node`, or records `problem` against the node.
Status RememberPeerCheckpoint(store::CommandContext& ctx, std::string_view node, const journal::Checkpoint& c,
                              std::string_view note, int64_t now_ms);
Status RecordPeerLogProblem(store::CommandContext& ctx, std::string_view node, std::string_view problem,
                            std::string_view note, int64_t now_ms);

}  // namespace holdfast::sync

#endif  // HOLDFAST_SYNC_PEER_LOG_H_
