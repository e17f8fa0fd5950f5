#include "sync/bundle.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <optional>

#include "base/json.h"
#include "journal/certificate.h"
#include "store/journal.h"

namespace holdfast::sync {
namespace {

using store::Db;
using store::StmtRef;

Error BadBundle(std::string detail) { return MakeError(Code::kInvalid, std::move(detail), "bad-bundle"); }

Error Refused(std::string type, std::string detail) {
  return MakeError(Code::kInvalid, std::move(detail), std::move(type));
}

// The runs of a bundle: for each feed, the indexes of its events in order.
struct Run {
  std::string feed;
  std::vector<size_t> events;
};

std::vector<Run> RunsOf(const Bundle& b) {
  std::vector<Run> runs;
  std::map<std::string, size_t, std::less<>> at;
  for (size_t i = 0; i < b.events.size(); ++i) {
    const std::string& feed = b.events[i].event.feed;
    auto [it, fresh] = at.try_emplace(feed, runs.size());
    if (fresh) runs.push_back({feed, {}});
    runs[it->second].events.push_back(i);
  }
  return runs;
}

Result<std::optional<std::string>> StoredHash(Db& db, std::string_view feed, int64_t seq) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT hash FROM events WHERE feed=? AND seq=?"));
  s->BindAll(feed, seq);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(Hex(s->Blob(0)));
}

}  // namespace

void RegisterSync(store::Registry& registry) {
  registry.AddLocalTable(
      "CREATE TABLE IF NOT EXISTS sync_quarantine(feed TEXT PRIMARY KEY, seq INTEGER NOT NULL, "
      "ours TEXT NOT NULL, theirs TEXT NOT NULL, evidence BLOB NOT NULL, found_at INTEGER NOT NULL) "
      "WITHOUT ROWID");
}

std::string EncodeBundle(const Bundle& b) {
  json::array events;
  events.reserve(b.events.size());
  for (const auto& e : b.events) events.emplace_back(e.bytes);
  json::array seals;
  for (const auto& s : b.seals) {
    seals.push_back(
        json::object{{"feed", s.feed}, {"seq", s.seq}, {"hash", s.hash}, {"signature", Hex(s.signature)}});
  }
  return json::serialize(
      json::object{{"events", std::move(events)}, {"seals", std::move(seals)}, {"more", b.more}});
}

Result<Bundle> DecodeBundle(std::string_view body) {
  if (body.size() > kMaxBundleBytes) {
    return MakeError(
        Code::kTooLarge,
        fmt::format("a bundle is at most {} bytes; this one has {}", kMaxBundleBytes, body.size()),
        "bundle-too-large");
  }
  auto v = ParseJson(body, 8);
  if (!v.ok()) return BadBundle(fmt::format("the bundle is not JSON: {}", v.error().detail));
  if (!v->is_object()) return BadBundle("a bundle is a JSON object");
  const json::object& o = v->get_object();
  for (const auto& kv : o) {
    if (kv.key() != "events" && kv.key() != "seals" && kv.key() != "more") {
      return BadBundle(fmt::format("unknown member {} in the bundle", std::string(kv.key())));
    }
  }
  const json::value* events = o.if_contains("events");
  const json::value* seals = o.if_contains("seals");
  if (!events || !events->is_array()) return BadBundle("the bundle has no events array");
  if (!seals || !seals->is_array()) return BadBundle("the bundle has no seals array");
  Bundle b;
  if (const json::value* more = o.if_contains("more")) {
    if (!more->is_bool()) return BadBundle("more must be true or false");
    b.more = more->get_bool();
  }
  b.events.reserve(events->get_array().size());
  for (size_t i = 0; i < events->get_array().size(); ++i) {
    const json::value& e = events->get_array()[i];
    if (!e.is_string()) return BadBundle(fmt::format("events[{}] is not a string", i));
    auto se = journal::Decode(std::string_view(e.get_string()));
    if (!se.ok()) return BadBundle(fmt::format("events[{}] is not a valid event: {}", i, se.error().detail));
    b.bytes += se->bytes.size();
    b.events.push_back(std::move(*se));
  }
  for (size_t i = 0; i < seals->get_array().size(); ++i) {
    const json::value& sv = seals->get_array()[i];
    if (!sv.is_object()) return BadBundle(fmt::format("seals[{}] is not an object", i));
    ObjectReader r(sv, fmt::format("seals[{}].", i));
    journal::Seal s;
    s.feed = r.RequiredString("feed", 64);
    s.seq = r.RequiredInt("seq");
    s.hash = r.RequiredString("hash", 64);
    std::string sig = r.RequiredString("signature", 128);
    Status st = r.Finish();
    if (!st.ok()) return BadBundle(st.error().detail);
    auto raw = FromHex(sig);
    auto hash = FromHex(s.hash);
    if (!raw || raw->size() != 64 || !hash || hash->size() != 32 || s.hash != Hex(*hash) ||
        !journal::IsValidNodeId(s.feed) || s.seq < 1) {
      return BadBundle(fmt::format("seals[{}] is malformed", i));
    }
    s.signature = std::move(*raw);
    b.seals.push_back(std::move(s));
  }
  return b;
}

Result<std::map<std::string, Head>> SealedHeads(Db& db) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT feed, MAX(seq), hash FROM seals GROUP BY feed"));
  std::map<std::string, Head> out;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out[s->Text(0)] = Head{s->Int(1), Hex(s->Blob(2))};
  }
  return out;
}

Result<std::set<std::string>> QuarantinedFeeds(Db& db) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT feed FROM sync_quarantine"));
  std::set<std::string> out;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.insert(s->Text(0));
  }
  return out;
}

Result<Bundle> CollectMissing(Db& db, const std::map<std::string, int64_t>& have,
                              const std::set<std::string>& skip, size_t target) {
  HF_ASSIGN_OR_RETURN(auto heads, SealedHeads(db));
  HF_ASSIGN_OR_RETURN(auto quarantined, QuarantinedFeeds(db));
  Bundle b;
  HF_ASSIGN_OR_RETURN(StmtRef seals,
                      db.Prepare("SELECT seq, hash, signature FROM seals WHERE feed=? AND seq>? "
                                 "ORDER BY seq"));
  // The events go out as their stored bytes, which the receiver decodes and checks whole (the chain of
  // hashes up to a seal vouches for every byte), so they are not decoded here: that was more than half the
  // work of answering a pull. Each collected event carries only its feed, seq and bytes.
  HF_ASSIGN_OR_RETURN(
      StmtRef events,
      db.Prepare("SELECT seq, body FROM events WHERE feed=? AND seq>? AND seq<=? ORDER BY seq"));
  // Feeds in the order their nodes were enrolled: a node is enrolled by an event in an older feed, and that
  // feed is sent to the end before the next one starts, so a receiver always knows a feed's key before its
  // events.
  std::vector<std::pair<int64_t, std::string>> order;
  std::map<std::string, int64_t> revoked;  // feed -> the last seq that counts
  {
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT enrolled_at, revoked_up_to FROM nodes WHERE id=?"));
    for (const auto& [feed, head] : heads) {
      s->Reset();
      s->Bind(1, feed);
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      order.emplace_back(row ? s->Int(0) : INT64_MAX, feed);
      if (row && s->ColumnType(1) != SQLITE_NULL) revoked[feed] = s->Int(1);
    }
    std::sort(order.begin(), order.end());
  }
  for (const auto& [enrolled_at, feed] : order) {
    const Head& head = heads[feed];
    if (skip.contains(feed) || quarantined.contains(feed)) continue;
    auto it = have.find(feed);
    int64_t from = it == have.end() ? 0 : it->second;
    if (head.seq <= from) continue;
    if (b.bytes >= target) {
      b.more = true;
      break;
    }
    seals->Reset();
    seals->BindAll(feed, from);
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, seals->Step());
      if (!row) break;
      journal::Seal seal{feed, seals->Int(0), Hex(seals->Blob(1)),
                         Bytes(seals->Blob(2).begin(), seals->Blob(2).end())};
      if (revoked.contains(feed) && seal.seq > revoked[feed])
        break;  // nothing after a revocation is passed on
      // One run: the events after `from` up to this seal. The first run always goes, even past the target,
      // while it stays within the hard limit.
      std::vector<journal::StoredEvent> run;
      size_t run_bytes = 0;
      events->Reset();
      events->BindAll(feed, from, seal.seq);
      for (;;) {
        HF_ASSIGN_OR_RETURN(bool erow, events->Step());
        if (!erow) break;
        journal::StoredEvent& se = run.emplace_back();
        se.event.feed = feed;
        se.event.seq = events->Int(0);
        se.bytes = std::string(AsChars(events->Blob(1)));
        run_bytes += se.bytes.size();
      }
      if (!b.events.empty() && b.bytes + run_bytes > target) {
        b.more = true;
        break;
      }
      if (b.bytes + run_bytes > kMaxBundleBytes) {
        return MakeError(Code::kTooLarge,
                         fmt::format("feed {} has {} bytes of events between seals at {} and {}, more than a "
                                     "bundle may carry",
                                     feed, run_bytes, from, seal.seq),
                         "run-too-large");
      }
      for (auto& se : run) b.events.push_back(std::move(se));
      b.bytes += run_bytes;
      from = seal.seq;
      b.seals.push_back(std::move(seal));
    }
    if (b.more) break;
  }
  return b;
}

Status VerifyBundle(Db& db, const CityTrust& city, const Bundle& bundle, Fork* fork_out) {
  // Keys: every node enrolled here, and every node certified by the city key in this bundle.
  std::map<std::string, Bytes, std::less<>> keys;
  std::map<std::string, int64_t, std::less<>> revoked;  // feed -> the last seq that counts
  {
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT id, public_key, revoked_up_to FROM nodes"));
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      if (auto k = FromHex(s->TextView(1)); k && k->size() == 32) keys[s->Text(0)] = std::move(*k);
      if (s->ColumnType(2) != SQLITE_NULL) revoked[s->Text(0)] = s->Int(2);
    }
  }
  for (const auto& se : bundle.events) {
    const journal::Event& e = se.event;
    if (e.type != journal::kNodeEnrolledType) continue;
    std::string node(StringOr(e.data, "node"));
    std::string_view key_hex = StringOr(e.data, "public_key");
    auto cert = FromHex(StringOr(e.data, "certificate"));
    auto key = FromHex(key_hex);
    if (!cert || !key || key->size() != 32 ||
        !journal::VerifyNodeCertificate(city.public_key, city.name, node, key_hex, *cert)) {
      return Refused("bad-certificate",
                     fmt::format("event {}/{} enrolls node {} with a certificate the city key did not sign",
                                 e.feed, e.seq, node));
    }
    keys.try_emplace(node, std::move(*key));
  }
  HF_ASSIGN_OR_RETURN(auto quarantined, QuarantinedFeeds(db));
  std::map<std::string, std::vector<const journal::Seal*>, std::less<>> seals_by_feed;
  for (const auto& s : bundle.seals) seals_by_feed[s.feed].push_back(&s);

  for (const Run& run : RunsOf(bundle)) {
    const std::string& feed = run.feed;
    if (quarantined.contains(feed)) {
      return Refused("quarantined", fmt::format("feed {} is quarantined here after a fork", feed));
    }
    auto key = keys.find(feed);
    if (key == keys.end()) {
      return Refused("unknown-feed",
                     fmt::format("feed {} belongs to no node enrolled in {}", feed, city.name));
    }
    if (auto r = revoked.find(feed); r != revoked.end()) {
      const journal::StoredEvent& last = bundle.events[run.events.back()];
      if (last.event.seq > r->second) {
        return Refused("revoked-feed",
                       fmt::format("node {} was revoked: its feed counts only up to {}, and {}/{} "
                                   "is later",
                                   feed, r->second, feed, last.event.seq));
      }
    }
    // The feed's seals in this bundle, by seq; each must verify and name an event of the run.
    std::map<int64_t, const journal::Seal*> seals;
    for (const journal::Seal* s : seals_by_feed[feed]) {
      if (!journal::VerifySeal(key->second, *s)) {
        return Refused("forged-seal",
                       fmt::format("the seal on {}/{} does not verify under {}'s key", feed, s->seq, feed));
      }
      seals[s->seq] = s;
    }
    HF_ASSIGN_OR_RETURN(store::FeedHead local, store::LoadHead(db, feed));
    // A different event than ours at a place we hold, or a first new event that follows another event than
    // our head: a fork if the feed's key vouches for it, else a forgery. The run's closing seal is checked
    // below; a fork is reported only once it is known to verify.
    std::optional<Fork> fork;
    const journal::StoredEvent* prev = nullptr;
    for (size_t i : run.events) {
      const journal::StoredEvent& se = bundle.events[i];
      const journal::Event& e = se.event;
      const std::string hash = se.HashHex();
      if (prev) {
        if (e.seq != prev->event.seq + 1 || e.prev != prev->HashHex()) {
          return Refused("broken-chain", fmt::format("event {}/{} does not follow {}/{} (its prev is {})",
                                                     feed, e.seq, feed, prev->event.seq, e.prev));
        }
      }
      if (e.seq <= local.seq) {
        HF_ASSIGN_OR_RETURN(auto ours, StoredHash(db, feed, e.seq));
        if (ours && *ours != hash && !fork) fork = Fork{feed, e.seq, *ours, hash, se.bytes};
      } else if (!prev || prev->event.seq <= local.seq) {
        // The first event new here must link to the feed as stored.
        if (e.seq != local.seq + 1) {
          return Refused("broken-chain", fmt::format("event {}/{} does not follow this node's {}/{}", feed,
                                                     e.seq, feed, local.seq));
        }
        if (e.prev != local.hash && !fork) fork = Fork{feed, local.seq, local.hash, e.prev, se.bytes};
      }
      if (auto s = seals.find(e.seq); s != seals.end() && s->second->hash != hash) {
        return Refused("broken-chain",
                       fmt::format("the seal on {}/{} names another event than the one sent", feed, e.seq));
      }
      prev = &se;
    }
    if (seals.empty() || !prev || seals.rbegin()->first != prev->event.seq) {
      return Refused("unsealed", fmt::format("the run of feed {} ending at {} has no seal on its last event",
                                             feed, prev ? prev->event.seq : 0));
    }
    if (fork) {
      if (fork_out) *fork_out = *fork;
      return Refused("fork", fmt::format("feed {} has two different events at seq {}, both sealed by its key "
                                         "(ours {}, received {}): the feed is quarantined",
                                         feed, fork->seq, fork->ours, fork->theirs));
    }
  }
  // Every seal names an event the bundle carries (checked against it above).
  std::set<std::pair<std::string_view, int64_t>> carried;
  for (const auto& se : bundle.events) carried.emplace(se.event.feed, se.event.seq);
  for (const auto& s : bundle.seals) {
    if (!carried.contains({s.feed, s.seq})) {
      return BadBundle(fmt::format("the seal on {}/{} came without its event", s.feed, s.seq));
    }
  }
  return Status::Ok();
}

Result<StoreReport> StoreBundle(store::CommandContext& ctx, const Bundle& bundle) {
  Db& db = ctx.db();
  StoreReport report;
  std::map<std::string, store::FeedHead, std::less<>> heads;
  std::vector<const journal::StoredEvent*> fresh;
  for (const auto& se : bundle.events) {
    const journal::Event& e = se.event;
    auto it = heads.find(e.feed);
    if (it == heads.end()) {
      HF_ASSIGN_OR_RETURN(store::FeedHead h, store::LoadHead(db, e.feed));
      it = heads.emplace(e.feed, std::move(h)).first;
    }
    store::FeedHead& head = it->second;
    if (e.seq <= head.seq) {
      HF_ASSIGN_OR_RETURN(auto ours, StoredHash(db, e.feed, e.seq));
      if (!ours || *ours != se.HashHex()) {
        return Refused("fork", fmt::format("feed {} has another event at seq {} here", e.feed, e.seq));
      }
      ++report.already;
      continue;
    }
    if (e.seq != head.seq + 1 || e.prev != head.hash) {
      return Refused("broken-chain", fmt::format("event {}/{} does not follow this node's {}/{}", e.feed,
                                                 e.seq, e.feed, head.seq));
    }
    head = {e.seq, se.HashHex()};
    fresh.push_back(&se);
    ++report.stored;
    ++report.feeds[e.feed];
  }
  // Stored and folded one by one in canonical order (which keeps each feed in seq order, its clock stamps
  // only ever growing), so that each fold sees exactly the events before it plus those stored earlier, and an
  // event that lands before ones already folded refolds its aggregates once, itself included.
  std::sort(fresh.begin(), fresh.end(), [](const journal::StoredEvent* a, const journal::StoredEvent* b) {
    return journal::OrderKey{a->event.stamp.time, a->event.stamp.tick, a->event.feed, a->event.seq} <
           journal::OrderKey{b->event.stamp.time, b->event.stamp.tick, b->event.feed, b->event.seq};
  });
  for (const journal::StoredEvent* se : fresh) {
    HF_RETURN_IF_ERROR(ctx.Observe(se->event.stamp));
    HF_RETURN_IF_ERROR(store::InsertEvent(db, ctx.registry(), *se));
    HF_RETURN_IF_ERROR(store::FoldEvent(db, ctx.registry(), *se));
    // This node's own events coming back (after it was restored from an older copy): its feed goes on from
    // them.
    if (se->event.feed == ctx.node_id()) ctx.AdoptOwn(*se);
  }
  for (const auto& s : bundle.seals) {
    if (report.feeds.contains(s.feed)) HF_RETURN_IF_ERROR(store::InsertSeal(db, s));
  }
  return report;
}

Status Quarantine(store::CommandContext& ctx, const Fork& fork, int64_t now_ms) {
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      ctx.db().Prepare("INSERT OR IGNORE INTO sync_quarantine VALUES(?,?,?,?,?,?)"));
  return s->BindAll(fork.feed, fork.seq, fork.ours, fork.theirs)
      .BindBlob(5, AsBytes(fork.evidence))
      .Bind(6, now_ms)
      .Run();
}

}  // namespace holdfast::sync
