// A city of nodes in one process, for tests of sync and of the decisions folds make when offices were cut
// off: node 0 ("central") founds the city and holds the city key; nodes 1..n ("office-1" …) are enrolled by
// central and created empty. Each node has its own FakeClock. Sync(from, to) moves everything `from` holds
// and `to` lacks in bundles, exactly as the sync routes do (collect, encode, decode, verify, store).
#ifndef HOLDFAST_TESTS_TEST_CITY_H_
#define HOLDFAST_TESTS_TEST_CITY_H_

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/files.h"
#include "domain/city.h"
#include "domain/parties.h"
#include "domain/registry.h"
#include "store/journal.h"
#include "store/node.h"
#include "sync/bundle.h"
#include "sync/enroll.h"
#include "test_support.h"

namespace holdfast::testing {

// Creates `count` parties named "<name> 0", "<name> 1" … on `node` in one command, so in one writer batch.
inline void AddParties(store::Node& node, int count, const std::string& name = "Pat Person") {
  auto r = node.writer().Execute([&](store::CommandContext& ctx) -> Result<json::value> {
    for (int i = 0; i < count; ++i) {
      domain::PartyInput p{.kind = "person", .name = fmt::format("{} {}", name, i)};
      HF_RETURN_IF_ERROR(domain::CreateParty(ctx, p, "clerk").status());
    }
    return json::value(nullptr);
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

class TestCity {
 public:
  static constexpr const char* kName = "Testville";

  // Founds the city on central at `start_ms` and enrolls `offices` office nodes (empty until synced).
  TestCity(int offices, int64_t start_ms) : clocks_(offices + 1) {
    const store::Registry& registry = domain::NodeRegistry();
    for (auto& c : clocks_) c = std::make_unique<FakeClock>(start_ms);
    city_ = GenerateSigningKey();
    KeyPair central_key = GenerateSigningKey();
    ids_.push_back("central");
    EXPECT_TRUE(store::Node::Create(dir(0), kName, "central", registry, central_key).ok());
    WriteCityFiles(dir(0), true);
    nodes_.push_back(nullptr);
    Open(0);
    EXPECT_TRUE(Run(0, [&](store::CommandContext& ctx) -> Result<json::value> {
                  HF_RETURN_IF_ERROR(domain::FoundCity(ctx, kName, city_, central_key.public_key));
                  return json::value(nullptr);
                }).ok());
    for (int i = 1; i <= offices; ++i) {
      std::string id = fmt::format("office-{}", i);
      ids_.push_back(id);
      KeyPair key = GenerateSigningKey();
      auto enrolled = Run(0, [&](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(json::object d, sync::EnrollNode(ctx, nodes_[0]->paths(), kName, id, "office",
                                                             Hex(key.public_key), "admin"));
        return json::value(std::move(d));
      });
      EXPECT_TRUE(enrolled.ok()) << enrolled.status().ToString();
      EXPECT_TRUE(store::Node::Create(dir(i), kName, id, registry, key).ok());
      WriteCityFiles(dir(i), false);
      nodes_.push_back(nullptr);
      Open(i);
    }
  }

  int size() const { return static_cast<int>(nodes_.size()); }
  const std::string& id(int i) const { return ids_[i]; }
  std::string dir(int i) const { return root_.Sub(ids_[i]); }
  store::Node& node(int i) { return *nodes_[i]; }
  FakeClock& clock(int i) { return *clocks_[i]; }
  bool open(int i) const { return nodes_[i] != nullptr; }

  void Open(int i) {
    auto node = store::Node::Open(dir(i), domain::NodeRegistry(), {clocks_[i].get()});
    EXPECT_TRUE(node.ok()) << node.status().ToString();
    if (node.ok()) nodes_[i] = std::move(*node);
  }
  void Close(int i) { nodes_[i].reset(); }

  Result<json::value> Run(int i, store::CommandFn f) { return nodes_[i]->writer().Execute(std::move(f)); }

  // Moves everything `from` holds that `to` lacks; an error if any bundle is refused.
  Status Sync(int from, int to) {
    for (int round = 0; round < 10000; ++round) {
      sync::Bundle bundle;
      {
        HF_ASSIGN_OR_RETURN(auto to_db, nodes_[to]->Read());
        HF_ASSIGN_OR_RETURN(auto heads, sync::SealedHeads(*to_db));
        std::map<std::string, int64_t> have;
        for (const auto& [feed, head] : heads) have[feed] = head.seq;
        HF_ASSIGN_OR_RETURN(auto from_db, nodes_[from]->Read());
        HF_ASSIGN_OR_RETURN(sync::Bundle collected, sync::CollectMissing(*from_db, have, {}));
        HF_ASSIGN_OR_RETURN(bundle, sync::DecodeBundle(sync::EncodeBundle(collected)));
        if (bundle.events.empty()) return Status::Ok();
        HF_RETURN_IF_ERROR(sync::VerifyBundle(*to_db, {kName, city_.public_key}, bundle));
      }
      HF_RETURN_IF_ERROR(Run(to, [&](store::CommandContext& ctx) -> Result<json::value> {
                           HF_ASSIGN_OR_RETURN(sync::StoreReport r, sync::StoreBundle(ctx, bundle));
                           return json::value(r.stored);
                         }).status());
      if (!bundle.more) return Status::Ok();
    }
    return Internal("sync did not finish");
  }

  // Every office sends everything to central, then central hands everything back to every office.
  Status SyncAll() {
    for (int i = 1; i < size(); ++i) HF_RETURN_IF_ERROR(Sync(i, 0));
    for (int i = 1; i < size(); ++i) HF_RETURN_IF_ERROR(Sync(0, i));
    return Status::Ok();
  }

  // Sets every clock to the latest of them (plus a second), as clocks read once offices are back in touch.
  void AlignClocks() {
    int64_t now = 0;
    for (auto& c : clocks_) now = std::max(now, c->NowMs());
    for (auto& c : clocks_) c->Set(now + 1000);
  }

  std::string Digest(int i) {
    auto db = nodes_[i]->Read();
    if (!db.ok()) return "";
    auto d = store::StateDigest(**db, domain::NodeRegistry());
    return d.ok() ? Hex(*d) : "";
  }
  // Where the derived state of nodes a and b differs: per table, the rows only one of them holds (at most a
  // few); "" when the states are equal.
  std::string DiffState(int a, int b) {
    std::string out;
    for (const store::StateTable* t : store::DerivedTables(domain::NodeRegistry())) {
      std::set<std::string> rows[2];
      for (int k = 0; k < 2; ++k) {
        auto db = nodes_[k == 0 ? a : b]->Read();
        if (!db.ok()) return db.status().ToString();
        auto s = (*db)->Prepare("SELECT * FROM " + t->name);
        if (!s.ok()) return s.status().ToString();
        for (;;) {
          auto row = (*s)->Step();
          if (!row.ok() || !*row) break;
          std::string line;
          for (int c = 0; c < sqlite3_column_count((*s)->raw()); ++c) {
            line += (c ? "|" : "") + (*s)->Text(c);
          }
          rows[k].insert(line);
        }
      }
      int shown = 0;
      for (int k = 0; k < 2; ++k) {
        for (const auto& r : rows[k]) {
          if (rows[1 - k].contains(r) || shown >= 6) continue;
          out += fmt::format("{} only on {}: {}\n", t->name, ids_[k == 0 ? a : b], r);
          ++shown;
        }
      }
    }
    return out;
  }

  // The digest of node i's state after refolding its whole journal from scratch.
  std::string RebuiltDigest(int i) {
    auto r = Run(i, [](store::CommandContext& ctx) -> Result<json::value> {
      HF_RETURN_IF_ERROR(store::RebuildState(ctx.db(), ctx.registry()));
      HF_ASSIGN_OR_RETURN(Hash h, store::StateDigest(ctx.db(), ctx.registry()));
      return json::value(Hex(h));
    });
    return r.ok() ? std::string(r->as_string()) : r.status().ToString();
  }

 private:
  void WriteCityFiles(const std::string& d, bool with_secret) {
    store::DataPaths paths(d);
    EXPECT_TRUE(
        WriteFileAtomic(paths.city_pub(), store::EncodePublicKey(store::kCityPubLabel, city_.public_key))
            .ok());
    if (with_secret) {
      EXPECT_TRUE(WriteFileAtomic(paths.city_key(),
                                  store::EncodeSecretKey(store::kCityKeyLabel, city_.secret_key), 0600)
                      .ok());
    }
  }

  TempDir root_;
  KeyPair city_;
  std::vector<std::string> ids_;
  std::vector<std::unique_ptr<FakeClock>> clocks_;
  std::vector<std::unique_ptr<store::Node>> nodes_;  // after the clocks: nodes hold pointers to them
};

}  // namespace holdfast::testing

#endif  // HOLDFAST_TESTS_TEST_CITY_H_
