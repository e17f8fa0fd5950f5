#include "vault/backup.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <mutex>

#include "base/files.h"
#include "journal/checkpoint.h"
#include "journal/merkle.h"
#include "store/journal.h"
#include "store/node_log.h"
#include "store/wal_vfs.h"
#include "vault/image.h"
#include "vault/object.h"
#include "vault/pack.h"

namespace holdfast::vault {
namespace {

constexpr std::string_view kKeysSeparator = "\n--- city.pub ---\n";

// A vault whose calls from several threads take turns (a remote vault is one connection).
class TakingTurns final : public Target {
 public:
  explicit TakingTurns(std::unique_ptr<Target> target) : target_(std::move(target)) {}
  std::string Describe() const override { return target_->Describe(); }
  Result<bool> PutObject(const std::string& name, std::string_view bytes) override {
    std::lock_guard<std::mutex> lock(mu_);
    return target_->PutObject(name, bytes);
  }
  Result<std::string> GetObject(const std::string& name) override {
    std::lock_guard<std::mutex> lock(mu_);
    return target_->GetObject(name);
  }
  Status PutManifest(const std::string& node, int64_t generation, std::string_view bytes) override {
    std::lock_guard<std::mutex> lock(mu_);
    return target_->PutManifest(node, generation, bytes);
  }
  Result<std::string> GetManifest(const std::string& node, int64_t generation) override {
    std::lock_guard<std::mutex> lock(mu_);
    return target_->GetManifest(node, generation);
  }
  Result<int64_t> LatestGeneration(const std::string& node) override {
    std::lock_guard<std::mutex> lock(mu_);
    return target_->LatestGeneration(node);
  }
  Result<std::vector<std::string>> Nodes() override {
    std::lock_guard<std::mutex> lock(mu_);
    return target_->Nodes();
  }

 private:
  std::unique_ptr<Target> target_;
  std::mutex mu_;
};

}  // namespace

namespace {

// The generation holding the image `latest` (the node's last manifest) names, if any.
Result<std::optional<Manifest>> ImageHolder(Target& target, Manifest latest) {
  if (latest.image_at == 0) return std::optional<Manifest>();
  if (latest.image_at == latest.generation) return std::optional<Manifest>(std::move(latest));
  HF_ASSIGN_OR_RETURN(std::string bytes, target.GetManifest(latest.node, latest.image_at));
  HF_ASSIGN_OR_RETURN(Manifest holder, ParseManifest(bytes));
  if (!holder.image) {
    return Corrupt(fmt::format("{}: generation {} of node {} does not hold the image its successors name",
                               target.Describe(), latest.image_at, latest.node));
  }
  return std::optional<Manifest>(std::move(holder));
}

}  // namespace

Result<std::optional<Manifest>> LatestImage(Target& target, const std::string& node) {
  HF_ASSIGN_OR_RETURN(int64_t latest, target.LatestGeneration(node));
  if (latest == 0) return std::optional<Manifest>();
  HF_ASSIGN_OR_RETURN(std::string bytes, target.GetManifest(node, latest));
  HF_ASSIGN_OR_RETURN(Manifest m, ParseManifest(bytes));
  return ImageHolder(target, std::move(m));
}

std::string KeysPayload(std::string_view node_key_file, std::string_view city_pub_file) {
  return fmt::format("{}{}{}", node_key_file, kKeysSeparator, city_pub_file);
}

Result<KeyFiles> ParseKeysPayload(std::string_view payload) {
  size_t at = payload.find(kKeysSeparator);
  if (at == std::string_view::npos) return Corrupt("the keys object does not hold a node key and a city key");
  return KeyFiles{std::string(payload.substr(0, at)),
                  std::string(payload.substr(at + kKeysSeparator.size()))};
}

Result<BackupSource> LoadBackupSource(const std::string& dir, store::Db& db) {
  store::DataPaths paths(dir);
  BackupSource s;
  HF_ASSIGN_OR_RETURN(auto city, store::GetMeta(db, "city"));
  HF_ASSIGN_OR_RETURN(auto node, store::GetMeta(db, "node_id"));
  if (!city || !node) return Corrupt(fmt::format("{} is missing its node id or city", paths.db()));
  s.city = *city;
  s.node = *node;
  HF_ASSIGN_OR_RETURN(std::string node_key_text, ReadFile(paths.node_key()));
  HF_ASSIGN_OR_RETURN(s.node_secret_key, store::DecodeSecretKey(store::kNodeKeyLabel, node_key_text));
  s.node_public_key.assign(s.node_secret_key.begin() + 32, s.node_secret_key.end());
  HF_ASSIGN_OR_RETURN(std::string city_pub_text, ReadFile(paths.city_pub()));
  HF_ASSIGN_OR_RETURN(s.city_key, store::DecodePublicKey(store::kCityPubLabel, city_pub_text));
  if (!FileExists(paths.vault_key())) {
    return NotFound(
        fmt::format("{} has no backup key (vault.key); a node made before backups existed can make one "
                    "with `holdfast vault keygen --data {}`",
                    dir, dir));
  }
  HF_ASSIGN_OR_RETURN(s.vault_key, ReadKeyFile(paths.vault_key()));
  // The nodes table (domain/city.h) holds each enrolled node's certificate.
  HF_ASSIGN_OR_RETURN(store::StmtRef q, db.Prepare("SELECT certificate FROM nodes WHERE id=?"));
  q->Bind(1, s.node);
  HF_ASSIGN_OR_RETURN(bool row, q->Step());
  auto cert = row ? FromHex(q->TextView(0)) : std::nullopt;
  if (!cert || cert->size() != 64)
    return NotFound(fmt::format("node {} has no certificate in its journal yet", s.node));
  s.certificate = *cert;
  s.keys_payload = KeysPayload(node_key_text, city_pub_text);
  return s;
}

Result<StateMark> MarkState(store::Db& db, const store::Registry& registry, const std::atomic<bool>* stop) {
  HF_ASSIGN_OR_RETURN(store::ReadTransaction snapshot, store::ReadTransaction::Begin(db));
  HF_ASSIGN_OR_RETURN(uint64_t size, store::LogSize(db));
  // The mark goes into the vault's manifests: what it describes must not be lost to a power cut.
  HF_RETURN_IF_ERROR(store::SyncWal(db));
  HF_ASSIGN_OR_RETURN(Hash digest, store::StateDigest(db, registry, stop));
  return StateMark{static_cast<int64_t>(size), Hex(digest)};
}

Result<PushReport> Push(store::Db& db, const store::Registry& registry, const BackupSource& source,
                        Target& target, const std::function<void(const PushReport&)>& progress,
                        const std::optional<StateMark>& known, const std::atomic<bool>* stop,
                        const PushImage& image, bool previous_digest_will_do) {
  PushReport report;
  HF_ASSIGN_OR_RETURN(int64_t latest, target.LatestGeneration(source.node));
  std::optional<Manifest> prev;
  if (latest > 0) {
    HF_ASSIGN_OR_RETURN(std::string bytes, target.GetManifest(source.node, latest));
    auto parsed = ParseManifest(bytes);
    if (!parsed.ok()) {
      return Corrupt(fmt::format("{}: generation {} of node {} is unreadable: {}", target.Describe(), latest,
                                 source.node, parsed.error().detail));
    }
    if (parsed->node_key != source.node_public_key) {
      return Conflict(fmt::format("{} holds the backups of another node {} (another key)", target.Describe(),
                                  source.node),
                      "other-node");
    }
    prev = std::move(*parsed);
  }
  int64_t from = prev ? prev->size : 0;
  report.generation = latest;
  report.size = from;

  HF_ASSIGN_OR_RETURN(store::ReadTransaction snapshot, store::ReadTransaction::Begin(db));
  HF_ASSIGN_OR_RETURN(uint64_t size_u, store::LogSize(db));
  int64_t size = static_cast<int64_t>(size_u);
  if (size == 0 || (size == from && image.scratch.empty() && !image.stored)) {
    report.nothing_new = true;
    return report;
  }
  if (size < from) {
    return Conflict(
        fmt::format("{} holds {} events of node {}'s log but the node holds {}: the node was restored "
                    "from an older copy or its history was rewritten",
                    target.Describe(), from, source.node, size),
        "vault-ahead");
  }
  // What the snapshot holds may have been answered to no one yet, and not be on disk (store/writer.h): a
  // vault must never hold events the node could lose and then write differently.
  HF_RETURN_IF_ERROR(store::SyncWal(db));
  Manifest m;
  m.city = source.city;
  m.node = source.node;
  m.generation = latest + 1;
  m.prev = prev ? prev->hash : "";
  m.city_key = source.city_key;
  m.node_key = source.node_public_key;
  m.certificate = source.certificate;
  m.size = size;
  HF_ASSIGN_OR_RETURN(Hash root, store::LogRoot(db, size_u));
  m.checkpoint = journal::SignCheckpoint({journal::LogOrigin(source.city, source.node), size_u, root},
                                         source.node_secret_key, source.node_public_key);
  if (from > 0) {
    HF_ASSIGN_OR_RETURN(m.consistency, journal::ConsistencyProof(store::LogSubtrees(db),
                                                                 static_cast<uint64_t>(from), size_u));
  }
  // The newest digest known: the one given, or the vault's own if that is newer (never going back).
  std::optional<StateMark> recorded = known;
  if (prev && (recorded ? prev->digest_size > recorded->size : previous_digest_will_do))
    recorded = StateMark{prev->digest_size, prev->digest};
  if (recorded && recorded->size <= size) {
    m.digest = recorded->digest;
    m.digest_size = recorded->size;
  } else {
    auto began = std::chrono::steady_clock::now();
    HF_ASSIGN_OR_RETURN(Hash digest, store::StateDigest(db, registry, stop));
    report.digest_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    m.digest = Hex(digest);
    m.digest_size = size;
  }

  for (int64_t at = from; at < size;) {
    if (stop && stop->load(std::memory_order_relaxed)) {
      return MakeError(
          Code::kUnavailable,
          "the push was stopped before its manifest was sent; the next push sends its events again",
          "stopping");
    }
    HF_ASSIGN_OR_RETURN(Pack pack, ReadPack(db, at, size));
    HF_ASSIGN_OR_RETURN(std::string sealed, SealObject(source.vault_key, "pack", EncodePack(pack)));
    std::string name = ObjectName(sealed);
    HF_RETURN_IF_ERROR(target.PutObject(name, sealed).status());
    int64_t count = static_cast<int64_t>(pack.events.size());
    m.packs.push_back({name, at, count});
    at += count;
    report.events += count;
    report.packs += 1;
    report.bytes += static_cast<int64_t>(sealed.size());
    if (progress) progress(report);
  }
  m.image_at = prev ? prev->image_at : 0;
  if (!image.scratch.empty()) {
    // The previous image's chunks are named again where the database did not change.
    std::optional<ImageRef> previous;
    if (prev) {
      HF_ASSIGN_OR_RETURN(std::optional<Manifest> holder, ImageHolder(target, *prev));
      if (holder) previous = std::move(holder->image);
    }
    HF_RETURN_IF_ERROR(CopyDatabase(db, image.scratch, stop));  // removes what it wrote when it fails
    const int64_t sent_before = report.bytes;
    auto stored = StoreImage(
        image.scratch, size, source.vault_key, target, previous ? &*previous : nullptr,
        [&](const ImageProgress& p) {
          report.image_chunks = p.chunks;
          report.image_chunks_sent = p.stored;
          report.bytes = sent_before + p.bytes;
          if (progress) progress(report);
        },
        stop);
    std::filesystem::remove(image.scratch);
    if (!stored.ok()) return stored.error();
    report.image_size = size;
    m.image = std::move(*stored);
    m.image_at = m.generation;
  } else if (image.stored && image.stored->size <= size) {
    report.image_size = image.stored->size;
    report.image_chunks = static_cast<int64_t>(image.stored->chunks.size());
    m.image = image.stored;
    m.image_at = m.generation;
  }
  if (prev) {
    m.keys = prev->keys;
  } else {
    HF_ASSIGN_OR_RETURN(std::string sealed, SealObject(source.vault_key, "keys", source.keys_payload));
    m.keys = ObjectName(sealed);
    HF_RETURN_IF_ERROR(target.PutObject(m.keys, sealed).status());
    report.bytes += static_cast<int64_t>(sealed.size());
  }
  m.time = SystemClock::Get().NowMs();
  std::string manifest = SignManifest(m, source.node_secret_key);
  HF_RETURN_IF_ERROR(target.PutManifest(source.node, m.generation, manifest));
  report.bytes += static_cast<int64_t>(manifest.size());
  report.generation = m.generation;
  report.size = size;
  return report;
}

json::object VaultStatus::ToJson() const {
  return json::object{{"target", target},
                      {"ok", ok},
                      {"last_attempt_ms", last_attempt_ms},
                      {"last_success_ms", last_success_ms},
                      {"generation", generation},
                      {"events", size},
                      {"pushes", pushes},
                      {"failures", failures},
                      {"last_error", last_error},
                      {"image_events", image_size},
                      {"last_image_ms", last_image_ms}};
}

Pusher::Pusher(store::Node& node, BackupSource source, std::vector<std::unique_ptr<Target>> targets,
               std::chrono::milliseconds every, ImageSchedule images)
    : node_(node), source_(std::move(source)), every_(every), images_(std::move(images)) {
  for (auto& t : targets) {
    status_.push_back(VaultStatus{.target = t->Describe()});
    targets_.push_back(std::make_unique<TakingTurns>(std::move(t)));
  }
  stored_images_.resize(targets_.size());
  image_retry_ms_.resize(targets_.size(), 0);
}

Pusher::~Pusher() { Stop(); }

void Pusher::Start() {
  if (targets_.empty() || thread_.joinable()) return;
  // How long the state digest takes is not known yet: the first one is computed beside the pushes, which
  // record the vault's last digest meanwhile (a large node's first push would otherwise wait for it).
  digest_thread_ = std::thread([this] { RunDigests(); });
  thread_ = std::thread([this] { Run(); });
  if (images_.every.count() > 0) image_thread_ = std::thread([this] { RunImages(); });
}

void Pusher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (digest_thread_.joinable()) digest_thread_.join();
  if (image_thread_.joinable()) image_thread_.join();
}

void Pusher::RunImages() {
  pthread_setname_np(pthread_self(), "hf-image");
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    std::chrono::milliseconds rest = MakeDueImages();
    lock.lock();
    cv_.wait_for(lock, rest, [this] { return stopping_.load(); });
  }
}

std::chrono::milliseconds Pusher::MakeDueImages() {
  using std::chrono::milliseconds;
  const int64_t every = images_.every.count();
  // A vault that cannot be read, or a copy that failed, is tried again in kImageRetryMs (or sooner, with
  // images more often than that).
  const int64_t retry = std::min<int64_t>(every, kImageRetryMs);
  const int64_t now = SystemClock::Get().NowMs();
  int64_t next = now + every;
  std::vector<size_t> due;
  std::vector<std::optional<ImageRef>> previous(targets_.size());
  for (size_t i = 0; i < targets_.size(); ++i) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stored_images_[i]) continue;  // one waits for the next push already
      if (image_retry_ms_[i] > now) {   // the last one for this vault failed
        next = std::min(next, image_retry_ms_[i]);
        continue;
      }
    }
    auto latest = LatestImage(*targets_[i], source_.node);
    if (!latest.ok()) {
      next = std::min(next, now + retry);
      continue;
    }
    if (*latest) {  // for the status: the vault's latest image, whoever made it
      std::lock_guard<std::mutex> lock(mu_);
      status_[i].image_size = (*latest)->image->size;
      status_[i].last_image_ms = (*latest)->time;
    }
    if (*latest && (*latest)->time + every > now) {
      next = std::min(next, (*latest)->time + every);
      continue;
    }
    if (*latest) previous[i] = std::move((*latest)->image);
    due.push_back(i);
  }
  if (due.empty()) return milliseconds(std::max<int64_t>(next - now, 1000));

  Result<int64_t> copied = [&]() -> Result<int64_t> {
    HF_ASSIGN_OR_RETURN(auto db, node_.Read());
    HF_ASSIGN_OR_RETURN(store::ReadTransaction snapshot, store::ReadTransaction::Begin(*db));
    HF_ASSIGN_OR_RETURN(uint64_t size, store::LogSize(*db));
    if (size == 0) return 0;
    // As for a push: a vault never holds events the node could still lose.
    HF_RETURN_IF_ERROR(store::SyncWal(*db));
    HF_RETURN_IF_ERROR(CopyDatabase(*db, images_.scratch, &stopping_));
    return static_cast<int64_t>(size);
  }();
  if (!copied.ok() || *copied == 0) {
    if (!copied.ok() && !stopping_)
      fmt::print(stderr, "holdfast: the database could not be copied for an image: {}\n",
                 copied.error().detail);
    std::filesystem::remove(images_.scratch);
    return milliseconds(retry);
  }
  for (size_t i : due) {
    auto image = StoreImage(images_.scratch, *copied, source_.vault_key, *targets_[i],
                            previous[i] ? &*previous[i] : nullptr, nullptr, &stopping_);
    std::lock_guard<std::mutex> lock(mu_);
    if (image.ok()) {
      stored_images_[i] = std::move(*image);
    } else if (!stopping_) {
      fmt::print(stderr, "holdfast: the image for {} failed: {}\n", status_[i].target, image.error().detail);
      image_retry_ms_[i] = SystemClock::Get().NowMs() + retry;
    }
  }
  std::filesystem::remove(images_.scratch);
  return milliseconds(retry);
}

void Pusher::RunDigests() {
  pthread_setname_np(pthread_self(), "hf-digest");
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    auto began = std::chrono::steady_clock::now();
    Result<StateMark> mark = [&]() -> Result<StateMark> {
      HF_ASSIGN_OR_RETURN(auto db, node_.Read());
      return MarkState(*db, node_.registry(), &stopping_);
    }();
    auto took = std::chrono::steady_clock::now() - began;
    lock.lock();
    if (mark.ok()) {
      mark_ = std::move(*mark);
      // Cheap enough for every push: the pushes compute it from now on.
      if (8 * took <= every_) {  // well under the pushes' limit (a quarter), so it does not flap
        digests_in_push_ = true;
        break;
      }
    } else if (!stopping_) {
      fmt::print(stderr, "holdfast: the state digest for backups failed: {}\n", mark.error().detail);
    }
    auto rest = std::max<std::chrono::steady_clock::duration>(every_, 4 * took);
    cv_.wait_for(lock, rest, [this] { return stopping_.load(); });
  }
}

std::vector<VaultStatus> Pusher::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

void Pusher::Run() {
  pthread_setname_np(pthread_self(), "hf-backup");
  std::unique_lock<std::mutex> lock(mu_);
  // Pushes start every `every_` (not `every_` after the last one ended), so a write waits at most one
  // interval for the push that takes it.
  auto next = std::chrono::steady_clock::now();
  while (!stopping_) {
    next += every_;
    lock.unlock();
    for (size_t i = 0; i < targets_.size(); ++i) {
      int64_t now = node_.clock().NowMs();
      std::optional<StateMark> known;
      bool in_push = false;
      PushImage image;
      {
        std::lock_guard<std::mutex> guard(mu_);
        in_push = digests_in_push_;
        if (!in_push) known = mark_;
        image.stored = stored_images_[i];
      }
      Result<PushReport> pushed = [&]() -> Result<PushReport> {
        HF_ASSIGN_OR_RETURN(auto db, node_.Read());
        return Push(*db, node_.registry(), source_, *targets_[i], nullptr, known, &stopping_, image,
                    /*previous_digest_will_do=*/!in_push);
      }();
      std::lock_guard<std::mutex> guard(mu_);
      if (stopping_ && !pushed.ok()) break;  // abandoned: not a failure of the vault
      // A digest too slow to compute in every push (the node grew) is computed beside them from now on.
      if (pushed.ok() && in_push && !stopping_ &&
          pushed->digest_seconds * 4 > std::chrono::duration<double>(every_).count()) {
        digests_in_push_ = false;
        if (digest_thread_.joinable()) digest_thread_.join();  // it ended when it set digests_in_push_
        digest_thread_ = std::thread([this] { RunDigests(); });
      }
      VaultStatus& st = status_[i];
      st.last_attempt_ms = now;
      if (pushed.ok()) {
        if (!st.ok && st.failures > 0) fmt::print(stderr, "holdfast: backup to {} works again\n", st.target);
        st.ok = true;
        st.last_success_ms = now;
        st.generation = pushed->generation;
        st.size = pushed->size;
        st.last_error.clear();
        if (!pushed->nothing_new) ++st.pushes;
        if (image.stored && pushed->image_size > 0) {
          stored_images_[i].reset();
          st.image_size = pushed->image_size;
          st.last_image_ms = SystemClock::Get().NowMs();  // as the manifest's time
        }
      } else {
        const std::string& type = pushed.error().type;
        if (image.stored && (type == "missing-object" || type == "inconsistent-manifest" ||
                             type == "bad-manifest" || type == "vault-refused")) {
          // A vault that refuses the manifest naming the image (it lost a chunk, say) must not stop the
          // pushes of new events: they go on without it, and the image thread makes another later.
          stored_images_[i].reset();
          image_retry_ms_[i] = SystemClock::Get().NowMs() + kImageRetryMs;
        }
        if (st.ok || st.failures == 0 || st.last_error != pushed.error().detail)
          fmt::print(stderr, "holdfast: backup to {} failed: {}\n", st.target, pushed.error().detail);
        st.ok = false;
        st.last_error = pushed.error().detail;
        ++st.failures;
      }
    }
    lock.lock();
    next = std::max(next, std::chrono::steady_clock::now());
    cv_.wait_until(lock, next, [this] { return stopping_.load(); });
  }
}

}  // namespace holdfast::vault
