// Where a node's backups go, and the rules every vault keeps whoever writes to it.
//
// A Target is a vault as a node sees it: a local directory (a mounted NAS, a write-once volume) or a
// `holdfast vault serve` reached over HTTP (http/vault_client.h). Both keep the same rules, enforced by
// VaultDir on the vault's own side:
//   - objects are named by the SHA-256 of their bytes; one whose bytes do not match its name is refused;
//   - nothing is overwritten or deleted: an object that exists is kept as it is, a manifest generation that
//     exists is refused;
//   - a manifest is accepted only when its signature, certificate and checkpoint verify, every object it
//     names (packs, keys, image chunks) is already there, and it follows the node's last manifest
//     (vault/manifest.h: CheckFollows), so a node whose history was rewritten cannot add to its backups;
//   - a vault holds one city: the first manifest pins the city's name and key, and every later one must
//   match.
//
// Directory layout (one city):
//   vault.json                            {"city": name, "city_key": hex, "format": "holdfast-vault v1"}
//   objects/<first 2 hex>/<name>          sealed objects (vault/object.h)
//   manifests/<node>/<generation, 10 digits>   manifests (vault/manifest.h)
//   tmp/                                  files being written; each is linked into place without replacing
#ifndef HOLDFAST_VAULT_TARGET_H_
#define HOLDFAST_VAULT_TARGET_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "vault/manifest.h"

namespace holdfast::vault {

class Target {
 public:
  virtual ~Target() = default;
  // For messages: the directory or URL.
  virtual std::string Describe() const = 0;
  // Stores an object; true when it was new, false when the vault had it already (the same bytes).
  virtual Result<bool> PutObject(const std::string& name, std::string_view bytes) = 0;
  virtual Result<std::string> GetObject(const std::string& name) = 0;
  virtual Status PutManifest(const std::string& node, int64_t generation, std::string_view bytes) = 0;
  virtual Result<std::string> GetManifest(const std::string& node, int64_t generation) = 0;
  // The node's last generation, 0 when it has none.
  virtual Result<int64_t> LatestGeneration(const std::string& node) = 0;
  // The nodes that have manifests here.
  virtual Result<std::vector<std::string>> Nodes() = 0;
};

// One city's vault directory. Thread-safe; several processes may write one directory (each file is linked
// into place atomically and never replaced), but manifests of one node are meant to come from one writer.
class VaultDir final : public Target {
 public:
  explicit VaultDir(std::string root) : root_(std::move(root)) {}
  std::string Describe() const override { return root_; }
  Result<bool> PutObject(const std::string& name, std::string_view bytes) override;
  Result<std::string> GetObject(const std::string& name) override;
  Status PutManifest(const std::string& node, int64_t generation, std::string_view bytes) override;
  Result<std::string> GetManifest(const std::string& node, int64_t generation) override;
  Result<int64_t> LatestGeneration(const std::string& node) override;
  Result<std::vector<std::string>> Nodes() override;
  // The pinned city name, or "" before the first manifest.
  Result<std::string> City();

 private:
  std::string ObjectPath(const std::string& name) const;
  std::string ManifestPath(const std::string& node, int64_t generation) const;
  // Writes `bytes` to a temporary file and links it to `path`; false when `path` exists already.
  Result<bool> LinkNew(const std::string& path, std::string_view bytes);

  std::string root_;
  std::mutex mu_;  // manifests: check and link as one step
};

}  // namespace holdfast::vault

#endif  // HOLDFAST_VAULT_TARGET_H_
