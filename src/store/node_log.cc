#include "store/node_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <future>

namespace holdfast::store {

const std::string_view kNodeLogDdl =
    "CREATE TABLE IF NOT EXISTS log_nodes(level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, "
    "PRIMARY KEY(level, idx)) WITHOUT ROWID;";

namespace {

Result<Hash> ToHash(std::span<const uint8_t> b, std::string_view what) {
  if (b.size() != 32) return Corrupt(fmt::format("{} is not a 32-byte hash", what));
  Hash h;
  std::copy(b.begin(), b.end(), h.begin());
  return h;
}

// `count` consecutive hashes at `level` (0: leaf hashes from the events; else kept nodes), from index
// `first`.
Result<std::vector<Hash>> ReadLevel(Db& db, int level, uint64_t first, uint64_t count) {
  std::vector<Hash> out;
  out.reserve(count);
  if (level == 0) {
    HF_ASSIGN_OR_RETURN(StmtRef s,
                        db.Prepare("SELECT hash FROM events WHERE stored >= ? AND stored < ? ORDER BY "
                                   "stored"));
    s->BindAll(static_cast<int64_t>(first), static_cast<int64_t>(first + count));
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      HF_ASSIGN_OR_RETURN(Hash h, ToHash(s->Blob(0), "an event hash"));
      out.push_back(journal::MerkleLeafHash(h));
    }
  } else {
    HF_ASSIGN_OR_RETURN(StmtRef s,
                        db.Prepare("SELECT hash FROM log_nodes WHERE level = ? AND idx >= ? AND idx < ? "
                                   "ORDER BY idx"));
    s->BindAll(level, static_cast<int64_t>(first), static_cast<int64_t>(first + count));
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      HF_ASSIGN_OR_RETURN(Hash h, ToHash(s->Blob(0), "a log node"));
      out.push_back(h);
    }
  }
  if (out.size() != count) {
    return Corrupt(fmt::format("the node log lacks hashes at level {} from index {}", level, first));
  }
  return out;
}

// The full subtree at (level, idx) computed from the kept level `base` below it.
Result<Hash> FromBelow(Db& db, int base, int level, uint64_t idx) {
  const uint64_t count = uint64_t{1} << (level - base);
  HF_ASSIGN_OR_RETURN(std::vector<Hash> row, ReadLevel(db, base, idx * count, count));
  while (row.size() > 1) {
    std::vector<Hash> up;
    up.reserve(row.size() / 2);
    for (size_t i = 0; i < row.size(); i += 2) up.push_back(journal::MerkleNodeHash(row[i], row[i + 1]));
    row = std::move(up);
  }
  return row[0];
}

Result<Hash> Full(Db& db, int level, uint64_t idx) {
  if (level == 0) {
    HF_ASSIGN_OR_RETURN(std::vector<Hash> leaf, ReadLevel(db, 0, idx, 1));
    return leaf[0];
  }
  if (level % kLogStride == 0) {
    HF_ASSIGN_OR_RETURN(std::vector<Hash> node, ReadLevel(db, level, idx, 1));
    return node[0];
  }
  return FromBelow(db, level - level % kLogStride, level, idx);
}

}  // namespace

Status AppendToLog(Db& db, int64_t stored) {
  const uint64_t n = static_cast<uint64_t>(stored) + 1;
  for (int level = kLogStride; level < 63 && n % (uint64_t{1} << level) == 0; level += kLogStride) {
    const uint64_t idx = (n >> level) - 1;
    HF_ASSIGN_OR_RETURN(Hash h, FromBelow(db, level - kLogStride, level, idx));
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("INSERT INTO log_nodes VALUES(?,?,?)"));
    HF_RETURN_IF_ERROR(s->BindAll(level, static_cast<int64_t>(idx)).BindBlob(3, h).Run());
  }
  return Status::Ok();
}

Result<uint64_t> LogSize(Db& db) {
  HF_ASSIGN_OR_RETURN(int64_t n, db.QueryInt("SELECT COALESCE(MAX(stored) + 1, 0) FROM events"));
  return static_cast<uint64_t>(n);
}

journal::FullSubtreeHash LogSubtrees(Db& db) {
  return [&db](int level, uint64_t idx) { return Full(db, level, idx); };
}

Result<Hash> LogRoot(Db& db, uint64_t size) { return journal::SubtreeRoot(LogSubtrees(db), 0, size); }

void LogLeaves::Add(int64_t stored, std::span<const uint8_t> hash) {
  auto h = ToHash(hash, "an event hash");
  if (!h.ok()) not_hashes_.push_back(stored);
  leaves_.emplace_back(stored, h.ok() ? *h : Hash{});
}

Result<std::vector<std::string>> LogLeaves::Check(Db& db) {
  std::vector<std::string> problems;
  std::sort(not_hashes_.begin(), not_hashes_.end());
  for (int64_t stored : not_hashes_)
    problems.push_back(fmt::format("log: the event stored at {} has no 32-byte hash", stored));
  HF_ASSIGN_OR_RETURN(uint64_t size, LogSize(db));
  // What the kept levels should hold, rebuilt from the events alone.
  std::sort(leaves_.begin(), leaves_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Hash> hashes(leaves_.size());
  auto leaf_hashes = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) hashes[i] = journal::MerkleLeafHash(leaves_[i].second);
  };
  auto half = std::async(std::launch::async, leaf_hashes, hashes.size() / 2, hashes.size());
  leaf_hashes(0, hashes.size() / 2);
  half.get();
  leaves_ = {};
  std::vector<std::vector<Hash>> full;
  journal::MerkleRootInPlace(hashes, kLogStride, &full);
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT level, idx, hash FROM log_nodes ORDER BY level, idx"));
  uint64_t kept = 0;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    const int64_t level = s->Int(0);
    const int64_t idx = s->Int(1);
    std::string where = fmt::format("log level {} index {}", level, idx);
    const bool known = level > 0 && static_cast<size_t>(level) < full.size() && idx >= 0 &&
                       static_cast<size_t>(idx) < full[static_cast<size_t>(level)].size();
    auto blob = s->Blob(2);
    if (!known) {
      problems.push_back(where + ": no such subtree in a log of " + std::to_string(size) + " events");
    } else if (const Hash& want = full[static_cast<size_t>(level)][static_cast<size_t>(idx)];
               blob.size() != 32 || !std::equal(blob.begin(), blob.end(), want.begin())) {
      problems.push_back(where + ": hash differs from the one the events give");
    }
    ++kept;
  }
  uint64_t expected = 0;
  for (int level = kLogStride; level < 63 && (size >> level) > 0; level += kLogStride)
    expected += size >> level;
  if (kept < expected) {
    problems.push_back(
        fmt::format("log: {} kept hashes are missing ({} of {})", expected - kept, kept, expected));
  }
  return problems;
}

Result<std::vector<std::string>> CheckLog(Db& db) {
  LogLeaves leaves;
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT stored, hash FROM events ORDER BY stored"));
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    leaves.Add(s->Int(0), s->Blob(1));
  }
  return leaves.Check(db);
}

}  // namespace holdfast::store
