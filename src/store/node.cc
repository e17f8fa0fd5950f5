#include "store/node.h"

#include <pthread.h>

#include <fmt/format.h>
#include <sodium.h>

#include "store/journal.h"
#include "store/wal_vfs.h"

namespace holdfast::store {
namespace {

Result<std::string> KeyBody(std::string_view label, std::string_view text) {
  std::string prefix = std::string(label) + "\n";
  if (text.substr(0, prefix.size()) != prefix || text.empty() || text.back() != '\n') {
    return Invalid(fmt::format("not a {} file", label));
  }
  return std::string(text.substr(prefix.size(), text.size() - prefix.size() - 1));
}

}  // namespace

std::string EncodeSecretKey(std::string_view label, std::span<const uint8_t> secret_key) {
  return fmt::format("{}\n{}\n", label, Base64(secret_key));
}

Result<Bytes> DecodeSecretKey(std::string_view label, std::string_view text) {
  HF_ASSIGN_OR_RETURN(std::string body, KeyBody(label, text));
  auto key = FromBase64(body);
  if (!key || key->size() != crypto_sign_SECRETKEYBYTES)
    return Invalid(fmt::format("malformed {} file", label));
  return *key;
}

std::string EncodePublicKey(std::string_view label, std::span<const uint8_t> public_key) {
  return fmt::format("{}\n{}\n", label, Hex(public_key));
}

Result<Bytes> DecodePublicKey(std::string_view label, std::string_view text) {
  HF_ASSIGN_OR_RETURN(std::string body, KeyBody(label, text));
  auto key = FromHex(body);
  if (!key || key->size() != crypto_sign_PUBLICKEYBYTES)
    return Invalid(fmt::format("malformed {} file", label));
  return *key;
}

Result<Bytes> ReadCityPublicKey(const DataPaths& paths) {
  HF_ASSIGN_OR_RETURN(std::string text, ReadFile(paths.city_pub()));
  return DecodePublicKey(kCityPubLabel, text);
}

Result<std::unique_ptr<Db>> OpenWriteDb(const std::string& path) {
  HF_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, Db::Open(path, OpenMode::kReadWrite, BatchedWalVfs()));
  HF_RETURN_IF_ERROR(
      db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF; PRAGMA "
               "temp_store=MEMORY;"));
  // The batched-WAL VFS publishes a commit's frames only because FULL syncs the WAL at each commit.
  HF_ASSIGN_OR_RETURN(int64_t synchronous, db->QueryInt("PRAGMA synchronous"));
  if (synchronous != 2) return IoError(fmt::format("{}: could not set synchronous=FULL", path));
  return db;
}

ReadPool::Lease::~Lease() {
  if (pool_ && db_) {
    std::lock_guard<std::mutex> lock(pool_->mu_);
    pool_->idle_.push_back(std::move(db_));
  }
}

Result<ReadPool::Lease> ReadPool::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto db = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(db));
    }
  }
  HF_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, Db::Open(path_, OpenMode::kReadOnly));
  return Lease(this, std::move(db));
}

Status Node::Create(const std::string& dir, const std::string& city, const std::string& node_id,
                    const Registry& registry, const KeyPair& node_key) {
  DataPaths paths(dir);
  if (FileExists(paths.db())) return Conflict(fmt::format("{} already holds a node", dir), "node-exists");
  HF_RETURN_IF_ERROR(MakeDirectories(dir));
  HF_ASSIGN_OR_RETURN(DirectoryLock lock, DirectoryLock::Acquire(dir));
  HF_RETURN_IF_ERROR(
      WriteFileAtomic(paths.node_key(), EncodeSecretKey(kNodeKeyLabel, node_key.secret_key), 0600));
  HF_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, OpenWriteDb(paths.db()));
  HF_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  HF_RETURN_IF_ERROR(CreateSchema(*db, registry));
  HF_RETURN_IF_ERROR(SetMeta(*db, "node_id", node_id));
  HF_RETURN_IF_ERROR(SetMeta(*db, "city", city));
  HF_RETURN_IF_ERROR(SetMeta(*db, "hlc", "0 0"));
  return txn.Commit();
}

Result<std::unique_ptr<Node>> Node::Open(const std::string& dir, const Registry& registry,
                                         NodeOptions options) {
  DataPaths paths(dir);
  if (!FileExists(paths.db())) {
    return NotFound(fmt::format("no node in {} (create one with `holdfast init --data {}`)", dir, dir));
  }
  HF_ASSIGN_OR_RETURN(DirectoryLock lock, DirectoryLock::Acquire(dir));
  std::unique_ptr<Node> node(new Node(dir, registry, options, std::move(lock)));
  HF_ASSIGN_OR_RETURN(std::string key_text, ReadFile(paths.node_key()));
  HF_ASSIGN_OR_RETURN(Bytes secret_key, DecodeSecretKey(kNodeKeyLabel, key_text));
  node->public_key_.assign(secret_key.begin() + 32, secret_key.end());
  node->secret_key_ = secret_key;
  HF_ASSIGN_OR_RETURN(node->db_, OpenWriteDb(paths.db()));
  Db& db = *node->db_;
  {
    HF_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
    // Adds tables a newer version introduced and rebuilds derived ones it declares otherwise.
    HF_RETURN_IF_ERROR(CreateSchema(db, registry));
    HF_RETURN_IF_ERROR(txn.Commit());
  }
  HF_ASSIGN_OR_RETURN(auto id, GetMeta(db, "node_id"));
  HF_ASSIGN_OR_RETURN(auto city, GetMeta(db, "city"));
  HF_ASSIGN_OR_RETURN(auto hlc, GetMeta(db, "hlc"));
  if (!id || !city || !hlc)
    return Corrupt(fmt::format("{} is missing its node id, city or clock", paths.db()));
  node->id_ = *id;
  node->city_ = *city;
  journal::Stamp stamp;
  if (std::sscanf(hlc->c_str(), "%ld %ld", &stamp.time, &stamp.tick) != 2)
    return Corrupt("malformed stored clock");
  HF_ASSIGN_OR_RETURN(FeedHead head, LoadHead(db, node->id_));
  node->writer_ = std::make_unique<Writer>(db, registry, *options.clock, node->id_, std::move(secret_key),
                                           head, stamp, options.max_batch);
  HF_ASSIGN_OR_RETURN(std::unique_ptr<Db> checkpoint_db, OpenWriteDb(paths.db()));
  node->checkpointer_ = std::make_unique<Checkpointer>(std::move(checkpoint_db), options.wal);
  node->writer_->UseCheckpointer(node->checkpointer_.get());
  node->checkpointer_->Start();
  node->writer_->Start();
  return node;
}

Node::~Node() {
  if (writer_) writer_->Stop();
  if (checkpointer_) checkpointer_->Stop();
}

}  // namespace holdfast::store
