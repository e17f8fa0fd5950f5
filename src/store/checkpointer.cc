#include "store/checkpointer.h"

#include <pthread.h>
#include <sqlite3.h>

namespace holdfast::store {

Checkpointer::Checkpointer(std::unique_ptr<Db> db, WalLimits limits) : db_(std::move(db)), limits_(limits) {}

Checkpointer::~Checkpointer() { Stop(); }

void Checkpointer::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "hf-checkpoint");
    Run();
  });
}

void Checkpointer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Checkpointer::RequestCopy() {
  ++copies_requested_;
  requested_ = true;
  cv_.notify_one();
}

void Checkpointer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!closing_) {
    cv_.wait_for(lock, kIdleEvery, [this] { return closing_ || requested_; });
    cv_.wait(lock, [this] { return closing_ || !writers_turn_; });
    if (closing_) break;
    requested_ = false;
    const int64_t serving = copies_requested_;
    const bool last = final_copy_ != 0 && serving >= final_copy_;
    copying_ = true;
    lock.unlock();
    // Busy (the writer is checkpointing) or an I/O error: the writer's own checkpoint still keeps the WAL
    // bounded, and the next request tries again.
    (void)sqlite3_wal_checkpoint_v2(db_->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    // SQLite syncs the database file only after a copy that reached the WAL's end, which one made beside a
    // busy writer seldom does, so the pages copied wait in the page cache and the writer's own checkpoint
    // would have to write all of them to disk. The last copy before it syncs them, leaving the writer only
    // its own pages. (Syncing after every copy cost the writer about a tenth of its rate in the parties
    // benchmark; starting the write-out after every copy, with sync_file_range, gained nothing measurable.)
    if (last) {
      sqlite3_file* file = nullptr;
      if (sqlite3_file_control(db_->raw(), "main", SQLITE_FCNTL_FILE_POINTER, &file) == SQLITE_OK && file &&
          file->pMethods) {
        (void)file->pMethods->xSync(file, SQLITE_SYNC_NORMAL);
      }
    }
    lock.lock();
    copying_ = false;
    copies_done_ = serving;
    cv_.notify_all();  // a writer may be waiting for the copy to finish
  }
}

bool Checkpointer::WriterShouldCheckpoint(int64_t wal_frames) {
  std::unique_lock<std::mutex> lock(mu_);
  if (wal_frames < requested_at_frames_) requested_at_frames_ = 0;  // the WAL started over
  if (wal_frames >= limits_.force_frames) {
    // Waits for a copy in progress (the two would only get in each other's way), then goes ahead.
    cv_.wait(lock, [this] { return !copying_; });
    writers_turn_ = true;
    return true;
  }
  if (wal_frames < limits_.restart_frames) {
    if (wal_frames - requested_at_frames_ >= limits_.copy_step) {
      RequestCopy();
      requested_at_frames_ = wal_frames;
    }
    return false;
  }
  if (final_copy_ == 0) {
    RequestCopy();
    requested_at_frames_ = wal_frames;
    final_copy_ = copies_requested_;
    return false;
  }
  writers_turn_ = copies_done_ >= final_copy_ && !copying_;
  return writers_turn_;
}

void Checkpointer::WriterCheckpointed(bool complete) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    final_copy_ = 0;  // if incomplete, the next commit asks for another copy first
    if (complete) requested_at_frames_ = 0;
    writers_turn_ = false;
  }
  cv_.notify_all();
}

}  // namespace holdfast::store
