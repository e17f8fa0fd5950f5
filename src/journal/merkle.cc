#include "journal/merkle.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <future>

namespace holdfast::journal {
namespace {

Error BadProof(std::string detail) { return MakeError(Code::kInvalid, std::move(detail), "bad-proof"); }

// The largest power of two smaller than n (n > 1).
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

bool IsHash(std::span<const uint8_t> h) { return h.size() == 32; }

Hash ToHash(std::span<const uint8_t> h) {
  Hash out{};
  std::memcpy(out.data(), h.data(), out.size());
  return out;
}

Status Path(const FullSubtreeHash& full, uint64_t m, uint64_t start, uint64_t end, std::vector<Hash>& out) {
  const uint64_t n = end - start;
  if (n <= 1) return Status::Ok();
  const uint64_t k = SplitPoint(n);
  if (m < k) {
    HF_RETURN_IF_ERROR(Path(full, m, start, start + k, out));
    HF_ASSIGN_OR_RETURN(Hash h, SubtreeRoot(full, start + k, end));
    out.push_back(h);
  } else {
    HF_RETURN_IF_ERROR(Path(full, m - k, start + k, end, out));
    HF_ASSIGN_OR_RETURN(Hash h, SubtreeRoot(full, start, start + k));
    out.push_back(h);
  }
  return Status::Ok();
}

Status SubProof(const FullSubtreeHash& full, uint64_t m, uint64_t start, uint64_t end, bool whole,
                std::vector<Hash>& out) {
  const uint64_t n = end - start;
  if (m == n) {
    if (!whole) {
      HF_ASSIGN_OR_RETURN(Hash h, SubtreeRoot(full, start, end));
      out.push_back(h);
    }
    return Status::Ok();
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    HF_RETURN_IF_ERROR(SubProof(full, m, start, start + k, whole, out));
    HF_ASSIGN_OR_RETURN(Hash h, SubtreeRoot(full, start + k, end));
    out.push_back(h);
  } else {
    HF_RETURN_IF_ERROR(SubProof(full, m - k, start + k, end, false, out));
    HF_ASSIGN_OR_RETURN(Hash h, SubtreeRoot(full, start, start + k));
    out.push_back(h);
  }
  return Status::Ok();
}

}  // namespace

Hash MerkleLeafHash(std::span<const uint8_t> leaf) {
  Bytes b;
  b.reserve(leaf.size() + 1);
  b.push_back(0x00);
  b.insert(b.end(), leaf.begin(), leaf.end());
  return Sha256(b);
}

Hash MerkleNodeHash(const Hash& left, const Hash& right) {
  uint8_t b[65];
  b[0] = 0x01;
  std::memcpy(b + 1, left.data(), 32);
  std::memcpy(b + 33, right.data(), 32);
  return Sha256(std::span<const uint8_t>(b, sizeof b));
}

Hash MerkleEmptyRoot() { return Sha256(std::string_view()); }

Result<Hash> SubtreeRoot(const FullSubtreeHash& full, uint64_t start, uint64_t end) {
  if (end <= start) {
    if (start == 0 && end == 0) return MerkleEmptyRoot();
    return Internal("an empty subtree has no hash");
  }
  const uint64_t n = end - start;
  if (std::has_single_bit(n) && start % n == 0) return full(std::countr_zero(n), start / n);
  const uint64_t k = SplitPoint(n);
  if (start % k != 0) return Internal(fmt::format("subtree [{}, {}) is not aligned", start, end));
  HF_ASSIGN_OR_RETURN(Hash left, full(std::countr_zero(k), start / k));
  HF_ASSIGN_OR_RETURN(Hash right, SubtreeRoot(full, start + k, end));
  return MerkleNodeHash(left, right);
}

Result<std::vector<Hash>> InclusionProof(const FullSubtreeHash& full, uint64_t index, uint64_t size) {
  if (index >= size) return Invalid(fmt::format("leaf {} is not in a tree of {} leaves", index, size));
  std::vector<Hash> out;
  HF_RETURN_IF_ERROR(Path(full, index, 0, size, out));
  return out;
}

Result<std::vector<Hash>> ConsistencyProof(const FullSubtreeHash& full, uint64_t size1, uint64_t size2) {
  if (size1 == 0 || size1 > size2) {
    return Invalid(
        fmt::format("no consistency proof from {} to {} leaves: 0 < first <= second", size1, size2));
  }
  std::vector<Hash> out;
  HF_RETURN_IF_ERROR(SubProof(full, size1, 0, size2, true, out));
  return out;
}

Status VerifyInclusion(std::span<const uint8_t> leaf_hash, uint64_t index, uint64_t size,
                       const std::vector<Bytes>& proof, std::span<const uint8_t> root) {
  if (!IsHash(leaf_hash) || !IsHash(root)) return BadProof("a hash is not 32 bytes");
  if (index >= size) return BadProof(fmt::format("leaf {} is not in a tree of {} leaves", index, size));
  uint64_t fn = index, sn = size - 1;
  Hash r = ToHash(leaf_hash);
  for (const Bytes& p : proof) {
    if (!IsHash(p)) return BadProof("a proof hash is not 32 bytes");
    if (sn == 0) return BadProof("the proof is longer than the path");
    if ((fn & 1) || fn == sn) {
      r = MerkleNodeHash(ToHash(p), r);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = MerkleNodeHash(r, ToHash(p));
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return BadProof("the proof is shorter than the path");
  if (!std::equal(r.begin(), r.end(), root.begin())) return BadProof("the proof leads to another root");
  return Status::Ok();
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const uint8_t> root1,
                         std::span<const uint8_t> root2, const std::vector<Bytes>& proof) {
  if (size1 == 0) return BadProof("a tree of no leaves proves nothing");
  if (size1 > size2)
    return BadProof(fmt::format("a tree of {} leaves cannot extend one of {}", size2, size1));
  for (const Bytes& p : proof) {
    if (!IsHash(p)) return BadProof("a proof hash is not 32 bytes");
  }
  if (size1 == size2) {
    if (!proof.empty()) return BadProof("trees of one size need an empty proof");
    if (!std::equal(root1.begin(), root1.end(), root2.begin(), root2.end()))
      return BadProof("the roots differ");
    return Status::Ok();
  }
  if (!IsHash(root1) || !IsHash(root2)) return BadProof("a root is not 32 bytes");
  if (proof.empty()) return BadProof("the proof is empty");
  std::vector<Hash> path;
  if (std::has_single_bit(size1)) path.push_back(ToHash(root1));
  for (const Bytes& p : proof) path.push_back(ToHash(p));
  uint64_t fn = size1 - 1, sn = size2 - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    if (sn == 0) return BadProof("the proof is longer than the path");
    if ((fn & 1) || fn == sn) {
      fr = MerkleNodeHash(path[i], fr);
      sr = MerkleNodeHash(path[i], sr);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = MerkleNodeHash(sr, path[i]);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return BadProof("the proof is shorter than the path");
  if (!std::equal(fr.begin(), fr.end(), root1.begin()))
    return BadProof("the proof does not lead to the first root");
  if (!std::equal(sr.begin(), sr.end(), root2.begin()))
    return BadProof("the proof does not lead to the second root");
  return Status::Ok();
}

void MemoryMerkleTree::Append(const Hash& leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf_hash);
  // Each completed pair of full subtrees completes one a level up.
  for (size_t level = 0; levels_[level].size() % 2 == 0; ++level) {
    const auto& row = levels_[level];
    Hash parent = MerkleNodeHash(row[row.size() - 2], row[row.size() - 1]);
    if (levels_.size() == level + 1) levels_.emplace_back();
    levels_[level + 1].push_back(parent);
  }
}

FullSubtreeHash MemoryMerkleTree::Full() const {
  return [this](int level, uint64_t index) -> Result<Hash> {
    if (level < 0 || static_cast<size_t>(level) >= levels_.size() || index >= levels_[level].size()) {
      return Internal(fmt::format("no full subtree at level {} index {}", level, index));
    }
    return levels_[level][index];
  };
}

namespace {

// Level by level, pairing neighbours and carrying an odd last node up unchanged: the same tree as MTH's split
// at the largest power of two. After L rounds the first size >> L hashes are the full subtrees at level L.
Hash ReduceInPlace(std::span<Hash> h, int stride, std::vector<std::vector<Hash>>* kept) {
  size_t n = h.size();
  const size_t size = n;
  for (int level = 1; n > 1; ++level) {
    for (size_t i = 0; i + 1 < n; i += 2) h[i / 2] = MerkleNodeHash(h[i], h[i + 1]);
    if (n % 2) h[n / 2] = h[n - 1];
    n = (n + 1) / 2;
    if (kept && level % stride == 0) {
      if (kept->size() <= static_cast<size_t>(level)) kept->resize(level + 1);
      (*kept)[level].assign(h.begin(), h.begin() + static_cast<ptrdiff_t>(size >> level));
    }
  }
  return h[0];
}

}  // namespace

Hash MerkleRootInPlace(std::span<Hash> hashes, int stride, std::vector<std::vector<Hash>>* kept) {
  if (kept) kept->clear();
  if (stride <= 0) kept = nullptr;
  if (hashes.empty()) return MerkleEmptyRoot();
  if (hashes.size() <= (size_t{1} << 16)) return ReduceInPlace(hashes, stride, kept);
  // The left subtree is full (a power of two); each half's full subtrees at a level follow one another.
  size_t k = std::bit_floor(hashes.size() - 1);
  std::vector<std::vector<Hash>> left_kept, right_kept;
  auto left = std::async(std::launch::async,
                         [&] { return ReduceInPlace(hashes.first(k), stride, kept ? &left_kept : nullptr); });
  Hash right = ReduceInPlace(hashes.subspan(k), stride, kept ? &right_kept : nullptr);
  Hash root = MerkleNodeHash(left.get(), right);
  if (kept) {
    *kept = std::move(left_kept);
    if (kept->size() < right_kept.size())
      kept->resize(right_kept.size());  // never: the right half is smaller
    for (size_t level = 0; level < right_kept.size(); ++level)
      (*kept)[level].insert((*kept)[level].end(), right_kept[level].begin(), right_kept[level].end());
    const size_t top = static_cast<size_t>(std::countr_zero(hashes.size()));
    if (std::has_single_bit(hashes.size()) && top % static_cast<size_t>(stride) == 0) {
      if (kept->size() <= top) kept->resize(top + 1);
      (*kept)[top] = {root};
    }
  }
  return root;
}

}  // namespace holdfast::journal
