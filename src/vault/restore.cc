#include "vault/restore.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <optional>

#include "base/files.h"
#include "journal/event.h"
#include "store/journal.h"
#include "store/node.h"
#include "store/node_log.h"
#include "store/verify.h"
#include "vault/backup.h"
#include "vault/object.h"
#include "vault/pack.h"

namespace holdfast::vault {
namespace {

Error Damaged(std::string detail) { return MakeError(Code::kCorrupt, std::move(detail), "damaged-backup"); }

struct Fetched {
  Pack pack;
  std::vector<journal::StoredEvent> events;  // pack.events decoded
  size_t sealed_bytes = 0;
};

// Fetches, checks and opens one pack, decodes its events and gives them and its seals to `chain`.
Result<Fetched> FetchPack(Target& target, std::span<const uint8_t> key, const PackRef& ref, size_t index,
                          size_t total, store::ChainChecker& chain) {
  std::string where = fmt::format("object {} (pack {} of {}, log positions {}..{})", ref.object, index + 1,
                                  total, ref.first, ref.first + ref.count - 1);
  auto sealed = target.GetObject(ref.object);
  if (!sealed.ok()) return Damaged(fmt::format("{}: {}", where, sealed.error().detail));
  if (ObjectName(*sealed) != ref.object) {
    return Damaged(fmt::format("{} is corrupted or swapped: its bytes do not hash to its name", where));
  }
  auto payload = OpenObject(key, "pack", *sealed);
  if (!payload.ok()) return Damaged(fmt::format("{}: {}", where, payload.error().detail));
  auto pack = DecodePack(*payload);
  if (!pack.ok()) return Damaged(fmt::format("{}: {}", where, pack.error().detail));
  if (pack->first != ref.first || static_cast<int64_t>(pack->events.size()) != ref.count) {
    return Damaged(fmt::format("{} holds log positions {}..{}, not the ones its manifest names", where,
                               pack->first, pack->first + static_cast<int64_t>(pack->events.size()) - 1));
  }
  Fetched out{std::move(*pack), {}, sealed->size()};
  out.events.reserve(out.pack.events.size());
  std::map<std::pair<std::string_view, int64_t>, std::string> hashes;  // of this pack's events, for its seals
  for (size_t j = 0; j < out.pack.events.size(); ++j) {
    auto event = journal::Decode(out.pack.events[j]);
    if (!event.ok()) {
      return Damaged(fmt::format("object {}: the event at log position {} is not a valid event: {}",
                                 ref.object, out.pack.first + static_cast<int64_t>(j), event.error().detail));
    }
    out.events.push_back(std::move(*event));
  }
  out.pack.events.clear();
  for (const journal::StoredEvent& se : out.events) {
    std::string hex = Hex(se.hash);
    hashes[{se.event.feed, se.event.seq}] = hex;
    chain.AddEvent(se.event.feed, se.event.seq, std::move(hex), &se.event);
  }
  for (journal::Seal& seal : out.pack.seals) {
    auto it = hashes.find({seal.feed, seal.seq});
    chain.AddSeal(seal, it == hashes.end() ? std::nullopt : std::optional<std::string>(it->second));
  }
  return out;
}

Result<std::vector<Manifest>> ReadManifests(Target& target, const std::string& node) {
  HF_ASSIGN_OR_RETURN(int64_t latest, target.LatestGeneration(node));
  if (latest == 0) return NotFound(fmt::format("{} holds no backup of node {}", target.Describe(), node));
  std::vector<Manifest> chain;
  for (int64_t g = 1; g <= latest; ++g) {
    auto bytes = target.GetManifest(node, g);
    if (!bytes.ok())
      return Damaged(fmt::format("manifest generation {} of node {}: {}", g, node, bytes.error().detail));
    auto m = ParseManifest(*bytes);
    if (!m.ok())
      return Damaged(fmt::format("manifest generation {} of node {}: {}", g, node, m.error().detail));
    if (m->node != node || m->generation != g) {
      return Damaged(
          fmt::format("manifest generation {} of node {} is another manifest (generation {} of {})", g, node,
                      m->generation, m->node));
    }
    Status follows = CheckFollows(chain.empty() ? nullptr : &chain.back(), *m);
    if (!follows.ok()) return Damaged(follows.error().detail);
    chain.push_back(std::move(*m));
  }
  return chain;
}

}  // namespace

Result<RestoreReport> Restore(Target& target, std::span<const uint8_t> key, const std::string& dir,
                              const store::Registry& registry, const RestoreOptions& options) {
  auto started = std::chrono::steady_clock::now();
  auto say = [&](std::string_view s) {
    if (options.progress) options.progress(s);
  };
  RestoreReport report;
  store::DataPaths paths(dir);
  if (FileExists(paths.db()))
    return Conflict(fmt::format("{} already holds a node; restore into a new directory", dir), "node-exists");

  std::string node = options.node;
  if (node.empty()) {
    HF_ASSIGN_OR_RETURN(std::vector<std::string> nodes, target.Nodes());
    if (nodes.empty()) return NotFound(fmt::format("{} holds no backups", target.Describe()));
    if (nodes.size() > 1) {
      return Invalid(fmt::format("{} holds the backups of several nodes ({}): say which with --node",
                                 target.Describe(), fmt::join(nodes, ", ")));
    }
    node = nodes.front();
  }
  say(fmt::format("reading the manifests of node {}", node));
  HF_ASSIGN_OR_RETURN(std::vector<Manifest> chain, ReadManifests(target, node));
  const Manifest& last = chain.back();
  std::vector<PackRef> packs;
  for (const auto& m : chain)
    for (const auto& p : m.packs) packs.push_back(p);
  report.city = last.city;
  report.node = node;
  report.generation = last.generation;
  report.checkpoint = last.checkpoint;
  say(fmt::format("{} generations, {} packs, {} events of {}", chain.size(), packs.size(), last.size,
                  last.city));

  // The keys.
  auto keys_sealed = target.GetObject(last.keys);
  if (!keys_sealed.ok())
    return Damaged(fmt::format("the keys object {}: {}", last.keys, keys_sealed.error().detail));
  if (ObjectName(*keys_sealed) != last.keys)
    return Damaged(fmt::format(
        "the keys object {} is corrupted or swapped: its bytes do not hash to its name", last.keys));
  auto keys_payload = OpenObject(key, "keys", *keys_sealed);
  if (!keys_payload.ok())
    return Damaged(fmt::format("the keys object {}: {}", last.keys, keys_payload.error().detail));
  HF_ASSIGN_OR_RETURN(KeyFiles key_files, ParseKeysPayload(*keys_payload));
  HF_ASSIGN_OR_RETURN(Bytes node_secret, store::DecodeSecretKey(store::kNodeKeyLabel, key_files.node_key));
  HF_ASSIGN_OR_RETURN(Bytes city_pub, store::DecodePublicKey(store::kCityPubLabel, key_files.city_pub));
  if (!std::equal(node_secret.begin() + 32, node_secret.end(), last.node_key.begin(), last.node_key.end()) ||
      city_pub != last.city_key) {
    return Damaged(fmt::format(
        "the keys object {} holds other keys than the ones the manifests are signed with", last.keys));
  }

  // The new database, built beside its final name.
  HF_RETURN_IF_ERROR(MakeDirectories(dir));
  HF_ASSIGN_OR_RETURN(DirectoryLock lock, DirectoryLock::Acquire(dir));
  std::string building = paths.db() + ".restoring";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(building + suffix);
  HF_ASSIGN_OR_RETURN(std::unique_ptr<store::Db> db, store::Db::Open(building, store::OpenMode::kReadWrite));
  Status built = [&]() -> Status {
    // Nothing of this file counts until it is complete and verified, so it is written without a journal.
    HF_RETURN_IF_ERROR(
        db->Exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-1048576; "
                 "PRAGMA temp_store=MEMORY"));
    HF_ASSIGN_OR_RETURN(store::Transaction txn, store::Transaction::Begin(*db));
    HF_RETURN_IF_ERROR(store::CreateSchema(*db, registry));
    HF_RETURN_IF_ERROR(store::SetMeta(*db, "node_id", node));
    HF_RETURN_IF_ERROR(store::SetMeta(*db, "city", last.city));
    HF_ASSIGN_OR_RETURN(store::DeferredIndexes indexes, store::DeferredIndexes::Drop(*db, registry));

    // Packs are fetched, opened, decoded and checked (hashes, chains, seals) on a thread of their own, one
    // pack ahead, while this one stores and folds the events of the pack before; that thread also frees each
    // pack once it is folded.
    store::ChainChecker chain(city_pub, last.city, "the backup's keys object");
    std::future<Result<Fetched>> next;
    auto fetch = [&](size_t i, Fetched folded) {
      return std::async(std::launch::async,
                        [&target, key, &packs, &chain, i, folded = std::move(folded)]() mutable {
                          folded = {};
                          return FetchPack(target, key, packs[i], i, packs.size(), chain);
                        });
    };
    if (!packs.empty()) next = fetch(0, {});
    Fetched folded;
    int64_t done = 0;
    journal::Stamp latest_stamp;
    store::LogOrderFold fold;
    // The state when the log held the events the last manifest's digest is of (all of them, unless the node
    // computed its digest beside its pushes) must have that digest.
    // A mismatch is reported after the journal's own checks, which name a damaged event more precisely.
    std::optional<Error> digest_problem;
    auto check_digest = [&] {
      say(fmt::format("computing the state digest at {} events", last.digest_size));
      auto digest = store::StateDigest(*db, registry);
      if (!digest.ok()) {
        digest_problem = digest.error();
        return;
      }
      report.digest = Hex(*digest);
      report.digest_size = last.digest_size;
      if (report.digest != last.digest) {
        digest_problem = Damaged(fmt::format(
            "the restored state's digest {} at {} events is not the digest {} the node recorded in its last "
            "backup",
            report.digest, last.digest_size, last.digest));
      }
    };
    for (size_t i = 0; i < packs.size(); ++i) {
      Result<Fetched> fetched = next.get();
      if (i + 1 < packs.size()) next = fetch(i + 1, std::move(folded));
      // On any return below, `next` (a std::async future) waits in its destructor for the fetch under way.
      if (!fetched.ok()) return fetched.error();
      report.bytes += static_cast<int64_t>(fetched->sealed_bytes);
      int64_t first = fetched->pack.first;
      for (size_t j = 0; j < fetched->events.size(); ++j) {
        const journal::StoredEvent& se = fetched->events[j];
        const journal::Event& e = se.event;
        latest_stamp = std::max(latest_stamp, e.stamp);
        Status stored = store::InsertEvent(*db, registry, se, first + static_cast<int64_t>(j));
        if (stored.ok()) stored = fold.Fold(*db, registry, se);
        if (!stored.ok()) {
          return Damaged(fmt::format("object {}: the event at log position {} ({}/{}) cannot be stored: {}",
                                     packs[i].object, first + static_cast<int64_t>(j), e.feed, e.seq,
                                     stored.error().detail));
        }
        if (first + static_cast<int64_t>(j) + 1 == last.digest_size && last.digest_size < last.size)
          check_digest();
      }
      for (const auto& seal : fetched->pack.seals) HF_RETURN_IF_ERROR(store::InsertSeal(*db, seal));
      done += static_cast<int64_t>(fetched->events.size());
      folded = std::move(*fetched);
      report.packs += 1;
      say(fmt::format("pack {} of {}: {} of {} events", i + 1, packs.size(), done, last.size));
    }
    HF_RETURN_IF_ERROR(
        store::SetMeta(*db, "hlc", fmt::format("{} {}", latest_stamp.time, latest_stamp.tick)));
    report.events = done;
    say("indexing the state tables");
    HF_RETURN_IF_ERROR(indexes.Build(*db));

    say("checking the seals and the restored log against the last checkpoint");
    chain.Finish();
    report.seals = chain.seals();
    report.feeds = chain.feeds();
    if (!chain.problems().empty()) {
      const store::Problem& p = chain.problems().front();
      return Damaged(fmt::format("the restored journal fails verification: {}: {} ({} problems)", p.where,
                                 p.what, chain.problems().size()));
    }
    HF_ASSIGN_OR_RETURN(uint64_t size, store::LogSize(*db));
    HF_ASSIGN_OR_RETURN(Hash root, store::LogRoot(*db, size));
    if (size != last.opened.size || root != last.opened.root) {
      return Damaged(
          fmt::format("the restored log ({} events) does not have the root of the checkpoint node {} signed "
                      "for {} events",
                      size, node, last.opened.size));
    }
    if (last.digest_size == last.size) check_digest();
    if (digest_problem) return *digest_problem;
    say("committing the restored database and moving it into place");
    return txn.Commit();
  }();
  if (!built.ok()) {
    // A database that fails is moved aside, so that no node is left to serve it.
    Error e = built.error();
    db.reset();
    std::string aside = paths.db() + ".rejected";
    if (::rename(building.c_str(), aside.c_str()) == 0)
      e.detail += fmt::format(" (the restored database is kept as {} for inspection)", aside);
    return e;
  }
  HF_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL"));
  HF_RETURN_IF_ERROR(WriteFileAtomic(paths.node_key(), key_files.node_key, 0600));
  HF_RETURN_IF_ERROR(WriteFileAtomic(paths.city_pub(), key_files.city_pub));
  HF_RETURN_IF_ERROR(WriteFileAtomic(paths.vault_key(), EncodeKeyFile(key), 0600));
  // Into place: everything in the database file, synced, then renamed.
  HF_RETURN_IF_ERROR(db->Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
  db.reset();
  int fd = ::open(building.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return ErrnoError("cannot sync the restored database");
  }
  ::close(fd);
  if (::rename(building.c_str(), paths.db().c_str()) != 0)
    return ErrnoError("cannot move the restored database into place");
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace holdfast::vault
