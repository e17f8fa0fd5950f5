// Backing a node up to its vaults (DESIGN §9): each push sends what the vault lacks of the node's log as
// sealed packs, then a signed manifest (vault/manifest.h) that makes them part of the backup.
//
// One push, against the vault's last manifest of this node (generation g, log size s):
//   1. in one read transaction (one snapshot of the database): the log's size n, its root, the consistency
//      proof from s to n, the state digest, and packs of log positions [s, n) (vault/pack.h);
//   2. each pack is sealed (vault/object.h) and stored, then the keys object (the first time);
//   3. the manifest of generation g+1 is stored last: until it is, the packs belong to no backup, so a push
//   cut
//      at any point leaves the vault as it was, plus unreferenced objects the next push may reuse.
// The Pusher runs pushes in the background every few seconds for `holdfast serve`.
#ifndef HOLDFAST_VAULT_BACKUP_H_
#define HOLDFAST_VAULT_BACKUP_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/bytes.h"
#include "base/json.h"
#include "base/status.h"
#include "store/node.h"
#include "store/registry.h"
#include "vault/target.h"

namespace holdfast::vault {

// What a node needs to back itself up, read from its data directory.
struct BackupSource {
  std::string city;
  std::string node;
  Bytes node_public_key;
  Bytes node_secret_key;
  Bytes city_key;
  Bytes certificate;  // the city's certificate of the node key, from the nodes table
  Bytes vault_key;
  std::string keys_payload;  // the keys object's payload: node.key's text, then city.pub's
};
Result<BackupSource> LoadBackupSource(const std::string& dir, store::Db& db);

// The keys object's payload and its parts.
std::string KeysPayload(std::string_view node_key_file, std::string_view city_pub_file);
struct KeyFiles {
  std::string node_key;
  std::string city_pub;
};
Result<KeyFiles> ParseKeysPayload(std::string_view payload);

struct PushReport {
  int64_t generation = 0;  // the vault's last generation after the push
  int64_t size = 0;        // log size it covers
  int64_t events = 0;      // events this push added
  int64_t packs = 0;
  int64_t bytes = 0;  // sealed bytes sent
  bool nothing_new = false;
  int64_t image_size = 0;         // the log size of the image this push added (0: none)
  int64_t image_chunks = 0;       // its chunks so far,
  int64_t image_chunks_sent = 0;  // of them stored (not in the previous image)
  double digest_seconds = -1;     // the time the state digest took in this push (-1: it used one given)
};

// The state digest of a node when its log held `size` events.
struct StateMark {
  int64_t size = 0;
  std::string digest;  // hex
};
// Computes a StateMark in one snapshot of `db`. `stop`: as for store::StateDigest.
Result<StateMark> MarkState(store::Db& db, const store::Registry& registry,
                            const std::atomic<bool>* stop = nullptr);

// An image to add with a push (vault/image.h).
struct PushImage {
  // Copy the database to this scratch file in the push's snapshot and store it (`holdfast backup --image`);
  // "" for none.
  std::string scratch;
  // Or an image stored in the vault already (by the Pusher's image thread), of a log size up to the push's.
  std::optional<ImageRef> stored;
};

// The generation holding the latest image of `node` in `target`, found through its last manifest; nullopt
// when it has none.
Result<std::optional<Manifest>> LatestImage(Target& target, const std::string& node);

// One push of the node's log to `target`. `db` is a read connection to the node's database. The manifest
// records `known` (a digest computed beside the pushes, of an earlier size) when it is given and no older
// than the last manifest's; otherwise the digest is computed in the push's snapshot, before anything is sent.
// When `stop` becomes true the push gives up (kUnavailable "stopping") within a few thousand rows of the
// digest or before its next pack: packs it sent are then named by no manifest (the next push sends others).
// With `image`, the manifest also adds an image of the database in the push's snapshot, even when the log
// has nothing new. With `previous_digest_will_do` and nothing `known`, the manifest records the vault's last
// digest again instead of computing one (unless the vault has none).
Result<PushReport> Push(store::Db& db, const store::Registry& registry, const BackupSource& source,
                        Target& target, const std::function<void(const PushReport&)>& progress = nullptr,
                        const std::optional<StateMark>& known = std::nullopt,
                        const std::atomic<bool>* stop = nullptr, const PushImage& image = {},
                        bool previous_digest_will_do = false);

// The last push to each vault, for the API, /metrics and the logs.
struct VaultStatus {
  std::string target;
  bool ok = false;
  int64_t last_attempt_ms = 0;
  int64_t last_success_ms = 0;
  int64_t generation = 0;
  int64_t size = 0;  // log size the vault holds
  int64_t pushes = 0;
  int64_t failures = 0;
  std::string last_error;
  int64_t image_size = 0;     // log size of the vault's latest image (0: none known)
  int64_t last_image_ms = 0;  // when its manifest was made
  json::object ToJson() const;
};

// When images are made: every `every` (0: never), the database copied to `scratch`.
struct ImageSchedule {
  std::chrono::milliseconds every{0};
  std::string scratch;
};

// Pushes to each target every `every` (a push starts every `every`, or at once when the last one took
// longer), on a thread of its own. Thread-safe.
//
// With `images`, a third thread makes an image when a vault's latest one is older than `images.every`: it
// copies the database and stores the chunks beside the pushes (their calls to a vault take turns), and the
// next push names the image in its manifest. So a large node's image, which takes minutes, never holds up
// the pushes of its new events.
//
// A second thread computes the state digest beside the pushes, resting four times as long as it took between
// two (at most a fifth of a core), and each push records the latest one (the vault's last until there is
// one): so the time between two pushes, and the work a lost machine loses, does not grow with the node's
// state. Once a digest takes less than a quarter of `every` (a small node), the thread ends and each push
// computes its own; a push whose digest then takes longer starts the thread again.
class Pusher {
 public:
  Pusher(store::Node& node, BackupSource source, std::vector<std::unique_ptr<Target>> targets,
         std::chrono::milliseconds every, ImageSchedule images = {});
  ~Pusher();
  void Start();
  // Stops at once: a push in progress gives up before its next pack and a state digest being computed is
  // abandoned (on a large node, either takes many seconds); see Push.
  void Stop();
  std::vector<VaultStatus> Snapshot() const;

 private:
  void Run();
  void RunDigests();
  void RunImages();
  // One round of the image thread: images for the vaults whose latest is due. Returns when to look again.
  std::chrono::milliseconds MakeDueImages();
  store::Node& node_;
  BackupSource source_;
  std::vector<std::unique_ptr<Target>> targets_;  // each wrapped so that two threads' calls take turns
  std::chrono::milliseconds every_;
  ImageSchedule images_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stopping_{false};  // set under mu_; read without it by the digest and push in progress
  std::vector<VaultStatus> status_;
  std::optional<StateMark> mark_;  // the digest thread's latest
  bool digests_in_push_ = false;   // each push computes its own digest; the digest thread has ended
  std::vector<std::optional<ImageRef>> stored_images_;  // per target: stored, for its next manifest
  std::vector<int64_t> image_retry_ms_;                 // per target: no image before (after a failure)
  // After an image failed for a vault (or the copy failed), the next is tried this much later at the soonest.
  static constexpr int64_t kImageRetryMs = 10 * 60'000;
  std::thread thread_;
  std::thread digest_thread_;
  std::thread image_thread_;
};

}  // namespace holdfast::vault

#endif  // HOLDFAST_VAULT_BACKUP_H_
