// Row-change reports (sqlite3_preupdate_hook) are declared only when this is defined; the library reports
// whether it was built with them (sqlite3_compileoption_used), and the writer falls back when it was not.
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include "store/writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <future>

#include <pthread.h>

#include "journal/seal.h"
#include "store/wal_vfs.h"

namespace holdfast::store {

Result<journal::StoredEvent> CommandContext::Emit(std::string type, json::object data, std::string actor) {
  journal::Event e;
  e.feed = node_id_;
  e.seq = head_.seq + 1;
  e.prev = head_.hash;
  e.stamp = hlc_.Now();
  e.actor = std::move(actor);
  e.type = std::move(type);
  e.data = std::move(data);
  HF_ASSIGN_OR_RETURN(journal::StoredEvent se, journal::Encode(std::move(e)));
  HF_RETURN_IF_ERROR(InsertEvent(db_, registry_, se));
  HF_RETURN_IF_ERROR(FoldEvent(db_, registry_, se, FoldOrder::kLatest));
  head_ = {se.event.seq, se.HashHex()};
  ++events_;
  return se;
}

Status CommandContext::Observe(journal::Stamp remote) { return hlc_.Observe(remote); }

Status CommandContext::Attempt(const std::function<Status()>& part) {
  const FeedHead head = head_;
  const journal::Stamp stamp = hlc_.last();
  const int64_t events = events_;
  HF_RETURN_IF_ERROR(db_.Exec("SAVEPOINT attempt"));
  Status done = Internal("the attempt did not finish");
  try {
    done = part();
  } catch (const std::exception& ex) {
    done = Internal(fmt::format("failed unexpectedly: {}", ex.what()));
  }
  if (done.ok()) return db_.Exec("RELEASE attempt");
  // As before the attempt, whatever the rollback answers (if it fails, so does the command).
  head_ = head;
  hlc_.Restore(stamp);
  events_ = events;
  HF_RETURN_IF_ERROR(db_.Exec("ROLLBACK TO attempt"));
  HF_RETURN_IF_ERROR(db_.Exec("RELEASE attempt"));
  return done;
}

void CommandContext::AdoptOwn(const journal::StoredEvent& event) {
  if (event.event.feed == node_id_ && event.event.seq == head_.seq + 1)
    head_ = {event.event.seq, event.HashHex()};
}

Writer::Writer(Db& db, const Registry& registry, const Clock& clock, std::string node_id, Bytes secret_key,
               FeedHead head, journal::Stamp last_stamp, size_t max_batch)
    : db_(db),
      registry_(registry),
      clock_(clock),
      node_id_(std::move(node_id)),
      secret_key_(std::move(secret_key)),
      head_(head),
      hlc_(clock, last_stamp),
      max_batch_(max_batch),
      committed_head_(head) {
  bool wal_mode = false;
  if (auto mode = db_.Prepare("PRAGMA journal_mode"); mode.ok()) {
    auto row = (*mode)->Step();
    wal_mode = row.ok() && *row && (*mode)->TextView(0) == "wal";
    (*mode)->Reset();
  }
  std::string wal = wal_mode ? WalPath(db_) : std::string();
  SetWalSync([wal] { return SyncWal(wal, /*must_exist=*/true); });
  // SQLite's automatic checkpoint would run inside the commit, where the WAL's sync is deferred (and a
  // checkpoint must sync the WAL before it copies): it is replaced, by a checkpoint between batches
  // (MaybeCheckpoint) or by the Checkpointer.
  sqlite3_wal_hook(
      db_.raw(),
      [](void* self, sqlite3*, const char*, int frames) {
        static_cast<Writer*>(self)->wal_frames_ = frames;
        return SQLITE_OK;
      },
      this);
  touch_reports_ = sqlite3_compileoption_used("ENABLE_PREUPDATE_HOOK") == 1;
  if (touch_reports_) {
    sqlite3_preupdate_hook(
        db_.raw(),
        [](void* self, sqlite3*, int, const char*, const char* table, sqlite3_int64, sqlite3_int64) {
          static_cast<Writer*>(self)->Touched(table);
        },
        this);
  }
}

Writer::~Writer() {
  Stop();
  if (touch_reports_) sqlite3_preupdate_hook(db_.raw(), nullptr, nullptr);
  sqlite3_wal_autocheckpoint(db_.raw(), 1000);  // SQLite's own again
}

void Writer::UseCheckpointer(Checkpointer* checkpointer) { checkpointer_ = checkpointer; }

void Writer::SetWalSync(std::function<Status()> sync) {
  auto shared = std::make_shared<const std::function<Status()>>(std::move(sync));
  std::lock_guard<std::mutex> lock(sync_mu_);
  wal_sync_ = std::move(shared);
}

std::function<Status()> Writer::WalSync() {
  std::lock_guard<std::mutex> lock(sync_mu_);
  return *wal_sync_;
}

void Writer::MaybeCheckpoint() {
  // Without a Checkpointer, as SQLite's automatic checkpoint would (at 1,000 frames), but after the commit.
  constexpr int64_t kAutoCheckpointFrames = 1000;
  if (checkpointer_ ? !checkpointer_->WriterShouldCheckpoint(wal_frames_)
                    : wal_frames_ < kAutoCheckpointFrames)
    return;
  auto started = std::chrono::steady_clock::now();
  int log = 0;
  int copied = 0;
  int rc = sqlite3_wal_checkpoint_v2(db_.raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
  if (checkpointer_) checkpointer_->WriterCheckpointed(rc == SQLITE_OK && log == copied);
  stats_.checkpoints.fetch_add(1);
  stats_.checkpoint_micros_total.fetch_add(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started)
          .count());
}

void Writer::Touched(std::string_view table) {
  for (const auto& t : touched_) {
    if (t == table) return;
  }
  touched_.emplace_back(table);
}

std::shared_ptr<const TableWatch> Writer::Watch(std::vector<std::string> tables) {
  auto watch = std::make_shared<TableWatch>(std::move(tables));
  std::lock_guard<std::mutex> lock(mu_);
  watches_.push_back(watch);
  return watch;
}

void Writer::AdvanceWatches() {
  for (auto& w : watches_) {
    bool changed = !touch_reports_;
    for (const auto& t : w->tables_)
      changed = changed || std::find(touched_.begin(), touched_.end(), t) != touched_.end();
    if (changed) w->generation_.fetch_add(1, std::memory_order_acq_rel);
  }
  touched_.clear();
}

void Writer::Start() {
  sync_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "hf-writer-sync");
    SyncLoop();
  });
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "hf-writer");
    Loop();
  });
}

void Writer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // The writer has handed over its last batch; the sync thread answers it, then ends.
  {
    std::lock_guard<std::mutex> lock(sync_mu_);
    sync_stopping_ = true;
  }
  sync_cv_.notify_all();
  if (sync_thread_.joinable()) sync_thread_.join();
}

void Writer::AwaitSync(std::vector<Pending>& batch, std::vector<Result<json::value>>& results,
                       uint64_t commit) {
  Committed c;
  c.commit = commit;
  c.dones.reserve(batch.size());
  for (auto& p : batch) c.dones.push_back(std::move(p.done));
  c.results = std::move(results);
  c.head = head_;
  {
    std::lock_guard<std::mutex> lock(sync_mu_);
    unsynced_.push_back(std::move(c));
  }
  sync_cv_.notify_one();
}

void Writer::SyncLoop() {
  std::deque<Committed> ready;
  for (;;) {
    std::shared_ptr<const Error> broken;
    std::shared_ptr<const std::function<Status()>> sync;
    {
      std::unique_lock<std::mutex> lock(sync_mu_);
      sync_cv_.wait(lock, [this] { return sync_stopping_ || !unsynced_.empty(); });
      if (unsynced_.empty()) {  // stopping, and everything answered
        sync_ended_ = true;
        durable_cv_.notify_all();
        return;
      }
      ready.swap(unsynced_);
      broken = broken_;
      sync = wal_sync_;
    }
    // Every batch taken was committed, its frames written to the WAL file, before this sync begins.
    if (!broken) {
      auto started = std::chrono::steady_clock::now();
      Status synced = (*sync)();
      stats_.syncs.fetch_add(1);
      stats_.sync_micros_total.fetch_add(
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started)
              .count());
      if (!synced.ok()) {
        // The kernel may have dropped the pages it could not write, and reports that only once: nothing
        // committed from here on can be trusted to reach the disk.
        broken = std::make_shared<const Error>(MakeError(
            Code::kUnavailable,
            fmt::format("the node stopped taking writes: the disk did not confirm a write ({}). Recent work "
                        "may be lost: check the disk and the system log, then restart the node; it "
                        "recovers to its last confirmed write",
                        synced.error().detail),
            "storage-failed"));
        std::lock_guard<std::mutex> lock(sync_mu_);
        broken_ = broken;
      }
    }
    if (!broken) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        committed_head_ = ready.back().head;
      }
      std::lock_guard<std::mutex> lock(sync_mu_);
      commits_durable_ = ready.back().commit;
    }
    durable_cv_.notify_all();
    for (Committed& c : ready) {
      for (size_t i = 0; i < c.dones.size(); ++i) {
        if (broken) {
          c.dones[i](*broken);
        } else {
          c.dones[i](std::move(c.results[i]));
        }
      }
    }
    ready.clear();
  }
}

FeedHead Writer::head() const {
  std::lock_guard<std::mutex> lock(mu_);
  return committed_head_;
}

Status Writer::WaitDurable() {
  // A reader that saw a commit saw it after its number was counted (before the COMMIT).
  const uint64_t wanted = commits_begun_.load();
  std::unique_lock<std::mutex> lock(sync_mu_);
  durable_cv_.wait(lock, [&] { return commits_durable_ >= wanted || broken_ || sync_ended_; });
  if (commits_durable_ >= wanted) return Status::Ok();
  if (broken_) return *broken_;
  return MakeError(Code::kUnavailable, "the node is shutting down; try again shortly", "shutting-down");
}

void Writer::Submit(CommandFn command, CommandDone done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back({std::move(command), std::move(done)});
      stats_.queue_depth.store(static_cast<int64_t>(queue_.size()));
      cv_.notify_one();
      return;
    }
  }
  done(MakeError(Code::kUnavailable, "the node is shutting down; try again shortly", "shutting-down"));
}

Result<json::value> Writer::Execute(CommandFn command) {
  std::promise<Result<json::value>> promise;
  auto future = promise.get_future();
  Submit(std::move(command), [&promise](Result<json::value> r) { promise.set_value(std::move(r)); });
  return future.get();
}

void Writer::Loop() {
  std::vector<Pending> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to answer
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stats_.queue_depth.store(static_cast<int64_t>(queue_.size()));
    }
    RunBatch(batch);
    batch.clear();
  }
}

Status Writer::Run(std::string_view sql) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db_.Prepare(sql));
  return s->Run();
}

bool Writer::RunCommands(std::vector<Pending>& batch, bool savepoints,
                         std::vector<Result<json::value>>& results, int64_t& events) {
  for (auto& p : batch) {
    const FeedHead before = head_;
    const journal::Stamp stamp_before = hlc_.last();
    const int64_t events_before = events;
    const int64_t changes_before = db_.TotalChanges();
    if (savepoints) {
      Status sp = Run("SAVEPOINT command");
      if (!sp.ok()) {
        results.emplace_back(sp.error());
        continue;
      }
    }
    CommandContext ctx(db_, clock_, node_id_, registry_, head_, hlc_, events);
    Result<json::value> r = Internal("command did not run");
    try {
      r = p.command(ctx);
    } catch (const std::exception& ex) {
      r = Internal(fmt::format("command failed unexpectedly: {}", ex.what()));
    }
    if (savepoints) {
      if (r.ok()) {
        Status rel = Run("RELEASE command");
        if (!rel.ok()) r = rel.error();
      }
      if (!r.ok()) {
        (void)Run("ROLLBACK TO command");
        (void)Run("RELEASE command");
      }
    } else if (!r.ok() && (db_.TotalChanges() != changes_before || events != events_before)) {
      return false;  // its changes cannot be undone alone
    }
    if (!r.ok()) {
      head_ = before;
      hlc_.Restore(stamp_before);
      events = events_before;
      stats_.failed_commands.fetch_add(1);
    }
    results.push_back(std::move(r));
  }
  return true;
}

Status Writer::SealBatch(int64_t from_seq) {
  // Every kSealEvery-th event of the batch is sealed too, so that sync can cut a feed into pieces of bounded
  // size that each end at a seal.
  HF_ASSIGN_OR_RETURN(StmtRef s, db_.Prepare("SELECT seq, hash FROM events WHERE feed=? AND seq>? AND seq<? "
                                             "AND seq % ? = 0 ORDER BY seq"));
  s->BindAll(node_id_, from_seq, head_.seq, kSealEvery);
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    HF_RETURN_IF_ERROR(InsertSeal(db_, journal::MakeSeal(secret_key_, node_id_, s->Int(0), Hex(s->Blob(1)))));
  }
  return InsertSeal(db_, journal::MakeSeal(secret_key_, node_id_, head_.seq, head_.hash));
}

void Writer::RunBatch(std::vector<Pending>& batch) {
  auto started = std::chrono::steady_clock::now();
  const FeedHead batch_head = head_;
  const journal::Stamp batch_stamp = hlc_.last();
  std::vector<Result<json::value>> results;
  results.reserve(batch.size());
  int64_t events = 0;

  auto fail_all = [&](const Error& e) {
    touched_.clear();  // rolled back: nothing changed
    head_ = batch_head;
    hlc_.Restore(batch_stamp);
    stats_.failed_commits.fetch_add(1);
    for (auto& p : batch) p.done(e);
  };

  {
    std::lock_guard<std::mutex> lock(sync_mu_);
    if (broken_) {
      for (auto& p : batch) p.done(*broken_);
      return;
    }
  }
  auto txn = Transaction::Begin(db_);
  if (!txn.ok()) return fail_all(txn.error());

  // First without savepoints, which cost a copy of every page a command touches: a command that fails before
  // changing anything (the usual refusal) needs nothing undone. Only when a command fails after changing
  // something is the batch rolled back and run again with a savepoint around each command.
  bool clean = RunCommands(batch, /*savepoints=*/false, results, events);
  if (!clean) {
    Status restarted = txn->Restart();
    touched_.clear();
    head_ = batch_head;
    hlc_.Restore(batch_stamp);
    results.clear();
    events = 0;
    stats_.reruns.fetch_add(1);
    if (!restarted.ok()) return fail_all(restarted.error());
    RunCommands(batch, /*savepoints=*/true, results, events);
  }

  if (head_.seq != batch_head.seq) {
    Status s = SealBatch(batch_head.seq);
    if (!s.ok()) return fail_all(s.error());
  }
  // The clock is persisted when the batch moved it (a batch of sign-outs or replayed answers does not).
  journal::Stamp last = hlc_.last();
  Status s =
      last == batch_stamp ? Status::Ok() : SetMeta(db_, "hlc", fmt::format("{} {}", last.time, last.tick));
  uint64_t commit = 0;
  if (s.ok()) {
    commit = commits_begun_.fetch_add(1) + 1;
    DeferWalSyncs defer;  // the sync thread syncs, while this thread goes on to the next batch
    s = txn->Commit();
  }
  if (!s.ok()) {
    fail_all(s.error());  // the feed head goes back to the batch's start
    if (commit != 0) {
      // Nothing of it to sync, but WaitDurable callers counted it: the sync thread passes it.
      std::vector<Pending> none;
      std::vector<Result<json::value>> no_results;
      AwaitSync(none, no_results, commit);
    }
    return;
  }

  {
    std::lock_guard<std::mutex> lock(mu_);
    AdvanceWatches();
  }
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
  stats_.batches.fetch_add(1);
  stats_.commands.fetch_add(static_cast<int64_t>(batch.size()));
  stats_.events.fetch_add(events);
  stats_.commit_micros_total.fetch_add(micros.count());
  AwaitSync(batch, results, commit);
  MaybeCheckpoint();
}

}  // namespace holdfast::store
