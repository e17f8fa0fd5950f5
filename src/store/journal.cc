#include "store/journal.h"

#include <fmt/format.h>

#include <algorithm>
#include <future>

#include "store/node_log.h"

namespace holdfast::store {
namespace {

const StateTable kEventAggregates{
    "event_aggregates",
    "CREATE TABLE IF NOT EXISTS event_aggregates(aggregate TEXT NOT NULL, time INTEGER NOT NULL, "
    "tick INTEGER NOT NULL, feed TEXT NOT NULL, seq INTEGER NOT NULL, "
    "PRIMARY KEY(aggregate, time, tick, feed, seq)) WITHOUT ROWID",
    {"aggregate", "feed", "seq"}};

constexpr std::string_view kJournalDdl = R"sql(
CREATE TABLE IF NOT EXISTS events(
  stored INTEGER PRIMARY KEY, feed TEXT NOT NULL, seq INTEGER NOT NULL, hash BLOB NOT NULL, body BLOB NOT NULL,
  time INTEGER NOT NULL, tick INTEGER NOT NULL, type TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS events_feed_seq ON events(feed, seq);
CREATE TABLE IF NOT EXISTS seals(
  feed TEXT NOT NULL, seq INTEGER NOT NULL, hash BLOB NOT NULL, signature BLOB NOT NULL,
  PRIMARY KEY(feed, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
)sql";

Status ApplyTo(Db& db, const Registry& registry, const journal::StoredEvent& se, std::string_view aggregate) {
  const journal::Event& e = se.event;
  const FoldRule* rule = registry.FindRule(e.type);
  if (!rule) return Status::Ok();
  Status s = rule->apply(db, se, aggregate);
  if (!s.ok()) {
    Error err = s.error();
    err.detail = fmt::format("folding {} {}/{} into {}: {}", e.type, e.feed, e.seq, aggregate, err.detail);
    return err;
  }
  return Status::Ok();
}

std::vector<std::string> AggregatesOf(const Registry& registry, const journal::Event& e) {
  const FoldRule* rule = registry.FindRule(e.type);
  return rule ? rule->aggregates(e) : std::vector<std::string>{};
}

bool IsCommutative(const Registry& registry, std::string_view aggregate) {
  const AggregateKind* kind = registry.FindAggregate(aggregate);
  return kind && kind->commutative;
}

Status IndexAggregates(Db& db, const Registry& registry, const journal::Event& e) {
  for (const std::string& agg : AggregatesOf(registry, e)) {
    if (IsCommutative(registry, agg)) continue;
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("INSERT OR IGNORE INTO event_aggregates VALUES(?,?,?,?,?)"));
    HF_RETURN_IF_ERROR(s->BindAll(agg, e.stamp.time, e.stamp.tick, e.feed, e.seq).Run());
  }
  return Status::Ok();
}

// The key in meta under which the fingerprint of the derived tables' declarations is kept.
constexpr std::string_view kStateSchemaKey = "state_schema";

}  // namespace

std::vector<const StateTable*> DerivedTables(const Registry& registry) {
  std::vector<const StateTable*> out{&kEventAggregates};
  for (const auto& t : registry.tables()) out.push_back(&t);
  std::sort(out.begin(), out.end(),
            [](const StateTable* a, const StateTable* b) { return a->name < b->name; });
  return out;
}

std::string StateSchema(const Registry& registry) {
  Sha256Stream fingerprint;
  for (const StateTable* t : DerivedTables(registry)) {
    fingerprint.Update(t->name);
    fingerprint.Update("\n");
    fingerprint.Update(t->ddl);
    fingerprint.Update("\n");
  }
  return Hex(fingerprint.Finish());
}

Result<bool> StateSchemaIsCurrent(Db& db, const Registry& registry) {
  HF_ASSIGN_OR_RETURN(auto built, GetMeta(db, kStateSchemaKey));
  return built == StateSchema(registry);
}

Status CreateSchema(Db& db, const Registry& registry) {
  HF_RETURN_IF_ERROR(db.Exec(kJournalDdl));
  HF_RETURN_IF_ERROR(db.Exec(kNodeLogDdl));
  HF_ASSIGN_OR_RETURN(auto version, GetMeta(db, "schema_version"));
  if (!version) {
    HF_RETURN_IF_ERROR(SetMeta(db, "schema_version", std::to_string(kSchemaVersion)));
  } else if (*version != std::to_string(kSchemaVersion)) {
    return IoError(
        fmt::format("database schema version {} is not the supported version {}", *version, kSchemaVersion));
  }
  HF_ASSIGN_OR_RETURN(bool current, StateSchemaIsCurrent(db, registry));
  // Derived tables declared otherwise (by an older version) or never built (a new database): dropped, and the
  // journal refolded into them as declared now.
  if (!current) HF_RETURN_IF_ERROR(RebuildState(db, registry));
  return registry.CreateTables(db);  // the local tables; the state tables exist by now
}

Result<std::optional<std::string>> GetMeta(Db& db, std::string_view key) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT value FROM meta WHERE key=?"));
  s->Bind(1, key);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(s->Text(0));
}

Status SetMeta(Db& db, std::string_view key, std::string_view value) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("INSERT INTO meta VALUES(?,?) ON CONFLICT(key) DO UPDATE SET "
                                            "value=excluded.value"));
  return s->BindAll(key, value).Run();
}

Result<FeedHead> LoadHead(Db& db, std::string_view feed) {
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare("SELECT seq, hash FROM events WHERE feed=? ORDER BY seq DESC LIMIT 1"));
  s->Bind(1, feed);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return FeedHead{};
  return FeedHead{s->Int(0), Hex(s->Blob(1))};
}

Status InsertEvent(Db& db, const Registry& registry, const journal::StoredEvent& se,
                   std::optional<int64_t> at) {
  const journal::Event& e = se.event;
  HF_ASSIGN_OR_RETURN(
      StmtRef s, at ? db.Prepare("INSERT INTO events(feed, seq, hash, body, time, tick, type, stored) "
                                 "VALUES(?,?,?,?,?,?,?,?)")
                    : db.Prepare("INSERT INTO events(feed, seq, hash, body, time, tick, type, stored) "
                                 "VALUES(?,?,?,?,?,?,?,(SELECT COALESCE(MAX(stored), -1) + 1 FROM events))"));
  s->BindAll(e.feed, e.seq);
  if (at) s->Bind(8, *at);
  s->BindBlob(3, se.hash)
      .BindBlob(4, AsBytes(se.bytes))
      .Bind(5, e.stamp.time)
      .Bind(6, e.stamp.tick)
      .Bind(7, e.type);
  HF_RETURN_IF_ERROR(s->Run());
  HF_RETURN_IF_ERROR(AppendToLog(db, sqlite3_last_insert_rowid(db.raw())));
  return IndexAggregates(db, registry, e);
}

Status InsertSeal(Db& db, const journal::Seal& seal) {
  auto hash = FromHex(seal.hash);
  if (!hash) return Internal("seal hash is not hex");
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("INSERT OR REPLACE INTO seals VALUES(?,?,?,?)"));
  return s->BindAll(seal.feed, seal.seq).BindBlob(3, *hash).BindBlob(4, seal.signature).Run();
}

Status FoldEvent(Db& db, const Registry& registry, const journal::StoredEvent& se, FoldOrder order) {
  const journal::Event& e = se.event;
  for (const std::string& agg : AggregatesOf(registry, e)) {
    bool out_of_order = false;
    if (order == FoldOrder::kCheck && !IsCommutative(registry, agg)) {
      HF_ASSIGN_OR_RETURN(StmtRef later, db.Prepare("SELECT 1 FROM event_aggregates WHERE aggregate=? AND "
                                                    "(time, tick, feed, seq) > (?,?,?,?) LIMIT 1"));
      later->BindAll(agg, e.stamp.time, e.stamp.tick, e.feed, e.seq);
      HF_ASSIGN_OR_RETURN(out_of_order, later->Step());
    }
    if (out_of_order) {
      HF_RETURN_IF_ERROR(RefoldAggregate(db, registry, agg));
    } else {
      HF_RETURN_IF_ERROR(ApplyTo(db, registry, se, agg));
    }
  }
  return Status::Ok();
}

Status LogOrderFold::Fold(Db& db, const Registry& registry, const journal::StoredEvent& se) {
  const journal::Event& e = se.event;
  auto place = std::make_tuple(e.stamp, e.feed, e.seq);
  bool latest = !last_ || place > *last_;
  if (latest) last_ = std::move(place);
  return FoldEvent(db, registry, se, latest ? FoldOrder::kLatest : FoldOrder::kCheck);
}

Result<std::vector<journal::StoredEvent>> AggregateEvents(Db& db, std::string_view aggregate) {
  std::vector<std::string> bodies;
  {
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT e.body FROM event_aggregates a JOIN events e "
                                              "ON e.feed=a.feed AND e.seq=a.seq WHERE a.aggregate=? "
                                              "ORDER BY a.time, a.tick, a.feed, a.seq"));
    s->Bind(1, aggregate);
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      bodies.emplace_back(AsChars(s->Blob(0)));
    }
  }
  std::vector<journal::StoredEvent> events;
  events.reserve(bodies.size());
  for (const std::string& body : bodies) {
    HF_ASSIGN_OR_RETURN(journal::StoredEvent se, journal::Decode(body));
    events.push_back(std::move(se));
  }
  return events;
}

Status RefoldAggregate(Db& db, const Registry& registry, std::string_view aggregate) {
  const AggregateKind* kind = registry.FindAggregate(aggregate);
  if (!kind) return Internal(fmt::format("no aggregate kind for {}", aggregate));
  HF_RETURN_IF_ERROR(kind->clear(db, aggregate.substr(aggregate.find(':') + 1)));
  HF_ASSIGN_OR_RETURN(std::vector<journal::StoredEvent> events, AggregateEvents(db, aggregate));
  for (const journal::StoredEvent& se : events) HF_RETURN_IF_ERROR(ApplyTo(db, registry, se, aggregate));
  return Status::Ok();
}

Result<DeferredIndexes> DeferredIndexes::Drop(Db& db, const Registry& registry) {
  DeferredIndexes out;
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT name, sql FROM sqlite_master WHERE type='index' AND "
                                            "tbl_name=? AND sql IS NOT NULL ORDER BY name"));
  std::vector<std::string> names;
  for (const StateTable* t : DerivedTables(registry)) {
    s->Bind(1, t->name);
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      std::string name = s->Text(0);
      if (std::find(t->fold_indexes.begin(), t->fold_indexes.end(), name) != t->fold_indexes.end()) continue;
      names.push_back(std::move(name));
      out.ddl_.push_back(s->Text(1));
    }
    s->Reset();
  }
  for (const std::string& name : names) HF_RETURN_IF_ERROR(db.Exec(fmt::format("DROP INDEX {}", name)));
  return out;
}

Status DeferredIndexes::Build(Db& db) {
  for (const std::string& ddl : ddl_) HF_RETURN_IF_ERROR(db.Exec(ddl));
  ddl_.clear();
  return Status::Ok();
}

Status RebuildState(Db& db, const Registry& registry, const std::function<void(int64_t, int64_t)>& progress) {
  // Dropped and created, not emptied: a table whose declaration changed (a new column) takes its new shape.
  for (const StateTable* t : DerivedTables(registry)) {
    HF_RETURN_IF_ERROR(db.Exec(fmt::format("DROP TABLE IF EXISTS {}", t->name)));
    HF_RETURN_IF_ERROR(db.Exec(t->ddl));
  }
  HF_RETURN_IF_ERROR(SetMeta(db, kStateSchemaKey, StateSchema(registry)));
  HF_ASSIGN_OR_RETURN(DeferredIndexes indexes, DeferredIndexes::Drop(db, registry));
  // The events were checked when they were stored (verify checks them again).
  HF_ASSIGN_OR_RETURN(int64_t total, db.QueryInt("SELECT COUNT(*) FROM events"));
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT body FROM events ORDER BY stored"));
  // Read here a batch at a time and decoded on another thread while this one folds the batch before; that
  // thread also frees each batch once it is folded.
  constexpr size_t kBatch = 4096;
  using Batch = std::vector<journal::StoredEvent>;
  bool read_all = false;  // stepping on would start the statement over
  auto read = [&]() -> Result<std::vector<std::string>> {
    std::vector<std::string> bodies;
    bodies.reserve(kBatch);
    while (!read_all && bodies.size() < kBatch) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) {
        read_all = true;
        break;
      }
      bodies.emplace_back(AsChars(s->Blob(0)));
    }
    return bodies;
  };
  auto decode = [](std::vector<std::string> bodies, Batch folded) -> Result<Batch> {
    folded = {};
    Batch out;
    out.reserve(bodies.size());
    for (const std::string& body : bodies) {
      HF_ASSIGN_OR_RETURN(journal::StoredEvent se, journal::DecodeStored(body));
      out.push_back(std::move(se));
    }
    return out;
  };
  HF_ASSIGN_OR_RETURN(std::vector<std::string> first, read());
  std::future<Result<Batch>> next = std::async(std::launch::async, decode, std::move(first), Batch{});
  LogOrderFold fold;
  int64_t done = 0;
  Batch folded;
  for (;;) {
    Result<Batch> batch = next.get();
    if (!batch.ok()) return batch.error();
    if (batch->empty()) break;
    HF_ASSIGN_OR_RETURN(std::vector<std::string> bodies, read());
    // On any return below, `next` waits in its destructor for the decoding under way.
    next = std::async(std::launch::async, decode, std::move(bodies), std::move(folded));
    for (const journal::StoredEvent& se : *batch) {
      HF_RETURN_IF_ERROR(IndexAggregates(db, registry, se.event));
      HF_RETURN_IF_ERROR(fold.Fold(db, registry, se));
      if (progress && (++done % 10000 == 0 || done == total)) progress(done, total);
    }
    folded = std::move(*batch);
  }
  return indexes.Build(db);
}

Result<int64_t> HashTableRows(Db& db, std::string_view table, Sha256Stream* out,
                              const std::atomic<bool>* stop) {
  HF_ASSIGN_OR_RETURN(StmtRef probe, db.Prepare(fmt::format("SELECT * FROM {} LIMIT 0", table)));
  int columns = probe->ColumnCount();
  std::string order;
  for (int i = 1; i <= columns; ++i) order += (i > 1 ? "," : "") + std::to_string(i);
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare(fmt::format("SELECT * FROM {} ORDER BY {}", table, order)));
  // Each row's canonical JSON array, written directly (the bytes Canonical(json::array) would give), and
  // hashed some rows at a time.
  std::string line;
  int64_t rows = 0;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    ++rows;
    if (stop && rows % 4096 == 0 && stop->load(std::memory_order_relaxed)) {
      return MakeError(Code::kUnavailable, "the state digest was stopped before it was complete", "stopping");
    }
    line.push_back('[');
    for (int c = 0; c < columns; ++c) {
      if (c) line.push_back(',');
      switch (s->ColumnType(c)) {
        case SQLITE_NULL:
          line += "null";
          break;
        case SQLITE_INTEGER: {
          int64_t n = s->Int(c);
          if (n > kMaxSafeInteger || n < -kMaxSafeInteger) {
            return Invalid(fmt::format("table {} holds an integer outside ±(2^53−1)", table));
          }
          fmt::format_to(std::back_inserter(line), "{}", n);
          break;
        }
        case SQLITE_BLOB:
          line += "\"x:";
          line += Hex(s->Blob(c));
          line.push_back('"');
          break;
        default:
          HF_RETURN_IF_ERROR(AppendCanonicalString(s->TextView(c), &line));
          break;
      }
    }
    line += "]\n";
    if (line.size() >= 64 * 1024) {
      out->Update(line);
      line.clear();
    }
  }
  out->Update(line);
  return rows;
}

Result<Hash> StateDigest(Db& db, const Registry& registry, const std::atomic<bool>* stop) {
  // Every table as of one commit: outside a caller's transaction the digest takes a read transaction of its
  // own, or a node writing meanwhile would give tables hashed at different moments.
  std::optional<ReadTransaction> snapshot;
  if (sqlite3_get_autocommit(db.raw())) {
    HF_ASSIGN_OR_RETURN(ReadTransaction begun, ReadTransaction::Begin(db));
    snapshot.emplace(std::move(begun));
  }
  Sha256Stream digest;
  for (const StateTable* t : DerivedTables(registry)) {
    digest.Update(t->name);
    digest.Update("\n");
    HF_RETURN_IF_ERROR(HashTableRows(db, t->name, &digest, stop).status());
  }
  return digest.Finish();
}

Result<std::optional<journal::StoredEvent>> LoadEvent(Db& db, std::string_view feed, int64_t seq) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT body FROM events WHERE feed=? AND seq=?"));
  s->BindAll(feed, seq);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<journal::StoredEvent>();
  HF_ASSIGN_OR_RETURN(journal::StoredEvent se, journal::Decode(AsChars(s->Blob(0))));
  return std::optional<journal::StoredEvent>(std::move(se));
}

}  // namespace holdfast::store
