#include "base/files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace holdfast {

Error ErrnoError(const std::string& what) {
  int e = errno;
  Code code = (e == ENOENT) ? Code::kNotFound : (e == ENOSPC ? Code::kUnavailable : Code::kIo);
  return MakeError(code, fmt::format("{}: {}", what, std::strerror(e)), code == Code::kNotFound ? "" : "io");
}

Result<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open " + path);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e = ErrnoError("cannot read " + path);
      ::close(fd);
      return e;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

namespace {

// Writes `contents` to the new file `tmp` and syncs it.
Status WriteSynced(const std::string& tmp, std::string_view contents, int mode) {
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoError("cannot create " + tmp);
  ::fchmod(fd, static_cast<mode_t>(mode));
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e = ErrnoError("cannot write " + tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return e;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Error e = ErrnoError("cannot sync " + tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  }
  ::close(fd);
  return Status::Ok();
}

void SyncParent(const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace

Status WriteFileAtomic(const std::string& path, std::string_view contents, int mode) {
  std::string tmp = path + ".tmp";
  HF_RETURN_IF_ERROR(WriteSynced(tmp, contents, mode));
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoError("cannot rename " + tmp + " to " + path);
  SyncParent(path);
  return Status::Ok();
}

Result<bool> WriteFileNew(const std::string& path, std::string_view contents, const std::string& tmp,
                          int mode) {
  HF_RETURN_IF_ERROR(WriteSynced(tmp, contents, mode));
  int linked = ::link(tmp.c_str(), path.c_str());
  int link_errno = errno;
  ::unlink(tmp.c_str());
  if (linked != 0) {
    if (link_errno == EEXIST) return false;
    errno = link_errno;
    return ErrnoError("cannot link " + path);
  }
  SyncParent(path);
  return true;
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Status MakeDirectories(const std::string& path, int mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return IoError(fmt::format("cannot create directory {}: {}", path, ec.message()));
  ::chmod(path.c_str(), static_cast<mode_t>(mode));
  return Status::Ok();
}

Result<DirectoryLock> DirectoryLock::Acquire(const std::string& dir) {
  std::string path = dir + "/lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("cannot open " + path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Conflict(fmt::format("the node in {} is in use by another process (is `holdfast serve` running?); "
                                "stop it first or use the HTTP API",
                                dir),
                    "node-busy");
  }
  return DirectoryLock(fd);
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace holdfast
