#include "store/verify.h"

#include <fmt/format.h>

#include <future>
#include <map>
#include <mutex>

#include "journal/certificate.h"
#include "journal/event.h"
#include "journal/seal.h"
#include "store/journal.h"
#include "store/node.h"
#include "store/node_log.h"

namespace holdfast::store {
namespace {

class Verifier {
 public:
  Verifier(const std::string& dir, const Registry& registry)
      : paths_(dir), db_path_(paths_.db()), registry_(registry) {}

  Result<VerifyReport> Run(const std::function<void(std::string_view)>& progress) {
    std::mutex said;  // the checks' thread reports too
    auto say = [&](std::string_view s) {
      std::lock_guard<std::mutex> lock(said);
      if (progress) progress(s);
    };
    if (!FileExists(db_path_)) return NotFound(fmt::format("no node database at {}", db_path_));
    HF_ASSIGN_OR_RETURN(Bytes city_key, ReadCityPublicKey(paths_));
    // A scratch database with the node's schema; the live one is attached read-only.
    // The scratch file counts for nothing once verify ends: no journal, no syncs, and a page cache large
    // enough that the fold's pages are written out about once.
    HF_ASSIGN_OR_RETURN(scratch_, Db::Open("", OpenMode::kReadWrite));
    HF_RETURN_IF_ERROR(scratch_->Exec(
        "PRAGMA main.journal_mode=OFF; PRAGMA main.synchronous=OFF; PRAGMA main.cache_size=-1048576; "
        "PRAGMA temp_store=MEMORY"));
    HF_RETURN_IF_ERROR(CreateSchema(*scratch_, registry_));
    HF_ASSIGN_OR_RETURN(StmtRef attach, scratch_->Prepare("ATTACH ? AS live"));
    HF_RETURN_IF_ERROR(attach->Bind(1, ReadOnlyUri(db_path_)).Run());
    // The fold reads the live events in place, through a view that shadows the scratch's own (empty) events
    // table and leaves out the events listed in `unreadable` (Refold).
    HF_RETURN_IF_ERROR(scratch_->Exec(
        "CREATE TEMP TABLE unreadable(feed TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(feed, seq)); "
        "CREATE TEMP VIEW events AS SELECT * FROM live.events e WHERE NOT EXISTS "
        "(SELECT 1 FROM unreadable u WHERE u.feed = e.feed AND u.seq = e.seq)"));
    HF_ASSIGN_OR_RETURN(auto city, ScalarText("SELECT value FROM live.meta WHERE key='city'"));
    chain_.emplace(std::move(city_key), city, paths_.city_pub());
    // Tables built as another version declared them (a column fewer) cannot be compared row by row.
    HF_ASSIGN_OR_RETURN(std::unique_ptr<Db> live, Db::Open(db_path_, OpenMode::kReadOnly));
    HF_ASSIGN_OR_RETURN(bool current, StateSchemaIsCurrent(*live, registry_));
    if (!current) {
      return Conflict(fmt::format("the state tables in {} were built by another version of holdfast: start "
                                  "the node once or run `holdfast rebuild --data {}`, then verify",
                                  db_path_, paths_.dir),
                      "state-schema-outdated");
    }

    // A node that is serving keeps writing while verify reads it. Everything verify reads of the node is read
    // at one moment, the same commit on both connections, or a write committed between two reads would look
    // like a row added or changed directly. Each connection holds one read transaction from here to the end;
    // the scratch's also holds the refold.
    HF_ASSIGN_OR_RETURN(Moment moment, ReadAtOneMoment(*live));
    say(fmt::format("reading the node as it was at event {} of its log", moment.events));

    // The journal's own checks (hashes, chains, seals, the node log) run on a thread of their own, on a
    // connection of their own, while this one refolds the state. An event they find unreadable is left out of
    // the fold; the fold under way does not know that yet, so when they find one (the journal was damaged) it
    // is done again after them, without those events.
    say("checking event hashes, chains, seals and the node log, and refolding every aggregate beside them");
    std::future<Status> checked = std::async(std::launch::async, [this, &live, &say]() -> Status {
      HF_RETURN_IF_ERROR(CheckEvents(*live));
      say("checked event hashes and chains");
      HF_RETURN_IF_ERROR(CheckSeals(*live));
      say("checked node certificates and seals");
      HF_RETURN_IF_ERROR(CheckNodeLog(*live));
      say("checked the node log");
      // And, while the fold goes on, the live tables' side of the comparison (sorted in memory, as the
      // scratch connection sorts).
      HF_RETURN_IF_ERROR(live->Exec("PRAGMA temp_store=MEMORY; PRAGMA cache_size=-262144"));
      for (const StateTable* t : DerivedTables(registry_)) {
        Sha256Stream hash;
        HF_ASSIGN_OR_RETURN(int64_t rows, HashTableRows(*live, t->name, &hash));
        live_tables_.push_back({hash.Finish(), rows});
      }
      return Status::Ok();
    });
    Status folded = Refold({}, say);
    HF_RETURN_IF_ERROR(checked.get());
    if (!unreadable_.empty() || !folded.ok()) {
      say("refolding every aggregate again, without the events that cannot be read");
      folded = Refold(unreadable_, say);
    }
    HF_RETURN_IF_ERROR(folded);
    say("comparing state tables");
    HF_RETURN_IF_ERROR(CompareTables());
    return std::move(report_);
  }

 private:
  // A read transaction on `live` and one on the scratch connection (which reads the node through `live.`)
  // that see the same commit of the node: the same last event of its log. The node's writes change the state
  // tables only with events, so the same last event is the same state.
  struct Moment {
    int64_t events;  // in the log at that commit
    ReadTransaction live, scratch;
  };
  Result<Moment> ReadAtOneMoment(Db& live) {
    constexpr int kTries = 1000;  // the two reads are microseconds apart; a commit falls between them seldom
    constexpr std::string_view kLast = "SELECT COALESCE(MAX(stored), -1) + 1 FROM {}events";
    for (int attempt = 0; attempt < kTries; ++attempt) {
      HF_ASSIGN_OR_RETURN(ReadTransaction here, ReadTransaction::Begin(live));
      HF_ASSIGN_OR_RETURN(int64_t events_here, live.QueryInt(fmt::format(kLast, "")));
      HF_ASSIGN_OR_RETURN(ReadTransaction there, ReadTransaction::Begin(*scratch_));
      HF_ASSIGN_OR_RETURN(int64_t events_there, scratch_->QueryInt(fmt::format(kLast, "live.")));
      if (events_here == events_there) return Moment{events_here, std::move(here), std::move(there)};
    }
    return MakeError(Code::kUnavailable,
                     fmt::format("the node at {} committed a write between every two reads of {} tries; stop "
                                 "`holdfast serve` or try again when it is less busy",
                                 paths_.dir, kTries),
                     "node-busy");
  }

  // Builds the state tables from the journal into the scratch database, leaving out the events `skipped`.
  // Runs in the scratch's read transaction (ReadAtOneMoment); the tables are dropped and built anew, so a
  // fold that failed leaves nothing behind for the next.
  Status Refold(const std::vector<std::pair<std::string, int64_t>>& skipped,
                const std::function<void(std::string_view)>& say) {
    HF_RETURN_IF_ERROR(scratch_->Exec("DELETE FROM temp.unreadable"));
    HF_ASSIGN_OR_RETURN(StmtRef skip, scratch_->Prepare("INSERT OR IGNORE INTO temp.unreadable VALUES(?,?)"));
    for (const auto& [feed, seq] : skipped) {
      skip->Reset();
      HF_RETURN_IF_ERROR(skip->BindAll(feed, seq).Run());
    }
    HF_RETURN_IF_ERROR(RebuildState(*scratch_, registry_, [&](int64_t n, int64_t total) {
      if (n % 1000000 == 0 || n == total) say(fmt::format("refolded {} of {} events", n, total));
    }));
    return Status::Ok();
  }

  void Add(std::string where, std::string what) {
    report_.problems.push_back({std::move(where), std::move(what)});
  }

  Result<std::string> ScalarText(std::string_view sql) {
    HF_ASSIGN_OR_RETURN(StmtRef s, scratch_->Prepare(sql));
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    return row ? s->Text(0) : std::string();
  }

  // The node log's kept hashes against the ones the events give (store/node_log.h), from the events'
  // places and hashes CheckEvents gathered.
  Status CheckNodeLog(Db& live) {
    HF_ASSIGN_OR_RETURN(std::vector<std::string> problems, leaves_.Check(live));
    for (const std::string& p : problems) {
      size_t colon = p.find(": ");
      Add(p.substr(0, colon), colon == std::string::npos ? "" : p.substr(colon + 2));
    }
    return Status::Ok();
  }

  Status CheckEvents(Db& live) {
    HF_ASSIGN_OR_RETURN(StmtRef s, live.Prepare("SELECT feed, seq, hash, body, time, tick, type, stored "
                                                "FROM events ORDER BY feed, seq"));
    int64_t max_stored = -1;
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      ++report_.events;
      std::string feed = s->Text(0);
      int64_t seq = s->Int(1);
      std::string where = fmt::format("event {}/{}", feed, seq);
      std::string_view body = AsChars(s->Blob(3));
      max_stored = std::max(max_stored, s->Int(7));
      leaves_.Add(s->Int(7), s->Blob(2));
      auto decoded = journal::Decode(body);
      std::string actual_hex = Hex(decoded.ok() ? decoded->hash : Sha256(body));
      if (Hex(s->Blob(2)) != actual_hex) {
        Add(where, "its bytes do not match its stored hash (the event was edited)");
      }
      if (!decoded.ok()) {
        Add(where, "its bytes are not a valid event: " + decoded.error().detail);
        unreadable_.emplace_back(feed, seq);
      } else {
        const journal::Event& e = decoded->event;
        if (e.feed != feed || e.seq != seq) {
          Add(where,
              fmt::format("its bytes say it is event {}/{} (events were moved or swapped)", e.feed, e.seq));
        }
        if (e.stamp.time != s->Int(4) || e.stamp.tick != s->Int(5) || e.type != s->TextView(6)) {
          Add(where, "its time, tick or type columns differ from its bytes");
        }
      }
      chain_->AddEvent(feed, seq, std::move(actual_hex), decoded.ok() ? &decoded->event : nullptr);
    }
    report_.feeds = chain_->feeds();
    if (max_stored + 1 != report_.events) {
      Add("node log",
          fmt::format("the log has gaps: {} events stored at positions 0 to {} (events were deleted)",
                      report_.events, max_stored));
    }
    return Status::Ok();
  }

  Status CheckSeals(Db& live) {
    HF_RETURN_IF_ERROR(AddStoredSeals(live, *chain_));
    chain_->Finish();
    report_.seals = chain_->seals();
    for (Problem& p : chain_->problems()) report_.problems.push_back(std::move(p));
    chain_->problems().clear();
    return Status::Ok();
  }

  // The refolded tables against the live ones (hashed into live_tables_ beside the fold).
  Status CompareTables() {
    const std::vector<const StateTable*> tables = DerivedTables(registry_);
    if (live_tables_.size() != tables.size()) return Internal("the live tables were not all hashed");
    for (size_t i = 0; i < tables.size(); ++i) {
      const StateTable* t = tables[i];
      // Equal rows hash alike; only a table whose hashes differ is searched for the rows that differ.
      Sha256Stream refolded;
      HF_RETURN_IF_ERROR(HashTableRows(*scratch_, "main." + t->name, &refolded).status());
      report_.rows += live_tables_[i].second;
      if (live_tables_[i].first == refolded.Finish()) continue;
      HF_RETURN_IF_ERROR(
          Diff(*t, "live", "main", "the live row is not what the journal gives (edited or added directly)"));
      HF_RETURN_IF_ERROR(
          Diff(*t, "main", "live", "the row the journal gives is missing or different in the live table"));
    }
    return Status::Ok();
  }

  // Reports the rows of `from`.T that are not in `other`.T, named by the table's key columns.
  Status Diff(const StateTable& t, std::string_view from, std::string_view other, std::string_view message) {
    std::string keys;
    for (const auto& k : t.key_columns) keys += (keys.empty() ? "" : ", ") + k;
    HF_ASSIGN_OR_RETURN(
        StmtRef s,
        scratch_->Prepare(fmt::format(
            "SELECT {0} FROM (SELECT * FROM {1}.{2} EXCEPT SELECT * FROM {3}.{2}) ORDER BY {0} LIMIT 1000",
            keys, from, t.name, other)));
    std::string last;
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      std::string name;
      for (size_t i = 0; i < t.key_columns.size(); ++i) {
        name += fmt::format("{}{}={}", i ? " " : "", t.key_columns[i], s->Text(static_cast<int>(i)));
      }
      if (name == last) continue;
      last = name;
      Add(fmt::format("table {} row {}", t.name, name), std::string(message));
    }
    return Status::Ok();
  }

  DataPaths paths_;
  std::string db_path_;
  const Registry& registry_;
  std::optional<ChainChecker> chain_;
  std::unique_ptr<Db> scratch_;
  VerifyReport report_;
  std::vector<std::pair<std::string, int64_t>> unreadable_;
  LogLeaves leaves_;                                   // gathered by CheckEvents for CheckNodeLog
  std::vector<std::pair<Hash, int64_t>> live_tables_;  // each derived table's hash and rows, in order
};

}  // namespace

Result<VerifyReport> VerifyNode(const std::string& dir, const Registry& registry,
                                const std::function<void(std::string_view)>& progress) {
  Verifier v(dir, registry);
  return v.Run(progress);
}

Status AddStoredSeals(Db& db, ChainChecker& chain) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT s.feed, s.seq, s.hash, s.signature, e.hash FROM seals s "
                                            "LEFT JOIN events e ON e.feed = s.feed AND e.seq = s.seq "
                                            "ORDER BY s.feed, s.seq"));
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    journal::Seal seal{s->Text(0), s->Int(1), Hex(s->Blob(2)), Bytes(s->Blob(3).begin(), s->Blob(3).end())};
    chain.AddSeal(std::move(seal), s->IsNull(4) ? std::nullopt : std::optional<std::string>(Hex(s->Blob(4))));
  }
  return Status::Ok();
}

ChainChecker::ChainChecker(Bytes city_key, std::string city, std::string city_key_file)
    : city_key_(std::move(city_key)), city_(std::move(city)), city_key_file_(std::move(city_key_file)) {}

void ChainChecker::AddEvent(std::string_view feed, int64_t seq, std::string hash_hex,
                            const journal::Event* event) {
  if (event && event->type == journal::kNodeEnrolledType) enrollments_.push_back(*event);
  AddLink(feed, seq, std::move(hash_hex), event ? &event->prev : nullptr);
}

void ChainChecker::AddLink(std::string_view feed, int64_t seq, std::string hash_hex,
                           const std::string* prev_hex) {
  auto it = feeds_.find(feed);
  if (it == feeds_.end()) it = feeds_.emplace(std::string(feed), FeedState{}).first;
  FeedState& f = it->second;
  if (prev_hex) {
    if (seq != f.last_seq + 1) {
      Add(fmt::format("event {}/{}", feed, seq),
          f.last_seq + 1 == seq - 1
              ? fmt::format("event {}/{} is missing (deleted)", feed, f.last_seq + 1)
              : fmt::format("events {}/{}..{} are missing (deleted)", feed, f.last_seq + 1, seq - 1));
    } else if (*prev_hex != f.last_hash) {
      Add(fmt::format("event {}/{}", feed, seq),
          fmt::format("its prev link does not match the hash of event {}/{} (the chain is broken)", feed,
                      seq - 1));
    }
  }
  f.last_seq = seq;
  f.last_hash = std::move(hash_hex);
}

void ChainChecker::AddSeal(journal::Seal seal, std::optional<std::string> sealed_event_hash) {
  seals_.emplace_back(std::move(seal), std::move(sealed_event_hash));
}

void ChainChecker::Finish() {
  std::map<std::string, Bytes> keys;
  for (const journal::Event& e : enrollments_) {
    std::string node(StringOr(e.data, "node"));
    std::string pub(StringOr(e.data, "public_key"));
    auto cert = FromHex(StringOr(e.data, "certificate"));
    auto key = FromHex(pub);
    if (!cert || !key || !journal::VerifyNodeCertificate(city_key_, city_, node, pub, *cert)) {
      Add(fmt::format("event {}/{}", e.feed, e.seq),
          fmt::format("the enrollment of node {} is not certified by the city key in {}", node,
                      city_key_file_));
      continue;
    }
    keys[node] = *key;
  }
  std::map<std::string, int64_t> sealed_head;
  for (const auto& [seal, event_hash] : seals_) {
    std::string where = fmt::format("seal {}/{}", seal.feed, seal.seq);
    auto key = keys.find(seal.feed);
    if (key == keys.end()) {
      Add(where, fmt::format("no certified key for feed {}", seal.feed));
      continue;
    }
    if (!journal::VerifySeal(key->second, seal)) {
      Add(where, "the signature does not verify (the seal was changed or forged)");
      continue;
    }
    if (!event_hash) {
      Add(where, fmt::format("it seals event {}/{}, which is missing (deleted)", seal.feed, seal.seq));
    } else if (*event_hash != seal.hash) {
      Add(where, fmt::format("it seals a different event {}/{} than the one stored", seal.feed, seal.seq));
    }
    sealed_head[seal.feed] = std::max(sealed_head[seal.feed], seal.seq);
  }
  for (const auto& [feed, state] : feeds_) {
    if (!keys.contains(feed)) Add(fmt::format("feed {}", feed), "no certified key for this feed");
    if (sealed_head[feed] < state.last_seq) {
      Add(fmt::format("event {}/{}", feed, state.last_seq),
          fmt::format("feed {} ends at seq {} but is sealed only up to seq {} (events were added or the seal "
                      "removed)",
                      feed, state.last_seq, sealed_head[feed]));
    }
  }
}

}  // namespace holdfast::store
