// The node log through the API, as anyone checking a receipt would use it: the signed checkpoint opens under
// the node's key, a receipt's inclusion proof leads to the checkpoint's root, and a later checkpoint is
// proven to extend an earlier one.
#include <chrono>
#include <future>
#include <optional>

#include "api_fixture.h"
#include "base/bytes.h"
#include "journal/checkpoint.h"
#include "journal/merkle.h"
#include "process.h"
#include "store/journal.h"
#include "store/node_log.h"
#include "test_support.h"

namespace holdfast::testing {
namespace {

class LogApiTest : public ApiTest {
 protected:
  // Takes a $2.50 cash payment into a new drawer of the admin's; answers the receipt.
  Answer TakePayment(const std::string& admin) {
    Answer drawer = Call("POST", "/api/v1/drawers", R"({"float_cents":0})", admin);
    EXPECT_EQ(drawer.status, 201) << json::serialize(drawer.body);
    Answer paid =
        Call("POST", "/api/v1/payments",
             json::serialize(json::object{
                 {"drawer_id", drawer.Str("id")},
                 {"items", json::array{json::object{
                               {"code", "MISC"}, {"description", "Copy of record"}, {"amount_cents", 250}}}},
                 {"tenders", json::array{json::object{{"kind", "cash"}, {"amount_cents", 250}}}}}),
             admin);
    EXPECT_EQ(paid.status, 201) << json::serialize(paid.body);
    return paid;
  }

  // The type and data of the stored event whose bytes hash to `hash_hex`, read from the node's database.
  std::optional<journal::Event> EventWithHash(const std::string& hash_hex) {
    auto db = node_->Read();
    EXPECT_TRUE(db.ok());
    auto s = (*db)->Prepare("SELECT body FROM events WHERE lower(hex(hash))=?");
    (*s)->Bind(1, hash_hex);
    auto row = (*s)->Step();
    if (!row.ok() || !*row) return std::nullopt;
    auto se = journal::Decode(AsChars((*s)->Blob(0)));
    EXPECT_TRUE(se.ok());
    EXPECT_EQ(se->HashHex(), hash_hex);  // the hash is of the exact stored bytes
    return se->event;
  }

  // Makes the node's database look like one written before receipts carried their event hash: the receipts
  // table without the column, and no record of how its derived tables were declared.
  void MakeReceiptsTableOld() {
    auto db = store::Db::Open(store::DataPaths(dir_.path()).db(), store::OpenMode::kReadWrite);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    Status s = (*db)->Exec(
        "ALTER TABLE receipts DROP COLUMN event_hash; DELETE FROM meta WHERE key='state_schema';");
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
};

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

  Answer paid = TakePayment(admin);
  ASSERT_EQ(paid.status, 201);
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

TEST_F(LogApiTest, AReceiptCarriesTheHashOfItsEventAndAnyoneCanProveItInTheLog) {
  std::string admin = AdminToken();
  Answer paid = TakePayment(admin);
  ASSERT_EQ(paid.status, 201);
  const std::string number = paid.Str("receipt");
  const std::string event_hash = paid.Str("event_hash");
  ASSERT_EQ(event_hash.size(), 64u) << json::serialize(paid.body);
  // It names the payment.taken event of this receipt, by the hash of its stored bytes.
  auto event = EventWithHash(event_hash);
  ASSERT_TRUE(event.has_value()) << event_hash;
  EXPECT_EQ(event->type, "payment.taken");
  EXPECT_EQ(StringOr(event->data, "receipt"), number);
  EXPECT_EQ(Call("GET", "/api/v1/receipts/" + number, {}, admin).Str("event_hash"), event_hash);
  for (int i = 0; i < 20; ++i) {  // the log grows past the receipt
    ASSERT_EQ(Call("POST", "/api/v1/parties", R"({"kind":"person","name":"Later Person"})", admin).status,
              201);
  }
  // A void changes the receipt's status, not the event it names.
  Answer voided = Call("POST", "/api/v1/receipts/" + number + "/void",
                       json::serialize(json::object{
                           {"reason", "rung up by mistake"},
                           {"approval", json::object{{"username", "admin"}, {"password", admin_password_}}}}),
                       admin);
  ASSERT_EQ(voided.status, 200) << json::serialize(voided.body);
  EXPECT_EQ(voided.Str("status"), "voided");
  EXPECT_EQ(voided.Str("event_hash"), event_hash);

  // Anyone, not signed in, holding the receipt's number and hash, checks it against the signed checkpoint.
  Answer proof = Call("GET", "/api/v1/verify/receipt/" + number);
  ASSERT_EQ(proof.status, 200) << json::serialize(proof.body);
  EXPECT_EQ(proof.Str("event_hash"), event_hash);
  auto parsed = journal::ParseCheckpoint(proof.Str("checkpoint"));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  auto note = journal::OpenCheckpoint(proof.Str("checkpoint"), node_->public_key());
  ASSERT_TRUE(note.ok()) << note.status().ToString();
  EXPECT_EQ(note->root, parsed->root);
  const json::object& p = proof.body.as_object();
  ASSERT_EQ(static_cast<uint64_t>(IntOr(p, "tree_size")), note->size);
  const auto leaf_index = static_cast<uint64_t>(IntOr(p, "leaf_index"));
  EXPECT_LT(leaf_index + 20, note->size);
  Hash leaf = journal::MerkleLeafHash(*FromHex(event_hash));  // from the receipt, not from the proof
  EXPECT_TRUE(
      journal::VerifyInclusion(leaf, leaf_index, note->size, Decoded(p.at("proof")), note->root).ok());
  // Another event's hash does not verify in the receipt's place.
  auto other = Call("GET", "/api/v1/log/inclusion?feed=central&seq=1");
  ASSERT_EQ(other.status, 200);
  ASSERT_NE(other.Str("event_hash"), event_hash);
  EXPECT_FALSE(journal::VerifyInclusion(journal::MerkleLeafHash(*FromHex(other.Str("event_hash"))),
                                        leaf_index, note->size, Decoded(p.at("proof")), note->root)
                   .ok());
}

TEST_F(LogApiTest, ReceiptsTakenBeforeReceiptsCarriedTheirHashGetItOnUpgrade) {
  std::string admin = AdminToken();
  Answer paid = TakePayment(admin);
  ASSERT_EQ(paid.status, 201);
  const std::string number = paid.Str("receipt");
  Stop();

  // verify cannot compare tables of another shape, and says what to do; rebuild brings them up to date.
  MakeReceiptsTableOld();
  RunResult refused = RunHoldfast({"verify", "--data", dir_.path()});
  EXPECT_EQ(refused.exit_code, 2) << refused.Describe();
  EXPECT_NE(refused.err.find("another version of holdfast"), std::string::npos) << refused.Describe();
  RunResult rebuilt = RunHoldfast({"rebuild", "--data", dir_.path()});
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.Describe();
  RunResult intact = RunHoldfast({"verify", "--data", dir_.path()});
  EXPECT_EQ(intact.exit_code, 0) << intact.Describe();

  // Opening the node does the same.
  MakeReceiptsTableOld();
  Start();
  Answer receipt =
      Call("GET", "/api/v1/receipts/" + number, {}, SignIn("admin", admin_password_).Str("token"));
  ASSERT_EQ(receipt.status, 200) << json::serialize(receipt.body);
  EXPECT_EQ(receipt.Str("event_hash"), paid.Str("event_hash"));
  Stop();
  RunResult after_open = RunHoldfast({"verify", "--data", dir_.path()});
  EXPECT_EQ(after_open.exit_code, 0) << after_open.Describe();
}

// A signed checkpoint binds the node to its log, so it never names an event the disk has not confirmed: while
// the writer's sync is held, a write is committed (the log is longer on the database) but the checkpoint
// waits, and then names it.
TEST_F(LogApiTest, ACheckpointNamesNoEventBeforeItIsOnDisk) {
  std::string admin = AdminToken();
  auto size_now = [&] {
    Answer a = Call("GET", "/api/v1/log/checkpoint");
    EXPECT_EQ(a.raw.status, 200) << a.raw.body;
    auto c = journal::OpenCheckpoint(a.raw.body, node_->public_key());
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? c->size : 0;
  };
  auto log_size = [&] {
    auto db = node_->Read();
    EXPECT_TRUE(db.ok());
    return *store::LogSize(**db);
  };
  const uint64_t before = size_now();
  ASSERT_EQ(before, log_size());

  GatedSync gate(node_->writer());
  auto write = std::async(std::launch::async, [&] {
    return Call("POST", "/api/v1/parties", R"({"kind":"person","name":"Pat Held"})", admin).status;
  });
  gate.WaitUntilASyncWaits();
  const uint64_t committed = log_size();
  ASSERT_GT(committed, before) << "the write is not committed yet";
  auto checkpoint = std::async(std::launch::async, size_now);
  EXPECT_EQ(checkpoint.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout)
      << "a checkpoint was signed over an event not on disk";
  EXPECT_EQ(write.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout)
      << "a write was answered before it was on disk";

  gate.Open();
  EXPECT_EQ(write.get(), 201);
  EXPECT_GE(checkpoint.get(), committed);
}

}  // namespace
}  // namespace holdfast::testing
