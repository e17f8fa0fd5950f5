// `holdfast verify`: checks a node's database against itself, trusting nothing in it but the city key file.
//
//  1. Every event: its stored hash is SHA-256 of its stored bytes; the bytes are a valid event
//  (journal/event.h)
//     whose feed, seq, clock and type match the row they sit in.
//  2. Every feed: seq runs 1, 2, 3 … without gaps; each event's prev is the hash of the one before; the log
//     order (`stored`) has no gaps.
//  3. Trust: each node.enrolled event's certificate verifies under the city key (DIR/city.pub); each feed
//  that
//     has events has an enrolled key.
//  4. Seals: every seal's signature verifies under its feed's key and names the hash of the event at its seq;
//     every feed's head is sealed.
//  5. State: every aggregate is refolded from the journal into a scratch database and each derived table is
//     compared row by row with the live one.
//
// Each problem names its place: "event central/17", "seal central/40", "table parties row id=p-central-3".
#ifndef HOLDFAST_STORE_VERIFY_H_
#define HOLDFAST_STORE_VERIFY_H_

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/registry.h"

namespace holdfast::store {

struct Problem {
  std::string where;
  std::string what;
};

struct VerifyReport {
  int64_t events = 0;
  int64_t feeds = 0;
  int64_t seals = 0;
  int64_t rows = 0;  // live derived rows compared
  std::vector<Problem> problems;
  bool intact() const { return problems.empty(); }
};

// Verifies the node in `dir`. An Error means verification could not run (no database, unreadable files); a
// report with problems means it ran and found tampering. `progress(stage)` is told what is being checked.
// Steps may be left out for a database just built from a journal that was checked otherwise: the refold
// (step 5) when its state was just folded, the node log's kept hashes when its root was just checked.
// `db` names another database file than DIR/node.db (one being restored).
struct VerifySteps {
  bool refold = true;
  bool node_log = true;
  std::string db;
};
Result<VerifyReport> VerifyNode(const std::string& dir, const Registry& registry,
                                const std::function<void(std::string_view)>& progress = nullptr,
                                VerifySteps steps = {});

}  // namespace holdfast::store

#endif  // HOLDFAST_STORE_VERIFY_H_
