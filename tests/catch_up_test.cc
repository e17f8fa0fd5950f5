// An office node that missed many events catches up with one `holdfast sync`: the pull takes several bundles
// (each fetched while the one before is verified and stored) and the office ends with the central node's
// state.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "api_fixture.h"
#include "domain/parties.h"
#include "process.h"
#include "store/journal.h"
#include "sync/bundle.h"
#include "sync/enroll.h"

namespace holdfast::testing {
namespace {

class CatchUpTest : public ApiTest {
 protected:
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  // Enrolls an office node from a one-time invitation, as an administrator would; the office stays stopped.
  void Join(const std::string& data, const std::string& id) {
    auto token = sync::CreateInvitation(store::DataPaths(dir_.path()), id, "office", 3600000, clock_.NowMs());
    ASSERT_TRUE(token.ok()) << token.status().ToString();
    RunResult join = RunHoldfast({"join", "--data", data, "--central", Url(), "--token", *token});
    ASSERT_EQ(join.exit_code, 0) << join.Describe();
  }

  // Registers `count` parties at the central node, `per_batch` to a writer batch; about 600 bytes each.
  void RegisterParties(int count, int per_batch) {
    for (int done = 0; done < count; done += per_batch) {
      auto r = node_->writer().Execute([&](store::CommandContext& ctx) -> Result<json::value> {
        for (int i = done; i < done + per_batch && i < count; ++i) {
          auto input = domain::ParsePartyInput(
              json::value(
                  json::object{{"kind", "person"},
                               {"name", fmt::format("Catch-up Person {} {}", i, std::string(160, 'n'))},
                               {"email", fmt::format("person{}@example.org", i)},
                               {"address", json::object{{"line1", std::string(90, 'l')},
                                                        {"line2", std::string(90, 'm')},
                                                        {"city", "Springfield"},
                                                        {"state", "IL"},
                                                        {"postal_code", "62701"}}}}),
              true);
          if (!input.ok()) return input.error();
          HF_RETURN_IF_ERROR(domain::CreateParty(ctx, *input, "u-central-1").status());
        }
        return json::value(nullptr);
      });
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  }

  std::string CentralDigest() {
    auto db = node_->Read();
    EXPECT_TRUE(db.ok());
    auto digest = store::StateDigest(**db, domain::NodeRegistry());
    EXPECT_TRUE(digest.ok());
    return digest.ok() ? Hex(*digest) : "";
  }

  static std::string Digest(const std::string& data) {
    RunResult r = RunHoldfast({"digest", "--data", data});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return r.out.substr(0, r.out.find('\n'));
  }

  // The number after `prefix` in `text`, or -1.
  static int64_t NumberAfter(const std::string& text, const std::string& prefix) {
    auto at = text.find(prefix);
    if (at == std::string::npos) return -1;
    return std::stoll(text.substr(at + prefix.size()));
  }
};

TEST_F(CatchUpTest, AnOfficeThatMissedSeveralBundlesOfEventsCatchesUpInOneSync) {
  TempDir office;
  const std::string data = office.Sub("office");
  ASSERT_NO_FATAL_FAILURE(Join(data, "office-1"));
  const int kParties = 6000;  // about 4 MB: four bundles or more
  ASSERT_NO_FATAL_FAILURE(RegisterParties(kParties, 97));

  RunResult sync = RunHoldfast({"sync", "--data", data, "--peer", Url()});
  ASSERT_EQ(sync.exit_code, 0) << sync.Describe();
  EXPECT_EQ(NumberAfter(sync.out, "received "), kParties) << sync.out;
  EXPECT_GE(NumberAfter(sync.out, "pull: "), 4) << sync.out;  // bundles
  EXPECT_NE(sync.out.find("waiting for the peer"), std::string::npos) << sync.out;
  EXPECT_EQ(Digest(data), CentralDigest());

  RunResult again = RunHoldfast({"sync", "--data", data, "--peer", Url()});
  ASSERT_EQ(again.exit_code, 0) << again.Describe();
  EXPECT_EQ(NumberAfter(again.out, "received "), 0) << again.out;

  RunResult verify = RunHoldfast({"verify", "--data", data, "--quiet"});
  EXPECT_EQ(verify.exit_code, 0) << verify.Describe();
}

TEST_F(CatchUpTest, TwoOfficesCatchUpInTurnAndAgree) {
  TempDir offices;
  ASSERT_NO_FATAL_FAILURE(Join(offices.Sub("a"), "office-a"));
  ASSERT_NO_FATAL_FAILURE(Join(offices.Sub("b"), "office-b"));
  ASSERT_NO_FATAL_FAILURE(RegisterParties(3000, 256));  // batches of exactly one seal interval

  for (const std::string& data : {offices.Sub("a"), offices.Sub("b")}) {
    RunResult sync = RunHoldfast({"sync", "--data", data, "--peer", Url()});
    ASSERT_EQ(sync.exit_code, 0) << sync.Describe();
    EXPECT_GE(NumberAfter(sync.out, "received "), 3000) << sync.out;
  }
  const std::string central = CentralDigest();
  EXPECT_EQ(Digest(offices.Sub("a")), central);
  EXPECT_EQ(Digest(offices.Sub("b")), central);
}

}  // namespace
}  // namespace holdfast::testing
