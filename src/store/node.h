// A node's data directory and everything opened from it: the database, the node key, the writer and the read
// connections.
//
// Data directory layout:
//   node.db   SQLite database (WAL, synchronous=FULL): journal tables, state tables, node-local tables
//   node.key  this node's Ed25519 secret key, mode 0600: "holdfast-node-key v1\n" base64(64 bytes) "\n"
//   city.pub  the city's Ed25519 public key: "holdfast-city-pub v1\n" hex(32 bytes) "\n"
//   city.key  (only where the city was founded, until the administrator moves it offline) the city secret
//   key,
//             mode 0600: "holdfast-city-key v1\n" base64(64 bytes) "\n"
//   vault.key the backup key (vault/object.h), mode 0600
//   lock      held (flock) by the process that has the node open for writing
#ifndef HOLDFAST_STORE_NODE_H_
#define HOLDFAST_STORE_NODE_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/files.h"
#include "store/checkpointer.h"
#include "store/registry.h"
#include "store/sqlite.h"
#include "store/writer.h"

namespace holdfast::store {

struct DataPaths {
  explicit DataPaths(std::string dir) : dir(std::move(dir)) {}
  std::string dir;
  std::string db() const { return dir + "/node.db"; }
  std::string node_key() const { return dir + "/node.key"; }
  std::string city_pub() const { return dir + "/city.pub"; }
  std::string city_key() const { return dir + "/city.key"; }
  std::string vault_key() const { return dir + "/vault.key"; }
};

// Key files (formats above).
std::string EncodeSecretKey(std::string_view label, std::span<const uint8_t> secret_key);
Result<Bytes> DecodeSecretKey(std::string_view label, std::string_view text);
std::string EncodePublicKey(std::string_view label, std::span<const uint8_t> public_key);
Result<Bytes> DecodePublicKey(std::string_view label, std::string_view text);
inline constexpr std::string_view kNodeKeyLabel = "holdfast-node-key v1";
inline constexpr std::string_view kCityKeyLabel = "holdfast-city-key v1";
inline constexpr std::string_view kCityPubLabel = "holdfast-city-pub v1";
Result<Bytes> ReadCityPublicKey(const DataPaths& paths);

// Opens (and configures) the read-write connection to node.db: WAL, synchronous=FULL, foreign keys off, and
// temporary storage (the per-command savepoint journals) in memory rather than in temporary files. Its WAL
// writes go through the batched-WAL VFS (store/wal_vfs.h): one write per commit.
Result<std::unique_ptr<Db>> OpenWriteDb(const std::string& path);

// Read-only connections for concurrent readers. Thread-safe.
class ReadPool {
 public:
  explicit ReadPool(std::string path) : path_(std::move(path)) {}
  class Lease {
   public:
    Lease(ReadPool* pool, std::unique_ptr<Db> db) : pool_(pool), db_(std::move(db)) {}
    Lease(Lease&&) = default;
    ~Lease();
    Db& operator*() { return *db_; }
    Db* operator->() { return db_.get(); }

   private:
    ReadPool* pool_;
    std::unique_ptr<Db> db_;
  };
  Result<Lease> Acquire();

 private:
  std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Db>> idle_;
};

struct NodeOptions {
  const Clock* clock = &SystemClock::Get();
  size_t max_batch = 2048;
  WalLimits wal;
};

class Node {
 public:
  // Creates node.db with every table and writes node.key; `dir` must not hold a node yet.
  static Status Create(const std::string& dir, const std::string& city, const std::string& node_id,
                       const Registry& registry, const KeyPair& node_key);
  // Opens an existing node for writing: takes the directory lock, opens the database, loads the key, the feed
  // head and the persisted clock, and starts the writer.
  static Result<std::unique_ptr<Node>> Open(const std::string& dir, const Registry& registry,
                                            NodeOptions options = {});
  ~Node();

  const std::string& id() const { return id_; }
  const std::string& city() const { return city_; }
  const DataPaths& paths() const { return paths_; }
  const Registry& registry() const { return registry_; }
  const Clock& clock() const { return *options_.clock; }
  Writer& writer() { return *writer_; }
  // A read-only connection, returned to the pool when the lease ends; every lease must end before the Node
  // is destroyed.
  Result<ReadPool::Lease> Read() { return reads_.Acquire(); }
  const Bytes& public_key() const { return public_key_; }
  // The node's Ed25519 secret key (libsodium's 64-byte form), for signing requests to other nodes.
  const Bytes& secret_key() const { return secret_key_; }

 private:
  Node(std::string dir, const Registry& registry, NodeOptions options, DirectoryLock lock)
      : paths_(std::move(dir)),
        registry_(registry),
        options_(options),
        lock_(std::move(lock)),
        reads_(paths_.db()) {}

  DataPaths paths_;
  const Registry& registry_;
  NodeOptions options_;
  DirectoryLock lock_;
  std::string id_;
  std::string city_;
  Bytes public_key_;
  Bytes secret_key_;
  std::unique_ptr<Db> db_;
  // Declared before the writer, which uses it until it stops.
  std::unique_ptr<Checkpointer> checkpointer_;
  std::unique_ptr<Writer> writer_;
  ReadPool reads_;
};

}  // namespace holdfast::store

#endif  // HOLDFAST_STORE_NODE_H_
