// Images: a node's whole database file in its vaults (DESIGN §9), so that a restore starts from the node as
// it was at some moment and stores and folds only the events after it, instead of folding its whole journal
// again (vault/restore.h).
//
// An image is made in three steps:
//   1. CopyDatabase copies the database, as one read transaction sees it, page for page into a scratch file
//      (SQLite's backup API): the same pages in the same places, so two images of a node differ only where
//      its pages did;
//   2. StoreImage cuts the copy into chunks, and seals and stores in the vault each chunk whose keyed MAC is
//      not among the previous image's chunks (whose objects are named again instead);
//   3. the next manifest names the chunks and the log size the copy holds (vault/manifest.h).
// Chunks stored and never named by a manifest (a push cut short) belong to no backup.
#ifndef HOLDFAST_VAULT_IMAGE_H_
#define HOLDFAST_VAULT_IMAGE_H_

#include <atomic>
#include <functional>
#include <span>
#include <string>

#include "base/status.h"
#include "store/sqlite.h"
#include "vault/manifest.h"
#include "vault/target.h"

namespace holdfast::vault {

inline constexpr int64_t kImageChunkBytes = int64_t{16} << 20;

// Copies `db`'s main database, as the read transaction open on it sees it, to a new file at `path` (removed
// first if it is there). `db` must have a read transaction open. When `stop` becomes true it gives up
// (kUnavailable "stopping") within a few MiB.
Status CopyDatabase(store::Db& db, const std::string& path, const std::atomic<bool>* stop = nullptr);

struct ImageProgress {
  int64_t chunks = 0, of = 0;  // chunks done, of all
  int64_t stored = 0;          // of them sealed and sent (the others were in the previous image)
  int64_t bytes = 0;           // sealed bytes sent
};

// Stores the copy at `path`, which holds the node's log up to `size` events, in `target` as an image sealed
// under `key`, reusing the chunks of `previous` (another image of the same node, or null). When `stop`
// becomes true it gives up (kUnavailable "stopping") before its next chunk.
Result<ImageRef> StoreImage(const std::string& path, int64_t size, std::span<const uint8_t> key,
                            Target& target, const ImageRef* previous,
                            const std::function<void(const ImageProgress&)>& progress = nullptr,
                            const std::atomic<bool>* stop = nullptr);

// Fetches `image`'s chunks from `target`, checks each (its name is the hash of its bytes, it opens under
// `key` as an image chunk of the length and MAC its manifest gives) and writes the file to `path`, which must
// not exist. Returns the sealed bytes fetched. Errors are kCorrupt "damaged-backup", naming the chunk and its
// object.
Result<int64_t> FetchImage(Target& target, std::span<const uint8_t> key, const ImageRef& image,
                           const std::string& path,
                           const std::function<void(int64_t chunks, int64_t of)>& progress = nullptr);

}  // namespace holdfast::vault

#endif  // HOLDFAST_VAULT_IMAGE_H_
