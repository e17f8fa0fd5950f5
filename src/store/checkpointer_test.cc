#include "store/checkpointer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "store/node.h"
#include "test_support.h"

namespace holdfast::store {
namespace {

// One aggregate kind, "note:<id>", folded from "note.added" {id, body}.
Registry NoteRegistry() {
  Registry r;
  r.AddTable({"notes", "CREATE TABLE IF NOT EXISTS notes(id TEXT PRIMARY KEY, body TEXT NOT NULL)", {"id"}});
  r.AddAggregate({"note", [](Db& db, std::string_view id) -> Status {
                    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("DELETE FROM notes WHERE id=?"));
                    return s->Bind(1, id).Run();
                  }});
  r.AddRule({"note.added",
             [](const journal::Event& e) -> std::vector<std::string> {
               return {"note:" + std::string(StringOr(e.data, "id"))};
             },
             [](Db& db, const journal::StoredEvent& se, std::string_view) -> Status {
               HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("INSERT INTO notes VALUES(?,?)"));
               return s->BindAll(StringOr(se.event.data, "id"), StringOr(se.event.data, "body")).Run();
             }});
  return r;
}

// Small limits, so that a test writes many WAL lengths' worth quickly.
constexpr WalLimits kLimits{.copy_step = 16, .restart_frames = 128, .force_frames = 512};

class CheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Node::Create(dir_.path(), "Testville", "n1", registry_, GenerateSigningKey()).ok());
    NodeOptions options;
    options.wal = kLimits;
    auto node = Node::Open(dir_.path(), registry_, options);
    ASSERT_TRUE(node.ok()) << node.status().ToString();
    node_ = std::move(*node);
  }

  // Writes `count` notes of about 3 KB each, submitted together so that the writer batches them; every one
  // must be acknowledged.
  void WriteNotes(int count) {
    std::atomic<int> answered{0};
    std::atomic<int> failed{0};
    for (int i = 0; i < count; ++i) {
      std::string id = std::to_string(next_++);
      node_->writer().Submit(
          [id](CommandContext& ctx) -> Result<json::value> {
            HF_RETURN_IF_ERROR(
                ctx.Emit("note.added", json::object{{"id", id}, {"body", std::string(3000, 'x')}}, "t")
                    .status());
            return json::value(nullptr);
          },
          [&](Result<json::value> r) {
            if (!r.ok()) ++failed;
            ++answered;
          });
    }
    while (answered.load() < count) std::this_thread::yield();
    ASSERT_EQ(failed.load(), 0);
  }

  // The WAL file's length in frames. The file only grows: a WAL that starts over writes from its beginning
  // again, so its length is the longest the WAL has been.
  int64_t WalFileFrames() {
    std::error_code ec;
    auto size = std::filesystem::file_size(DataPaths(dir_.path()).db() + "-wal", ec);
    EXPECT_FALSE(ec) << ec.message();
    return ec || size < 32 ? 0 : static_cast<int64_t>((size - 32) / (4096 + 24));  // header; frame headers
  }

  int64_t Notes() {
    auto db = node_->Read();
    return *(*db)->QueryInt("SELECT COUNT(*) FROM notes");
  }

  testing::TempDir dir_;
  Registry registry_ = NoteRegistry();
  std::unique_ptr<Node> node_;
  int next_ = 0;
};

// A node writing without pause keeps its WAL short: it starts over again and again instead of growing with
// every write, and every write stays readable.
TEST_F(CheckpointerTest, TheWalStartsOverWhileTheNodeKeepsWriting) {
  for (int round = 0; round < 40; ++round) WriteNotes(50);
  // 2,000 notes wrote several thousand frames; the WAL never held more than the forced limit and one batch.
  EXPECT_LE(WalFileFrames(), kLimits.force_frames + 400);
  EXPECT_GE(node_->writer().stats().checkpoints.load(), 1);
  EXPECT_EQ(Notes(), 2000);
}

// A reader that keeps an old snapshot open stops the WAL from starting over, but not the writes; once it
// ends, the WAL starts over again.
TEST_F(CheckpointerTest, AReaderHoldingAnOldSnapshotDelaysTheRestartButNotTheWrites) {
  WriteNotes(10);
  auto reader = Db::Open(DataPaths(dir_.path()).db(), OpenMode::kReadOnly);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->Exec("BEGIN").ok());
  ASSERT_EQ(*(*reader)->QueryInt("SELECT COUNT(*) FROM notes"), 10);
  for (int round = 0; round < 10; ++round) WriteNotes(50);
  const int64_t held = WalFileFrames();
  EXPECT_GT(held, kLimits.force_frames);                              // it could not start over
  EXPECT_EQ(*(*reader)->QueryInt("SELECT COUNT(*) FROM notes"), 10);  // the reader's snapshot holds
  ASSERT_TRUE((*reader)->Exec("COMMIT").ok());
  reader->reset();

  // Twice as many frames again as the WAL holds: had it not started over, the file would have grown.
  for (int round = 0; round < 20; ++round) WriteNotes(50);
  EXPECT_LE(WalFileFrames(), held + 400);
  EXPECT_EQ(Notes(), 1510);
}

}  // namespace
}  // namespace holdfast::store
