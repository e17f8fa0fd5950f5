// The node's single writer (DESIGN §6). Commands from any thread wait in a queue; the writer thread takes
// them in batches and, in one SQLite transaction per batch: runs each command against the current state under
// its own savepoint or not, appends the events it emits to this node's feed and folds them, seals the new
// feed head, persists the clock, and commits. Then a second thread syncs the WAL (one fdatasync) and only
// then answers every command of the batch, while the writer thread already runs the next batch: the disk's
// sync and the next batch's work overlap, and one sync covers every batch committed before it started. No
// answer is given before its commit is on disk.
//
// Between its commit and that sync, a batch can be seen by the node's readers. A power loss in that window
// loses it (no one was told it succeeded) but never corrupts the database (store/wal_vfs.h). What leaves the
// node (sync bundles, vault packs, signed checkpoints) is therefore made durable first (WaitDurable, or
// store::SyncWal outside the node's process), so that no peer or vault ever holds an event of this node's
// feed that the node could lose and then write differently.
//
// A command that fails (returns an error, or throws) is answered with its error; it leaves no trace and does
// not fail the batch. Commands run without savepoints (which cost a copy of each page they touch) as long as
// every failing command failed before changing anything; when one fails after changing something, the batch
// is rolled back and run again with a savepoint around each command, and that command alone is undone. If the
// commit itself fails, every command of the batch is answered with that error and nothing of the batch is
// kept. If the sync fails, the disk may have lost committed work: every command not yet answered is answered
// with that error and the writer takes no more commands until the node is restarted.
#ifndef HOLDFAST_STORE_WRITER_H_
#define HOLDFAST_STORE_WRITER_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "journal/event.h"
#include "journal/hlc.h"
#include "store/checkpointer.h"
#include "store/journal.h"
#include "store/registry.h"
#include "store/sqlite.h"

namespace holdfast::store {

// What a running command may do. Valid only during the command, on the writer thread.
class CommandContext {
 public:
  Db& db() { return db_; }
  const Clock& clock() const { return clock_; }
  const std::string& node_id() const { return node_id_; }
  const Registry& registry() const { return registry_; }

  // Appends an event to this node's feed (next seq, a fresh clock stamp, prev = the head's hash), stores it
  // and folds it, so the rest of the command and later commands in the batch see its effect.
  Result<journal::StoredEvent> Emit(std::string type, json::object data, std::string actor);
  // Lets the clock take in the stamp of an event received from another node, so that later local events sort
  // after it; refuses a stamp too far ahead of the local clock (journal/hlc.h).
  Status Observe(journal::Stamp remote);
  // Takes in an event of this node's own feed received from elsewhere (this node had lost it, say to a
  // restore from an older copy) and stored by the caller: the feed's head moves to it if it follows the head.
  void AdoptOwn(const journal::StoredEvent& event);
  // Runs `part` of the command so that, when it fails, nothing it did remains: its rows and events are undone
  // (a savepoint inside the command's), and the feed's head and the clock are as before it. Answers its
  // status (an exception it throws is an internal error); the rest of the command goes on either way.
  Status Attempt(const std::function<Status()>& part);

 private:
  friend class Writer;
  CommandContext(Db& db, const Clock& clock, const std::string& node_id, const Registry& registry,
                 FeedHead& head, journal::HybridClock& hlc, int64_t& events)
      : db_(db),
        clock_(clock),
        node_id_(node_id),
        registry_(registry),
        head_(head),
        hlc_(hlc),
        events_(events) {}
  Db& db_;
  const Clock& clock_;
  const std::string& node_id_;
  const Registry& registry_;
  FeedHead& head_;
  journal::HybridClock& hlc_;
  int64_t& events_;
};

// Besides the head after each commit, every event whose seq is a multiple of this is sealed.
inline constexpr int64_t kSealEvery = 256;

using CommandFn = std::function<Result<json::value>(CommandContext&)>;
using CommandDone = std::function<void(Result<json::value>)>;

// Counts the commits that changed any of some tables, so a reader that caches rows of those tables can tell
// whether its copy may be stale: it notes generation() before reading the rows and trusts the copy only while
// generation() is unchanged. The count moves after the commit, so a copy read before it is never trusted
// after.
class TableWatch {
 public:
  explicit TableWatch(std::vector<std::string> tables) : tables_(std::move(tables)) {}
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  friend class Writer;
  const std::vector<std::string> tables_;
  std::atomic<uint64_t> generation_{0};
};

struct WriterStats {
  std::atomic<int64_t> batches{0};
  std::atomic<int64_t> commands{0};
  std::atomic<int64_t> failed_commands{0};
  std::atomic<int64_t> events{0};
  std::atomic<int64_t> failed_commits{0};
  std::atomic<int64_t> reruns{0};  // batches run again with savepoints after a command failed midway
  std::atomic<int64_t> commit_micros_total{0};
  std::atomic<int64_t> queue_depth{0};
  std::atomic<int64_t> checkpoints{0};  // the writer's own, between batches (store/checkpointer.h)
  std::atomic<int64_t> checkpoint_micros_total{0};
  std::atomic<int64_t> syncs{0};  // WAL syncs before answering; one covers every batch committed before it
  std::atomic<int64_t> sync_micros_total{0};
};

class Writer {
 public:
  // `db` is the node's read-write connection, used only by the writer thread once Start() is called.
  Writer(Db& db, const Registry& registry, const Clock& clock, std::string node_id, Bytes secret_key,
         FeedHead head, journal::Stamp last_stamp, size_t max_batch = 2048);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // From now on the writer's commits leave copying the WAL into the database file to `checkpointer`, which
  // must outlive the writer's thread, instead of SQLite's automatic checkpoint. Call before Start().
  void UseCheckpointer(Checkpointer* checkpointer);
  // Replaces the WAL sync that comes before the answers (store::SyncWal of the node's WAL), for fault
  // injection in tests; takes effect from the next sync. Thread-safe.
  void SetWalSync(std::function<Status()> sync);
  // The WAL sync in use (for a test's sync to call after its own, and to put back). Thread-safe.
  std::function<Status()> WalSync();
  void Start();
  // Answers everything already queued, then stops; later submissions fail with kUnavailable.
  void Stop();

  // Queues a command; `done` is called once, on the writer thread or its sync thread, after the batch is
  // committed and synced, or has failed. Thread-safe.
  void Submit(CommandFn command, CommandDone done);
  // Submits and waits for the answer.
  Result<json::value> Execute(CommandFn command);

  const WriterStats& stats() const { return stats_; }
  // The feed head as of the last commit on disk (synced). Thread-safe.
  FeedHead head() const;
  // Waits until every commit made before this call is on disk: for a reader about to hand on what it has
  // read, which may include commits not yet synced. Returns at once when no commit waits for its sync;
  // otherwise waits for the sync under way or the next one, adding none. Fails with the sync's error if a
  // sync failed. Thread-safe; never call it from a command or a `done` callback.
  Status WaitDurable();
  // A watch over `tables` (their names as in the schema). Thread-safe.
  std::shared_ptr<const TableWatch> Watch(std::vector<std::string> tables);

 private:
  struct Pending {
    CommandFn command;
    CommandDone done;
  };
  // A committed batch waiting for the sync: its answers, and the feed head it left.
  struct Committed {
    std::vector<CommandDone> dones;
    std::vector<Result<json::value>> results;
    FeedHead head;
    uint64_t commit = 0;  // its number among the commits begun
  };
  void Loop();
  // The sync thread: syncs the WAL and answers the batches committed before the sync began.
  void SyncLoop();
  // Hands a committed batch to the sync thread.
  void AwaitSync(std::vector<Pending>& batch, std::vector<Result<json::value>>& results, uint64_t commit);
  void RunBatch(std::vector<Pending>& batch);
  // Seals the batch's events that sit at a multiple of kSealEvery after `from_seq`, and the new head.
  Status SealBatch(int64_t from_seq);
  // Runs every command of the batch in the open transaction, each under its own savepoint or not. Without
  // savepoints, returns false (and stops) at the first command that failed after changing something.
  bool RunCommands(std::vector<Pending>& batch, bool savepoints, std::vector<Result<json::value>>& results,
                   int64_t& events);
  // Runs a statement through the connection's statement cache (savepoints run once per command).
  Status Run(std::string_view sql);
  // Called by SQLite before each row change on the writer's connection.
  void Touched(std::string_view table);
  // Runs the writer's part of keeping the WAL short, after a batch was answered.
  void MaybeCheckpoint();
  // Moves the generation of every watch over a table the committed batch changed. Called with mu_ held.
  void AdvanceWatches();

  Db& db_;
  const Registry& registry_;
  const Clock& clock_;
  const std::string node_id_;
  const Bytes secret_key_;
  FeedHead head_;  // writer thread only
  journal::HybridClock hlc_;
  size_t max_batch_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  FeedHead committed_head_;
  std::vector<std::shared_ptr<TableWatch>> watches_;
  // Tables changed by the batch being written (writer thread only); when SQLite cannot report row changes,
  // every commit counts as changing every table.
  std::vector<std::string> touched_;
  bool touch_reports_ = false;
  Checkpointer* checkpointer_ = nullptr;
  int64_t wal_frames_ = 0;  // the WAL's length after the last commit (writer thread only)
  std::thread thread_;

  std::mutex sync_mu_;
  std::shared_ptr<const std::function<Status()>> wal_sync_;  // guarded by sync_mu_
  std::condition_variable sync_cv_;
  std::deque<Committed> unsynced_;  // in commit order
  bool sync_stopping_ = false;
  bool sync_ended_ = false;
  std::atomic<uint64_t> commits_begun_{0};  // counted before each COMMIT (writer thread)
  uint64_t commits_durable_ = 0;            // every commit up to this number is synced; guarded by sync_mu_
  std::condition_variable durable_cv_;
  // Set when a sync failed: the message every later command is refused with.
  std::shared_ptr<const Error> broken_;  // guarded by sync_mu_
  std::thread sync_thread_;
  WriterStats stats_;
};

}  // namespace holdfast::store

#endif  // HOLDFAST_STORE_WRITER_H_
