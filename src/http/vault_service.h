// Vaults over HTTP: the service `holdfast vault serve` runs, and the client side a node uses to reach it.
//
// The service keeps the backups of one or more cities under its root directory:
//   credentials             one line per credential: hex SHA-256 of the token, the city's folder, the city's
//   name cities/<folder>/        that city's vault (vault/target.h: VaultDir)
// A credential (`holdfast vault credential`) is a bearer token that can add objects and manifests to one
// city's vault and read them back; nothing can overwrite or delete anything (DESIGN §9: retention is done on
// the vault's own machine by its own administrator).
//
// Routes (every one needs `Authorization: Bearer <token>`; errors are application/problem+json):
//   GET /v1/vault                       {"city": name, "nodes": [id, ...]}
//   PUT /v1/objects/{name}              the object's bytes: 201 stored, 200 held already; 422 when the bytes
//                                       do not hash to the name
//   GET /v1/objects/{name}              the object's bytes (application/octet-stream)
//   GET /v1/manifests/{node}            {"node": id, "latest": generation (0: none)}
//   GET /v1/manifests/{node}/{g}        the manifest's bytes
//   PUT /v1/manifests/{node}/{g}        201 stored; 409 when the generation exists, names a missing object,
//                                       or does not follow the last one (a rewritten history)
//   anything else, DELETE included      405
#ifndef HOLDFAST_HTTP_VAULT_SERVICE_H_
#define HOLDFAST_HTTP_VAULT_SERVICE_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"
#include "http/message.h"
#include "vault/target.h"

namespace holdfast::http {

inline constexpr size_t kVaultBodyLimit = size_t{80} << 20;

// Adds a credential for `city` to the service rooted at `root` (created if new) and returns its token.
Result<std::string> AddVaultCredential(const std::string& root, const std::string& city);

class VaultService {
 public:
  static Result<std::unique_ptr<VaultService>> Open(const std::string& root);
  void Handle(Request&& req, Responder respond);

 private:
  struct City {
    std::string name;
    std::unique_ptr<vault::VaultDir> dir;
  };
  explicit VaultService(std::string root) : root_(std::move(root)) {}
  Response Serve(const Request& req);
  // The city a request's credential opens; re-reads the credentials file when a token is not known yet.
  Result<City*> Authorize(const Request& req);
  Status LoadCredentials();

  std::string root_;
  std::mutex mu_;
  std::map<std::string, std::string> tokens_;  // token hash -> folder
  std::map<std::string, City> cities_;         // folder -> city
};

// A vault reached over HTTP.
class RemoteVault final : public vault::Target {
 public:
  // `url` is http://host:port.
  static Result<std::unique_ptr<RemoteVault>> Connect(const std::string& url, const std::string& token);
  ~RemoteVault() override;
  std::string Describe() const override { return url_; }
  Result<bool> PutObject(const std::string& name, std::string_view bytes) override;
  Result<std::string> GetObject(const std::string& name) override;
  Status PutManifest(const std::string& node, int64_t generation, std::string_view bytes) override;
  Result<std::string> GetManifest(const std::string& node, int64_t generation) override;
  Result<int64_t> LatestGeneration(const std::string& node) override;
  Result<std::vector<std::string>> Nodes() override;

 private:
  struct Impl;
  RemoteVault(std::string url, std::unique_ptr<Impl> impl);
  std::string url_;
  std::unique_ptr<Impl> impl_;
};

// Opens a vault from how people write it: "http://host:port" (with `token`) or a directory.
Result<std::unique_ptr<vault::Target>> OpenVaultTarget(const std::string& spec, const std::string& token);

}  // namespace holdfast::http

#endif  // HOLDFAST_HTTP_VAULT_SERVICE_H_
