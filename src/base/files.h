// File system access the node needs, with errors as values: whole-file reads, durable atomic writes, and the
// data directory's lock.
#ifndef HOLDFAST_BASE_FILES_H_
#define HOLDFAST_BASE_FILES_H_

#include <string>

#include "base/bytes.h"
#include "base/status.h"

namespace holdfast {

Result<std::string> ReadFile(const std::string& path);

// Writes `contents` to `path` durably: a temporary file beside it, fsync, rename, fsync of the directory.
// `mode` is applied to the new file before any byte is written (0600 for keys).
Status WriteFileAtomic(const std::string& path, std::string_view contents, int mode = 0644);

// Writes `contents` durably to `path` only if nothing is there: written and synced as `tmp` (a unique path on
// the same file system), then linked into place, which never replaces a file. False when `path` exists.
Result<bool> WriteFileNew(const std::string& path, std::string_view contents, const std::string& tmp,
                          int mode = 0644);

bool FileExists(const std::string& path);
Status MakeDirectories(const std::string& path, int mode = 0700);

// An exclusive advisory lock (flock) on DIR/lock, held while the object lives. A second holder, in this or
// another process, fails at once with kConflict instead of waiting.
class DirectoryLock {
 public:
  static Result<DirectoryLock> Acquire(const std::string& dir);
  DirectoryLock(DirectoryLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DirectoryLock& operator=(DirectoryLock&&) = delete;
  DirectoryLock(const DirectoryLock&) = delete;
  ~DirectoryLock();

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_;
};

// The errno of the last failed call as an Error naming `what`.
Error ErrnoError(const std::string& what);

}  // namespace holdfast

#endif  // HOLDFAST_BASE_FILES_H_
