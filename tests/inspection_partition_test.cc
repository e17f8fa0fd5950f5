// Two offices cut off from each other each book the last place of an inspector's window. Neither can know
// of the other's booking; both answer their counter "scheduled". When they sync, every node decides the same
// way (DESIGN §5): the booking first in canonical order keeps the place, the other inspection reads
// needs_reschedule, and the slot's conflict is in every node's queue exactly once. A supervisor reschedules
// the loser on its own office and resolves the conflict; after another sync every node holds the same state.
// An inspector on an office with no link records a result; it reaches every node when the link returns.
#include <gtest/gtest.h>

#include "domain/calendar.h"
#include "domain/cashier.h"
#include "domain/conflicts.h"
#include "domain/inspections.h"
#include "domain/parties.h"
#include "domain/permit_types.h"
#include "domain/permits.h"
#include "test_city.h"

namespace holdfast::testing {
namespace {

// Monday 2026-03-02, 09:00 UTC (the calendar below keeps UTC).
constexpr int64_t kMonday9 = 1772442000000;
constexpr int64_t kDayMs = 86'400'000;

Result<json::value> SetUpCity(store::CommandContext& ctx, std::vector<std::string>* permits) {
  HF_ASSIGN_OR_RETURN(domain::PermitCatalog catalog,
                      domain::DefaultPermitCatalog(Date::FromCivil(2020, 1, 1)));
  HF_RETURN_IF_ERROR(domain::SetPermitCatalog(ctx, std::move(catalog), "admin").status());
  HF_ASSIGN_OR_RETURN(auto settings,
                      domain::ParseInspectionSettings(json::value(json::object{
                          {"areas", json::array{json::object{{"name", "all"}, {"zips", json::array{}}}}},
                          {"default_area", "all"},
                          {"inspectors", json::array{json::object{{"id", "insp-1"},
                                                                  {"name", "Ira Moss"},
                                                                  {"areas", json::array{"all"}},
                                                                  {"capacity_per_window", 1}}}}})));
  HF_RETURN_IF_ERROR(domain::SetInspectionSettings(ctx, settings, "admin").status());
  HF_ASSIGN_OR_RETURN(json::object drawer,
                      domain::OpenDrawer(ctx, {.float_cents = 0, .clerk = "clerk"}, "clerk"));
  const Date today = Date::FromUnixMs(ctx.clock().NowMs());
  for (const char* name : {"Avery Stone", "Blake Rivers"}) {
    HF_ASSIGN_OR_RETURN(json::object party,
                        domain::CreateParty(ctx, {.kind = "person", .name = name}, "clerk"));
    domain::PermitApplication a;
    a.type_code = "fence";
    a.work_class = "new";
    a.description = "Six-foot cedar privacy fence";
    a.line1 = std::string(name) + " Lane 1";
    a.city = "Testville";
    a.state = "IL";
    a.zip = "62701";
    a.parcel_pin = "14-22-301-011";
    a.applicant_party_id = std::string(StringOr(party, "id"));
    HF_ASSIGN_OR_RETURN(json::object permit, domain::ApplyForPermit(ctx, a, today, "tech"));
    std::string number(StringOr(permit, "number"));
    domain::PermitPayment pay{.number = number,
                              .drawer_id = std::string(StringOr(drawer, "id")),
                              .tenders = {{.kind = "cash", .amount_cents = IntOr(permit, "due_cents")}}};
    HF_RETURN_IF_ERROR(domain::PayPermit(ctx, pay, today, "clerk").status());
    HF_RETURN_IF_ERROR(domain::IssuePermit(ctx, number, today, "tech").status());
    permits->push_back(number);
  }
  return json::value(nullptr);
}

json::object Inspection(TestCity& city, int node, const std::string& id) {
  auto db = city.node(node).Read();
  EXPECT_TRUE(db.ok());
  auto i = domain::GetInspection(**db, id);
  EXPECT_TRUE(i.ok() && i->has_value()) << city.id(node) << " lacks " << id;
  return i.ok() && i->has_value() ? **i : json::object{};
}

json::array OpenConflicts(TestCity& city, int node) {
  auto db = city.node(node).Read();
  EXPECT_TRUE(db.ok());
  auto list = domain::ListConflicts(**db, {.status = "open"});
  EXPECT_TRUE(list.ok());
  return list.ok() ? *list : json::array{};
}

TEST(InspectionPartitionTest, TwoOfficesCutOffBookTheLastPlaceAndEveryNodeKeepsTheSameWinner) {
  TestCity city(2, kMonday9);
  std::vector<std::string> permits;
  ASSERT_TRUE(city.Run(0, [&](store::CommandContext& ctx) { return SetUpCity(ctx, &permits); }).ok());
  ASSERT_TRUE(city.SyncAll().ok());

  // Cut off from each other (no sync), each office books the one place of Tuesday AM. Office 1 books a
  // second earlier, so it comes first in canonical order.
  city.clock(1).Set(kMonday9 + 60'000);
  city.clock(2).Set(kMonday9 + 61'000);
  std::string ids[3];
  for (int office : {1, 2}) {
    domain::InspectionRequest req{
        .permit = permits[office - 1], .type = "fence_final", .window = domain::Window::kAm};
    auto booked = city.Run(office, [&](store::CommandContext& ctx) -> Result<json::value> {
      HF_ASSIGN_OR_RETURN(json::object i, domain::RequestInspection(ctx, req, "tech"));
      return json::value(std::move(i));
    });
    ASSERT_TRUE(booked.ok()) << booked.status().ToString();
    const json::object& i = booked->as_object();
    EXPECT_EQ(StringOr(i, "status"), "scheduled") << "office " << office << " sees only its own booking";
    EXPECT_EQ(StringOr(i, "day"), "2026-03-03");
    EXPECT_EQ(StringOr(i, "window"), "AM");
    ids[office] = std::string(StringOr(i, "id"));
  }

  city.AlignClocks();
  ASSERT_TRUE(city.SyncAll().ok());
  const std::string digest = city.Digest(0);
  for (int n = 0; n < city.size(); ++n) {
    EXPECT_EQ(city.Digest(n), digest) << city.id(n) << "\n" << city.DiffState(0, n);
    EXPECT_EQ(StringOr(Inspection(city, n, ids[1]), "status"), "scheduled") << city.id(n);
    EXPECT_EQ(StringOr(Inspection(city, n, ids[2]), "status"), "needs_reschedule") << city.id(n);
    json::array conflicts = OpenConflicts(city, n);
    ASSERT_EQ(conflicts.size(), 1u) << city.id(n) << ": " << json::serialize(conflicts);
    const json::object& c = conflicts[0].as_object();
    EXPECT_EQ(StringOr(c, "kind"), "slot-overbooked");
    EXPECT_EQ(StringOr(ObjectOr(c, "detail"), "inspection"), ids[2]) << json::serialize(c);
  }

  // The supervisor on office 2 moves the loser to the first free place and resolves the conflict.
  std::string conflict(StringOr(OpenConflicts(city, 2)[0].as_object(), "id"));
  auto moved = city.Run(2, [&](store::CommandContext& ctx) -> Result<json::value> {
    HF_ASSIGN_OR_RETURN(json::object i,
                        domain::RescheduleInspection(ctx, ids[2], std::nullopt, std::nullopt,
                                                     "lost the last place to another office", "supervisor"));
    HF_RETURN_IF_ERROR(
        domain::ResolveConflict(ctx, conflict, "corrected", "rebooked", "supervisor").status());
    return json::value(std::move(i));
  });
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(StringOr(moved->as_object(), "status"), "scheduled");
  EXPECT_EQ(StringOr(moved->as_object(), "day"), "2026-03-03");
  EXPECT_EQ(StringOr(moved->as_object(), "window"), "PM");

  // Tuesday: the inspector, on office 1 with no link, passes the winner's inspection, which finals its
  // permit.
  city.clock(1).Set(kMonday9 + kDayMs);
  auto passed = city.Run(1, [&](store::CommandContext& ctx) -> Result<json::value> {
    HF_ASSIGN_OR_RETURN(
        json::object i,
        domain::RecordInspectionResult(ctx, ids[1], {.result = "pass", .comments = "Posts set"}, "insp-1"));
    return json::value(std::move(i));
  });
  ASSERT_TRUE(passed.ok()) << passed.status().ToString();
  EXPECT_EQ(StringOr(passed->as_object(), "permit_status"), "finaled");

  city.AlignClocks();
  ASSERT_TRUE(city.SyncAll().ok());
  const std::string after = city.Digest(0);
  for (int n = 0; n < city.size(); ++n) {
    EXPECT_EQ(city.Digest(n), after) << city.id(n) << "\n" << city.DiffState(0, n);
    EXPECT_TRUE(OpenConflicts(city, n).empty()) << city.id(n);
    EXPECT_EQ(StringOr(Inspection(city, n, ids[2]), "window"), "PM") << city.id(n);
    EXPECT_EQ(StringOr(Inspection(city, n, ids[1]), "result"), "pass") << city.id(n);
    auto db = city.node(n).Read();
    ASSERT_TRUE(db.ok());
    auto permit = domain::GetPermit(**db, permits[0]);
    ASSERT_TRUE(permit.ok() && permit->has_value());
    EXPECT_EQ(StringOr(**permit, "status"), "finaled") << city.id(n);
  }
}

}  // namespace
}  // namespace holdfast::testing
