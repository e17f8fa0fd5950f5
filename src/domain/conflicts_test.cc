#include "domain/conflicts.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "domain/fees.h"
#include "domain/licenses.h"
#include "domain/parties.h"
#include "domain/pets.h"
#include "domain/registry.h"
#include "domain/tags.h"
#include "test_city.h"

namespace holdfast::domain {
namespace {

using store::CommandContext;

int64_t Ms(int y, int m, int d, int hour = 12) {
  return Date::FromCivil(y, m, d).days() * 86400000 + int64_t{hour} * 3600000;
}

// Central holds a fee schedule, an owner, two dogs and their licenses L-central-1 and L-central-2 (issued
// 2026-03-01 for a year); office-1 and office-2 hold everything central holds.
class ConflictsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        Run(0, [&](CommandContext& ctx) -> Result<json::value> {
          HF_RETURN_IF_ERROR(
              SetFeeSchedule(ctx, ExampleFeeSchedule(Date::FromCivil(2020, 1, 1)), "admin").status());
          PartyInput owner{.kind = "person", .name = "Olga Owner"};
          HF_ASSIGN_OR_RETURN(json::object o, CreateParty(ctx, owner, "clerk"));
          owner_ = std::string(StringOr(o, "id"));
          HF_RETURN_IF_ERROR(ReceiveTags(ctx, 1, 99, "clerk").status());
          int64_t tag = 1;
          for (const char* name : {"Rex", "Duke"}) {
            PetInput p;
            p.owner_party_id = owner_;
            p.species = "dog";
            p.name = name;
            p.altered = true;
            HF_ASSIGN_OR_RETURN(json::object pet, RegisterPet(ctx, p, "clerk"));
            std::string pet_id(StringOr(pet, "id"));
            HF_RETURN_IF_ERROR(RecordVaccination(ctx, pet_id,
                                                 {"RV-" + pet_id, "Dr. Vega", Date::FromCivil(2026, 1, 1),
                                                  Date::FromCivil(2029, 1, 1)},
                                                 "clerk")
                                   .status());
            HF_RETURN_IF_ERROR(
                IssueLicense(ctx, {pet_id, 1, tag++, false}, Date::FromUnixMs(ctx.clock().NowMs()), "clerk")
                    .status());
          }
          return json::value(nullptr);
        }).ok());
    ASSERT_TRUE(city_.Sync(0, 1).ok());
    ASSERT_TRUE(city_.Sync(0, 2).ok());
  }

  Result<json::value> Run(int node, store::CommandFn f) { return city_.Run(node, std::move(f)); }
  Date Today(int node) { return Date::FromUnixMs(city_.clock(node).NowMs()); }

  // Central gathers both offices' work and hands everything back, once the offices are in touch again.
  void SyncAll() {
    city_.AlignClocks();
    Status s = city_.SyncAll();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  // All three nodes agree, and each one's state is what folding its journal from scratch gives.
  void ExpectConverged() {
    std::string d = city_.Digest(0);
    for (int i = 1; i < 3; ++i) EXPECT_EQ(city_.Digest(i), d) << "node " << i;
    for (int i = 0; i < 3; ++i) EXPECT_EQ(city_.RebuiltDigest(i), d) << "node " << i << " rebuilt";
  }
  json::array Conflicts(int node, const std::string& status = "") {
    auto db = city_.node(node).Read();
    auto list = ListConflicts(**db, {status, 1000});
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    return list.ok() ? *list : json::array{};
  }
  json::object License(int node, const std::string& number) {
    auto db = city_.node(node).Read();
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
  testing::TestCity city_{2, Ms(2026, 3, 1)};
  std::string owner_;
};

TEST_F(ConflictsTest, OneLicenseRenewedAtTwoOfficesKeepsTheFirstAndQueuesTheSecondOnce) {
  // Both offices are cut off and renew the same license inside its renewal window.
  city_.clock(1).Set(Ms(2027, 2, 10, 10));
  city_.clock(2).Set(Ms(2027, 2, 10, 11));
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
    // It names the renewal that stood, though the one set aside sorts after it.
    EXPECT_EQ(StringOr(lic, "event_hash"), StringOr(first->license, "event_hash")) << "node " << i;
    EXPECT_NE(StringOr(lic, "event_hash"), StringOr(second->license, "event_hash")) << "node " << i;
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
  city_.clock(1).Set(Ms(2027, 2, 10, 9));
  city_.clock(2).Set(Ms(2027, 2, 10, 10));
  ASSERT_TRUE(Void(1, "L-central-1").ok());
  ASSERT_TRUE(Renew(2, "L-central-1").ok());
  city_.clock(2).Set(Ms(2027, 2, 10, 11));
  city_.clock(1).Set(Ms(2027, 2, 10, 12));
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
  city_.clock(1).Set(Ms(2026, 3, 2, 9));
  city_.clock(2).Set(Ms(2026, 3, 2, 10));
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
    auto db = city_.node(i).Read();
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
  city_.clock(0).Set(Ms(2026, 3, 3));
  ASSERT_TRUE(edit(0, {.name = "Olga Owner"}).ok());
  SyncAll();
  EXPECT_EQ(Conflicts(1).size(), 1u);
}

TEST_F(ConflictsTest, ASupervisorResolvesAConflictOnceAndEveryNodeSeesIt) {
  city_.clock(1).Set(Ms(2027, 2, 10, 10));
  city_.clock(2).Set(Ms(2027, 2, 10, 11));
  ASSERT_TRUE(Renew(1, "L-central-1").ok());
  ASSERT_TRUE(Renew(2, "L-central-1").ok());
  SyncAll();
  std::string id(StringOr(Conflicts(0)[0].as_object(), "id"));
  city_.clock(0).Set(Ms(2027, 2, 11));
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
