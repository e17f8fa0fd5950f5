// The node log's Merkle tree (RFC 6962 §2.1, RFC 9162 §2.1): hashes, roots, inclusion and consistency proofs.
//
//   leaf hash  = SHA-256(0x00 || leaf bytes)             (a node log's leaves are event hashes)
//   node hash  = SHA-256(0x01 || left || right)
//   MTH({})    = SHA-256("")
//   MTH(D[n])  = node hash(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two smaller than n
//
// Proofs are built from the hashes of full subtrees: the subtree at `level` and `index` covers leaves
// [index·2^level, (index+1)·2^level) and level 0 holds the leaf hashes. Whoever keeps the tree (in memory for
// tests, in the database for a node) answers those; every proof needs O(log n) of them.
#ifndef HOLDFAST_JOURNAL_MERKLE_H_
#define HOLDFAST_JOURNAL_MERKLE_H_

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "base/crypto.h"
#include "base/status.h"

namespace holdfast::journal {

Hash MerkleLeafHash(std::span<const uint8_t> leaf);
Hash MerkleNodeHash(const Hash& left, const Hash& right);
Hash MerkleEmptyRoot();

// MTH of the leaves whose leaf hashes are `hashes`, computed in place (their values are lost). A tree of
// more than 65,536 leaves has its two halves computed on two threads. With `kept`, (*kept)[L] gets the hash
// of every full subtree at each level L that is a positive multiple of `stride`, in index order.
Hash MerkleRootInPlace(std::span<Hash> hashes, int stride = 0,
                       std::vector<std::vector<Hash>>* kept = nullptr);

// The hash of the full subtree at (level, index).
using FullSubtreeHash = std::function<Result<Hash>(int level, uint64_t index)>;

// MTH of leaves [start, end), where start is a multiple of the largest power of two not above end - start
// (every range the proofs below ask for is); the root of a tree of n leaves is SubtreeRoot(0, n).
Result<Hash> SubtreeRoot(const FullSubtreeHash& full, uint64_t start, uint64_t end);

// The audit path of leaf `index` in the tree of the first `size` leaves (RFC 6962 PATH).
Result<std::vector<Hash>> InclusionProof(const FullSubtreeHash& full, uint64_t index, uint64_t size);
// The proof that the tree of `size1` leaves is a prefix of the tree of `size2` (RFC 6962 PROOF);
// 0 < size1 <= size2.
Result<std::vector<Hash>> ConsistencyProof(const FullSubtreeHash& full, uint64_t size1, uint64_t size2);

// Verifiers (RFC 9162 §2.1.3.2, §2.1.4.2). They take what arrived as raw bytes, so a hash of the wrong length
// is refused like any other wrong proof. Errors are kInvalid with type "bad-proof" and say what failed.
Status VerifyInclusion(std::span<const uint8_t> leaf_hash, uint64_t index, uint64_t size,
                       const std::vector<Bytes>& proof, std::span<const uint8_t> root);
Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const uint8_t> root1,
                         std::span<const uint8_t> root2, const std::vector<Bytes>& proof);

// A tree held in memory: every level of full subtrees, appended leaf by leaf.
class MemoryMerkleTree {
 public:
  void Append(const Hash& leaf_hash);
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  FullSubtreeHash Full() const;
  Result<Hash> Root() const { return SubtreeRoot(Full(), 0, size()); }

 private:
  std::vector<std::vector<Hash>> levels_;
};

}  // namespace holdfast::journal

#endif  // HOLDFAST_JOURNAL_MERKLE_H_
