// The node log through the API, as anyone checking a receipt would use it: the signed checkpoint opens under
// the node's key, a receipt's inclusion proof leads to the checkpoint's root, and a later checkpoint is
// proven to extend an earlier one.
#include "api_fixture.h"
#include "journal/checkpoint.h"
#include "journal/merkle.h"

namespace holdfast::testing {
namespace {

class LogApiTest : public ApiTest {};

std::vector<Bytes> Decoded(const json::value& proof) {
  std::vector<Bytes> out;
  for (const auto& p : proof.as_array())
    out.push_back(FromBase64(std::string_view(p.as_string())).value_or(Bytes{}));
  return out;
}

TEST_F(LogApiTest, AReceiptIsProvenInTheSignedLogAndTheLogOnlyGrows) {
  std::string admin = AdminToken();
  auto checkpoint = [&]() {
    Answer a = Call("GET", "/api/v1/log/checkpoint");  // no sign-in needed
    EXPECT_EQ(a.raw.status, 200);
    EXPECT_TRUE(a.raw.Header("content-type").starts_with("text/plain"));
    auto c = journal::OpenCheckpoint(a.raw.body, node_->public_key());
    EXPECT_TRUE(c.ok()) << c.status().ToString() << "\n" << a.raw.body;
    return c.ok() ? *c : journal::Checkpoint{};
  };
  journal::Checkpoint before = checkpoint();
  EXPECT_EQ(before.origin, journal::LogOrigin(node_->city(), node_->id()));
  EXPECT_GT(before.size, 0u);

  Answer drawer = Call("POST", "/api/v1/drawers", R"({"float_cents":0})", admin);
  ASSERT_EQ(drawer.status, 201) << json::serialize(drawer.body);
  Answer paid =
      Call("POST", "/api/v1/payments",
           json::serialize(json::object{
               {"drawer_id", drawer.Str("id")},
               {"items", json::array{json::object{
                             {"code", "MISC"}, {"description", "Copy of record"}, {"amount_cents", 250}}}},
               {"tenders", json::array{json::object{{"kind", "cash"}, {"amount_cents", 250}}}}}),
           admin);
  ASSERT_EQ(paid.status, 201) << json::serialize(paid.body);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(Call("POST", "/api/v1/parties", R"({"kind":"person","name":"Later Person"})", admin).status,
              201);
  }

  // Anyone can check the receipt against the latest checkpoint.
  Answer proof = Call("GET", "/api/v1/verify/receipt/" + paid.Str("receipt"));
  ASSERT_EQ(proof.status, 200) << json::serialize(proof.body);
  auto note = journal::OpenCheckpoint(proof.Str("checkpoint"), node_->public_key());
  ASSERT_TRUE(note.ok()) << note.status().ToString();
  const json::object& p = proof.body.as_object();
  EXPECT_EQ(static_cast<uint64_t>(IntOr(p, "tree_size")), note->size);
  auto event_hash = FromHex(StringOr(p, "event_hash"));
  ASSERT_TRUE(event_hash && event_hash->size() == 32);
  Hash leaf = journal::MerkleLeafHash(*event_hash);
  EXPECT_TRUE(journal::VerifyInclusion(leaf, static_cast<uint64_t>(IntOr(p, "leaf_index")), note->size,
                                       Decoded(p.at("proof")), note->root)
                  .ok());
  // A proof against someone else's idea of the root fails.
  EXPECT_FALSE(journal::VerifyInclusion(leaf, static_cast<uint64_t>(IntOr(p, "leaf_index")), note->size,
                                        Decoded(p.at("proof")), before.root)
                   .ok());
  // The same through the event's own address.
  std::string event = std::string(StringOr(p, "event"));
  Answer by_event = Call("GET", "/api/v1/log/inclusion?feed=" + event.substr(0, event.find('/')) +
                                    "&seq=" + event.substr(event.find('/') + 1));
  ASSERT_EQ(by_event.status, 200) << json::serialize(by_event.body);
  EXPECT_EQ(by_event.Str("event_hash"), StringOr(p, "event_hash"));

  // The later checkpoint extends the earlier one.
  journal::Checkpoint after = checkpoint();
  ASSERT_GT(after.size, before.size);
  Answer consistency = Call("GET", "/api/v1/log/consistency?first=" + std::to_string(before.size) +
                                       "&second=" + std::to_string(after.size));
  ASSERT_EQ(consistency.status, 200) << json::serialize(consistency.body);
  EXPECT_TRUE(journal::VerifyConsistency(before.size, after.size, before.root, after.root,
                                         Decoded(consistency.body.at("proof")))
                  .ok());

  // Clear refusals.
  EXPECT_EQ(Call("GET", "/api/v1/verify/receipt/r-nowhere-1").status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/log/consistency?first=0").status, 422);
  EXPECT_EQ(Call("GET", "/api/v1/log/consistency?first=abc").status, 422);
  EXPECT_EQ(Call("GET", "/api/v1/log/consistency?first=5&second=999999999").status, 422);
  EXPECT_EQ(Call("GET", "/api/v1/log/inclusion?feed=central").status, 422);
}

}  // namespace
}  // namespace holdfast::testing
