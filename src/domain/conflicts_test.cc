#include "domain/conflicts.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "domain/city.h"
#include "domain/fees.h"
#include "domain/licenses.h"
#include "domain/parties.h"
#include "domain/pets.h"
#include "domain/registry.h"
#include "domain/tags.h"
#include "store/journal.h"
#include "store/node.h"
#include "sync/bundle.h"
#include "sync/enroll.h"
#include "test_support.h"

namespace holdfast::domain {
namespace {

using store::CommandContext;

int64_t Ms(int y, int m, int d, int hour = 12) {
  return Date::FromCivil(y, m, d).days() * 86400000 + int64_t{hour} * 3600000;
}

// A city of three nodes in one process, each with its own clock: central founded the city, holds a fee
// schedule, an owner, a dog and license L-central-1 (issued 2026-03-01 for a year); office-1 and office-2 are
// enrolled and hold everything central holds. Sync moves bundles exactly as the sync routes do.
class ConflictsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const store::Registry& registry = NodeRegistry();
    KeyPair city = GenerateSigningKey();
    KeyPair central_key = GenerateSigningKey();
    ASSERT_TRUE(store::Node::Create(Dir("central"), "Testville", "central", registry, central_key).ok());
    WriteCityFiles(Dir("central"), city, true);
    clocks_[0].Set(Ms(2026, 3, 1));
    nodes_[0] = Open("central", 0);
    ASSERT_TRUE(Run(0, [&](CommandContext& ctx) -> Result<json::value> {
                  HF_RETURN_IF_ERROR(FoundCity(ctx, "Testville", city, central_key.public_key));
                  HF_RETURN_IF_ERROR(
                      SetFeeSchedule(ctx, ExampleFeeSchedule(Date::FromCivil(2020, 1, 1)), "admin").status());
                  PartyInput owner{.kind = "person", .name = "Olga Owner"};
                  HF_ASSIGN_OR_RETURN(json::object o, CreateParty(ctx, owner, "clerk"));
                  owner_ = std::string(StringOr(o, "id"));
                  PetInput p;
                  p.owner_party_id = owner_;
                  p.species = "dog";
                  p.name = "Rex";
                  p.altered = true;
                  HF_ASSIGN_OR_RETURN(json::object pet, RegisterPet(ctx, p, "clerk"));
                  std::string pet_id(StringOr(pet, "id"));
                  HF_RETURN_IF_ERROR(RecordVaccination(ctx, pet_id,
                                                       {"RV-1", "Dr. Vega", Date::FromCivil(2026, 1, 1),
                                                        Date::FromCivil(2029, 1, 1)},
                                                       "clerk")
                                         .status());
                  HF_RETURN_IF_ERROR(ReceiveTags(ctx, 1, 99, "clerk").status());
                  HF_RETURN_IF_ERROR(
                      IssueLicense(ctx, {pet_id, 1, 1, false}, Date::FromUnixMs(ctx.clock().NowMs()), "clerk")
                          .status());
                  // A second dog with its own license, for the second pair of decisions.
                  p.name = "Duke";
                  HF_ASSIGN_OR_RETURN(json::object duke, RegisterPet(ctx, p, "clerk"));
                  std::string duke_id(StringOr(duke, "id"));
                  HF_RETURN_IF_ERROR(RecordVaccination(ctx, duke_id,
                                                       {"RV-2", "Dr. Vega", Date::FromCivil(2026, 1, 1),
                                                        Date::FromCivil(2029, 1, 1)},
                                                       "clerk")
                                         .status());
                  HF_RETURN_IF_ERROR(IssueLicense(ctx, {duke_id, 1, 2, false},
                                                  Date::FromUnixMs(ctx.clock().NowMs()), "clerk")
                                         .status());
                  return json::value(nullptr);
                }).ok());
    for (int i = 1; i <= 2; ++i) {
      std::string id = fmt::format("office-{}", i);
      KeyPair key = GenerateSigningKey();
      ASSERT_TRUE(Run(0, [&](CommandContext& ctx) -> Result<json::value> {
                    HF_ASSIGN_OR_RETURN(json::object d,
                                        sync::EnrollNode(ctx, nodes_[0]->paths(), "Testville", id, "office",
                                                         Hex(key.public_key), "admin"));
                    return json::value(std::move(d));
                  }).ok());
      ASSERT_TRUE(store::Node::Create(Dir(id), "Testville", id, registry, key).ok());
      WriteCityFiles(Dir(id), city, false);
      clocks_[i].Set(Ms(2026, 3, 1));
      nodes_[i] = Open(id, i);
      Sync(0, i);
    }
  }

  std::string Dir(const std::string& id) const { return dir_.Sub(id); }

  static void WriteCityFiles(const std::string& dir, const KeyPair& city, bool with_secret) {
    store::DataPaths paths(dir);
    ASSERT_TRUE(
        WriteFileAtomic(paths.city_pub(), store::EncodePublicKey(store::kCityPubLabel, city.public_key))
            .ok());
    if (with_secret) {
      ASSERT_TRUE(WriteFileAtomic(paths.city_key(),
                                  store::EncodeSecretKey(store::kCityKeyLabel, city.secret_key), 0600)
                      .ok());
    }
  }

  std::unique_ptr<store::Node> Open(const std::string& id, int clock) {
    auto node = store::Node::Open(Dir(id), NodeRegistry(), {&clocks_[clock]});
    EXPECT_TRUE(node.ok()) << node.status().ToString();
    return node.ok() ? std::move(*node) : nullptr;
  }

  Result<json::value> Run(int node, store::CommandFn f) {
    return nodes_[node]->writer().Execute(std::move(f));
  }
  Date Today(int node) const { return Date::FromUnixMs(clocks_[node].NowMs()); }

  // Everything `from` holds that `to` lacks, in bundles as the sync routes send them.
  void Sync(int from, int to) {
    for (int round = 0; round < 100; ++round) {
      std::map<std::string, int64_t> have;
      sync::Bundle bundle;
      {
        auto to_db = nodes_[to]->Read();
        ASSERT_TRUE(to_db.ok());
        auto heads = sync::SealedHeads(**to_db);
        ASSERT_TRUE(heads.ok());
        for (const auto& [feed, head] : *heads) have[feed] = head.seq;
        auto from_db = nodes_[from]->Read();
        auto collected = sync::CollectMissing(**from_db, have, {});
        ASSERT_TRUE(collected.ok()) << collected.status().ToString();
        auto decoded = sync::DecodeBundle(sync::EncodeBundle(*collected));
        ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
        bundle = std::move(*decoded);
        if (bundle.events.empty()) return;
        auto city = store::ReadCityPublicKey(nodes_[to]->paths());
        ASSERT_TRUE(city.ok());
        Status verified = sync::VerifyBundle(**to_db, {"Testville", *city}, bundle);
        ASSERT_TRUE(verified.ok()) << verified.ToString();
      }
      auto stored = Run(to, [&](CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(sync::StoreReport r, sync::StoreBundle(ctx, bundle));
        return json::value(r.stored);
      });
      ASSERT_TRUE(stored.ok()) << stored.status().ToString();
      if (!bundle.more) return;
    }
    FAIL() << "sync did not finish";
  }
  // Central gathers both offices' work, then hands everything back.
  void SyncAll() {
    // The offices' clocks were apart only while they were cut off; now all three read the same time.
    int64_t now = std::max({clocks_[0].NowMs(), clocks_[1].NowMs(), clocks_[2].NowMs()}) + 1000;
    for (auto& c : clocks_) c.Set(now);
    Sync(1, 0);
    Sync(2, 0);
    Sync(0, 1);
    Sync(0, 2);
  }

  std::string Digest(int node) {
    auto db = nodes_[node]->Read();
    auto d = store::StateDigest(**db, NodeRegistry());
    EXPECT_TRUE(d.ok());
    return d.ok() ? Hex(*d) : "";
  }
  json::array Conflicts(int node, const std::string& status = "") {
    auto db = nodes_[node]->Read();
    auto list = ListConflicts(**db, {status, 1000});
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    return list.ok() ? *list : json::array{};
  }
  json::object License(int node, const std::string& number) {
    auto db = nodes_[node]->Read();
    auto l = GetLicense(**db, number, Today(node));
    EXPECT_TRUE(l.ok() && l->has_value());
    return l.ok() && *l ? **l : json::object{};
  }
  Result<LicenseCharge> Renew(int node, const std::string& number) {
    LicenseCharge out;
    auto r = Run(node, [&](CommandContext& ctx) -> Result<json::value> {
      HF_ASSIGN_OR_RETURN(out, RenewLicense(ctx, {number, 1, 0, false}, Today(node), "clerk"));
      return json::value(nullptr);
    });
    if (!r.ok()) return r.error();
    return out;
  }
  Status Void(int node, const std::string& number) {
    return Run(node,
               [&](CommandContext& ctx) -> Result<json::value> {
                 HF_ASSIGN_OR_RETURN(json::object l,
                                     VoidLicense(ctx, number, "issued in error", "sup", "clerk"));
                 return json::value(std::move(l));
               })
        .status();
  }
  // All three nodes agree, and each one's state is what folding its journal from scratch gives.
  void ExpectConverged() {
    std::string d = Digest(0);
    EXPECT_EQ(Digest(1), d);
    EXPECT_EQ(Digest(2), d);
    for (int i = 0; i < 3; ++i) {
      auto rebuilt = Run(i, [](CommandContext& ctx) -> Result<json::value> {
        HF_RETURN_IF_ERROR(store::RebuildState(ctx.db(), ctx.registry()));
        HF_ASSIGN_OR_RETURN(Hash h, store::StateDigest(ctx.db(), ctx.registry()));
        return json::value(Hex(h));
      });
      ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
      EXPECT_EQ(std::string(rebuilt->as_string()), d) << "node " << i << " rebuilt";
    }
  }

  testing::TempDir dir_;
  FakeClock clocks_[3];
  std::unique_ptr<store::Node> nodes_[3];
  std::string owner_;
};

TEST_F(ConflictsTest, OneLicenseRenewedAtTwoOfficesKeepsTheFirstAndQueuesTheSecondOnce) {
  // Both offices are cut off and renew the same license inside its renewal window.
  clocks_[1].Set(Ms(2027, 2, 10, 10));
  clocks_[2].Set(Ms(2027, 2, 10, 11));
  auto first = Renew(1, "L-central-1");
  auto second = Renew(2, "L-central-1");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  SyncAll();
  ExpectConverged();
  for (int i = 0; i < 3; ++i) {
    json::object lic = License(i, "L-central-1");
    EXPECT_EQ(StringOr(lic, "expires_on"), StringOr(first->license, "expires_on")) << "node " << i;
    EXPECT_EQ(IntOr(lic, "renewals"), 1);
    json::array conflicts = Conflicts(i);
    ASSERT_EQ(conflicts.size(), 1u) << json::serialize(conflicts);
    const json::object& c = conflicts[0].as_object();
    EXPECT_EQ(StringOr(c, "kind"), "license-renewed-twice");
    EXPECT_EQ(StringOr(c, "status"), "open");
    EXPECT_EQ(StringOr(ObjectOr(c, "detail"), "node"), "office-2");
    EXPECT_EQ(IntOr(ObjectOr(c, "detail"), "refund_due_cents"), second->fees[0].amount_cents);
  }
  // Syncing again changes nothing: the conflict is listed once.
  SyncAll();
  EXPECT_EQ(Conflicts(0).size(), 1u);
  EXPECT_EQ(Conflicts(1).size(), 1u);
}

TEST_F(ConflictsTest, VoidAndRenewalAtTwoOfficesAreDecidedByCanonicalOrderEitherWay) {
  // L-central-1: voided at office-1 first, renewed at office-2 later; L-central-2: renewed first, voided
  // later.
  clocks_[1].Set(Ms(2027, 2, 10, 9));
  clocks_[2].Set(Ms(2027, 2, 10, 10));
  ASSERT_TRUE(Void(1, "L-central-1").ok());
  ASSERT_TRUE(Renew(2, "L-central-1").ok());
  clocks_[2].Set(Ms(2027, 2, 10, 11));
  clocks_[1].Set(Ms(2027, 2, 10, 12));
  ASSERT_TRUE(Renew(2, "L-central-2").ok());
  ASSERT_TRUE(Void(1, "L-central-2").ok());
  SyncAll();
  ExpectConverged();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(StringOr(License(i, "L-central-1"), "status"), "voided");
    EXPECT_EQ(IntOr(License(i, "L-central-1"), "renewals"), 0);
    EXPECT_EQ(StringOr(License(i, "L-central-2"), "status"), "voided");
    std::set<std::string> kinds;
    for (const auto& c : Conflicts(i)) kinds.insert(std::string(StringOr(c.as_object(), "kind")));
    EXPECT_EQ(Conflicts(i).size(), 2u);
    EXPECT_TRUE(kinds.contains("license-changed-after-void"));
    EXPECT_TRUE(kinds.contains("license-voided-after-renewal"));
  }
}

TEST_F(ConflictsTest, ConcurrentPartyEditsKeepTheLatestValuePerFieldAndQueueOnlyOverlaps) {
  clocks_[1].Set(Ms(2026, 3, 2, 9));
  clocks_[2].Set(Ms(2026, 3, 2, 10));
  auto edit = [&](int node, PartyInput in) {
    return Run(node, [&](CommandContext& ctx) -> Result<json::value> {
      HF_ASSIGN_OR_RETURN(json::object p, UpdateParty(ctx, owner_, in, "clerk"));
      return json::value(std::move(p));
    });
  };
  ASSERT_TRUE(edit(1, {.name = "Olga Owner-Smith", .phone = "555-0101"}).ok());
  ASSERT_TRUE(edit(2, {.name = "Olga O. Owner", .email = "olga@example.org"}).ok());
  SyncAll();
  ExpectConverged();
  for (int i = 0; i < 3; ++i) {
    auto db = nodes_[i]->Read();
    auto p = GetParty(**db, owner_);
    ASSERT_TRUE(p.ok() && p->has_value());
    EXPECT_EQ(StringOr(**p, "name"), "Olga O. Owner");  // the later edit
    EXPECT_EQ(StringOr(**p, "phone"), "555-0101");      // fields only one office changed are both kept
    EXPECT_EQ(StringOr(**p, "email"), "olga@example.org");
    json::array conflicts = Conflicts(i);
    ASSERT_EQ(conflicts.size(), 1u) << json::serialize(conflicts);
    const json::object& fields = ObjectOr(ObjectOr(conflicts[0].as_object(), "detail"), "fields");
    ASSERT_EQ(fields.size(), 1u);
    EXPECT_EQ(StringOr(ObjectOr(fields, "name"), "replaced"), "Olga Owner-Smith");
  }
  // An edit made after seeing both is no conflict.
  clocks_[0].Set(Ms(2026, 3, 3));
  ASSERT_TRUE(edit(0, {.name = "Olga Owner"}).ok());
  SyncAll();
  EXPECT_EQ(Conflicts(1).size(), 1u);
}

TEST_F(ConflictsTest, ASupervisorResolvesAConflictOnceAndEveryNodeSeesIt) {
  clocks_[1].Set(Ms(2027, 2, 10, 10));
  clocks_[2].Set(Ms(2027, 2, 10, 11));
  ASSERT_TRUE(Renew(1, "L-central-1").ok());
  ASSERT_TRUE(Renew(2, "L-central-1").ok());
  SyncAll();
  std::string id(StringOr(Conflicts(0)[0].as_object(), "id"));
  clocks_[0].Set(Ms(2027, 2, 11));
  auto resolve = [&](int node) {
    return Run(node, [&](CommandContext& ctx) -> Result<json::value> {
      HF_ASSIGN_OR_RETURN(json::object c, ResolveConflict(ctx, id, "refunded",
                                                          "refunded receipt r-office-2-1", "supervisor"));
      return json::value(std::move(c));
    });
  };
  ASSERT_TRUE(resolve(0).ok());
  auto again = resolve(0);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().type, "already-resolved");
  SyncAll();
  ExpectConverged();
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(Conflicts(i, "open").empty());
    ASSERT_EQ(Conflicts(i, "resolved").size(), 1u);
    EXPECT_EQ(StringOr(ObjectOr(Conflicts(i, "resolved")[0].as_object(), "resolution"), "resolution"),
              "refunded");
  }
}

}  // namespace
}  // namespace holdfast::domain
