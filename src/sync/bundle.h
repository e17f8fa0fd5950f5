// Bundles: the events and seals nodes send each other when they sync (DESIGN §7), how a node gathers what a
// peer lacks, and how it checks what it receives before storing any of it.
//
// Wire form (application/json):
//
//   {"events": [E, ...], "seals": [{"feed": F, "seq": N, "hash": H, "signature": S}, ...], "more": B}
//
// Each E is a JSON string whose characters are one event's stored bytes, exactly (journal/event.h); the
// receiver hashes those bytes and never re-serialises them. H is the lowercase hex SHA-256 of the sealed
// event, S the 64-byte Ed25519 signature in lowercase hex (journal/seal.h). Events are grouped in runs: the
// events of one feed in seq order without gaps, each run ending with an event that a seal in "seals" names.
// "more" (in answers to a pull) says the sender holds more that did not fit; senders stop adding runs once a
// bundle passes kBundleTarget bytes and never send one over kMaxBundleBytes.
#ifndef HOLDFAST_SYNC_BUNDLE_H_
#define HOLDFAST_SYNC_BUNDLE_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "journal/event.h"
#include "journal/seal.h"
#include "store/registry.h"
#include "store/sqlite.h"
#include "store/writer.h"

namespace holdfast::sync {

inline constexpr size_t kBundleTarget = size_t{1} << 20;     // 1 MiB
inline constexpr size_t kMaxBundleBytes = size_t{32} << 20;  // 32 MiB

struct Bundle {
  std::vector<journal::StoredEvent> events;
  std::vector<journal::Seal> seals;
  bool more = false;
  size_t bytes = 0;  // the events' stored bytes
};

std::string EncodeBundle(const Bundle& bundle);
// Parses a received bundle: every event is decoded by the journal's rules and hashed from its bytes. Errors
// (kInvalid, type "bad-bundle") name the element at fault.
Result<Bundle> DecodeBundle(std::string_view body);

// What a node holds of each feed that it may pass on: the highest sealed seq of each feed and its hash.
struct Head {
  int64_t seq = 0;
  std::string hash;
};
Result<std::map<std::string, Head>> SealedHeads(store::Db& db);

// Feeds this node refuses to send or take after it saw a fork in them.
Result<std::set<std::string>> QuarantinedFeeds(store::Db& db);

// The sealed events this node holds beyond `have` (feed -> highest seq the peer holds; absent: none), in
// whole runs, feed by feed, until the bundle passes `target` bytes. Feeds in `skip` and quarantined feeds are
// left out. Sets `more` when something was left for a later bundle. The events carry only their feed, seq and
// stored bytes: they are passed on as stored, and the receiver decodes and checks them.
Result<Bundle> CollectMissing(store::Db& db, const std::map<std::string, int64_t>& have,
                              const std::set<std::string>& skip, size_t target = kBundleTarget);

// The city a node belongs to: its name and key, against which node certificates are checked.
struct CityTrust {
  std::string name;
  Bytes public_key;
};

// A fork found while checking: two different events, both sealed by the feed's key, at one (feed, seq).
// Either the bundle carries the other event at `seq` itself, or its run only follows it: the first event new
// here names another event than ours at `seq` as its prev.
struct Fork {
  std::string feed;
  int64_t seq = 0;
  std::string ours;      // hex hash of the event stored here
  std::string theirs;    // hex hash of the received one (the prev the following event names)
  std::string evidence;  // the received event's bytes (the following event's)
};

// Checks a received bundle against what `db` holds, before anything of it is stored. Every run must end at a
// seal that verifies under its feed's key (enrolled here, or certified by the city key in a node.enrolled
// event of the same bundle), link to the feed as stored here, and agree with every event already stored. On a
// fork the error has type "fork" and `*fork` (when given) is filled in. Other error types: "unknown-feed",
// "bad-certificate", "unsealed", "forged-seal", "broken-chain", "quarantined", "revoked-feed", "bad-bundle".
// Each names the feed and seq at fault.
Status VerifyBundle(store::Db& db, const CityTrust& city, const Bundle& bundle, Fork* fork = nullptr);

struct StoreReport {
  int64_t stored = 0;                    // events new to this node
  int64_t already = 0;                   // events it held already
  std::map<std::string, int64_t> feeds;  // feed -> events stored
};

// Stores a verified bundle in the writer's transaction: events new to this node are appended to the journal
// and folded one by one in canonical order (each feed stays in seq order), then their seals are stored; the
// clock observes their stamps
// (and refuses, type "clock-drift", stamps too far ahead). Re-checks the links against the feeds as they are
// now, since another peer may have delivered some of the same events in the meantime.
Result<StoreReport> StoreBundle(store::CommandContext& ctx, const Bundle& bundle);

// Records a fork: the feed is quarantined on this node (stored in the node-local table sync_quarantine).
Status Quarantine(store::CommandContext& ctx, const Fork& fork, int64_t now_ms);

// Registers the node-local sync tables.
void RegisterSync(store::Registry& registry);

}  // namespace holdfast::sync

#endif  // HOLDFAST_SYNC_BUNDLE_H_
