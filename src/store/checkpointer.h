// Keeps the node's WAL short without making the writer's clients wait for the copy.
//
// SQLite's own automatic checkpoint runs inside the commit that takes the WAL past its limit: that commit
// copies every page the WAL holds into the database file and syncs the file (a few MB, several milliseconds
// on a virtual disk) while the clients of that batch, and of every batch queued behind it, wait. The WAL can
// start over from its beginning only when a write transaction begins with every frame already copied, so
// the last copy has to happen between two of the writer's transactions; everything before it need not.
//
// The Checkpointer splits the work:
// - its own thread, on a connection of its own, copies committed frames (PASSIVE checkpoints) whenever the
//   writer reports that the WAL has grown by WalLimits::copy_step frames since the last request, and every
//   kIdleEvery otherwise (so an idle node's database file is up to date);
// - once the WAL holds restart_frames, it makes one more copy; when that has finished, the writer copies
//   the few frames committed since (WriterShouldCheckpoint returns true), after answering its batch, and its
//   next transaction starts the WAL over;
// - if the WAL still reaches force_frames (a reader holds on to old frames, or the thread cannot keep up),
//   the writer checkpoints after every commit, as SQLite's own automatic checkpoint would.
//
// Thread-safety: WriterShouldCheckpoint and WriterCheckpointed are called by the writer thread only; Start
// and Stop by the owner.
#ifndef HOLDFAST_STORE_CHECKPOINTER_H_
#define HOLDFAST_STORE_CHECKPOINTER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "store/sqlite.h"

namespace holdfast::store {

// Lengths of the WAL, in frames (one page each, 4 KiB).
struct WalLimits {
  int64_t copy_step = 1024;       // the checkpoint thread copies each time the WAL grew by this much
  int64_t restart_frames = 4096;  // the writer lets the WAL start over from this length (16 MiB)
  int64_t force_frames = 16384;   // and checkpoints after every commit from this one
};

class Checkpointer {
 public:
  static constexpr std::chrono::milliseconds kIdleEvery{100};

  // `db`: a read-write connection to the node's database, used only by the checkpoint thread.
  Checkpointer(std::unique_ptr<Db> db, WalLimits limits);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  void Start();
  // Finishes the copy in progress, if any, and stops the thread. The writer may still call in afterwards:
  // it then checkpoints by itself once the WAL reaches force_frames.
  void Stop();

  // Called after each commit with the number of frames in the WAL (as SQLite's WAL hook reports it). True
  // when the writer should now checkpoint its own connection (PASSIVE); it must then report with
  // WriterCheckpointed, and until it does the thread makes no copy. Past force_frames, first waits for the
  // thread's copy in progress, if any, to finish.
  bool WriterShouldCheckpoint(int64_t wal_frames);
  // `complete`: the writer's checkpoint copied every frame, so the next transaction starts the WAL over.
  void WriterCheckpointed(bool complete);

 private:
  void Run();
  void RequestCopy();  // with mu_ held

  std::unique_ptr<Db> db_;
  const WalLimits limits_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool closing_ = false;
  bool requested_ = false;
  bool copying_ = false;
  bool writers_turn_ = false;  // the writer is checkpointing: the thread does not start a copy
  int64_t copies_requested_ = 0;
  int64_t copies_done_ = 0;  // requests the thread has served (a copy serves every request made before it)
  int64_t final_copy_ = 0;   // the request to wait for before the writer's own checkpoint; 0: none
  int64_t requested_at_frames_ = 0;  // the WAL's length at the last request (writer thread only)
};

}  // namespace holdfast::store

#endif  // HOLDFAST_STORE_CHECKPOINTER_H_
