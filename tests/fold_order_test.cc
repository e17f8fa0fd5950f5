// State is a function of the set of events, not of the order they arrive in (DESIGN §5): one set of events
// from several feeds, folded in many random orders, always gives the digest that a rebuild in canonical order
// gives.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "domain/registry.h"
#include "journal/event.h"
#include "store/journal.h"
#include "store/sqlite.h"

namespace holdfast::testing {
namespace {

std::vector<journal::StoredEvent> MakeEvents(uint32_t seed) {
  std::mt19937 rng(seed);
  const std::vector<std::string> feeds = {"central", "animal-control", "permit-center"};
  std::vector<journal::StoredEvent> out;
  std::map<std::string, std::pair<int64_t, std::string>> heads;  // feed -> seq, hash
  std::map<std::string, int64_t> clocks;
  std::vector<std::string> parties;
  auto emit = [&](const std::string& feed, std::string type, json::object data) {
    auto& [seq, prev] = heads[feed];
    // Clocks of different nodes interleave, with ties broken by tick and feed.
    clocks[feed] += static_cast<int64_t>(rng() % 3);
    journal::Event e{feed,           seq + 1,
                     prev,           {1767225600000 + clocks[feed], static_cast<int64_t>(rng() % 2)},
                     "u-1",          std::move(type),
                     std::move(data)};
    auto se = journal::Encode(std::move(e));
    EXPECT_TRUE(se.ok());
    seq += 1;
    prev = se->HashHex();
    out.push_back(*se);
  };
  for (int i = 0; i < 60; ++i) {
    const std::string& feed = feeds[rng() % feeds.size()];
    if (parties.empty() || rng() % 3 == 0) {
      std::string id = fmt::format("p-{}-{}", feed, heads[feed].first + 1);
      parties.push_back(id);
      emit(feed, "party.created",
           json::object{
               {"id", id},
               {"kind", "person"},
               {"name", "Name " + id},
               {"email", ""},
               {"phone", ""},
               {"address",
                json::object{
                    {"line1", ""}, {"line2", ""}, {"city", ""}, {"state", ""}, {"postal_code", ""}}}});
    } else {
      // Concurrent edits of the same party from different offices, some of the same field.
      const std::string& id = parties[rng() % parties.size()];
      json::object changes;
      if (rng() % 2) changes["name"] = fmt::format("Renamed {} by {}", i, feed);
      if (rng() % 2 || changes.empty()) changes["phone"] = fmt::format("555-{:04}", i);
      emit(feed, "party.updated", json::object{{"id", id}, {"changes", std::move(changes)}});
    }
  }
  return out;
}

Hash FoldInOrder(const std::vector<journal::StoredEvent>& events) {
  const store::Registry& registry = domain::NodeRegistry();
  auto db = store::Db::Open("", store::OpenMode::kMemory);
  EXPECT_TRUE(db.ok());
  EXPECT_TRUE(store::CreateSchema(**db, registry).ok());
  for (const auto& e : events) {
    Status s = store::InsertEvent(**db, registry, e);
    EXPECT_TRUE(s.ok()) << s.ToString();
    s = store::FoldEvent(**db, registry, e);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  auto digest = store::StateDigest(**db, registry);
  EXPECT_TRUE(digest.ok());
  // The same events rebuilt from scratch in canonical order give the same digest.
  EXPECT_TRUE(store::RebuildState(**db, registry).ok());
  auto rebuilt = store::StateDigest(**db, registry);
  EXPECT_EQ(Hex(*digest), Hex(*rebuilt));
  return *digest;
}

TEST(FoldOrder, AnyArrivalOrderGivesTheSameDigest) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    std::vector<journal::StoredEvent> events = MakeEvents(seed);
    Hash expected = FoldInOrder(events);
    std::mt19937 rng(seed * 7919);
    for (int round = 0; round < 25; ++round) {
      std::shuffle(events.begin(), events.end(), rng);
      EXPECT_EQ(Hex(FoldInOrder(events)), Hex(expected)) << "seed " << seed << " round " << round;
    }
  }
}

TEST(FoldOrder, LaterEditOfAFieldWinsAndTheReplacedValueIsKept) {
  std::vector<journal::StoredEvent> events;
  auto add = [&](const std::string& feed, int64_t seq, int64_t time, std::string type, json::object data) {
    std::string prev = seq == 1 ? "" : events.back().HashHex();
    auto se = journal::Encode({feed, seq, prev, {time, 0}, "u", std::move(type), std::move(data)});
    ASSERT_TRUE(se.ok());
    events.push_back(*se);
  };
  json::object address{{"line1", ""}, {"line2", ""}, {"city", ""}, {"state", ""}, {"postal_code", ""}};
  add("a", 1, 100, "party.created",
      {{"id", "p-a-1"},
       {"kind", "person"},
       {"name", "Ann"},
       {"email", ""},
       {"phone", ""},
       {"address", address}});
  add("b", 1, 300, "party.updated", {{"id", "p-a-1"}, {"changes", {{"name", "Ann B"}}}});
  add("c", 1, 200, "party.updated",
      {{"id", "p-a-1"}, {"changes", {{"name", "Ann C"}, {"phone", "555-0100"}}}});
  for (int order = 0; order < 2; ++order) {
    if (order) std::reverse(events.begin(), events.end());
    const store::Registry& registry = domain::NodeRegistry();
    auto db = store::Db::Open("", store::OpenMode::kMemory);
    ASSERT_TRUE(store::CreateSchema(**db, registry).ok());
    for (const auto& e : events) {
      ASSERT_TRUE(store::InsertEvent(**db, registry, e).ok());
      ASSERT_TRUE(store::FoldEvent(**db, registry, e).ok());
    }
    {
      auto s = (*db)->Prepare("SELECT name, phone FROM parties WHERE id='p-a-1'");
      ASSERT_TRUE(*(*s)->Step());
      EXPECT_EQ((*s)->Text(0), "Ann B");     // latest edit of name (time 300) wins
      EXPECT_EQ((*s)->Text(1), "555-0100");  // the other office's edit of another field survives
    }
    auto h = (*db)->QueryInt("SELECT COUNT(*) FROM party_history WHERE party_id='p-a-1' AND field='name'");
    EXPECT_EQ(*h, 2);
  }
}

}  // namespace
}  // namespace holdfast::testing
