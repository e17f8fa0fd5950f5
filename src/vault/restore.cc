#include "vault/restore.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <optional>
#include <set>

#include "base/files.h"
#include "journal/certificate.h"
#include "journal/event.h"
#include "store/journal.h"
#include "store/node.h"
#include "store/node_log.h"
#include "store/verify.h"
#include "vault/backup.h"
#include "vault/image.h"
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

// Fetches, checks and opens one pack, decodes its events and gives them and its seals to `chain`: those at
// log positions `from` and after (the ones before are in the image the restore started from).
Result<Fetched> FetchPack(Target& target, std::span<const uint8_t> key, const PackRef& ref, size_t index,
                          size_t total, int64_t from, store::ChainChecker& chain) {
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
  // Of this pack's events, for its seals: the hash and the log position.
  std::map<std::pair<std::string_view, int64_t>, std::pair<std::string, int64_t>> hashes;
  for (size_t j = 0; j < out.pack.events.size(); ++j) {
    auto event = journal::Decode(out.pack.events[j]);
    if (!event.ok()) {
      return Damaged(fmt::format("object {}: the event at log position {} is not a valid event: {}",
                                 ref.object, out.pack.first + static_cast<int64_t>(j), event.error().detail));
    }
    out.events.push_back(std::move(*event));
  }
  out.pack.events.clear();
  const int64_t skip = std::clamp<int64_t>(from - out.pack.first, 0, static_cast<int64_t>(out.events.size()));
  for (size_t j = 0; j < out.events.size(); ++j) {
    const journal::StoredEvent& se = out.events[j];
    std::string hex = Hex(se.hash);
    int64_t position = out.pack.first + static_cast<int64_t>(j);
    if (position >= from) chain.AddEvent(se.event.feed, se.event.seq, hex, &se.event);
    hashes[{se.event.feed, se.event.seq}] = {std::move(hex), position};
  }
  std::vector<journal::Seal> kept;
  for (journal::Seal& seal : out.pack.seals) {
    auto it = hashes.find({seal.feed, seal.seq});
    if (it != hashes.end() && it->second.second < from) continue;  // the image holds it
    chain.AddSeal(seal, it == hashes.end() ? std::nullopt : std::optional<std::string>(it->second.first));
    kept.push_back(std::move(seal));
  }
  out.pack.seals = std::move(kept);
  out.events.erase(out.events.begin(), out.events.begin() + skip);
  out.pack.first += skip;
  return out;
}

// The journal in an image (the events at log positions [0, size)), checked as a restore checks the packs'
// events: each event's bytes hash to its stored hash, its columns are what its bytes say, its chain link is
// the hash of the event before it in its feed (given to `chain`, with the enrollments and the stored seals,
// which it checks at the end), and the events' hashes are gathered for the node log's check
// (store::LogLeaves). The bytes are read only
// as far as the chain link: the hashes, links and seals are what authenticates them (journal/event.h).
// Two threads read half the log each, on connections of their own.
class ImageJournalCheck {
 public:
  // `identity_types`: the event types gathered whole for CheckIdentityTables.
  ImageJournalCheck(std::string path, int64_t size, std::set<std::string, std::less<>> identity_types)
      : path_(std::move(path)), size_(size), hashes_(size), identity_types_(std::move(identity_types)) {}

  // `log` gets the events' places and hashes, `latest` the latest clock stamp of its events.
  Status Run(store::ChainChecker& chain, std::vector<store::Problem>* problems, store::LogLeaves* log,
             journal::Stamp* latest, std::vector<journal::StoredEvent>* identity) {
    int64_t half = size_ / 2;
    Part first{0, half}, second{half, size_};
    auto other = std::async(std::launch::async, [&] { return Scan(second); });
    Status scanned = Scan(first);
    Status scanned_too = other.get();
    HF_RETURN_IF_ERROR(scanned);
    HF_RETURN_IF_ERROR(scanned_too);
    for (Part* part : {&first, &second}) {
      for (store::Problem& p : part->problems) problems->push_back(std::move(p));
      for (journal::Event& e : part->enrollments) chain.AddEnrollment(std::move(e));
      *latest = std::max(*latest, part->latest);
      for (journal::StoredEvent& e : part->identity) identity->push_back(std::move(e));
      std::string prev;
      for (const Link& l : part->links) {
        if (l.valid) prev = l.seq == 1 ? std::string() : Hex(l.prev);
        chain.AddLink(part->feeds[l.feed], l.seq, Hex(l.hash), l.valid ? &prev : nullptr);
      }
      part->links = {};
    }
    for (size_t i = 0; i < hashes_.size(); ++i) log->Add(static_cast<int64_t>(i), hashes_[i]);
    hashes_ = {};
    return Status::Ok();
  }

 private:
  struct Link {
    uint32_t feed;  // in Part::feeds
    bool valid;     // its bytes are a valid event
    int64_t seq;
    Hash hash, prev;
  };
  struct Part {
    int64_t from, to;
    std::vector<std::string> feeds;
    std::vector<Link> links;
    std::vector<journal::Event> enrollments;
    std::vector<store::Problem> problems;
    journal::Stamp latest;
    std::vector<journal::StoredEvent> identity;
  };

  Status Scan(Part& part) {
    HF_ASSIGN_OR_RETURN(std::unique_ptr<store::Db> db, store::Db::Open(path_, store::OpenMode::kReadOnly));
    HF_ASSIGN_OR_RETURN(store::StmtRef s,
                        db->Prepare("SELECT stored, feed, seq, hash, body, time, tick, type FROM events "
                                    "WHERE stored >= ? AND stored < ? ORDER BY stored"));
    s->BindAll(part.from, part.to);
    std::map<std::string, uint32_t, std::less<>> feed_index;
    part.links.reserve(static_cast<size_t>(part.to - part.from));
    auto problem = [&](std::string where, std::string what) {
      part.problems.push_back({std::move(where), std::move(what)});
    };
    int64_t expected = part.from;
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      int64_t stored = s->Int(0);
      std::string_view feed = s->TextView(1);
      int64_t seq = s->Int(2);
      std::span<const uint8_t> hash = s->Blob(3);
      std::string_view body = AsChars(s->Blob(4));
      auto where = [&] { return fmt::format("event {}/{}", feed, seq); };
      if (stored != expected) {
        problem(fmt::format("log position {}", expected),
                stored == expected + 1
                    ? "it is missing (deleted)"
                    : fmt::format("positions {}..{} are missing (deleted)", expected, stored - 1));
      }
      expected = stored + 1;
      Hash actual = Sha256(body);
      Link link{0, false, seq, actual, {}};
      if (hash.size() != actual.size() || !std::equal(hash.begin(), hash.end(), actual.begin()))
        problem(where(), "its bytes do not match its stored hash (the event was edited)");
      auto tail = journal::ReadEnvelopeTail(body);
      if (!tail) {
        auto decoded = journal::Decode(body);
        problem(where(), "its bytes are not a valid event" +
                             (decoded.ok() ? std::string() : ": " + decoded.error().detail));
      } else {
        link.valid = true;
        if (tail->feed != feed || tail->seq != seq) {
          problem(where(), fmt::format("its bytes say it is event {}/{} (events were moved or swapped)",
                                       tail->feed, tail->seq));
        }
        if (tail->time != s->Int(5) || tail->tick != s->Int(6) || tail->type != s->TextView(7))
          problem(where(), "its time, tick or type columns differ from its bytes");
        part.latest = std::max(part.latest, journal::Stamp{tail->time, tail->tick});
        if (seq > 1) {
          auto prev = FromHex(tail->prev);
          std::copy(prev->begin(), prev->end(), link.prev.begin());
        }
        bool identity = identity_types_.contains(tail->type);
        if (identity || tail->type == journal::kNodeEnrolledType) {
          auto decoded = journal::Decode(body);
          if (!decoded.ok()) {
            problem(where(), "its bytes are not a valid event: " + decoded.error().detail);
            link.valid = false;
          } else {
            if (tail->type == journal::kNodeEnrolledType) part.enrollments.push_back(decoded->event);
            if (identity) part.identity.push_back(std::move(*decoded));
          }
        }
      }
      auto it = feed_index.find(feed);
      if (it == feed_index.end()) {
        it = feed_index.emplace(std::string(feed), static_cast<uint32_t>(part.feeds.size())).first;
        part.feeds.emplace_back(feed);
      }
      link.feed = it->second;
      // (A hash column of another length is a problem above already.)
      if (stored >= part.from && stored < part.to && hash.size() == actual.size())
        std::copy(hash.begin(), hash.end(), hashes_[static_cast<size_t>(stored)].begin());
      part.links.push_back(link);
      if (part.problems.size() > 1000) break;  // enough to say what is wrong
    }
    if (expected != part.to && part.problems.size() <= 1000) {
      problem(fmt::format("log position {}", expected),
              fmt::format("positions {}..{} are missing (deleted)", expected, part.to - 1));
    }
    return Status::Ok();
  }

  std::string path_;
  int64_t size_;
  std::vector<Hash> hashes_;  // the stored hash column, by log position (zero when it is not 32 bytes)
  std::set<std::string, std::less<>> identity_types_;
};

// The tables, indexes and anything else in a database's schema, one line each.
Result<std::string> SchemaText(store::Db& db) {
  HF_ASSIGN_OR_RETURN(store::StmtRef s, db.Prepare("SELECT type, name, tbl_name, COALESCE(sql, '') FROM "
                                                   "sqlite_schema ORDER BY type, name"));
  std::string out;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out += fmt::format("{} {} {} {}\n", s->TextView(0), s->TextView(1), s->TextView(2), s->TextView(3));
  }
  return out;
}

constexpr std::string_view kImageUnusable = "image-unusable";

// The identity tables (store::StateTable::identity) of the image at `path`, and its index of the identity
// aggregates' events (event_aggregates), against the same folded in a scratch database from `events`: the
// image's events of identity kinds, read from its checked journal (ImageJournalCheck), not through its
// indexes.
Status CheckIdentityTables(const std::string& path, const store::Registry& registry, const std::string& what,
                           std::vector<journal::StoredEvent> events) {
  HF_ASSIGN_OR_RETURN(std::unique_ptr<store::Db> scratch, store::Db::Open("", store::OpenMode::kReadWrite));
  HF_RETURN_IF_ERROR(scratch->Exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF"));
  HF_RETURN_IF_ERROR(store::CreateSchema(*scratch, registry));
  std::sort(events.begin(), events.end(), [](const journal::StoredEvent& a, const journal::StoredEvent& b) {
    return std::tie(a.event.stamp, a.event.feed, a.event.seq) <
           std::tie(b.event.stamp, b.event.feed, b.event.seq);
  });
  for (size_t i = 0; i < events.size(); ++i) {
    HF_RETURN_IF_ERROR(store::InsertEvent(*scratch, registry, events[i], static_cast<int64_t>(i)));
    HF_RETURN_IF_ERROR(store::FoldEvent(*scratch, registry, events[i], store::FoldOrder::kLatest));
  }
  HF_ASSIGN_OR_RETURN(store::StmtRef attach, scratch->Prepare("ATTACH ? AS image"));
  HF_RETURN_IF_ERROR(attach->Bind(1, store::ReadOnlyUri(path)).Run());
  auto differ = [&](std::string_view table, std::string_view where) -> Result<int64_t> {
    return scratch->QueryInt(fmt::format(
        "SELECT (SELECT COUNT(*) FROM (SELECT * FROM main.{0} {1} EXCEPT SELECT * FROM image.{0} {1})) + "
        "(SELECT COUNT(*) FROM (SELECT * FROM image.{0} {1} EXCEPT SELECT * FROM main.{0} {1}))",
        table, where));
  };
  for (const store::StateTable& t : registry.tables()) {
    if (!t.identity) continue;
    HF_ASSIGN_OR_RETURN(int64_t rows, differ(t.name, ""));
    if (rows > 0) {
      return Damaged(fmt::format(
          "the {} table in {} is not what its journal gives ({} rows differ): it was changed directly before "
          "the image was made",
          t.name, what, rows));
    }
  }
  for (const std::string& kind : registry.IdentityKinds()) {
    HF_ASSIGN_OR_RETURN(
        int64_t rows,
        differ("event_aggregates", fmt::format("WHERE aggregate >= '{0}:' AND aggregate < '{0};'", kind)));
    if (rows > 0) {
      return Damaged(
          fmt::format("the index of the {} aggregates' events in {} is not what its journal gives ({} "
                      "rows differ): it was changed directly before the image was made",
                      kind, what, rows));
    }
  }
  return Status::Ok();
}

// Checks that the image fetched to `path` (open as `db`) is a database of `node` of this version's schema
// holding the log up to the image's size, its journal (ImageJournalCheck) and its node log, and its identity
// tables against its journal; gives `chain` its events and seals. Sets `latest_event` to the latest stamp of
// its events (the events after the image sort after it by their own stamps, store::LogOrderFold::StartAfter)
// and `clock_out` to the clock the restored node goes on from: the image's, never behind its events. An image
// of another schema (another version, or changed) is refused with type kImageUnusable.
Status CheckImage(store::Db& db, const std::string& path, const Manifest& holder, const std::string& node,
                  const store::Registry& registry, store::ChainChecker& chain, journal::Stamp* latest_event,
                  journal::Stamp* clock_out, const std::function<void(std::string_view)>& say) {
  const int64_t size = holder.image->size;
  std::string what = fmt::format("the image of generation {}", holder.generation);
  {
    HF_ASSIGN_OR_RETURN(std::unique_ptr<store::Db> fresh, store::Db::Open("", store::OpenMode::kReadWrite));
    HF_RETURN_IF_ERROR(store::CreateSchema(*fresh, registry));
    HF_ASSIGN_OR_RETURN(std::string expected, SchemaText(*fresh));
    HF_ASSIGN_OR_RETURN(std::string actual, SchemaText(db));
    if (actual != expected) {
      return Conflict(
          fmt::format("{} does not have this version's tables (it was made by another version, or its "
                      "schema was changed)",
                      what),
          std::string(kImageUnusable));
    }
  }
  auto id = store::GetMeta(db, "node_id");
  auto city = store::GetMeta(db, "city");
  auto hlc = store::GetMeta(db, "hlc");
  journal::Stamp clock;
  if (!id.ok() || !city.ok() || !hlc.ok() || !*id || !*city || !*hlc ||
      std::sscanf((*hlc)->c_str(), "%ld %ld", &clock.time, &clock.tick) != 2)
    return Damaged(fmt::format("{} is not a node's database (it has no node id, city or clock)", what));
  if (**id != node || **city != holder.city)
    return Damaged(fmt::format("{} is the database of node {} of {}, not of node {} of {}", what, **id,
                               **city, node, holder.city));
  HF_ASSIGN_OR_RETURN(int64_t count, db.QueryInt("SELECT COUNT(*) FROM events"));
  HF_ASSIGN_OR_RETURN(int64_t low, db.QueryInt("SELECT COALESCE(MIN(stored), 0) FROM events"));
  HF_ASSIGN_OR_RETURN(int64_t high, db.QueryInt("SELECT COALESCE(MAX(stored), -1) FROM events"));
  if (count != size || low != 0 || high != size - 1) {
    return Damaged(
        fmt::format("{} holds {} events at log positions {}..{}, not the {} at 0..{} its manifest says", what,
                    count, low, high, size, size - 1));
  }

  say(fmt::format("checking the image's {} events: hashes, chains and the node log", size));
  ImageJournalCheck check(path, size, registry.IdentityTypes());
  std::vector<store::Problem> problems;
  store::LogLeaves log;
  journal::Stamp latest;
  std::vector<journal::StoredEvent> identity;
  HF_RETURN_IF_ERROR(check.Run(chain, &problems, &log, &latest, &identity));
  for (const store::Problem& p : chain.problems()) problems.push_back(p);
  if (!problems.empty()) {
    return Damaged(fmt::format("the journal in {} fails verification: {}: {} ({} problems)", what,
                               problems.front().where, problems.front().what, problems.size()));
  }
  HF_RETURN_IF_ERROR(store::AddStoredSeals(db, chain));
  // Every hash the node log keeps is the one its events give, and none is missing or extra.
  HF_ASSIGN_OR_RETURN(std::vector<std::string> log_problems, log.Check(db));
  if (!log_problems.empty()) {
    return Damaged(fmt::format("the node log in {} does not match its events: {} ({} problems)", what,
                               log_problems.front(), log_problems.size()));
  }
  HF_ASSIGN_OR_RETURN(Hash root, store::LogRoot(db, static_cast<uint64_t>(size)));
  if (holder.size == size && root != holder.opened.root) {
    return Damaged(
        fmt::format("the log in {} does not have the root of the checkpoint node {} signed for {} "
                    "events",
                    what, node, size));
  }
  say(fmt::format("checking the image's identity tables against its journal"));
  HF_RETURN_IF_ERROR(CheckIdentityTables(path, registry, what, std::move(identity)));
  *latest_event = latest;
  *clock_out = std::max(clock, latest);
  return Status::Ok();
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
  // The latest image, unless told to fold every event; then the packs of the events after it.
  const Manifest* imaged = !options.refold && last.image_at > 0 ? &chain[last.image_at - 1] : nullptr;
  int64_t start = imaged ? imaged->image->size : 0;
  std::vector<PackRef> packs;
  auto packs_from = [&](int64_t from) {
    packs.clear();
    for (const auto& m : chain)
      for (const auto& p : m.packs)
        if (p.first + p.count > from) packs.push_back(p);
  };
  packs_from(start);
  report.city = last.city;
  report.node = node;
  report.generation = last.generation;
  report.checkpoint = last.checkpoint;
  say(fmt::format("{} generations, {} events of {}", chain.size(), last.size, last.city));
  if (imaged) {
    say(fmt::format("starting from the image of generation {} ({} events), then {} packs", imaged->generation,
                    start, packs.size()));
  } else {
    say(fmt::format("{} packs to store and fold{}", packs.size(),
                    last.image_at > 0 ? " (the images are ignored)" : ""));
  }

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
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) std::filesystem::remove(building + suffix);
  std::unique_ptr<store::Db> db;
  // Errors of the image's own, for which the packs alone may do.
  auto or_refold = [](Status s) -> Status {
    if (s.ok()) return s;
    Error e = s.error();
    e.detail += "; `holdfast restore --refold` restores from the packs alone, without the image";
    return e;
  };
  auto build = [&]() -> Status {
    store::ChainChecker chain(city_pub, last.city, "the backup's keys object");
    journal::Stamp latest_stamp;
    store::LogOrderFold fold;
    if (imaged) {
      say(fmt::format("fetching the image: {} chunks, {:.1f} MiB of database", imaged->image->chunks.size(),
                      imaged->image->bytes / 1048576.0));
      int64_t said = 0;
      Result<int64_t> fetched = FetchImage(target, key, *imaged->image, building, [&](int64_t n, int64_t of) {
        if (n * 10 / of > said || n == of) {
          said = n * 10 / of;
          say(fmt::format("image chunk {} of {}", n, of));
        }
      });
      HF_RETURN_IF_ERROR(or_refold(fetched.status()));
      report.bytes = *fetched;
    }
    HF_ASSIGN_OR_RETURN(db, store::Db::Open(building, store::OpenMode::kReadWrite));
    // An image is the old node's file: nothing in it may change how this connection works.
    sqlite3_db_config(db->raw(), SQLITE_DBCONFIG_DEFENSIVE, 1, static_cast<int*>(nullptr));
    HF_RETURN_IF_ERROR(db->Exec("PRAGMA trusted_schema=OFF"));
    // Nothing of this file counts until it is complete and verified, so it is written without a journal.
    HF_RETURN_IF_ERROR(
        db->Exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-1048576; "
                 "PRAGMA temp_store=MEMORY"));
    std::optional<store::DeferredIndexes> indexes;
    if (imaged) {
      journal::Stamp latest_event;
      Status checked =
          CheckImage(*db, building, *imaged, node, registry, chain, &latest_event, &latest_stamp, say);
      if (!checked.ok() && checked.error().type == kImageUnusable) return checked;
      HF_RETURN_IF_ERROR(or_refold(checked));
      fold.StartAfter(latest_event);
    }
    HF_ASSIGN_OR_RETURN(store::Transaction txn, store::Transaction::Begin(*db));
    // An image made by an older version has its state tables refolded as this one declares them.
    HF_RETURN_IF_ERROR(store::CreateSchema(*db, registry));
    if (imaged) {
      // The node-local tables start empty, as on a node restored from its packs: sessions (everyone signs in
      // again), answers kept for retried requests, what peers showed it.
      for (const std::string& table : registry.LocalTables())
        HF_RETURN_IF_ERROR(db->Exec(fmt::format("DELETE FROM {}", table)));
    } else {
      HF_RETURN_IF_ERROR(store::SetMeta(*db, "node_id", node));
      HF_RETURN_IF_ERROR(store::SetMeta(*db, "city", last.city));
      HF_ASSIGN_OR_RETURN(indexes, store::DeferredIndexes::Drop(*db, registry));
    }

    // Packs are fetched, opened, decoded and checked (hashes, chains, seals) on a thread of their own, one
    // pack ahead, while this one stores and folds the events of the pack before; that thread also frees each
    // pack once it is folded.
    std::future<Result<Fetched>> next;
    auto fetch = [&](size_t i, Fetched folded) {
      return std::async(std::launch::async,
                        [&target, key, &packs, &chain, start, i, folded = std::move(folded)]() mutable {
                          folded = {};
                          return FetchPack(target, key, packs[i], i, packs.size(), start, chain);
                        });
    };
    if (!packs.empty()) next = fetch(0, {});
    Fetched folded;
    int64_t done = start;
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
    say(fmt::format("storing and folding {} packs", packs.size()));
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
        if (first + static_cast<int64_t>(j) + 1 == last.digest_size && last.digest_size < last.size &&
            last.digest_size > start)
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
    if (indexes) {
      say("indexing the state tables");
      HF_RETURN_IF_ERROR(indexes->Build(*db));
    }

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
    // The state the image holds is the node's own, byte for byte (each chunk's MAC); a digest recorded at
    // the image's moment or before it has nothing to check that the image does not.
    if (last.digest_size == last.size && last.digest_size > start) check_digest();
    if (digest_problem) return *digest_problem;
    say("committing the restored database and moving it into place");
    return txn.Commit();
  };
  Status built = build();
  if (!built.ok() && built.error().type == kImageUnusable) {
    say(fmt::format("{}: storing and folding every event instead", built.error().detail));
    db.reset();
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) std::filesystem::remove(building + suffix);
    imaged = nullptr;
    start = 0;
    packs_from(0);
    report.bytes = 0;
    report.packs = 0;
    built = build();
  }
  if (!built.ok()) {
    // A database that fails is moved aside, so that no node is left to serve it; a file never opened (an
    // image not fully fetched) is removed.
    Error e = built.error();
    bool opened = db != nullptr;
    db.reset();
    if (!opened) {
      for (const char* suffix : {"", "-journal", "-wal", "-shm"}) std::filesystem::remove(building + suffix);
      return e;
    }
    if (!FileExists(building)) return e;
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
  if (imaged) {
    report.image_size = start;
    report.image_generation = imaged->generation;
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace holdfast::vault
