#include "store/wal_vfs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "store/node.h"
#include "store/sqlite.h"
#include "test_support.h"

namespace holdfast::store {
namespace {

class WalVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.path() + "/t.db";
    auto w = OpenWriteDb(path_);
    ASSERT_TRUE(w.ok()) << w.error().detail;
    writer_ = std::move(*w);
    // Small pages in the cache, so that a large transaction spills frames into the WAL before its commit
    // and then writes some of them again.
    ASSERT_TRUE(writer_
                    ->Exec("PRAGMA cache_size=20; PRAGMA wal_autocheckpoint=0; "
                           "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT NOT NULL);")
                    .ok());
    auto r = Db::Open(path_, OpenMode::kReadOnly);
    ASSERT_TRUE(r.ok()) << r.error().detail;
    reader_ = std::move(*r);
  }

  // Inserts rows [from, from + n) with values of `size` bytes in one transaction, committed or rolled back.
  void Insert(int64_t from, int64_t n, size_t size, bool commit = true) {
    auto txn = Transaction::Begin(*writer_);
    ASSERT_TRUE(txn.ok());
    for (int64_t k = from; k < from + n; ++k) {
      auto s = writer_->Prepare("INSERT OR REPLACE INTO t VALUES(?, ?)");
      ASSERT_TRUE(s.ok());
      std::string v(size, static_cast<char>('a' + k % 26));
      ASSERT_TRUE((*s)->BindAll(k, v).Run().ok());
    }
    if (commit) {
      ASSERT_TRUE(txn->Commit().ok());
    }
  }

  int64_t ReaderCount() {
    auto n = reader_->QueryInt("SELECT count(*) FROM t");
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  }
  int64_t ReaderBytes() {
    auto n = reader_->QueryInt("SELECT sum(length(v)) FROM t");
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  }

  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<Db> writer_;
  std::unique_ptr<Db> reader_;
};

TEST_F(WalVfsTest, EveryCommitIsReadableAtOnceByAnotherConnection) {
  ASSERT_NE(BatchedWalVfs(), nullptr);
  // Small commits (one frame), commits far larger than one 120 KiB write, and transactions that spill.
  int64_t rows = 0, bytes = 0;
  const std::pair<int64_t, size_t> shapes[] = {{1, 10},    {3, 100},    {200, 1000},
                                               {50, 5000}, {2000, 300}, {1, 1}};
  for (int round = 0; round < 3; ++round) {
    for (auto [n, size] : shapes) {
      Insert(rows, n, size);
      rows += n;
      bytes += n * static_cast<int64_t>(size);
      ASSERT_EQ(ReaderCount(), rows);
      ASSERT_EQ(ReaderBytes(), bytes);
    }
  }
  // Overwrite rows written earlier: frames of pages already in the WAL are written again.
  Insert(0, 500, 2000);
  bytes += 500 * 2000;
  auto overwritten = reader_->QueryInt("SELECT sum(length(v)) FROM t WHERE k < 500");
  ASSERT_TRUE(overwritten.ok());
  EXPECT_EQ(*overwritten, 500 * 2000);
  auto check = reader_->QueryInt("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'");
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check, 0);
}

TEST_F(WalVfsTest, ARolledBackTransactionLeavesNothingAndTheNextCommitStands) {
  Insert(0, 10, 100);
  Insert(10, 3000, 500, /*commit=*/false);  // spills frames into the WAL, then rolls back
  EXPECT_EQ(ReaderCount(), 10);
  Insert(10, 5, 100);
  EXPECT_EQ(ReaderCount(), 15);
  EXPECT_EQ(ReaderBytes(), 1500);
}

TEST_F(WalVfsTest, ACheckpointAndARestartedWalKeepEveryCommit) {
  // A connection of the default VFS copies the WAL into the database, as the node's checkpoint thread does;
  // the writer's next transaction then starts the WAL again from its beginning.
  auto checkpointer = Db::Open(path_, OpenMode::kReadWrite);
  ASSERT_TRUE(checkpointer.ok());
  for (int i = 0; i < 20; ++i) {
    Insert(i * 100, 100, 700);
    if (i % 5 == 4) {
      ASSERT_EQ(sqlite3_wal_checkpoint_v2((*checkpointer)->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                          nullptr),
                SQLITE_OK);
    }
    ASSERT_EQ(ReaderCount(), (i + 1) * 100);
  }
  ASSERT_EQ(sqlite3_wal_checkpoint_v2(writer_->raw(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr),
            SQLITE_OK);
  Insert(5000, 10, 10);
  EXPECT_EQ(ReaderCount(), 2010);
}

TEST_F(WalVfsTest, ACommitSurvivesTheProcessDyingRightAfterIt) {
  // A child process commits through the VFS and dies without closing anything: the commit is in the files.
  writer_.reset();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto w = OpenWriteDb(path_);
    if (!w.ok() || !(*w)->Exec("INSERT INTO t VALUES(42, 'kept')").ok()) _exit(1);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto v = reader_->QueryInt("SELECT count(*) FROM t WHERE k=42 AND v='kept'");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 1);
}

// The node opens its write database (and so registers this VFS) before any other: SQLite's process-wide
// settings must still take effect, or every allocation takes SQLite's global mutex for its statistics.
TEST(SqliteSettingsTest, SettingsTakeEffectWhenTheWriteDatabaseIsOpenedFirst) {
  testing::TempDir dir;
  auto db = OpenWriteDb(dir.path() + "/t.db");
  ASSERT_TRUE(db.ok()) << db.error().detail;
  ASSERT_TRUE(
      (*db)->Exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES(1, 'x');").ok());
  sqlite3_int64 used = -1, highest = -1;
  ASSERT_EQ(sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &used, &highest, 0), SQLITE_OK);
  EXPECT_EQ(used, 0) << "SQLite counts its memory: its settings were applied after it initialised";
}

}  // namespace
}  // namespace holdfast::store
