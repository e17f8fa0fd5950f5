#include "sync/bundle.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "domain/city.h"
#include "domain/parties.h"
#include "domain/registry.h"
#include "journal/certificate.h"
#include "store/journal.h"
#include "store/node.h"
#include "sync/enroll.h"
#include "test_city.h"

namespace holdfast::sync {
namespace {

using store::CommandContext;
using store::Node;
using testing::AddParties;

constexpr char kCity[] = "Springfield";

// What a node holds, to tell whether a refused bundle left any trace.
struct Holdings {
  int64_t events = 0;
  std::string digest;
  bool operator==(const Holdings&) const = default;
};

// Nodes of one city, each in its own directory of one temporary folder, sharing one fake clock. "central" is
// founded with the city key (kept in its directory); offices are enrolled by it and start empty.
class BundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    central_ = Found("central", city_key_);
    ASSERT_NE(central_, nullptr);
    office_ = Enroll(*central_, "office-1");
    ASSERT_NE(office_, nullptr);
  }

  std::string Dir(const std::string& name) const { return tmp_.Sub(name); }

  std::unique_ptr<Node> Open(const std::string& dir) {
    auto node = Node::Open(dir, domain::NodeRegistry(), {&clock_});
    EXPECT_TRUE(node.ok()) << node.status().ToString();
    return node.ok() ? std::move(*node) : nullptr;
  }

  // Founds a city named kCity on node `id` with `city_key`, in directory Dir(dir), by default Dir(id).
  std::unique_ptr<Node> Found(const std::string& id, const KeyPair& city_key, std::string dir = "") {
    KeyPair key = GenerateSigningKey();
    store::DataPaths paths(Dir(dir.empty() ? id : dir));
    EXPECT_TRUE(Node::Create(paths.dir, kCity, id, domain::NodeRegistry(), key).ok());
    EXPECT_TRUE(
        WriteFileAtomic(paths.city_pub(), store::EncodePublicKey(store::kCityPubLabel, city_key.public_key))
            .ok());
    EXPECT_TRUE(WriteFileAtomic(paths.city_key(),
                                store::EncodeSecretKey(store::kCityKeyLabel, city_key.secret_key), 0600)
                    .ok());
    auto node = Open(paths.dir);
    if (!node) return nullptr;
    auto founded = node->writer().Execute([&](CommandContext& ctx) -> Result<json::value> {
      HF_RETURN_IF_ERROR(domain::FoundCity(ctx, kCity, city_key, key.public_key));
      return json::value(nullptr);
    });
    EXPECT_TRUE(founded.ok()) << founded.status().ToString();
    return node;
  }

  // Creates node `id` (no events yet) in Dir(id) trusting this city's key, without enrolling it.
  std::unique_ptr<Node> Create(const std::string& id, const KeyPair& key) {
    store::DataPaths paths(Dir(id));
    EXPECT_TRUE(Node::Create(paths.dir, kCity, id, domain::NodeRegistry(), key).ok());
    EXPECT_TRUE(
        WriteFileAtomic(paths.city_pub(), store::EncodePublicKey(store::kCityPubLabel, city_key_.public_key))
            .ok());
    return Open(paths.dir);
  }

  // Enrolls office `id` on `central` and creates it, empty.
  std::unique_ptr<Node> Enroll(Node& central, const std::string& id) {
    KeyPair key = GenerateSigningKey();
    auto enrolled = central.writer().Execute([&](CommandContext& ctx) -> Result<json::value> {
      HF_ASSIGN_OR_RETURN(json::object d, EnrollNode(ctx, central.paths(), kCity, id, "office",
                                                     Hex(key.public_key), "system"));
      return json::value(std::move(d));
    });
    EXPECT_TRUE(enrolled.ok()) << enrolled.status().ToString();
    return Create(id, key);
  }

  static Holdings Hold(Node& node) {
    auto db = node.Read();
    EXPECT_TRUE(db.ok());
    if (!db.ok()) return {};
    auto n = (*db)->QueryInt("SELECT COUNT(*) FROM events");
    auto digest = store::StateDigest(**db, node.registry());
    EXPECT_TRUE(n.ok() && digest.ok());
    if (!n.ok() || !digest.ok()) return {};
    return {*n, Hex(*digest)};
  }

  static std::map<std::string, int64_t> Have(Node& node) {
    std::map<std::string, int64_t> have;
    auto db = node.Read();
    EXPECT_TRUE(db.ok());
    if (!db.ok()) return have;
    auto heads = SealedHeads(**db);
    EXPECT_TRUE(heads.ok());
    if (heads.ok()) {
      for (const auto& [feed, head] : *heads) have[feed] = head.seq;
    }
    return have;
  }

  // What `from` would send `to` next.
  // What `from` sends a peer holding `have`, as the peer decodes it (a sender passes its events' bytes on
  // without decoding them: only the receiver's copy carries decoded events and hashes).
  static Bundle Collect(Node& from, const std::map<std::string, int64_t>& have,
                        size_t target = kBundleTarget) {
    auto db = from.Read();
    EXPECT_TRUE(db.ok());
    if (!db.ok()) return {};
    auto b = CollectMissing(**db, have, {}, target);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    if (!b.ok()) return {};
    auto decoded = DecodeBundle(EncodeBundle(*b));
    EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
    if (!decoded.ok()) return {};
    decoded->more = b->more;
    return std::move(*decoded);
  }

  // Receives a bundle as a node does from the wire: decode, verify, store in one writer command.
  static Result<StoreReport> Deliver(Node& to, std::string_view wire, Fork* fork = nullptr) {
    HF_ASSIGN_OR_RETURN(Bundle b, DecodeBundle(wire));
    HF_ASSIGN_OR_RETURN(Bytes key, store::ReadCityPublicKey(to.paths()));
    {
      HF_ASSIGN_OR_RETURN(auto db, to.Read());
      HF_RETURN_IF_ERROR(VerifyBundle(*db, CityTrust{to.city(), key}, b, fork));
    }
    StoreReport report;
    HF_RETURN_IF_ERROR(to.writer()
                           .Execute([&](CommandContext& ctx) -> Result<json::value> {
                             HF_ASSIGN_OR_RETURN(report, StoreBundle(ctx, b));
                             return json::value(nullptr);
                           })
                           .status());
    return report;
  }

  // Moves everything `to` lacks from `from`, bundle by bundle; answers the bundles that carried events.
  std::vector<Bundle> Transfer(Node& from, Node& to, size_t target = kBundleTarget) {
    std::vector<Bundle> sent;
    for (int i = 0; i < 100; ++i) {
      Bundle b = Collect(from, Have(to), target);
      if (b.events.empty()) {
        EXPECT_FALSE(b.more);
        return sent;
      }
      auto stored = Deliver(to, EncodeBundle(b));
      EXPECT_TRUE(stored.ok()) << stored.status().ToString();
      if (!stored.ok()) return sent;
      EXPECT_EQ(stored->stored, static_cast<int64_t>(b.events.size()));
      sent.push_back(std::move(b));
    }
    ADD_FAILURE() << "the transfer did not end";
    return sent;
  }

  // Expects `wire` refused by `to` with error type `type`, and nothing of it stored.
  void ExpectRefused(Node& to, std::string_view wire, std::string_view type) {
    Holdings before = Hold(to);
    auto r = Deliver(to, wire);
    ASSERT_FALSE(r.ok()) << "accepted a bundle that should be refused as " << type;
    EXPECT_EQ(r.error().Type(), type) << r.error().detail;
    EXPECT_FALSE(r.error().detail.empty());
    EXPECT_EQ(Hold(to), before);
  }

  testing::TempDir tmp_;
  FakeClock clock_{SystemClock::Get().NowMs()};
  KeyPair city_key_ = GenerateSigningKey();
  std::unique_ptr<Node> central_;
  std::unique_ptr<Node> office_;
};

TEST_F(BundleTest, RoundTripGivesBothNodesTheSameStateAndRepeatsStoreNothing) {
  AddParties(*central_, 3, "Central Person");
  EXPECT_FALSE(Transfer(*central_, *office_).empty());
  AddParties(*office_, 2, "Office Person");
  EXPECT_FALSE(Transfer(*office_, *central_).empty());
  EXPECT_TRUE(Transfer(*central_, *office_).empty());  // office-1 holds everything central has

  Holdings c = Hold(*central_), o = Hold(*office_);
  EXPECT_EQ(c, o);
  EXPECT_EQ(c.events, 3 + 3 + 2);  // founding and enrollment, central's parties, office's parties
  // The office's parties are on central, as the office wrote them.
  {
    auto db = central_->Read();
    ASSERT_TRUE(db.ok());
    auto party = domain::GetParty(**db, "p-office-1-2");
    ASSERT_TRUE(party.ok());
    ASSERT_TRUE(party->has_value());
    EXPECT_EQ(StringOr(**party, "name"), "Office Person 1");
  }

  // Nothing left to send either way, and the same bundle delivered again stores nothing new.
  EXPECT_TRUE(Collect(*central_, Have(*office_)).events.empty());
  EXPECT_TRUE(Collect(*office_, Have(*central_)).events.empty());
  Bundle everything = Collect(*central_, {});
  ASSERT_EQ(everything.events.size(), 8u);
  auto again = Deliver(*office_, EncodeBundle(everything));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->stored, 0);
  EXPECT_EQ(again->already, 8);
  EXPECT_EQ(Hold(*office_), o);
}

TEST_F(BundleTest, DecodeGivesBackWhatWasEncoded) {
  AddParties(*central_, 2);
  Bundle b = Collect(*central_, {});
  b.more = true;
  auto d = DecodeBundle(EncodeBundle(b));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->more);
  EXPECT_EQ(d->bytes, b.bytes);
  ASSERT_EQ(d->events.size(), b.events.size());
  for (size_t i = 0; i < b.events.size(); ++i) {
    EXPECT_EQ(d->events[i].bytes, b.events[i].bytes);
    EXPECT_EQ(d->events[i].hash, b.events[i].hash);
  }
  ASSERT_EQ(d->seals.size(), b.seals.size());
  for (size_t i = 0; i < b.seals.size(); ++i) {
    EXPECT_EQ(d->seals[i].feed, b.seals[i].feed);
    EXPECT_EQ(d->seals[i].seq, b.seals[i].seq);
    EXPECT_EQ(d->seals[i].hash, b.seals[i].hash);
    EXPECT_EQ(d->seals[i].signature, b.seals[i].signature);
  }
}

TEST_F(BundleTest, LongFeedsArriveOverSeveralBundlesInOrderEachEndingAtASeal) {
  // One batch of 600 events: the writer seals every kSealEvery-th event and the head.
  AddParties(*central_, 600);
  const int64_t head = 3 + 600;

  // A target of one byte: each bundle carries exactly one run.
  std::vector<Bundle> bundles = Transfer(*central_, *office_, 1);
  ASSERT_EQ(bundles.size(), 5u);  // founding, enrollment, 4..256, 257..512, 513..603
  int64_t next = 1;
  for (size_t i = 0; i < bundles.size(); ++i) {
    const Bundle& b = bundles[i];
    EXPECT_EQ(b.more, i + 1 < bundles.size()) << "bundle " << i;
    ASSERT_FALSE(b.seals.empty());
    for (const auto& se : b.events) {
      EXPECT_EQ(se.event.feed, "central");
      EXPECT_EQ(se.event.seq, next++) << "bundle " << i;
    }
    EXPECT_EQ(b.seals.back().seq, b.events.back().event.seq) << "bundle " << i << " does not end at a seal";
  }
  EXPECT_EQ(bundles[2].events.back().event.seq, store::kSealEvery);
  EXPECT_EQ(bundles[3].events.back().event.seq, 2 * store::kSealEvery);
  EXPECT_EQ(next, head + 1);
  EXPECT_EQ(Hold(*office_), Hold(*central_));

  // A target of a few runs' worth: fewer bundles, each of whole runs, none far past the target.
  auto third = Enroll(*central_, "office-2");
  ASSERT_NE(third, nullptr);
  const size_t target = 40000;
  bundles = Transfer(*central_, *third, target);
  ASSERT_GE(bundles.size(), 3u);
  next = 1;
  for (const Bundle& b : bundles) {
    EXPECT_EQ(b.events.front().event.seq, next);
    next = b.events.back().event.seq + 1;
    EXPECT_EQ(b.seals.back().seq, b.events.back().event.seq);
    // Runs are added while the bundle is under the target; one run is at most kSealEvery events.
    EXPECT_LT(b.bytes, target + store::kSealEvery * 1000);
  }
  EXPECT_EQ(next, head + 2);  // and office-2's enrollment
  EXPECT_EQ(Hold(*third), Hold(*central_));
}

TEST_F(BundleTest, ForgedSealIsRefused) {
  AddParties(*central_, 3);
  Bundle b = Collect(*central_, Have(*office_));
  ASSERT_FALSE(b.seals.empty());
  for (size_t i = 0; i < b.seals.size(); ++i) {
    Bundle forged = b;
    forged.seals[i].signature[i % 64] ^= 0x01;
    ExpectRefused(*office_, EncodeBundle(forged), "forged-seal");
  }
  // A seal signed by another node's key over the right event.
  Bundle other = b;
  other.seals.back() =
      journal::MakeSeal(office_->secret_key(), "central", other.seals.back().seq, other.seals.back().hash);
  ExpectRefused(*office_, EncodeBundle(other), "forged-seal");
  // The untouched bundle is then taken.
  auto ok = Deliver(*office_, EncodeBundle(b));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(Hold(*office_), Hold(*central_));
}

TEST_F(BundleTest, BrokenChainIsRefused) {
  AddParties(*central_, 5);  // one run: central/4..8
  ASSERT_TRUE(!Transfer(*central_, *office_).empty());
  AddParties(*central_, 5);  // central/9..13
  Bundle b = Collect(*central_, Have(*office_));
  ASSERT_EQ(b.events.size(), 5u);

  Bundle dropped = b;
  dropped.events.erase(dropped.events.begin() + 2);
  ExpectRefused(*office_, EncodeBundle(dropped), "broken-chain");

  // The first event does not follow what the receiver holds.
  Bundle gap = b;
  gap.events.erase(gap.events.begin());
  ExpectRefused(*office_, EncodeBundle(gap), "broken-chain");

  // An event re-encoded with another prev (so another hash): its successor no longer follows it.
  Bundle altered = b;
  journal::Event e = altered.events[2].event;
  e.prev = altered.events[0].HashHex();
  auto re = journal::Encode(e);
  ASSERT_TRUE(re.ok());
  altered.events[2] = *re;
  ExpectRefused(*office_, EncodeBundle(altered), "broken-chain");

  // The same with the last event: the seal names another event than the one sent.
  Bundle last = b;
  e = last.events.back().event;
  e.data["name"] = "Mallory";
  re = journal::Encode(e);
  ASSERT_TRUE(re.ok());
  last.events.back() = *re;
  ExpectRefused(*office_, EncodeBundle(last), "broken-chain");

  // Events out of order.
  Bundle swapped = b;
  std::swap(swapped.events[1], swapped.events[2]);
  ExpectRefused(*office_, EncodeBundle(swapped), "broken-chain");
}

TEST_F(BundleTest, FeedOfANodeTheCityNeverCertifiedIsRefused) {
  ASSERT_TRUE(!Transfer(*central_, *office_).empty());
  KeyPair key = GenerateSigningKey();
  auto rogue = Create("rogue", key);  // never enrolled anywhere
  ASSERT_NE(rogue, nullptr);
  AddParties(*rogue, 3);
  ExpectRefused(*office_, EncodeBundle(Collect(*rogue, {})), "unknown-feed");
  ExpectRefused(*central_, EncodeBundle(Collect(*rogue, {})), "unknown-feed");
}

TEST_F(BundleTest, EnrollmentNotSignedByTheCityKeyIsRefused) {
  ASSERT_TRUE(!Transfer(*central_, *office_).empty());
  // A city of the same name founded with another key, on a node with a new id and on one named like ours.
  KeyPair other_city = GenerateSigningKey();
  for (const std::string id : {"impostor", "central"}) {
    auto impostor = Found(id, other_city, "impostor-" + id);
    ASSERT_NE(impostor, nullptr);
    AddParties(*impostor, 2);
    ExpectRefused(*office_, EncodeBundle(Collect(*impostor, {})), "bad-certificate");
    ExpectRefused(*central_, EncodeBundle(Collect(*impostor, {})), "bad-certificate");
  }

  // A genuine certificate copied into the enrollment of another node or another key.
  KeyPair mallory_key = GenerateSigningKey();
  auto mallory = Create("mallory", mallory_key);
  ASSERT_NE(mallory, nullptr);
  json::object genuine;
  {
    auto db = central_->Read();
    ASSERT_TRUE(db.ok());
    auto e = store::LoadEvent(**db, "central", 3);  // office-1's enrollment
    ASSERT_TRUE(e.ok() && e->has_value());
    ASSERT_EQ((*e)->event.type, journal::kNodeEnrolledType);
    genuine = (*e)->event.data;
  }
  for (const auto& [node, key] : std::vector<std::pair<std::string, std::string>>{
           {"mallory", Hex(mallory_key.public_key)}, {"office-1", Hex(mallory_key.public_key)}}) {
    json::object d = genuine;
    d["node"] = node;
    d["public_key"] = key;
    const int64_t before = mallory->writer().head().seq;
    auto forged = mallory->writer().Execute([&](CommandContext& ctx) -> Result<json::value> {
      HF_RETURN_IF_ERROR(ctx.Emit(std::string(journal::kNodeEnrolledType), d, "system").status());
      return json::value(nullptr);
    });
    ASSERT_TRUE(forged.ok()) << forged.status().ToString();
    ExpectRefused(*central_, EncodeBundle(Collect(*mallory, {{"mallory", before}})), "bad-certificate");
  }
}

TEST_F(BundleTest, GarbageIsRefusedAsABadBundle) {
  std::mt19937 random(20260301);
  std::vector<std::string> garbage = {"",
                                      "garbage",
                                      "\xff\xfe\x00\x01",
                                      "null",
                                      "[]",
                                      "{}",
                                      R"({"events":[]})",
                                      R"({"seals":[]})",
                                      R"({"events":{},"seals":[]})",
                                      R"({"events":[1],"seals":[]})",
                                      R"({"events":["{}"],"seals":[]})",
                                      R"({"events":["not an event"],"seals":[]})",
                                      R"({"events":[],"seals":[1]})",
                                      R"({"events":[],"seals":[{}]})",
                                      R"({"events":[],"seals":[],"more":"yes"})",
                                      std::string(100000, '['),
                                      std::string(100000, '{')};
  for (int i = 0; i < 50; ++i) {
    std::string s(static_cast<size_t>(random() % 300), '\0');
    for (char& c : s) c = static_cast<char>(random() % 256);
    garbage.push_back(std::move(s));
  }
  for (const std::string& g : garbage) ExpectRefused(*office_, g, "bad-bundle");

  // An event whose bytes are not in canonical form (the same JSON, with a space).
  Bundle b = Collect(*central_, {});
  std::string wire = EncodeBundle(b);
  std::string spaced = b.events[0].bytes;
  spaced.insert(1, " ");
  json::array events{json::value(spaced)};
  ExpectRefused(*office_, json::serialize(json::object{{"events", events}, {"seals", json::array{}}}),
                "bad-bundle");
  // A seal whose hash is in upper case, or whose signature is short.
  auto v = ParseJson(wire, 8);
  ASSERT_TRUE(v.ok());
  json::object upper = v->as_object();
  std::string hash(upper["seals"].as_array()[0].as_object()["hash"].as_string());
  for (char& c : hash) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  upper["seals"].as_array()[0].as_object()["hash"] = hash;
  ExpectRefused(*office_, json::serialize(upper), "bad-bundle");
  json::object short_sig = v->as_object();
  short_sig["seals"].as_array()[0].as_object()["signature"] = "abcd";
  ExpectRefused(*office_, json::serialize(short_sig), "bad-bundle");
}

TEST_F(BundleTest, EveryTruncationIsRefusedCleanly) {
  AddParties(*central_, 2);
  const std::string wire = EncodeBundle(Collect(*central_, {}));
  ASSERT_GT(wire.size(), 1000u);
  Holdings before = Hold(*office_);
  for (size_t cut = 0; cut < wire.size(); ++cut) {
    auto d = DecodeBundle(std::string_view(wire).substr(0, cut));
    ASSERT_FALSE(d.ok()) << "a bundle cut at " << cut << " of " << wire.size() << " bytes was accepted";
    ASSERT_EQ(d.error().Type(), "bad-bundle") << d.error().detail;
  }
  EXPECT_EQ(Hold(*office_), before);
  auto whole = Deliver(*office_, wire);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
}

TEST_F(BundleTest, UnknownMembersAreRefused) {
  std::string wire = EncodeBundle(Collect(*central_, {}));
  auto v = ParseJson(wire, 8);
  ASSERT_TRUE(v.ok());
  json::object top = v->as_object();
  top["signed_by"] = "central";
  ExpectRefused(*office_, json::serialize(top), "bad-bundle");
  json::object in_seal = v->as_object();
  in_seal["seals"].as_array()[0].as_object()["note"] = "trust me";
  ExpectRefused(*office_, json::serialize(in_seal), "bad-bundle");
}

TEST_F(BundleTest, SealWithoutItsEventIsRefused) {
  AddParties(*office_, 2);
  Bundle office_bundle = Collect(*office_, {});
  ASSERT_FALSE(office_bundle.seals.empty());
  Bundle b = Collect(*central_, {});
  // A genuine seal of office-1 whose event is not carried.
  b.seals.push_back(office_bundle.seals.back());
  ExpectRefused(*office_, EncodeBundle(b), "bad-bundle");
  ExpectRefused(*central_, EncodeBundle(b), "bad-bundle");
  // Only seals.
  Bundle seals_only;
  seals_only.seals = Collect(*central_, {}).seals;
  ExpectRefused(*office_, EncodeBundle(seals_only), "bad-bundle");
}

TEST_F(BundleTest, EventsPastTheLastSealAreRefused) {
  AddParties(*central_, 300);  // sealed at 256 and at the head, 303
  Bundle b = Collect(*central_, {});
  ASSERT_EQ(b.seals.back().seq, 303);
  ASSERT_EQ(b.seals[b.seals.size() - 2].seq, store::kSealEvery);
  Bundle unsealed = b;
  unsealed.seals.pop_back();
  ExpectRefused(*office_, EncodeBundle(unsealed), "unsealed");
  // A seal further on than the last event sent.
  Bundle cut = b;
  cut.events.pop_back();
  ExpectRefused(*office_, EncodeBundle(cut), "unsealed");
  // No seal at all.
  Bundle none = b;
  none.seals.clear();
  ExpectRefused(*office_, EncodeBundle(none), "unsealed");
}

// office-1's data directory copied while it is closed: the copy and the original both write at the next seq.
class ForkTest : public BundleTest {
 protected:
  void SetUp() override {
    BundleTest::SetUp();
    ASSERT_FALSE(Transfer(*central_, *office_).empty());
    AddParties(*office_, 2);
    ASSERT_FALSE(Transfer(*office_, *central_).empty());
    office_.reset();
    std::filesystem::copy(Dir("office-1"), Dir("clone"), std::filesystem::copy_options::recursive);
    office_ = Open(Dir("office-1"));
    clone_ = Open(Dir("clone"));
    ASSERT_NE(office_, nullptr);
    ASSERT_NE(clone_, nullptr);
    fork_seq_ = office_->writer().head().seq + 1;
    AddParties(*office_, 1, "Original");
    AddParties(*clone_, 1, "Clone");
    ASSERT_EQ(clone_->writer().head().seq, fork_seq_);
    ASSERT_EQ(office_->writer().head().seq, fork_seq_);
    ASSERT_FALSE(Transfer(*office_, *central_).empty());
  }

  void ExpectQuarantinedAfter(const Fork& fork) {
    Holdings before = Hold(*central_);
    auto q = central_->writer().Execute([&](CommandContext& ctx) -> Result<json::value> {
      HF_RETURN_IF_ERROR(Quarantine(ctx, fork, clock_.NowMs()));
      return json::value(nullptr);
    });
    ASSERT_TRUE(q.ok()) << q.status().ToString();
    EXPECT_EQ(Hold(*central_), before);  // quarantine is node-local: no event, no state change
    auto db = central_->Read();
    ASSERT_TRUE(db.ok());
    auto quarantined = QuarantinedFeeds(**db);
    ASSERT_TRUE(quarantined.ok());
    EXPECT_EQ(*quarantined, std::set<std::string>{"office-1"});
    // Central no longer passes the feed on, nor takes more of it from anyone.
    Bundle all = Collect(*central_, {});
    EXPECT_FALSE(all.events.empty());
    for (const auto& se : all.events) EXPECT_NE(se.event.feed, "office-1");
    for (const auto& s : all.seals) EXPECT_NE(s.feed, "office-1");
    AddParties(*office_, 1, "Later");
    ExpectRefused(*central_, EncodeBundle(Collect(*office_, Have(*central_))), "quarantined");
  }

  std::unique_ptr<Node> clone_;
  int64_t fork_seq_ = 0;
};

TEST_F(ForkTest, OverlappingBundleWithAnotherEventAtTheSameSeqIsAFork) {
  std::map<std::string, int64_t> have = Have(*central_);
  have["office-1"] = fork_seq_ - 1;
  std::string wire = EncodeBundle(Collect(*clone_, have));
  Holdings before = Hold(*central_);
  Fork fork;
  auto r = Deliver(*central_, wire, &fork);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().Type(), "fork") << r.error().detail;
  EXPECT_EQ(Hold(*central_), before);
  EXPECT_EQ(fork.feed, "office-1");
  EXPECT_EQ(fork.seq, fork_seq_);
  {
    auto db = central_->Read();
    ASSERT_TRUE(db.ok());
    auto ours = store::LoadEvent(**db, "office-1", fork_seq_);
    ASSERT_TRUE(ours.ok() && ours->has_value());
    EXPECT_EQ(fork.ours, (*ours)->HashHex());
  }
  auto theirs = journal::Decode(fork.evidence);
  ASSERT_TRUE(theirs.ok());
  EXPECT_EQ(theirs->HashHex(), fork.theirs);
  EXPECT_EQ(StringOr(theirs->event.data, "name"), "Clone 0");

  // The fork is a fork whether or not the caller asks for its evidence.
  {
    auto b = DecodeBundle(wire);
    ASSERT_TRUE(b.ok());
    auto db = central_->Read();
    ASSERT_TRUE(db.ok());
    auto key = store::ReadCityPublicKey(central_->paths());
    ASSERT_TRUE(key.ok());
    Status plain = VerifyBundle(**db, CityTrust{kCity, *key}, *b);
    ASSERT_FALSE(plain.ok());
    EXPECT_EQ(plain.error().Type(), "fork");
  }
  ExpectQuarantinedAfter(fork);
  ExpectRefused(*central_, wire, "quarantined");
}

TEST_F(ForkTest, CloneThatWroteFurtherIsAFork) {
  // What sync would send: the clone's events after the seq central holds, which follow the clone's event at
  // that seq rather than the original's.
  AddParties(*clone_, 1, "Clone again");
  Bundle b = Collect(*clone_, Have(*central_));
  ASSERT_EQ(b.events.size(), 1u);
  ASSERT_EQ(b.events[0].event.seq, fork_seq_ + 1);
  Holdings before = Hold(*central_);
  Fork fork;
  auto r = Deliver(*central_, EncodeBundle(b), &fork);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().Type(), "fork") << r.error().detail;
  EXPECT_EQ(Hold(*central_), before);
  EXPECT_EQ(fork.feed, "office-1");
  EXPECT_EQ(fork.seq, fork_seq_);
  EXPECT_NE(fork.ours, fork.theirs);
  ExpectQuarantinedAfter(fork);
}

TEST_F(ForkTest, ForgedEventAtAHeldSeqIsNotAFork) {
  // Another event at a held seq, but with a seal that does not verify: a forgery, not evidence of a fork.
  std::map<std::string, int64_t> have = Have(*central_);
  have["office-1"] = fork_seq_ - 1;
  Bundle b = Collect(*clone_, have);
  ASSERT_FALSE(b.seals.empty());
  b.seals.back().signature[0] ^= 0x80;
  Fork fork;
  Holdings before = Hold(*central_);
  auto r = Deliver(*central_, EncodeBundle(b), &fork);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().Type(), "forged-seal");
  EXPECT_EQ(Hold(*central_), before);
}

}  // namespace
}  // namespace holdfast::sync
