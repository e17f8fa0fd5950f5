// What the domain layer tells the store about derived state: the state tables, the kinds of aggregate, and
// for each event type which aggregates it belongs to and how it changes each of them.
//
// Contract for fold functions (DESIGN §4–§5): a fold reads only the event and the state of the aggregate it
// is folding; it never consults clocks, fee tables, configuration or other aggregates, so the state tables
// are a function of the set of events. `Apply(db, event, aggregate)` changes only rows that belong to
// `aggregate`; `Clear(db, id)` deletes every row of one aggregate so it can be refolded from its events.
#ifndef HOLDFAST_STORE_REGISTRY_H_
#define HOLDFAST_STORE_REGISTRY_H_

#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "journal/event.h"
#include "store/sqlite.h"

namespace holdfast::store {

struct StateTable {
  std::string name;
  std::string ddl;                       // CREATE TABLE ... (and its indexes), idempotent (IF NOT EXISTS)
  std::vector<std::string> key_columns;  // how `verify` names a row
  // The secondary indexes a fold reads through, kept while a whole journal is folded (DeferredIndexes).
  std::vector<std::string> fold_indexes = {};
  // Says who may act in the city (node keys, staff accounts): a restore that starts from an image does not
  // take such a table from it but checks it against the journal (vault/restore.h).
  bool identity = false;
};

struct AggregateKind {
  std::string prefix;  // aggregate ids look like "<prefix>:<id>"
  std::function<Status(Db&, std::string_view id)> clear;
  // True when the fold's result does not depend on the order of the events (a maximum, a sum): such
  // aggregates are never refolded, so their events are not indexed in event_aggregates.
  bool commutative = false;
  // Its state is in identity tables (StateTable::identity).
  bool identity = false;
};

struct FoldRule {
  std::string type;  // event type
  // The aggregates ("party:p-central-1") this event belongs to; empty when it changes no state.
  std::function<std::vector<std::string>(const journal::Event&)> aggregates;
  // Folds the event into one of its aggregates. It is given the stored event, so that state may name the
  // event it came from by its hash (a receipt's event_hash), as much a function of the event as its data.
  std::function<Status(Db&, const journal::StoredEvent&, std::string_view aggregate)> apply;
};

// FoldRule::aggregates for an event that belongs to one aggregate, "<prefix>:<the value of `field` in its
// data>", e.g. OneAggregate("party") for "party:p-central-1".
inline std::function<std::vector<std::string>(const journal::Event&)> OneAggregate(std::string prefix,
                                                                                   std::string field = "id") {
  return [prefix = std::move(prefix), field = std::move(field)](const journal::Event& e) {
    return std::vector<std::string>{prefix + ":" + std::string(StringOr(e.data, field))};
  };
}

class Registry {
 public:
  void AddTable(StateTable table);
  void AddAggregate(AggregateKind kind);
  void AddRule(FoldRule rule);
  // A node-local table (sessions, idempotency records): created with the schema, never replicated, never part
  // of the state digest or of a rebuild.
  void AddLocalTable(std::string ddl);

  const std::vector<StateTable>& tables() const { return tables_; }
  // The prefixes of the aggregate kinds marked `identity`.
  std::vector<std::string> IdentityKinds() const;
  // The event types whose rules fold into an identity kind (asked of each rule with an event of that type and
  // no data: a rule names its aggregates' kinds whatever the data).
  std::set<std::string, std::less<>> IdentityTypes() const;
  // The names of the local tables.
  std::vector<std::string> LocalTables() const;
  const AggregateKind* FindAggregate(std::string_view aggregate) const;  // by the part before ':'
  const FoldRule* FindRule(std::string_view type) const;

  // Creates every state and local table (IF NOT EXISTS).
  Status CreateTables(Db& db) const;

 private:
  std::vector<StateTable> tables_;
  std::vector<std::string> local_ddl_;
  std::map<std::string, AggregateKind, std::less<>> aggregates_;
  std::map<std::string, FoldRule, std::less<>> rules_;
};

}  // namespace holdfast::store

#endif  // HOLDFAST_STORE_REGISTRY_H_
