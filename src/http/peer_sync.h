// Sync with other nodes over HTTP (DESIGN §7), from the calling side.
//
// One round with a peer:
//   1. GET  /api/v1/sync/heads  the peer's sealed head of each feed, and the feeds it has quarantined;
//   2. POST /api/v1/sync/pull   with this node's heads: the peer answers a bundle (sync/bundle.h) of what
//      this node lacks; each bundle is verified, then stored in one writer transaction; repeated while the
//      peer says there is more, each next bundle fetched and decoded while the one before is stored;
//   3. POST /api/v1/sync/push   bundles of what the peer lacked, until it has everything.
// Every request is signed with this node's key (sync/peer_auth.h). Each bundle is stored whole or not at all,
// so a round cut at any byte loses at most the bundles in flight, and the next round starts from what both
// sides then hold. A fork received in a bundle quarantines its feed here and ends the round with an error.
//
// A Syncer runs rounds in the background with each configured peer, one after another, every few seconds (at
// once when nudged), with its own connections and timeouts, so that a dead peer costs the node's own clients
// nothing. The PeerBoard keeps each peer's last contact and how far apart the two nodes were, for the API and
// /metrics.
#ifndef HOLDFAST_HTTP_PEER_SYNC_H_
#define HOLDFAST_HTTP_PEER_SYNC_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "store/node.h"

namespace holdfast::http {

struct PeerStatus {
  std::string url;
  std::string node;  // the peer's node id, once it answered
  bool up = false;   // the last round completed
  int64_t last_attempt_ms = 0;
  int64_t last_contact_ms = 0;  // when a round last completed; 0: never
  std::string last_error;
  int64_t behind = 0;  // events the peer held that this node lacked, when the last round began
  int64_t ahead = 0;   // events this node held that the peer lacked, when the last round began
  int64_t received_total = 0;
  int64_t sent_total = 0;
  int64_t rounds = 0;
  int64_t failures = 0;
  // The peer's head of each feed when the last completed round ended (what it had plus what it was sent).
  std::map<std::string, int64_t> heads;

  json::object ToJson() const;
};

// Thread-safe.
class PeerBoard {
 public:
  void Set(std::vector<std::string> urls);
  void Update(const std::string& url, const std::function<void(PeerStatus&)>& change);
  std::vector<PeerStatus> Snapshot() const;

 private:
  mutable std::mutex mu_;
  std::vector<PeerStatus> peers_;
};

struct RoundReport {
  std::string peer_node;
  int64_t behind = 0;  // as PeerStatus
  int64_t ahead = 0;
  int64_t received = 0;                       // events stored here
  int64_t sent = 0;                           // events the peer stored
  std::map<std::string, int64_t> peer_heads;  // the peer's heads at the end of the round
  int bundles = 0;                            // bundles received
  // Where the pull's time went (steady clock), to tell a slow peer or link from a slow node: waiting for the
  // peer's answers to pulls; decoding and verifying the bundles; storing them, from handing each to the
  // writer to its commit. The stages overlap (a bundle is fetched and decoded while the one before is
  // stored), so the three may add up to more than the pull took.
  std::chrono::microseconds fetch_time{0};
  std::chrono::microseconds verify_time{0};
  std::chrono::microseconds store_time{0};
};

// Splits "http://host:port" (no path, no TLS) into host and port. The error names the address as `what`'s
// ("peer", "gateway").
Result<std::pair<std::string, uint16_t>> ParsePeerUrl(std::string_view url, std::string_view what = "peer");

// One round with the peer at `url`. `progress` hears a line now and then.
Result<RoundReport> SyncWithPeer(store::Node& node, const std::string& url,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(30),
                                 const std::function<void(std::string_view)>& progress = nullptr);

class Syncer {
 public:
  Syncer(store::Node& node, std::vector<std::string> urls, PeerBoard& board,
         std::chrono::milliseconds every = std::chrono::seconds(2));
  ~Syncer();
  void Start();
  void Stop();
  // Starts the next rounds now rather than at the next interval.
  void Nudge();

 private:
  void Loop();
  store::Node& node_;
  std::vector<std::string> urls_;
  PeerBoard& board_;
  std::chrono::milliseconds every_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool nudged_ = false;
  std::thread thread_;
};

}  // namespace holdfast::http

#endif  // HOLDFAST_HTTP_PEER_SYNC_H_
