#include "vault/target.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>

#include "base/crypto.h"
#include "base/files.h"
#include "base/json.h"
#include "journal/event.h"
#include "vault/object.h"

namespace holdfast::vault {
namespace {

namespace fs = std::filesystem;

Error Refused(std::string detail, std::string type) {
  return MakeError(Code::kConflict, std::move(detail), std::move(type));
}

}  // namespace

std::string VaultDir::ObjectPath(const std::string& name) const {
  return fmt::format("{}/objects/{}/{}", root_, name.substr(0, 2), name);
}

std::string VaultDir::ManifestPath(const std::string& node, int64_t generation) const {
  return fmt::format("{}/manifests/{}/{:010d}", root_, node, generation);
}

Result<bool> VaultDir::LinkNew(const std::string& path, std::string_view bytes) {
  HF_RETURN_IF_ERROR(MakeDirectories(root_ + "/tmp", 0700));
  HF_RETURN_IF_ERROR(MakeDirectories(fs::path(path).parent_path().string(), 0700));
  return WriteFileNew(path, bytes, fmt::format("{}/tmp/{}", root_, RandomToken(12)), 0444);
}

Result<bool> VaultDir::PutObject(const std::string& name, std::string_view bytes) {
  if (!IsObjectName(name))
    return Invalid(fmt::format("{:?} is not an object name (64 lowercase hex digits)", name));
  if (ObjectName(bytes) != name) {
    return MakeError(Code::kInvalid, fmt::format("object {}: its bytes do not hash to its name", name),
                     "name-mismatch");
  }
  // There already: the same bytes (its name says so), unless the stored copy was damaged, which is for
  // restore to find; it is never replaced. Looked for first, so that a push repeated after a cut writes
  // nothing twice; LinkNew still refuses to replace one that appears meanwhile.
  std::string path = ObjectPath(name);
  if (FileExists(path)) return false;
  return LinkNew(path, bytes);
}

Result<std::string> VaultDir::GetObject(const std::string& name) {
  if (!IsObjectName(name)) return Invalid(fmt::format("{:?} is not an object name", name));
  std::string path = ObjectPath(name);
  if (!FileExists(path)) return NotFound(fmt::format("the vault has no object {}", name));
  return ReadFile(path);
}

Result<std::string> VaultDir::City() {
  std::string path = root_ + "/vault.json";
  if (!FileExists(path)) return std::string();
  HF_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto v = ParseJson(text);
  if (!v.ok() || !v->is_object()) return Corrupt(fmt::format("{} is unreadable", path));
  return std::string(StringOr(v->as_object(), "city"));
}

Status VaultDir::PutManifest(const std::string& node, int64_t generation, std::string_view bytes) {
  HF_ASSIGN_OR_RETURN(Manifest m, ParseManifest(bytes));
  if (m.node != node || m.generation != generation) {
    return Invalid(fmt::format("the manifest is generation {} of node {}, not generation {} of {}",
                               m.generation, m.node, generation, node));
  }
  std::lock_guard<std::mutex> lock(mu_);
  // The city: pinned by the first manifest this vault accepted.
  std::string pin_path = root_ + "/vault.json";
  if (FileExists(pin_path)) {
    HF_ASSIGN_OR_RETURN(std::string text, ReadFile(pin_path));
    auto pin = ParseJson(text);
    if (!pin.ok() || !pin->is_object()) return Corrupt(fmt::format("{} is unreadable", pin_path));
    if (StringOr(pin->as_object(), "city") != m.city ||
        StringOr(pin->as_object(), "city_key") != Hex(m.city_key)) {
      return Refused(fmt::format("this vault holds the backups of {}, not of {}",
                                 StringOr(pin->as_object(), "city"), m.city),
                     "other-city");
    }
  }
  HF_ASSIGN_OR_RETURN(int64_t latest, LatestGeneration(node));
  if (generation <= latest) {
    return Refused(fmt::format("node {} has a generation {} here already; manifests are never replaced", node,
                               generation),
                   "exists");
  }
  std::optional<Manifest> prev;
  if (latest > 0) {
    HF_ASSIGN_OR_RETURN(std::string prev_bytes, GetManifest(node, latest));
    auto parsed = ParseManifest(prev_bytes);
    if (!parsed.ok())
      return Corrupt(
          fmt::format("generation {} of node {} here is damaged: {}", latest, node, parsed.error().detail));
    prev = std::move(*parsed);
  }
  HF_RETURN_IF_ERROR(CheckFollows(prev ? &*prev : nullptr, m));
  std::vector<std::string> names{m.keys};
  for (const auto& p : m.packs) names.push_back(p.object);
  if (m.image)
    for (const auto& c : m.image->chunks) names.push_back(c.object);
  for (const auto& name : names) {
    if (!FileExists(ObjectPath(name))) {
      return Refused(fmt::format("generation {} of node {} names object {}, which this vault does not hold",
                                 generation, node, name),
                     "missing-object");
    }
  }
  if (!FileExists(pin_path)) {
    json::object pin{{"format", "holdfast-vault v1"}, {"city", m.city}, {"city_key", Hex(m.city_key)}};
    HF_RETURN_IF_ERROR(WriteFileAtomic(pin_path, json::serialize(pin) + "\n"));
  }
  HF_ASSIGN_OR_RETURN(bool created, LinkNew(ManifestPath(node, generation), bytes));
  if (!created)
    return Refused(fmt::format("node {} has a generation {} here already", node, generation), "exists");
  return Status::Ok();
}

Result<std::string> VaultDir::GetManifest(const std::string& node, int64_t generation) {
  if (!journal::IsValidNodeId(node)) return Invalid(fmt::format("{:?} is not a node id", node));
  std::string path = ManifestPath(node, generation);
  if (!FileExists(path))
    return NotFound(fmt::format("the vault has no generation {} of node {}", generation, node));
  return ReadFile(path);
}

Result<int64_t> VaultDir::LatestGeneration(const std::string& node) {
  if (!journal::IsValidNodeId(node)) return Invalid(fmt::format("{:?} is not a node id", node));
  std::string dir = fmt::format("{}/manifests/{}", root_, node);
  std::error_code ec;
  if (!fs::exists(dir, ec)) return int64_t{0};
  int64_t latest = 0;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    int64_t g = 0;
    auto [p, e] = std::from_chars(name.data(), name.data() + name.size(), g);
    if (e == std::errc() && p == name.data() + name.size()) latest = std::max(latest, g);
  }
  if (ec) return IoError(fmt::format("cannot list {}: {}", dir, ec.message()));
  return latest;
}

Result<std::vector<std::string>> VaultDir::Nodes() {
  std::vector<std::string> nodes;
  std::error_code ec;
  std::string dir = root_ + "/manifests";
  if (!fs::exists(dir, ec)) return nodes;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (journal::IsValidNodeId(name)) nodes.push_back(name);
  }
  if (ec) return IoError(fmt::format("cannot list {}: {}", dir, ec.message()));
  std::sort(nodes.begin(), nodes.end());
  return nodes;
}

}  // namespace holdfast::vault
