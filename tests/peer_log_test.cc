// A node accepts a peer's newer checkpoint only with proof that the peer's log grew without being rewritten.
#include <gtest/gtest.h>

#include "domain/parties.h"
#include "store/node_log.h"
#include "sync/peer_log.h"
#include "test_city.h"

namespace holdfast::testing {
namespace {

class PeerLogTest : public ::testing::Test {
 protected:
  void Write(int n) { AddParties(city_.node(0), n, "P"); }
  // Central's checkpoint now, as central signs it.
  std::pair<journal::Checkpoint, std::string> CentralCheckpoint() {
    auto db = city_.node(0).Read();
    auto size = store::LogSize(**db);
    auto root = store::LogRoot(**db, *size);
    journal::Checkpoint c{journal::LogOrigin(TestCity::kName, "central"), *size, *root};
    return {c, journal::SignCheckpoint(c, city_.node(0).secret_key(), city_.node(0).public_key())};
  }
  std::vector<Bytes> Proof(uint64_t from, uint64_t to) {
    auto db = city_.node(0).Read();
    auto p = journal::ConsistencyProof(store::LogSubtrees(**db), from, to);
    std::vector<Bytes> out;
    for (const auto& h : *p) out.emplace_back(h.begin(), h.end());
    return out;
  }
  Result<journal::Checkpoint> Check(const std::string& note, const std::vector<Bytes>& proof) {
    auto db = city_.node(1).Read();
    return sync::CheckPeerCheckpoint(**db, TestCity::kName, "central", note, proof);
  }
  void Remember(const journal::Checkpoint& c, const std::string& note) {
    ASSERT_TRUE(city_
                    .Run(1,
                         [&](store::CommandContext& ctx) -> Result<json::value> {
                           HF_RETURN_IF_ERROR(sync::RememberPeerCheckpoint(ctx, "central", c, note, 1));
                           return json::value(nullptr);
                         })
                    .ok());
  }

  TestCity city_{1, 1772366400000};
};

TEST_F(PeerLogTest, AGrowingLogIsAcceptedAndARewrittenOrShrunkOneIsRefused) {
  Write(20);
  ASSERT_TRUE(city_.Sync(0, 1).ok());
  auto [first, first_note] = CentralCheckpoint();
  auto opened = Check(first_note, {});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();  // nothing remembered yet
  Remember(*opened, first_note);

  Write(37);
  auto [second, second_note] = CentralCheckpoint();
  EXPECT_TRUE(Check(second_note, Proof(first.size, second.size)).ok());
  // Without the proof, or with a proof for other sizes, it is not accepted.
  EXPECT_EQ(Check(second_note, {}).status().error().type, "log-rewritten");
  EXPECT_EQ(Check(second_note, Proof(first.size + 1, second.size)).status().error().type, "log-rewritten");

  // A log that shrank, or one whose new root does not extend the old (a rewritten history, signed by the
  // peer's own key), is refused.
  journal::Checkpoint shrunk{first.origin, first.size - 1, first.root};
  std::string shrunk_note =
      journal::SignCheckpoint(shrunk, city_.node(0).secret_key(), city_.node(0).public_key());
  EXPECT_EQ(Check(shrunk_note, {}).status().error().type, "log-rewritten");
  journal::Checkpoint rewritten = second;
  rewritten.root[0] ^= 1;
  std::string rewritten_note =
      journal::SignCheckpoint(rewritten, city_.node(0).secret_key(), city_.node(0).public_key());
  EXPECT_EQ(Check(rewritten_note, Proof(first.size, second.size)).status().error().type, "log-rewritten");
  // A checkpoint signed by another key, or naming another log, never opens.
  KeyPair stranger = GenerateSigningKey();
  EXPECT_FALSE(Check(journal::SignCheckpoint(second, stranger.secret_key, stranger.public_key), {}).ok());
  journal::Checkpoint elsewhere = second;
  elsewhere.origin = journal::LogOrigin(TestCity::kName, "office-1");
  EXPECT_EQ(
      Check(journal::SignCheckpoint(elsewhere, city_.node(0).secret_key(), city_.node(0).public_key()), {})
          .status()
          .error()
          .type,
      "bad-checkpoint");

  // Once a problem is recorded, the peer stays refused.
  ASSERT_TRUE(city_
                  .Run(1,
                       [&](store::CommandContext& ctx) -> Result<json::value> {
                         HF_RETURN_IF_ERROR(
                             sync::RecordPeerLogProblem(ctx, "central", "rewritten", rewritten_note, 2));
                         return json::value(nullptr);
                       })
                  .ok());
  EXPECT_EQ(Check(second_note, Proof(first.size, second.size)).status().error().type, "log-rewritten");
}

}  // namespace
}  // namespace holdfast::testing
