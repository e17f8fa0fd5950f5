#include "domain/licenses.h"

#include <gtest/gtest.h>

#include "domain/fees.h"
#include "domain/incidents.h"
#include "domain/parties.h"
#include "domain/pets.h"
#include "domain/registry.h"
#include "domain/tags.h"
#include "store/journal.h"
#include "store/node.h"
#include "test_support.h"

namespace holdfast::domain {
namespace {

using store::CommandContext;

// A node with a fee schedule, tags 100–199 received, one owner and two dogs: Rex (altered, rabies to
// 2028-06-01) and Duke (unaltered, rabies to 2027-03-01). The clock starts on 2026-03-01.
class LicensesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KeyPair key = GenerateSigningKey();
    ASSERT_TRUE(store::Node::Create(dir_.path(), "Testville", "n1", NodeRegistry(), key).ok());
    clock_.Set(Ms(2026, 3, 1));
    auto node = store::Node::Open(dir_.path(), NodeRegistry(), {&clock_});
    ASSERT_TRUE(node.ok()) << node.status().ToString();
    node_ = std::move(*node);
    auto r = Run([&](CommandContext& ctx) -> Result<json::value> {
      HF_RETURN_IF_ERROR(SetFeeSchedule(ctx, ExampleFeeSchedule(Date::FromCivil(2020, 1, 1)), "t").status());
      HF_RETURN_IF_ERROR(ReceiveTags(ctx, 100, 199, "t").status());
      PartyInput owner;
      owner.kind = "person";
      owner.name = "Olga Owner";
      HF_ASSIGN_OR_RETURN(json::object o, CreateParty(ctx, owner, "t"));
      owner_ = std::string(StringOr(o, "id"));
      owner.name = "Nina Newowner";
      HF_ASSIGN_OR_RETURN(json::object n, CreateParty(ctx, owner, "t"));
      new_owner_ = std::string(StringOr(n, "id"));
      HF_ASSIGN_OR_RETURN(rex_, AddDog(ctx, "Rex", true, "2028-06-01"));
      HF_ASSIGN_OR_RETURN(duke_, AddDog(ctx, "Duke", false, "2027-03-01"));
      return json::value(nullptr);
    });
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  static int64_t Ms(int y, int m, int d) { return Date::FromCivil(y, m, d).days() * 86400000 + 43200000; }
  Date Today() const { return Date::FromUnixMs(clock_.NowMs()); }

  Result<std::string> AddDog(CommandContext& ctx, const char* name, bool altered,
                             const char* rabies_expires) {
    PetInput p;
    p.owner_party_id = owner_;
    p.species = "dog";
    p.name = name;
    p.altered = altered;
    HF_ASSIGN_OR_RETURN(json::object pet, RegisterPet(ctx, p, "t"));
    std::string id(StringOr(pet, "id"));
    HF_ASSIGN_OR_RETURN(Date expires, Date::Parse(rabies_expires));
    HF_RETURN_IF_ERROR(
        RecordVaccination(ctx, id, {"RV-" + id, "Dr. Vega", expires.AddYears(-3), expires}, "t").status());
    return id;
  }

  Result<json::value> Run(store::CommandFn f) { return node_->writer().Execute(std::move(f)); }

  Result<LicenseCharge> Issue(const std::string& pet, int term, int64_t tag) {
    LicenseCharge out;
    auto r = Run([&](CommandContext& ctx) -> Result<json::value> {
      HF_ASSIGN_OR_RETURN(out, IssueLicense(ctx, {pet, term, tag, false}, Today(), "clerk"));
      return json::value(nullptr);
    });
    if (!r.ok()) return r.error();
    return out;
  }
  Result<LicenseCharge> Renew(const std::string& number, int term, int64_t tag = 0, bool senior = false) {
    LicenseCharge out;
    auto r = Run([&](CommandContext& ctx) -> Result<json::value> {
      HF_ASSIGN_OR_RETURN(out, RenewLicense(ctx, {number, term, tag, senior}, Today(), "clerk"));
      return json::value(nullptr);
    });
    if (!r.ok()) return r.error();
    return out;
  }

  static Cents Total(const std::vector<FeeLine>& fees) {
    Cents t = 0;
    for (const auto& f : fees) t += f.amount_cents;
    return t;
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<store::Node> node_;
  std::string owner_, new_owner_, rex_, duke_;
};

TEST_F(LicensesTest, IssueChargesTheScheduleAndUsesTheTagOnce) {
  auto rex = Issue(rex_, 1, 101);
  ASSERT_TRUE(rex.ok()) << rex.status().ToString();
  EXPECT_EQ(StringOr(rex->license, "number"), "L-n1-1");
  EXPECT_EQ(StringOr(rex->license, "expires_on"), "2027-03-01");
  EXPECT_EQ(StringOr(rex->license, "state"), "active");
  ASSERT_EQ(rex->fees.size(), 1u);
  EXPECT_EQ(rex->fees[0].code, "DOG-ALT-1");
  EXPECT_EQ(rex->fees[0].ref, "L-n1-1");
  EXPECT_EQ(Total(rex->fees), 1500);

  auto used = Issue(duke_, 1, 101);
  ASSERT_FALSE(used.ok());
  EXPECT_EQ(used.error().type, "tag-used");
  EXPECT_NE(used.error().detail.find("L-n1-1"), std::string::npos) << used.error().detail;
  auto outside = Issue(duke_, 1, 555);
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().type, "tag-outside-ranges");
  EXPECT_NE(outside.error().detail.find("100–199"), std::string::npos) << outside.error().detail;
  auto again = Issue(rex_, 1, 102);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().type, "already-licensed");
  // Refused commands left nothing behind: tag 102 is still free.
  ASSERT_TRUE(Issue(duke_, 1, 102).ok());
}

TEST_F(LicensesTest, TermsNeverRunPastTheRabiesVaccination) {
  // Duke's vaccination runs to 2027-03-01: a 3-year term is refused, a 1-year term ends with it.
  auto three = Issue(duke_, 3, 110);
  ASSERT_FALSE(three.ok());
  EXPECT_EQ(three.error().type, "rabies-too-short");
  EXPECT_EQ(three.error().field, "term_years");
  clock_.Set(Ms(2026, 6, 1));
  auto one = Issue(duke_, 1, 110);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(StringOr(one->license, "expires_on"), "2027-03-01");
  // A renewal that would start when the vaccination ends adds no time: refused until a new vaccination.
  clock_.Set(Ms(2027, 2, 1));
  auto no_time = Renew(StringOr(one->license, "number").data(), 1);
  ASSERT_FALSE(no_time.ok());
  EXPECT_EQ(no_time.error().type, "rabies-expired");
  // After the vaccination lapses nothing is issued or renewed.
  clock_.Set(Ms(2027, 3, 2));
  auto lapsed = Renew(StringOr(one->license, "number").data(), 1);
  ASSERT_FALSE(lapsed.ok());
  EXPECT_EQ(lapsed.error().type, "rabies-expired");
  EXPECT_NE(lapsed.error().detail.find("expired on 2027-03-01"), std::string::npos);
}

// Rex's license expires 2027-03-01, inside an incident from 2027-02-20 to 2027-03-10 with 30 days of grace
// (through 2027-04-09). Renewed on 2027-04-05 it is not late when the incident affects licenses, and is when
// it affects only the utilities.
TEST_F(LicensesTest, RenewalsOpenBeforeExpiryOnceAndAreLateAfterIt) {
  auto rex = Issue(rex_, 1, 101);
  ASSERT_TRUE(rex.ok());
  std::string number(StringOr(rex->license, "number"));
  auto early = Renew(number, 1);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().type, "renewal-too-early");
  EXPECT_NE(early.error().detail.find("renewals open on 2026-12-31"), std::string::npos)
      << early.error().detail;

  clock_.Set(Ms(2027, 2, 1));  // inside the 60-day window
  auto renewed = Renew(number, 1, 0, /*senior=*/true);
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  EXPECT_EQ(StringOr(renewed->license, "starts_on"), "2027-03-01");
  EXPECT_EQ(StringOr(renewed->license, "expires_on"), "2028-03-01");
  EXPECT_EQ(Total(renewed->fees), 750);  // half price for a senior owner
  auto twice = Renew(number, 1);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().type, "renewal-too-early");

  clock_.Set(Ms(2028, 4, 15));  // after expiry: late fee, the term starts today
  auto late = Renew(number, 1, 150);
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_EQ(Total(late->fees), 1500 + 1000);
  EXPECT_EQ(StringOr(late->license, "starts_on"), "2028-04-15");
  EXPECT_EQ(StringOr(late->license, "expires_on"), "2028-06-01");  // cut at Rex's vaccination
  EXPECT_EQ(IntOr(late->license, "tag"), 150);
  // The new tag is recorded as used; the renewals that kept their tag left it as it was.
  auto db = node_->Read();
  auto tag = GetTag(**db, 150);
  ASSERT_TRUE(tag.ok() && *tag);
  EXPECT_EQ(StringOr(**tag, "license"), number);
  EXPECT_EQ(StringOr(**tag, "status"), "issued");
  EXPECT_FALSE(CheckTagAvailable(**db, "n1", 150).ok());
}

TEST_F(LicensesTest, ReplacedTagsAndTransfersAreRecordedAndRebuildAgrees) {
  auto rex = Issue(rex_, 1, 101);
  ASSERT_TRUE(rex.ok());
  std::string number(StringOr(rex->license, "number"));
  LicenseCharge replaced, moved;
  ASSERT_TRUE(Run([&](CommandContext& ctx) -> Result<json::value> {
                HF_ASSIGN_OR_RETURN(replaced, ReplaceTag(ctx, {number, 120, "lost"}, Today(), "clerk"));
                HF_ASSIGN_OR_RETURN(moved, TransferLicense(ctx, {number, new_owner_}, Today(), "clerk"));
                return json::value(nullptr);
              }).ok());
  EXPECT_EQ(replaced.fees[0].code, "TAG-REPL");
  EXPECT_EQ(moved.fees[0].code, "TRANSFER");
  EXPECT_EQ(StringOr(moved.license, "owner_party_id"), new_owner_);
  {
    auto db = node_->Read();  // released before the node closes below
    auto lost = GetTag(**db, 101);
    ASSERT_TRUE(lost.ok() && *lost);
    EXPECT_EQ(StringOr(**lost, "status"), "lost");
    auto pet = GetPet(**db, rex_);
    EXPECT_EQ(StringOr(**pet, "owner_party_id"), new_owner_);
  }
  // The old tag cannot come back.
  auto reuse = Issue(duke_, 1, 101);
  ASSERT_FALSE(reuse.ok());
  EXPECT_EQ(reuse.error().type, "tag-used");

  ASSERT_TRUE(Run([&](CommandContext& ctx) -> Result<json::value> {
                HF_ASSIGN_OR_RETURN(json::object v,
                                    VoidLicense(ctx, number, "issued in error", "sup", "clerk"));
                return json::value(std::move(v));
              }).ok());
  auto voided = Renew(number, 1);
  ASSERT_FALSE(voided.ok());
  EXPECT_EQ(voided.error().type, "license-voided");

  // Folding the journal again gives the same state.
  Hash before;
  {
    auto rdb = node_->Read();
    auto d = store::StateDigest(**rdb, NodeRegistry());
    ASSERT_TRUE(d.ok());
    before = *d;
  }
  node_.reset();
  auto wdb = store::Db::Open(dir_.path() + "/node.db", store::OpenMode::kReadWrite);
  ASSERT_TRUE(wdb.ok());
  ASSERT_TRUE(store::RebuildState(**wdb, NodeRegistry(), nullptr).ok());
  auto after = store::StateDigest(**wdb, NodeRegistry());
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(Hex(before), Hex(*after));
}

// Commands answer with the license as they expect the fold to leave it; a client must see exactly what a
// later read shows. Compared key by key in order, for every kind of license event.
TEST_F(LicensesTest, EveryCommandAnswersTheLicenseAsStored) {
  auto stored = [&](const json::object& answer) {
    auto db = node_->Read();
    auto lic = GetLicense(**db, StringOr(answer, "number"), Today());
    EXPECT_TRUE(lic.ok() && lic->has_value());
    return lic.ok() && *lic ? json::serialize(**lic) : std::string();
  };
  auto rex = Issue(rex_, 1, 101);
  ASSERT_TRUE(rex.ok()) << rex.status().ToString();
  EXPECT_EQ(json::serialize(rex->license), stored(rex->license));
  std::string number(StringOr(rex->license, "number"));

  clock_.Set(Ms(2027, 2, 20));  // inside the renewal window
  auto renewed = Renew(number, 1, 150);
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  EXPECT_EQ(IntOr(renewed->license, "renewals"), 1);
  EXPECT_EQ(json::serialize(renewed->license), stored(renewed->license));

  clock_.Set(Ms(2028, 3, 5));  // past expiry: a late renewal of an expired license
  auto late = Renew(number, 1);
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_EQ(json::serialize(late->license), stored(late->license));

  LicenseCharge replaced, moved;
  json::object voided;
  ASSERT_TRUE(Run([&](CommandContext& ctx) -> Result<json::value> {
                HF_ASSIGN_OR_RETURN(replaced, ReplaceTag(ctx, {number, 120, "damaged"}, Today(), "clerk"));
                return json::value(nullptr);
              }).ok());
  EXPECT_EQ(json::serialize(replaced.license), stored(replaced.license));
  ASSERT_TRUE(Run([&](CommandContext& ctx) -> Result<json::value> {
                HF_ASSIGN_OR_RETURN(moved, TransferLicense(ctx, {number, new_owner_}, Today(), "clerk"));
                return json::value(nullptr);
              }).ok());
  EXPECT_EQ(json::serialize(moved.license), stored(moved.license));
  ASSERT_TRUE(Run([&](CommandContext& ctx) -> Result<json::value> {
                HF_ASSIGN_OR_RETURN(voided, VoidLicense(ctx, number, "issued in error", "sup", "clerk"));
                return json::value(nullptr);
              }).ok());
  EXPECT_EQ(StringOr(voided, "state"), "voided");
  EXPECT_EQ(json::serialize(voided), stored(voided));
}

class IncidentLicensesTest : public LicensesTest, public ::testing::WithParamInterface<const char*> {};

// Rex's license expires 2027-03-01, inside an incident from 2027-02-20 to 2027-03-10 with 30 days of grace
// (through 2027-04-09). Renewed on 2027-04-05 it takes no late fee and its new term starts at the old expiry
// when the incident affects licenses; an incident of the utilities alone changes nothing.
TEST_P(IncidentLicensesTest, AnExpiryInsideAnIncidentTakesNoLateFeeUntilItsGraceEnds) {
  const std::string service = GetParam();
  auto rex = Issue(rex_, 1, 101);
  ASSERT_TRUE(rex.ok());
  std::string number(StringOr(rex->license, "number"));
  ASSERT_EQ(StringOr(rex->license, "expires_on"), "2027-03-01");
  clock_.Set(Ms(2027, 2, 20));
  auto incident = Run([&](CommandContext& ctx) -> Result<json::value> {
    HF_ASSIGN_OR_RETURN(
        json::object i,
        DeclareIncident(ctx, {.services = {service}, .notice = "systems down"}, Today(), "supervisor"));
    return json::value(std::move(i));
  });
  ASSERT_TRUE(incident.ok()) << incident.status().ToString();
  clock_.Set(Ms(2027, 3, 10));
  auto ended = Run([&](CommandContext& ctx) -> Result<json::value> {
    HF_ASSIGN_OR_RETURN(json::object i, EndIncident(ctx, std::string(StringOr(incident->as_object(), "id")),
                                                    std::nullopt, Today(), "supervisor"));
    return json::value(std::move(i));
  });
  ASSERT_TRUE(ended.ok()) << ended.status().ToString();
  clock_.Set(Ms(2027, 4, 5));
  auto renewed = Renew(number, 1);
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  if (service == "licenses") {
    EXPECT_EQ(Total(renewed->fees), 1500);
    EXPECT_EQ(StringOr(renewed->license, "starts_on"), "2027-03-01");
  } else {
    EXPECT_EQ(Total(renewed->fees), 1500 + 1000);
    EXPECT_EQ(StringOr(renewed->license, "starts_on"), "2027-04-05");
  }
}

INSTANTIATE_TEST_SUITE_P(Services, IncidentLicensesTest, ::testing::Values("licenses", "utilities"));

}  // namespace
}  // namespace holdfast::domain
