#include "store/node_log.h"

#include <gtest/gtest.h>

#include "domain/parties.h"
#include "domain/registry.h"
#include "store/node.h"
#include "test_support.h"

namespace holdfast::store {
namespace {

// A node's log, kept in the database as events are stored, gives the same roots and proofs as a tree built
// in memory from the same event hashes, for every size; and its kept hashes check out against the events.
TEST(NodeLogTest, RootsAndProofsMatchATreeBuiltFromTheEvents) {
  testing::TempDir dir;
  ASSERT_TRUE(Node::Create(dir.path(), "Testville", "n1", domain::NodeRegistry(), GenerateSigningKey()).ok());
  auto node = Node::Open(dir.path(), domain::NodeRegistry());
  ASSERT_TRUE(node.ok());
  // 300 events in batches of varying size, so subtrees complete inside and across commits.
  for (int batch = 0; batch < 30; ++batch) {
    auto r = (*node)->writer().Execute([&](CommandContext& ctx) -> Result<json::value> {
      for (int i = 0; i < batch % 20 + 1; ++i) {
        domain::PartyInput p{.kind = "person", .name = "Person " + std::to_string(i)};
        HF_RETURN_IF_ERROR(domain::CreateParty(ctx, p, "clerk").status());
      }
      return json::value(nullptr);
    });
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  auto db = (*node)->Read();
  ASSERT_TRUE(db.ok());
  journal::MemoryMerkleTree memory;
  {
    auto s = (*db)->Prepare("SELECT hash FROM events ORDER BY stored");
    ASSERT_TRUE(s.ok());
    for (;;) {
      auto row = (*s)->Step();
      ASSERT_TRUE(row.ok());
      if (!*row) break;
      Hash h;
      std::copy((*s)->Blob(0).begin(), (*s)->Blob(0).end(), h.begin());
      memory.Append(journal::MerkleLeafHash(h));
    }
  }
  auto size = LogSize(**db);
  ASSERT_TRUE(size.ok());
  ASSERT_EQ(*size, memory.size());
  ASSERT_GT(*size, 256u);
  auto kept = LogSubtrees(**db);
  auto full = memory.Full();
  for (uint64_t n = 1; n <= *size; n += 7) {
    auto a = journal::SubtreeRoot(kept, 0, n);
    auto b = journal::SubtreeRoot(full, 0, n);
    ASSERT_TRUE(a.ok() && b.ok()) << n;
    EXPECT_EQ(Hex(*a), Hex(*b)) << "root of " << n;
    for (uint64_t i : {uint64_t{0}, n / 2, n - 1}) {
      auto p = journal::InclusionProof(kept, i, n);
      auto q = journal::InclusionProof(full, i, n);
      ASSERT_TRUE(p.ok() && q.ok());
      EXPECT_EQ(*p, *q) << "inclusion of " << i << " in " << n;
    }
    auto c = journal::ConsistencyProof(kept, (n + 1) / 2, n);
    auto d = journal::ConsistencyProof(full, (n + 1) / 2, n);
    ASSERT_TRUE(c.ok() && d.ok());
    EXPECT_EQ(*c, *d) << "consistency " << (n + 1) / 2 << " to " << n;
  }
  auto problems = CheckLog(**db);
  ASSERT_TRUE(problems.ok());
  EXPECT_TRUE(problems->empty());
}

}  // namespace
}  // namespace holdfast::store
