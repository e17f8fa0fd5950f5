// A SQLite VFS for the node's one writing connection that gathers a transaction's WAL writes in memory and
// hands them to the kernel as one write when SQLite syncs the WAL at commit.
//
// SQLite appends a transaction to the WAL one frame at a time, two write() calls per page (the frame header,
// then the page). A group-committed batch dirties tens of pages, and each system call costs microseconds,
// most of all in a virtual machine: the writer spent more time in those calls than in the commands
// themselves. This VFS wraps the default one ("unix") and changes only the WAL file's writes: consecutive
// writes are kept in a buffer and written with one pwrite() (per 120 KiB) when SQLite syncs the file, reads
// or truncates it, asks its size, closes it, or writes somewhere that does not follow on (and whenever the
// buffer reaches 16 MiB). Every other call, and every other file, goes straight to the default VFS.
//
// Why that is safe: with `PRAGMA synchronous=FULL`, SQLite syncs the WAL at every commit, after writing the
// transaction's frames and before it publishes them in the WAL index, the shared memory that other
// connections read to find committed frames. So the frames are in the file before any other connection can
// look for them. A connection opened with this VFS must therefore keep synchronous=FULL
// (store::OpenWriteDb sets it and checks it); with NORMAL or OFF, committed frames could stay in this
// process's buffer where other connections cannot read them.
//
// Deferred syncs. While a DeferWalSyncs object lives on a thread, the WAL syncs SQLite asks for on that
// thread only write the buffer out: the frames reach the file (so other connections can read them) but not
// yet the disk. The writer defers the sync of its commit this way and syncs the WAL itself (SyncWal) on
// another thread while it runs the next batch; it answers a batch only after that sync (store/writer.h).
// What stays synced in place: the first sync of each WAL file (it also makes the new file's directory entry
// durable), and every sync outside the deferring scope, checkpoints among them: a checkpoint's sync of the
// WAL before it copies frames into the database file is what keeps the database file consistent after a
// power loss. Between the commit and the writer's sync, a power loss can lose the commit, never corrupt the
// database: that is SQLite's own guarantee under synchronous=NORMAL, which syncs at no commit at all.
#ifndef HOLDFAST_STORE_WAL_VFS_H_
#define HOLDFAST_STORE_WAL_VFS_H_

#include <string>

#include "base/status.h"
#include "store/sqlite.h"

namespace holdfast::store {

// The name of the VFS, registered (not as the default) on first use; nullptr if it could not be registered,
// in which case callers use the default VFS.
const char* BatchedWalVfs();

// Defers, on this thread and while it lives, the WAL syncs of connections opened with the VFS (see above).
// The commit's frames must then be made durable with SyncWal before anything depends on them.
class DeferWalSyncs {
 public:
  DeferWalSyncs();
  ~DeferWalSyncs();
  DeferWalSyncs(const DeferWalSyncs&) = delete;
  DeferWalSyncs& operator=(const DeferWalSyncs&) = delete;
};

// The path of the WAL file of `db`'s main database ("" for an in-memory or temporary one).
std::string WalPath(Db& db);

// Makes everything written so far to the WAL file at `wal_path`, by any connection of any process, durable
// (fdatasync through a descriptor of its own). A missing file is an error when `must_exist`, and otherwise
// means there is nothing to sync: without a WAL, every commit is in the database file.
Status SyncWal(const std::string& wal_path, bool must_exist);

// For a reader about to hand on what it read (to a vault; `holdfast backup` beside a serving node): makes
// every commit it could have seen durable, since the writer's commits may be seen before they are synced.
// Inside the serving process, Writer::WaitDurable does the same without a sync of its own.
Status SyncWal(Db& db);

}  // namespace holdfast::store

#endif  // HOLDFAST_STORE_WAL_VFS_H_
