#include "store/wal_vfs.h"

#include "store/sqlite.h"

#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace holdfast::store {
namespace {

constexpr size_t kFlushAt = 16u << 20;
// The default VFS writes at most 128 KiB - 1 in one call (it masks larger lengths): larger runs are written
// in pieces of this size.
constexpr size_t kMaxWrite = 120u << 10;

// Consecutive writes not yet handed to the file: `data` belongs at offset `at`.
struct Pending {
  sqlite3_int64 at = 0;
  std::vector<char> data;
};

// Our file object; the default VFS's file object follows it in the same allocation (szOsFile covers both).
struct File {
  sqlite3_file base;  // base.pMethods: kMethods
  sqlite3_file* real;
  Pending* pending;  // the WAL file only; nullptr for every other file
  // The WAL file only: SQLite's first sync of it went through. That sync also makes the file's directory
  // entry durable (the default VFS syncs the directory of a new WAL file once), so it is never left out.
  bool synced_once;
};
static_assert(sizeof(File) % 8 == 0, "the default VFS's file object must stay aligned");

sqlite3_vfs* g_default = nullptr;

File* Of(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
const sqlite3_io_methods* Real(File* f) { return f->real->pMethods; }

int Flush(File* f) {
  Pending* p = f->pending;
  if (!p || p->data.empty()) return SQLITE_OK;
  int rc = SQLITE_OK;
  for (size_t done = 0; done < p->data.size() && rc == SQLITE_OK; done += kMaxWrite) {
    const size_t n = std::min(kMaxWrite, p->data.size() - done);
    rc = Real(f)->xWrite(f->real, p->data.data() + done, static_cast<int>(n),
                         p->at + static_cast<sqlite3_int64>(done));
  }
  // Whatever the outcome, these bytes are not written again: a failed write fails SQLite's transaction.
  p->data.clear();
  return rc;
}

int Close(sqlite3_file* file) {
  File* f = Of(file);
  int flushed = Flush(f);
  int rc = Real(f)->xClose(f->real);
  delete f->pending;
  f->pending = nullptr;
  return flushed != SQLITE_OK ? flushed : rc;
}

int Read(sqlite3_file* file, void* out, int n, sqlite3_int64 at) {
  File* f = Of(file);
  if (f->pending && !f->pending->data.empty()) {
    const Pending& p = *f->pending;
    const sqlite3_int64 end = p.at + static_cast<sqlite3_int64>(p.data.size());
    if (at < end && at + n > p.at) {
      int rc = Flush(f);
      if (rc != SQLITE_OK) return rc;
    }
  }
  return Real(f)->xRead(f->real, out, n, at);
}

int Write(sqlite3_file* file, const void* in, int n, sqlite3_int64 at) {
  File* f = Of(file);
  Pending* p = f->pending;
  if (!p) return Real(f)->xWrite(f->real, in, n, at);
  if (!p->data.empty() && at != p->at + static_cast<sqlite3_int64>(p->data.size())) {
    int rc = Flush(f);
    if (rc != SQLITE_OK) return rc;
  }
  if (p->data.empty()) p->at = at;
  const char* bytes = static_cast<const char*>(in);
  p->data.insert(p->data.end(), bytes, bytes + n);
  return p->data.size() >= kFlushAt ? Flush(f) : SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  File* f = Of(file);
  int rc = Flush(f);
  return rc != SQLITE_OK ? rc : Real(f)->xTruncate(f->real, size);
}

thread_local int t_defer_wal_syncs = 0;

int Sync(sqlite3_file* file, int flags) {
  File* f = Of(file);
  int rc = Flush(f);
  if (rc != SQLITE_OK) return rc;
  if (f->pending && f->synced_once && t_defer_wal_syncs > 0) return SQLITE_OK;  // the caller syncs later
  rc = Real(f)->xSync(f->real, flags);
  if (rc == SQLITE_OK && f->pending) f->synced_once = true;
  return rc;
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  File* f = Of(file);
  int rc = Flush(f);
  return rc != SQLITE_OK ? rc : Real(f)->xFileSize(f->real, size);
}

// The rest go straight through.
int Lock(sqlite3_file* f, int level) { return Real(Of(f))->xLock(Of(f)->real, level); }
int Unlock(sqlite3_file* f, int level) { return Real(Of(f))->xUnlock(Of(f)->real, level); }
int CheckReservedLock(sqlite3_file* f, int* out) { return Real(Of(f))->xCheckReservedLock(Of(f)->real, out); }
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(Of(f))->xFileControl(Of(f)->real, op, arg);
}
int SectorSize(sqlite3_file* f) { return Real(Of(f))->xSectorSize(Of(f)->real); }
int DeviceCharacteristics(sqlite3_file* f) { return Real(Of(f))->xDeviceCharacteristics(Of(f)->real); }
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return Real(Of(f))->xShmMap(Of(f)->real, region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(Of(f))->xShmLock(Of(f)->real, offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(Of(f))->xShmBarrier(Of(f)->real); }
int ShmUnmap(sqlite3_file* f, int remove) { return Real(Of(f))->xShmUnmap(Of(f)->real, remove); }
int Fetch(sqlite3_file* f, sqlite3_int64 at, int n, void** out) {
  return Real(Of(f))->xFetch(Of(f)->real, at, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 at, void* p) { return Real(Of(f))->xUnfetch(Of(f)->real, at, p); }

const sqlite3_io_methods kMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  File* f = Of(file);
  f->base.pMethods = nullptr;
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->pending = nullptr;
  f->synced_once = false;
  std::memset(f->real, 0, static_cast<size_t>(g_default->szOsFile));
  int rc = g_default->xOpen(g_default, name, f->real, flags, out_flags);
  // Without methods SQLite never calls xClose: nothing to wrap.
  if (!f->real->pMethods) return rc;
  // Every method we forward must exist in the default VFS's files (the "unix" VFS's do: version 3).
  if (f->real->pMethods->iVersion < 3) {
    f->real->pMethods->xClose(f->real);
    return SQLITE_CANTOPEN;
  }
  if (rc == SQLITE_OK && (flags & SQLITE_OPEN_WAL)) {
    f->pending = new (std::nothrow) Pending;
    if (!f->pending) {
      f->real->pMethods->xClose(f->real);
      return SQLITE_NOMEM;
    }
  }
  f->base.pMethods = &kMethods;
  return rc;
}

sqlite3_vfs* Register() {
  if (!ConfigureSqlite()) return nullptr;
  g_default = sqlite3_vfs_find(nullptr);
  if (!g_default || g_default->iVersion < 1) return nullptr;
  static sqlite3_vfs vfs;
  vfs = *g_default;  // every VFS-level call (delete, access, time, randomness …) is the default's
  vfs.pNext = nullptr;
  vfs.zName = "holdfast-batched-wal";
  vfs.szOsFile = static_cast<int>(sizeof(File)) + g_default->szOsFile;
  vfs.xOpen = Open;
  if (sqlite3_vfs_register(&vfs, 0) != SQLITE_OK) return nullptr;
  return &vfs;
}

}  // namespace

const char* BatchedWalVfs() {
  static sqlite3_vfs* vfs = Register();
  return vfs ? vfs->zName : nullptr;
}

DeferWalSyncs::DeferWalSyncs() { ++t_defer_wal_syncs; }
DeferWalSyncs::~DeferWalSyncs() { --t_defer_wal_syncs; }

std::string WalPath(Db& db) {
  const char* main = sqlite3_db_filename(db.raw(), "main");
  return main && *main ? std::string(main) + "-wal" : std::string();
}

Status SyncWal(const std::string& wal_path, bool must_exist) {
  if (wal_path.empty()) return Status::Ok();  // an in-memory or temporary database: nothing on disk
  int fd = ::open(wal_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    // No WAL: every commit is in the database file, which SQLite synced before removing the WAL.
    if (errno == ENOENT && !must_exist) return Status::Ok();
    return IoError(fmt::format("{}: cannot open to sync it: {}", wal_path, std::strerror(errno)));
  }
  int rc;
  do {
    rc = ::fdatasync(fd);
  } while (rc != 0 && errno == EINTR);
  const int err = errno;
  ::close(fd);
  if (rc != 0)
    return IoError(fmt::format("{}: the disk did not confirm the write: {}", wal_path, std::strerror(err)));
  return Status::Ok();
}

Status SyncWal(Db& db) { return SyncWal(WalPath(db), /*must_exist=*/false); }

}  // namespace holdfast::store
