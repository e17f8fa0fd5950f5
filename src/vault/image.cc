#include "vault/image.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "base/files.h"
#include "vault/object.h"

namespace holdfast::vault {
namespace {

constexpr std::string_view kKind = "image";

Error Damaged(std::string detail) { return MakeError(Code::kCorrupt, std::move(detail), "damaged-backup"); }

// The chunks' MAC key, derived from the backup key so that neither key tells anything of the other.
Bytes MacKey(std::span<const uint8_t> key) {
  constexpr std::string_view kLabel = "holdfast-vault-image-mac v1";
  Bytes out(crypto_generichash_BYTES);
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(kLabel.data()),
                     kLabel.size(), key.data(), key.size());
  return out;
}

std::string Mac(std::span<const uint8_t> mac_key, std::string_view chunk) {
  Bytes out(crypto_generichash_BYTES);
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(chunk.data()),
                     chunk.size(), mac_key.data(), mac_key.size());
  return Hex(out);
}

// An open file descriptor, closed on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Status ReadAt(int fd, std::string& buf, int64_t offset) {
  size_t done = 0;
  while (done < buf.size()) {
    ssize_t n = ::pread(fd, buf.data() + done, buf.size() - done, offset + static_cast<int64_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return n < 0 ? ErrnoError("cannot read the database copy") : IoError("the database copy shrank");
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status WriteAt(int fd, std::string_view buf, int64_t offset) {
  size_t done = 0;
  while (done < buf.size()) {
    ssize_t n = ::pwrite(fd, buf.data() + done, buf.size() - done, offset + static_cast<int64_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("cannot write the restored database");
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

namespace {

Status CopyInSteps(store::Db& db, store::Db& copy, const std::string& path, const std::atomic<bool>* stop) {
  // The copy is read back at once and thrown away: no journal, no syncs.
  HF_RETURN_IF_ERROR(copy.Exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF"));
  sqlite3_backup* backup = sqlite3_backup_init(copy.raw(), "main", db.raw(), "main");
  if (!backup) return IoError(fmt::format("cannot copy the database: {}", sqlite3_errmsg(copy.raw())));
  // In steps of 4 MiB, all in the source's open read transaction: every page as that transaction sees it
  // (a backup starts over only when its source connection begins another read of a changed database).
  constexpr int kPagesPerStep = 1024;
  int rc = SQLITE_OK;
  int64_t steps = 0;
  while (rc == SQLITE_OK) {
    if (stop && stop->load(std::memory_order_relaxed)) break;
    rc = sqlite3_backup_step(backup, kPagesPerStep);
    int64_t pages = sqlite3_backup_pagecount(backup);
    if (++steps > 2 * (pages / kPagesPerStep + 2)) break;  // started over: the snapshot moved
  }
  int finished = sqlite3_backup_finish(backup);
  if (rc == SQLITE_OK) {
    if (stop && stop->load(std::memory_order_relaxed))
      return MakeError(Code::kUnavailable, "the copy of the database was stopped", "stopping");
    return Internal("the copy of the database kept starting over: its read transaction did not hold");
  }
  if (rc != SQLITE_DONE || finished != SQLITE_OK) {
    return IoError(fmt::format("cannot copy the database to {}: {}", path,
                               sqlite3_errstr(rc != SQLITE_DONE ? rc : finished)));
  }
  return Status::Ok();
}

}  // namespace

Status CopyDatabase(store::Db& db, const std::string& path, const std::atomic<bool>* stop) {
  auto remove = [&] {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  };
  remove();
  Status copied = [&]() -> Status {
    HF_ASSIGN_OR_RETURN(std::unique_ptr<store::Db> copy, store::Db::Open(path, store::OpenMode::kReadWrite));
    return CopyInSteps(db, *copy, path, stop);
  }();
  if (!copied.ok()) remove();  // a part of a copy holds records in the clear
  return copied;
}

Result<ImageRef> StoreImage(const std::string& path, int64_t size, std::span<const uint8_t> key,
                            Target& target, const ImageRef* previous,
                            const std::function<void(const ImageProgress&)>& progress,
                            const std::atomic<bool>* stop) {
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  struct stat st {};
  if (file.fd < 0 || ::fstat(file.fd, &st) != 0) return ErrnoError(fmt::format("cannot open {}", path));
  ImageRef image{size, static_cast<int64_t>(st.st_size), kImageChunkBytes, {}};
  if (image.bytes == 0) return IoError(fmt::format("{} is empty", path));
  std::map<std::string, std::string, std::less<>> known;  // MAC -> object, of the previous image
  if (previous && previous->chunk_bytes == image.chunk_bytes)
    for (const ImageChunk& c : previous->chunks) known.emplace(c.mac, c.object);
  Bytes mac_key = MacKey(key);
  ImageProgress done;
  done.of = (image.bytes + image.chunk_bytes - 1) / image.chunk_bytes;

  // A chunk read, MACed and (unless the previous image has it) sealed, two at a time on two threads; the
  // vault is written in order on this one.
  struct Sealed {
    ImageChunk chunk;
    std::string bytes;  // empty when the previous image's object is named again
  };
  auto seal = [&](int64_t i) -> Result<Sealed> {
    int64_t offset = i * image.chunk_bytes;
    std::string plain(static_cast<size_t>(std::min(image.chunk_bytes, image.bytes - offset)), '\0');
    HF_RETURN_IF_ERROR(ReadAt(file.fd, plain, offset));
    Sealed out{{"", Mac(mac_key, plain)}, ""};
    if (auto it = known.find(out.chunk.mac); it != known.end()) {
      out.chunk.object = it->second;
      return out;
    }
    HF_ASSIGN_OR_RETURN(out.bytes, SealObject(key, kKind, plain));
    out.chunk.object = ObjectName(out.bytes);
    return out;
  };
  for (int64_t i = 0; i < done.of; i += 2) {
    if (stop && stop->load(std::memory_order_relaxed)) {
      return MakeError(Code::kUnavailable, "the image was stopped before it was complete", "stopping");
    }
    std::future<Result<Sealed>> second;
    if (i + 1 < done.of) second = std::async(std::launch::async, seal, i + 1);
    std::vector<Result<Sealed>> pair;
    pair.push_back(seal(i));
    if (second.valid()) pair.push_back(second.get());
    for (Result<Sealed>& got : pair) {
      if (!got.ok()) return got.error();
      if (!got->bytes.empty()) {
        HF_RETURN_IF_ERROR(target.PutObject(got->chunk.object, got->bytes).status());
        done.stored += 1;
        done.bytes += static_cast<int64_t>(got->bytes.size());
      }
      image.chunks.push_back(std::move(got->chunk));
      done.chunks += 1;
    }
    if (progress) progress(done);
  }
  return image;
}

Result<int64_t> FetchImage(Target& target, std::span<const uint8_t> key, const ImageRef& image,
                           const std::string& path, const std::function<void(int64_t, int64_t)>& progress) {
  Fd file{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
  if (file.fd < 0) return ErrnoError(fmt::format("cannot create {}", path));
  if (::ftruncate(file.fd, image.bytes) != 0) return ErrnoError(fmt::format("cannot size {}", path));
  Bytes mac_key = MacKey(key);
  const int64_t total = static_cast<int64_t>(image.chunks.size());
  std::mutex mu;  // the target (a remote vault is one connection), the progress, the first error
  std::atomic<int64_t> next{0};
  int64_t fetched = 0, fetched_bytes = 0;
  std::optional<Error> failed;
  auto work = [&] {
    for (;;) {
      int64_t i = next.fetch_add(1);
      if (i >= total) return;
      const ImageChunk& c = image.chunks[static_cast<size_t>(i)];
      int64_t offset = i * image.chunk_bytes;
      int64_t length = std::min(image.chunk_bytes, image.bytes - offset);
      std::string where = fmt::format("image chunk {} of {} (object {}, bytes {}..{} of the database)", i + 1,
                                      total, c.object, offset, offset + length - 1);
      Status s = [&]() -> Status {
        Result<std::string> sealed = [&] {
          std::lock_guard<std::mutex> lock(mu);
          return failed ? Result<std::string>(std::string()) : target.GetObject(c.object);
        }();
        if (!sealed.ok()) return Damaged(fmt::format("{}: {}", where, sealed.error().detail));
        if (sealed->empty()) return Status::Ok();  // another chunk failed: stop
        if (ObjectName(*sealed) != c.object)
          return Damaged(fmt::format("{} is corrupted or swapped: its bytes do not hash to its name", where));
        auto plain = OpenObject(key, kKind, *sealed);
        if (!plain.ok()) return Damaged(fmt::format("{}: {}", where, plain.error().detail));
        if (static_cast<int64_t>(plain->size()) != length || Mac(mac_key, *plain) != c.mac)
          return Damaged(fmt::format("{} is another chunk than the one its manifest names", where));
        HF_RETURN_IF_ERROR(WriteAt(file.fd, *plain, offset));
        std::lock_guard<std::mutex> lock(mu);
        fetched_bytes += static_cast<int64_t>(sealed->size());
        return Status::Ok();
      }();
      std::lock_guard<std::mutex> lock(mu);
      if (!s.ok()) {
        if (!failed) failed = s.error();
        return;
      }
      if (failed) return;
      ++fetched;
      if (progress) progress(fetched, total);
    }
  };
  std::thread helper(work);
  work();
  helper.join();
  if (failed) return *failed;
  return fetched_bytes;
}

}  // namespace holdfast::vault
