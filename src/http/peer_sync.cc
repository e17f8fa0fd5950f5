#include "http/peer_sync.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <charconv>
#include <climits>
#include <future>
#include <memory>

#include "http/client.h"
#include "journal/checkpoint.h"
#include "sync/bundle.h"
#include "sync/peer_auth.h"
#include "sync/peer_log.h"

namespace holdfast::http {
namespace {

// Push bundles stay well inside the peer's body limit for sync routes, JSON escaping included.
constexpr size_t kPushTarget = size_t{512} << 10;
// The most bundles one round takes or sends; the next round goes on from there.
constexpr int kMaxBundlesPerRound = 1000;

using SteadyClock = std::chrono::steady_clock;

std::chrono::microseconds Since(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start);
}

Error PeerError(std::string detail) {
  return MakeError(Code::kUnavailable, std::move(detail), "peer-failed");
}

// The problem detail of a refused request, or the status line.
struct PeerHeads {
  std::string node;
  std::map<std::string, int64_t> heads;
  std::set<std::string> quarantined;
};

Result<PeerHeads> ParseHeads(std::string_view body, std::string_view city) {
  auto v = ParseJson(body);
  if (!v.ok() || !v->is_object()) return PeerError("the peer's heads are not a JSON object");
  const json::object& o = v->get_object();
  if (StringOr(o, "city") != city) {
    return PeerError(fmt::format("the peer belongs to {:?}, not to {:?}", std::string(StringOr(o, "city")),
                                 std::string(city)));
  }
  PeerHeads p;
  p.node = std::string(StringOr(o, "node"));
  for (const auto& kv : ObjectOr(o, "heads")) {
    const json::value* seq = kv.value().is_object() ? kv.value().get_object().if_contains("seq") : nullptr;
    if (!seq || !seq->is_int64() || seq->get_int64() < 0) return PeerError("the peer's heads are malformed");
    p.heads[std::string(kv.key())] = seq->get_int64();
  }
  for (const auto& q : ArrayOr(o, "quarantined")) {
    if (q.is_string()) p.quarantined.insert(std::string(q.get_string()));
  }
  return p;
}

}  // namespace

json::object PeerStatus::ToJson() const {
  return json::object{{"url", url},
                      {"node", node},
                      {"up", up},
                      {"last_attempt_at", last_attempt_ms},
                      {"last_contact_at", last_contact_ms},
                      {"last_error", last_error},
                      {"behind", behind},
                      {"ahead", ahead},
                      {"received_total", received_total},
                      {"sent_total", sent_total},
                      {"rounds", rounds},
                      {"failures", failures}};
}

void PeerBoard::Set(std::vector<std::string> urls) {
  std::lock_guard<std::mutex> lock(mu_);
  peers_.clear();
  for (auto& u : urls) peers_.push_back(PeerStatus{.url = std::move(u)});
}

void PeerBoard::Update(const std::string& url, const std::function<void(PeerStatus&)>& change) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& p : peers_) {
    if (p.url == url) return change(p);
  }
  peers_.push_back(PeerStatus{.url = url});
  change(peers_.back());
}

std::vector<PeerStatus> PeerBoard::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return peers_;
}

Result<std::pair<std::string, uint16_t>> ParsePeerUrl(std::string_view url, std::string_view what) {
  auto u = boost::urls::parse_uri(url);
  Error bad =
      Invalid(fmt::format("{:?} is not a {} address like http://10.0.0.5:8080", std::string(url), what),
              std::string(what));
  if (!u || u->scheme() != "http" || !u->has_authority() || u->host().empty() || !u->has_port() ||
      (!u->path().empty() && u->path() != "/") || u->has_query() || u->has_fragment() || u->has_userinfo()) {
    return bad;
  }
  uint16_t port = 0;
  std::string_view p = u->port();
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (ec != std::errc() || end != p.data() + p.size() || port == 0) return bad;
  std::string host(u->host_address());
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return std::make_pair(host, port);
}

Result<RoundReport> SyncWithPeer(store::Node& node, const std::string& url, std::chrono::milliseconds timeout,
                                 const std::function<void(std::string_view)>& progress) {
  auto say = [&](std::string line) {
    if (progress) progress(line);
  };
  HF_ASSIGN_OR_RETURN(auto address, ParsePeerUrl(url));
  HF_ASSIGN_OR_RETURN(Bytes city_key, store::ReadCityPublicKey(node.paths()));
  const sync::CityTrust trust{node.city(), std::move(city_key)};
  Client client(address.first, address.second);
  client.SetTimeout(timeout);
  client.SetMaxBody(2 * sync::kMaxBundleBytes + 4096);
  auto call = [&](std::string_view method, const std::string& target,
                  std::string_view body) -> Result<ClientResponse> {
    auto headers = sync::SignRequest(node.secret_key(), node.city(), node.id(), method, target,
                                     node.clock().NowMs(), body);
    HF_ASSIGN_OR_RETURN(ClientResponse r, client.Request(method, target, body, headers));
    if (r.status != 200) return PeerError(fmt::format("{} {}{}: {}", method, url, target, ProblemDetail(r)));
    return r;
  };

  RoundReport report;
  HF_ASSIGN_OR_RETURN(ClientResponse h, call("GET", "/api/v1/sync/heads", ""));
  HF_ASSIGN_OR_RETURN(PeerHeads peer, ParseHeads(h.body, node.city()));
  report.peer_node = peer.node;
  if (peer.node == node.id()) return PeerError(fmt::format("{} is this node itself", url));

  // The peer's log must have grown from the checkpoint it showed last time, never been rewritten.
  HF_ASSIGN_OR_RETURN(ClientResponse cp, call("GET", "/api/v1/log/checkpoint", ""));
  std::vector<Bytes> proof;
  {
    HF_ASSIGN_OR_RETURN(auto db, node.Read());
    HF_ASSIGN_OR_RETURN(auto seen, sync::LastPeerCheckpoint(*db, peer.node));
    if (seen && !seen->problem.empty()) {
      return MakeError(Code::kConflict,
                       fmt::format("{}'s log was found inconsistent before ({}); not syncing with it",
                                   peer.node, seen->problem),
                       "log-rewritten");
    }
    if (seen && seen->checkpoint.size > 0) {
      // The size is read without the signature; the note itself is checked after the round.
      auto unchecked = journal::ParseCheckpoint(cp.body);
      const uint64_t size = unchecked.ok() ? unchecked->size : 0;
      if (size > seen->checkpoint.size) {
        HF_ASSIGN_OR_RETURN(
            ClientResponse c,
            call("GET",
                 fmt::format("/api/v1/log/consistency?first={}&second={}", seen->checkpoint.size, size), ""));
        auto v = ParseJson(c.body);
        if (v.ok() && v->is_object()) {
          for (const auto& ph : ArrayOr(v->get_object(), "proof")) {
            proof.push_back(ph.is_string() ? FromBase64(std::string_view(ph.get_string())).value_or(Bytes{})
                                           : Bytes{});
          }
        }
      }
    }
  }

  std::map<std::string, sync::Head> mine;
  std::set<std::string> quarantined;
  {
    HF_ASSIGN_OR_RETURN(auto db, node.Read());
    HF_ASSIGN_OR_RETURN(mine, sync::SealedHeads(*db));
    HF_ASSIGN_OR_RETURN(quarantined, sync::QuarantinedFeeds(*db));
  }
  // Seqs are never negative, so each difference fits; the sums are capped, whatever the peer claims.
  auto add = [](int64_t& total, int64_t n) { total = n > INT64_MAX - total ? INT64_MAX : total + n; };
  for (const auto& [feed, seq] : peer.heads) {
    int64_t ours = mine.contains(feed) ? mine[feed].seq : 0;
    if (!quarantined.contains(feed) && seq > ours) add(report.behind, seq - ours);
  }
  for (const auto& [feed, head] : mine) {
    int64_t theirs = peer.heads.contains(feed) ? peer.heads[feed] : 0;
    if (!peer.quarantined.contains(feed) && head.seq > theirs) add(report.ahead, head.seq - theirs);
  }

  // Pull, as a pipeline: while the writer stores one bundle, this thread decodes the next, and a second
  // thread fetches the one after, so that the peer's work, the transfer, decoding and storing overlap. Each
  // bundle is asked for from the heads the bundle before leaves once stored: its runs end at seals, and a
  // feed's sealed head moves to that seal. Should something else store some of the same events first, the
  // next bundle repeats them, and VerifyBundle and StoreBundle take those as events already held. A bundle is
  // verified only once the one before is stored (it must link to the feeds as stored), bundles are stored in
  // order, and an error is reported once the bundle before it is stored.
  {
    auto pull = [&call](const std::map<std::string, int64_t>& heads,
                        const std::set<std::string>& skipped) -> Result<std::string> {
      json::object have;
      json::array skip;
      for (const auto& [feed, seq] : heads) have[feed] = seq;
      for (const auto& q : skipped) skip.emplace_back(q);
      HF_ASSIGN_OR_RETURN(
          ClientResponse r,
          call("POST", "/api/v1/sync/pull",
               json::serialize(json::object{{"have", std::move(have)}, {"skip", std::move(skip)}})));
      return std::move(r.body);
    };
    std::map<std::string, int64_t> have;
    for (const auto& [feed, head] : mine) have[feed] = head.seq;
    // One thread at a time uses the client: the fetch's while `next` is pending, this one otherwise. Leaving
    // this block waits for a pending fetch (the destructor of a future from std::async does), so the push
    // below has the client to itself.
    std::future<Result<std::string>> next;
    // The writer's answer for the bundle it is storing (the command owns its bundle), and how long it took
    // from being handed over to the commit.
    struct Stored {
      Result<json::value> events;
      std::chrono::microseconds took;
    };
    std::future<Stored> storing;
    int64_t last_stored = -1;
    // Waits for the bundle being stored, if any, and counts it.
    auto stored = [&]() -> Status {
      if (!storing.valid()) return Status::Ok();
      Stored s = storing.get();
      report.store_time += s.took;
      if (!s.events.ok()) return s.events.error();
      last_stored = s.events->as_int64();
      report.received += last_stored;
      say(fmt::format("received {} events from {} ({} so far)", last_stored, url, report.received));
      return Status::Ok();
    };
    if (report.behind > 0) next = std::async(std::launch::async, pull, have, quarantined);
    for (int i = 1; next.valid(); ++i) {
      const auto waiting = SteadyClock::now();
      Result<std::string> body = next.get();
      report.fetch_time += Since(waiting);
      if (!body.ok()) {
        HF_RETURN_IF_ERROR(stored());
        return body.error();
      }
      auto verifying = SteadyClock::now();
      Result<sync::Bundle> decoded = sync::DecodeBundle(*body);
      report.verify_time += Since(verifying);
      if (!decoded.ok()) {
        HF_RETURN_IF_ERROR(stored());
        return decoded.error();
      }
      auto bundle = std::make_shared<const sync::Bundle>(std::move(*decoded));
      if (bundle->events.empty()) break;
      if (bundle->more && i < kMaxBundlesPerRound) {
        for (const journal::Seal& s : bundle->seals) have[s.feed] = std::max(have[s.feed], s.seq);
        auto skip = [&]() -> Result<std::set<std::string>> {
          HF_ASSIGN_OR_RETURN(auto db, node.Read());
          return sync::QuarantinedFeeds(*db);
        }();
        if (!skip.ok()) {
          HF_RETURN_IF_ERROR(stored());
          return skip.error();
        }
        next = std::async(std::launch::async, pull, have, *skip);
      }
      HF_RETURN_IF_ERROR(stored());
      if (last_stored == 0) break;
      verifying = SteadyClock::now();
      sync::Fork fork;
      Status verified = [&]() -> Status {
        HF_ASSIGN_OR_RETURN(auto db, node.Read());
        return sync::VerifyBundle(*db, trust, *bundle, &fork);
      }();
      report.verify_time += Since(verifying);
      if (!verified.ok()) {
        if (verified.error().type == "fork") {
          const int64_t now = node.clock().NowMs();
          auto q = node.writer().Execute([&](store::CommandContext& ctx) -> Result<json::value> {
            HF_RETURN_IF_ERROR(sync::Quarantine(ctx, fork, now));
            return json::value(nullptr);
          });
          if (!q.ok()) return q.error();
        }
        return MakeError(verified.error().code,
                         fmt::format("refused what {} sent: {}", url, verified.error().detail),
                         std::string(verified.error().Type()));
      }
      ++report.bundles;
      auto answer = std::make_shared<std::promise<Stored>>();
      storing = answer->get_future();
      const auto handed = SteadyClock::now();
      node.writer().Submit(
          [bundle](store::CommandContext& ctx) -> Result<json::value> {
            HF_ASSIGN_OR_RETURN(sync::StoreReport s, sync::StoreBundle(ctx, *bundle));
            return json::value(s.stored);
          },
          [answer, handed](Result<json::value> r) {
            answer->set_value({std::move(r), Since(handed)});
          });
    }
    HF_RETURN_IF_ERROR(stored());
  }

  // Push.
  std::map<std::string, int64_t> theirs = peer.heads;
  for (int i = 0; i < kMaxBundlesPerRound; ++i) {
    sync::Bundle bundle;
    {
      HF_ASSIGN_OR_RETURN(auto db, node.Read());
      HF_ASSIGN_OR_RETURN(bundle, sync::CollectMissing(*db, theirs, peer.quarantined, kPushTarget));
      // The peer must never hold an event of this node's feed that a power cut here could still take back.
      HF_RETURN_IF_ERROR(node.writer().WaitDurable());
    }
    if (bundle.events.empty()) break;
    const bool more = bundle.more;
    bundle.more = false;
    HF_ASSIGN_OR_RETURN(ClientResponse r, call("POST", "/api/v1/sync/push", sync::EncodeBundle(bundle)));
    auto v = ParseJson(r.body);
    if (!v.ok() || !v->is_object()) return PeerError(fmt::format("{} answered a push with no report", url));
    report.sent += IntOr(v->get_object(), "stored");
    for (const auto& se : bundle.events) theirs[se.event.feed] = se.event.seq;
    say(fmt::format("sent {} events to {} ({} so far)", bundle.events.size(), url, report.sent));
    if (!more) break;
  }
  report.peer_heads = theirs;
  // Checked once the round is over, when this node surely knows the peer's key (a new node learns it in its
  // first pull).
  journal::Checkpoint checkpoint;
  {
    Result<journal::Checkpoint> checked = [&]() -> Result<journal::Checkpoint> {
      HF_ASSIGN_OR_RETURN(auto db, node.Read());
      return sync::CheckPeerCheckpoint(*db, node.city(), peer.node, cp.body, proof);
    }();
    // A peer whose node id is enrolled nowhere this node knows of has nothing to check against; it cannot
    // have delivered anything either, since every event needs a seal by an enrolled key.
    if (!checked.ok() && checked.error().type == "peer-unknown") return report;
    if (!checked.ok()) {
      if (checked.error().type == "log-rewritten") {
        const int64_t now = node.clock().NowMs();
        std::string note = cp.body, problem = checked.error().detail;
        (void)node.writer().Execute([&](store::CommandContext& ctx) -> Result<json::value> {
          HF_RETURN_IF_ERROR(sync::RecordPeerLogProblem(ctx, peer.node, problem, note, now));
          return json::value(nullptr);
        });
      }
      return checked.error();
    }
    checkpoint = *checked;
  }
  {
    const int64_t now = node.clock().NowMs();
    auto kept = node.writer().Execute([&](store::CommandContext& ctx) -> Result<json::value> {
      HF_RETURN_IF_ERROR(sync::RememberPeerCheckpoint(ctx, peer.node, checkpoint, cp.body, now));
      return json::value(nullptr);
    });
    if (!kept.ok()) return kept.error();
  }
  return report;
}

Syncer::Syncer(store::Node& node, std::vector<std::string> urls, PeerBoard& board,
               std::chrono::milliseconds every)
    : node_(node), urls_(std::move(urls)), board_(board), every_(every) {
  board_.Set(urls_);
}

Syncer::~Syncer() { Stop(); }

void Syncer::Start() {
  if (urls_.empty() || thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void Syncer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Syncer::Nudge() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    nudged_ = true;
  }
  cv_.notify_all();
}

void Syncer::Loop() {
  for (;;) {
    for (const std::string& url : urls_) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
      }
      const int64_t started = node_.clock().NowMs();
      board_.Update(url, [&](PeerStatus& p) { p.last_attempt_ms = started; });
      auto r = SyncWithPeer(node_, url, std::chrono::seconds(10));
      const int64_t now = node_.clock().NowMs();
      board_.Update(url, [&](PeerStatus& p) {
        ++p.rounds;
        if (r.ok()) {
          p.up = true;
          p.node = r->peer_node;
          p.last_contact_ms = now;
          p.last_error.clear();
          p.behind = r->behind - r->received;
          p.ahead = r->ahead - r->sent;
          if (p.behind < 0) p.behind = 0;
          if (p.ahead < 0) p.ahead = 0;
          p.heads = r->peer_heads;
          p.received_total += r->received;
          p.sent_total += r->sent;
        } else {
          p.up = false;
          ++p.failures;
          p.last_error = r.error().detail;
        }
        // A fork or a rewritten log is evidence of a compromised node: said loudly, once per round.
        if (!r.ok() && (r.error().type == "fork" || r.error().type == "log-rewritten")) {
          fmt::print(stderr, "holdfast: ALERT: syncing with {}: {}\n", url, r.error().detail);
        }
      });
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, every_, [this] { return stopping_ || nudged_; });
    if (stopping_) return;
    nudged_ = false;
  }
}

}  // namespace holdfast::http
