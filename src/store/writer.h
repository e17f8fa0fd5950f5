// The node's single writer (DESIGN §6). Commands from any thread wait in a queue; the writer thread takes
// them in batches and, in one SQLite transaction per batch: runs each command against the current state under
// its own savepoint, appends the events it emits to this node's feed and folds them, seals the new feed head,
// persists the clock, and commits with one fsync. Then it answers every command of the batch.
//
// A command that fails (returns an error, or throws) is rolled back to its savepoint and answered with its
// error; it leaves no trace and does not fail the batch. If the commit itself fails, every command of the
// batch is answered with that error and nothing of the batch is kept.
#ifndef HOLDFAST_STORE_WRITER_H_
#define HOLDFAST_STORE_WRITER_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "journal/event.h"
#include "journal/hlc.h"
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

using CommandFn = std::function<Result<json::value>(CommandContext&)>;
using CommandDone = std::function<void(Result<json::value>)>;

struct WriterStats {
  std::atomic<int64_t> batches{0};
  std::atomic<int64_t> commands{0};
  std::atomic<int64_t> failed_commands{0};
  std::atomic<int64_t> events{0};
  std::atomic<int64_t> failed_commits{0};
  std::atomic<int64_t> commit_micros_total{0};
  std::atomic<int64_t> queue_depth{0};
};

class Writer {
 public:
  // `db` is the node's read-write connection, used only by the writer thread once Start() is called.
  Writer(Db& db, const Registry& registry, const Clock& clock, std::string node_id, Bytes secret_key,
         FeedHead head, journal::Stamp last_stamp, size_t max_batch = 2048);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void Start();
  // Answers everything already queued, then stops; later submissions fail with kUnavailable.
  void Stop();

  // Queues a command; `done` is called once, on the writer thread, after the batch commits or fails.
  // Thread-safe.
  void Submit(CommandFn command, CommandDone done);
  // Submits and waits for the answer.
  Result<json::value> Execute(CommandFn command);

  const WriterStats& stats() const { return stats_; }
  // The feed head as of the last commit. Thread-safe.
  FeedHead head() const;

 private:
  struct Pending {
    CommandFn command;
    CommandDone done;
  };
  void Loop();
  void RunBatch(std::vector<Pending>& batch);
  // Runs a statement through the connection's statement cache (savepoints run once per command).
  Status Run(std::string_view sql);

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
  std::thread thread_;
  WriterStats stats_;
};

}  // namespace holdfast::store

#endif  // HOLDFAST_STORE_WRITER_H_
