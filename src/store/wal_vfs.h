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
// connections read to find committed frames. So the frames are in the file (and on disk) before any other
// connection can look for them, and a commit is durable exactly when it was before. A connection opened with
// this VFS must therefore keep synchronous=FULL (store::OpenWriteDb sets it and checks it); with NORMAL or
// OFF, committed frames could stay in this process's buffer where other connections cannot read them.
#ifndef HOLDFAST_STORE_WAL_VFS_H_
#define HOLDFAST_STORE_WAL_VFS_H_

namespace holdfast::store {

// The name of the VFS, registered (not as the default) on first use; nullptr if it could not be registered,
// in which case callers use the default VFS.
const char* BatchedWalVfs();

}  // namespace holdfast::store

#endif  // HOLDFAST_STORE_WAL_VFS_H_
