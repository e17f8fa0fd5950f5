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
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "journal/event.h"
#include "journal/seal.h"
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
Result<VerifyReport> VerifyNode(const std::string& dir, const Registry& registry,
                                const std::function<void(std::string_view)>& progress = nullptr);

// Steps 2–4 on a journal seen one event at a time in log order, then its seals: what `holdfast verify` runs
// over a database and `holdfast restore` over the packs it fetches. Trusts only the city key it is given.
class ChainChecker {
 public:
  // `city_key_file` names where the city key came from, for the messages.
  ChainChecker(Bytes city_key, std::string city, std::string city_key_file);

  // The next event of the log: its place (feed, seq), the hex SHA-256 of its stored bytes, and the event
  // they hold, or nullptr when they are not a valid event (reported by the caller; the chain goes on).
  void AddEvent(std::string_view feed, int64_t seq, std::string hash_hex, const journal::Event* event);
  // The same for an event read only as far as its chain link (`prev_hex`, nullptr when it is not a valid
  // event); an enrollment must also be given whole to AddEnrollment.
  void AddLink(std::string_view feed, int64_t seq, std::string hash_hex, const std::string* prev_hex);
  void AddEnrollment(journal::Event enrollment) { enrollments_.push_back(std::move(enrollment)); }
  // A seal, with the hex hash of the event stored at its feed and seq (nullopt: none is stored).
  void AddSeal(journal::Seal seal, std::optional<std::string> sealed_event_hash);
  // Checks the seals against the certified keys of the enrollments seen, and that every feed's head is
  // sealed. Call once, after every event and seal.
  void Finish();

  int64_t feeds() const { return static_cast<int64_t>(feeds_.size()); }
  int64_t seals() const { return static_cast<int64_t>(seals_.size()); }
  std::vector<Problem>& problems() { return problems_; }

 private:
  struct FeedState {
    int64_t last_seq = 0;
    std::string last_hash;
  };
  void Add(std::string where, std::string what) { problems_.push_back({std::move(where), std::move(what)}); }

  Bytes city_key_;
  std::string city_;
  std::string city_key_file_;
  std::map<std::string, FeedState, std::less<>> feeds_;
  std::vector<journal::Event> enrollments_;
  std::vector<std::pair<journal::Seal, std::optional<std::string>>> seals_;
  std::vector<Problem> problems_;
};

// Gives `chain` every seal stored in `db`, each with the hash of the event stored at its place.
Status AddStoredSeals(Db& db, ChainChecker& chain);

}  // namespace holdfast::store

#endif  // HOLDFAST_STORE_VERIFY_H_
