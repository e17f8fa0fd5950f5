// Revoking a node (a stolen laptop, a compromised office): once a node learns of the revocation it takes no
// more of the revoked feed than the revocation names and refuses the revoked node's requests; what the feed
// held before the revocation stays part of the record.
#include <gtest/gtest.h>

#include "domain/city.h"
#include "domain/parties.h"
#include "sync/peer_auth.h"
#include "test_city.h"

namespace holdfast::testing {
namespace {

using store::CommandContext;

Result<json::value> Revoke(TestCity& city, const std::string& node,
                           const std::string& reason = "laptop stolen") {
  return city.Run(0, [&](CommandContext& ctx) -> Result<json::value> {
    HF_ASSIGN_OR_RETURN(json::object d, domain::RevokeNode(ctx, node, reason, "admin"));
    return json::value(std::move(d));
  });
}

TEST(RevocationTest, ARevokedFeedStopsWhereTheRevocationSaysAndItsRequestsAreRefused) {
  TestCity city(2, 1772366400000);
  ASSERT_TRUE(city.Sync(0, 1).ok());
  ASSERT_TRUE(city.Sync(0, 2).ok());
  AddParties(city.node(2), 1, "Made Before");
  ASSERT_TRUE(city.Sync(2, 0).ok());

  auto revoked = Revoke(city, "office-2");
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  const int64_t up_to = revoked->at("up_to_seq").as_int64();
  EXPECT_GT(up_to, 0);
  EXPECT_EQ(Revoke(city, "office-2").status().error().type, "already-revoked");
  EXPECT_EQ(Revoke(city, "central").status().error().code, Code::kInvalid);  // not itself
  EXPECT_EQ(Revoke(city, "office-9").status().error().code, Code::kNotFound);

  // The revoked office keeps writing; nobody who knows of the revocation takes it.
  AddParties(city.node(2), 1, "Made After");
  Status refused = city.Sync(2, 0);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().type, "revoked-feed") << refused.ToString();
  ASSERT_TRUE(city.Sync(0, 1).ok());  // office-1 learns of it from central
  refused = city.Sync(2, 1);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().type, "revoked-feed");
  // What the feed held before the revocation is still on every node that had it.
  EXPECT_EQ(city.Digest(1), city.Digest(0));

  // Its signed requests are refused too.
  auto db = city.node(0).Read();
  ASSERT_TRUE(db.ok());
  const int64_t now = city.clock(0).NowMs();
  auto headers = sync::SignRequest(city.node(2).secret_key(), TestCity::kName, "office-2", "GET",
                                   "/api/v1/sync/heads", now, "");
  auto who = sync::CheckRequest(**db, TestCity::kName, headers[0].second, headers[1].second,
                                headers[2].second, "GET", "/api/v1/sync/heads", "", now);
  ASSERT_FALSE(who.ok());
  EXPECT_EQ(who.error().code, Code::kUnauthorized);
  EXPECT_NE(who.error().detail.find("revoked"), std::string::npos) << who.error().detail;
  // office-1, never revoked, still gets in.
  headers = sync::SignRequest(city.node(1).secret_key(), TestCity::kName, "office-1", "GET",
                              "/api/v1/sync/heads", now, "");
  EXPECT_TRUE(sync::CheckRequest(**db, TestCity::kName, headers[0].second, headers[1].second,
                                 headers[2].second, "GET", "/api/v1/sync/heads", "", now)
                  .ok());
}

}  // namespace
}  // namespace holdfast::testing
