#include "sync/peer_log.h"

#include <fmt/format.h>

#include <cstring>

#include "journal/merkle.h"

namespace holdfast::sync {
namespace {

Error Rewritten(std::string detail) { return MakeError(Code::kConflict, std::move(detail), "log-rewritten"); }

}  // namespace

void RegisterPeerLog(store::Registry& registry) {
  registry.AddLocalTable(
      "CREATE TABLE IF NOT EXISTS peer_checkpoints(node TEXT PRIMARY KEY, size INTEGER NOT NULL, "
      "root BLOB NOT NULL, note TEXT NOT NULL, seen_at INTEGER NOT NULL, problem TEXT NOT NULL DEFAULT '') "
      "WITHOUT ROWID");
}

Result<std::optional<SeenCheckpoint>> LastPeerCheckpoint(store::Db& db, std::string_view node) {
  HF_ASSIGN_OR_RETURN(store::StmtRef s,
                      db.Prepare("SELECT size, root, note, problem FROM peer_checkpoints WHERE node=?"));
  s->Bind(1, node);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<SeenCheckpoint>();
  SeenCheckpoint seen;
  seen.checkpoint.size = static_cast<uint64_t>(s->Int(0));
  auto root = s->Blob(1);
  if (root.size() != 32) return Corrupt(fmt::format("the checkpoint kept for {} is damaged", node));
  std::memcpy(seen.checkpoint.root.data(), root.data(), 32);
  seen.note = s->Text(2);
  seen.problem = s->Text(3);
  return std::optional<SeenCheckpoint>(std::move(seen));
}

Result<journal::Checkpoint> CheckPeerCheckpoint(store::Db& db, std::string_view city, std::string_view node,
                                                std::string_view note, const std::vector<Bytes>& proof) {
  HF_ASSIGN_OR_RETURN(store::StmtRef k, db.Prepare("SELECT public_key FROM nodes WHERE id=?"));
  k->Bind(1, node);
  HF_ASSIGN_OR_RETURN(bool row, k->Step());
  if (!row)
    return MakeError(Code::kUnauthorized, fmt::format("node {} is not enrolled here", node), "peer-unknown");
  auto key = FromHex(k->TextView(0));
  if (!key || key->size() != 32) return Corrupt(fmt::format("node {}'s stored key is malformed", node));
  HF_ASSIGN_OR_RETURN(journal::Checkpoint c, journal::OpenCheckpoint(note, *key));
  if (c.origin != journal::LogOrigin(city, node)) {
    return MakeError(Code::kInvalid, fmt::format("{}'s checkpoint names another log ({})", node, c.origin),
                     "bad-checkpoint");
  }
  HF_ASSIGN_OR_RETURN(auto seen, LastPeerCheckpoint(db, node));
  if (!seen) return c;
  if (!seen->problem.empty()) {
    return Rewritten(
        fmt::format("{}'s log was found inconsistent before ({}); not syncing with it", node, seen->problem));
  }
  const journal::Checkpoint& old = seen->checkpoint;
  if (c.size < old.size) {
    return Rewritten(fmt::format("{}'s log shrank from {} to {} events", node, old.size, c.size));
  }
  Status consistent = old.size == 0
                          ? Status::Ok()
                          : journal::VerifyConsistency(old.size, c.size, old.root, c.root,
                                                       c.size == old.size ? std::vector<Bytes>{} : proof);
  if (!consistent.ok()) {
    return Rewritten(fmt::format("{}'s log at {} events does not extend the one it showed at {}: {}", node,
                                 c.size, old.size, consistent.error().detail));
  }
  return c;
}

Status RememberPeerCheckpoint(store::CommandContext& ctx, std::string_view node, const journal::Checkpoint& c,
                              std::string_view note, int64_t now_ms) {
  HF_ASSIGN_OR_RETURN(
      store::StmtRef s,
      ctx.db().Prepare("INSERT INTO peer_checkpoints VALUES(?,?,?,?,?,'') ON CONFLICT(node) DO "
                       "UPDATE SET size=excluded.size, root=excluded.root, note=excluded.note, "
                       "seen_at=excluded.seen_at WHERE peer_checkpoints.problem = '' AND "
                       "excluded.size >= peer_checkpoints.size"));
  return s->BindAll(node, static_cast<int64_t>(c.size))
      .BindBlob(3, c.root)
      .Bind(4, note)
      .Bind(5, now_ms)
      .Run();
}

Status RecordPeerLogProblem(store::CommandContext& ctx, std::string_view node, std::string_view problem,
                            std::string_view note, int64_t now_ms) {
  HF_ASSIGN_OR_RETURN(
      store::StmtRef s,
      ctx.db().Prepare("UPDATE peer_checkpoints SET problem=?, note=note || '\n--- then:\n' || ?, "
                       "seen_at=? WHERE node=? AND problem=''"));
  return s->BindAll(problem, note, now_ms, node).Run();
}

}  // namespace holdfast::sync
