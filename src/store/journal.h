// The journal's tables in node.db and the operations on them: storing events and seals, folding events into
// the state tables (refolding an aggregate when an event arrives that sorts before ones already folded),
// rebuilding all state from the journal, and the state digest.
//
// Tables (SQLite; the event bytes are authoritative, every other column is a copy or index of them):
//
//   events(stored, feed, seq, hash, body, time, tick, type)      unique (feed, seq)
//       stored: 0, 1, 2 … in the order this node stored events (the node log's leaf index; the rowid, so new
//       events append at the end of the table); body: the event's exact bytes (journal/event.h);
//       hash: SHA-256(body), 32 bytes.
//   seals(feed, seq, hash, signature)          journal/seal.h
//   event_aggregates(aggregate, time, tick, feed, seq)
//       which aggregates each event belongs to, in canonical order (commutative aggregates are left out: they
//       are never refolded): derived, rebuilt with the state tables.
//   meta(key, value)                            node id, city, the persisted clock stamp, schema version, and
//       state_schema: the StateSchema the derived tables were last built with
//
// Every function here runs on the caller's connection and inside the caller's transaction.
#ifndef HOLDFAST_STORE_JOURNAL_H_
#define HOLDFAST_STORE_JOURNAL_H_

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <tuple>

#include "base/crypto.h"
#include "journal/event.h"
#include "journal/seal.h"
#include "store/registry.h"
#include "store/sqlite.h"

namespace holdfast::store {

inline constexpr int kSchemaVersion = 1;

// Creates the journal tables, the meta table, and the registry's state and local tables (all IF NOT EXISTS).
// The derived tables are rebuilt (RebuildState) when the database's recorded state_schema is not the
// registry's: a new database, or one whose derived tables an older version declared otherwise (a column
// fewer). Refuses a database of another schema_version, which governs the journal's own tables.
Status CreateSchema(Db& db, const Registry& registry);

// A fingerprint of how the registry declares the derived tables (DerivedTables): hex SHA-256 over each
// table's name and DDL, in name order. Any change to a declaration changes it.
std::string StateSchema(const Registry& registry);
// Whether the derived tables of `db` were last built (RebuildState) with the registry's StateSchema.
Result<bool> StateSchemaIsCurrent(Db& db, const Registry& registry);

Result<std::optional<std::string>> GetMeta(Db& db, std::string_view key);
Status SetMeta(Db& db, std::string_view key, std::string_view value);

struct FeedHead {
  int64_t seq = 0;   // 0 for an empty feed
  std::string hash;  // hex of the head event's hash, "" for an empty feed
};
Result<FeedHead> LoadHead(Db& db, std::string_view feed);

// Stores an event (which must not be stored yet) and indexes its aggregates. Does not fold. It takes the next
// place in the log; a caller that knows that place already (restore, which stores a log from its start)
// passes it as `at`.
Status InsertEvent(Db& db, const Registry& registry, const journal::StoredEvent& event,
                   std::optional<int64_t> at = std::nullopt);
Status InsertSeal(Db& db, const journal::Seal& seal);

// Folds a stored event into each of its aggregates: applied directly when it sorts after every event already
// in the aggregate, otherwise the aggregate is cleared and refolded from all its events in canonical order.
//
// kLatest skips the check, for an event known to sort after every event stored: the writer's own new events,
// whose clock stamps are later than every stamp this node has issued or observed (journal/hlc.h; whatever
// stores events from other nodes must let the clock observe their stamps).
enum class FoldOrder { kCheck, kLatest };
Status FoldEvent(Db& db, const Registry& registry, const journal::StoredEvent& event,
                 FoldOrder order = FoldOrder::kCheck);

// Folds events met in log order (the order they were stored, which need not be canonical): each directly
// when it sorts after every event folded before it, otherwise by refolding its aggregates (FoldEvent with
// kCheck), so the state is the one a fold in canonical order gives. The events must be indexed already.
class LogOrderFold {
 public:
  // For events added to a database that holds events already: none of them sorts after `stamp`, the latest
  // clock stamp the node had issued or observed (journal/hlc.h), so an event stamped later sorts after all.
  void StartAfter(journal::Stamp stamp) { last_ = std::make_tuple(stamp, std::string(1, '\x7f'), INT64_MAX); }
  Status Fold(Db& db, const Registry& registry, const journal::StoredEvent& event);

 private:
  std::optional<std::tuple<journal::Stamp, std::string, int64_t>> last_;  // canonical place of the latest
};

// The events of a non-commutative aggregate, in canonical order (as a refold applies them).
Result<std::vector<journal::StoredEvent>> AggregateEvents(Db& db, std::string_view aggregate);
// Clears and refolds one aggregate from its events.
Status RefoldAggregate(Db& db, const Registry& registry, std::string_view aggregate);

// The secondary indexes of the state tables, set aside while a whole journal is folded into them from empty
// (RebuildState, restore) and built again at the end, each in one sorted pass instead of an insert per row.
// The indexes a fold reads through (StateTable::fold_indexes) stay.
class DeferredIndexes {
 public:
  // Drops the state tables' secondary indexes but those folds read through, keeping their declarations.
  static Result<DeferredIndexes> Drop(Db& db, const Registry& registry);
  // Creates them again.
  Status Build(Db& db);

 private:
  std::vector<std::string> ddl_;
};

// Drops the derived tables (state tables and event_aggregates), creates them as the registry declares them,
// records the StateSchema, and indexes and folds every event in log order (LogOrderFold), decoded with
// journal::DecodeStored. `progress(done, total)` is called now
// and then. Requires: no statement on `db` is mid-step (SQLite refuses to drop a table then).
Status RebuildState(Db& db, const Registry& registry,
                    const std::function<void(int64_t, int64_t)>& progress = nullptr);

// SHA-256 over the derived tables, read in one snapshot (the caller's transaction or its own), in name order;
// each table gives its name, then each row (all columns, ordered by every column) as a canonical JSON array
// (text as strings, integers as numbers, blobs as hex prefixed "x:", null as null). A `stop` that becomes
// true abandons the digest within a few thousand rows: kUnavailable "stopping".
Result<Hash> StateDigest(Db& db, const Registry& registry, const std::atomic<bool>* stop = nullptr);
// Adds the rows of one table (which may be schema-qualified: "live.parties") to `out` as StateDigest does;
// returns how many there were. `stop` as for StateDigest.
Result<int64_t> HashTableRows(Db& db, std::string_view table, Sha256Stream* out,
                              const std::atomic<bool>* stop = nullptr);

// Reads one event by feed and seq.
Result<std::optional<journal::StoredEvent>> LoadEvent(Db& db, std::string_view feed, int64_t seq);

// The names of every derived table (the registry's state tables plus event_aggregates), sorted.
std::vector<const StateTable*> DerivedTables(const Registry& registry);

}  // namespace holdfast::store

#endif  // HOLDFAST_STORE_JOURNAL_H_
