// holdfast node invite, join and sync, run as an operator runs them against a served central node.
#include <gtest/gtest.h>

#include <sstream>

#include "base/files.h"
#include "base/json.h"
#include "http/client.h"
#include "process.h"
#include "test_support.h"

namespace holdfast::testing {
namespace {

TEST(SyncCli, NodeVerbsHaveHelp) {
  struct Verb {
    std::vector<std::string> args;
    std::string option;
  };
  for (const Verb& v : std::vector<Verb>{{{"node", "invite", "--help"}, "--node"},
                                         {{"join", "--help"}, "--token"},
                                         {{"sync", "--help"}, "--peer"}}) {
    RunResult r = RunHoldfast(v.args);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_NE(r.out.find("--data"), std::string::npos) << r.Describe();
    EXPECT_NE(r.out.find(v.option), std::string::npos) << r.Describe();
  }
}

TEST(SyncCli, SyncSaysWhatIsMissing) {
  TempDir tmp;
  RunResult no_node = RunHoldfast({"sync", "--data", tmp.Sub("nothing")});
  EXPECT_EQ(no_node.exit_code, 2) << no_node.Describe();
  EXPECT_NE(no_node.err.find("no node in"), std::string::npos) << no_node.Describe();

  const std::string dir = tmp.Sub("central");
  ASSERT_EQ(RunHoldfast({"init", "--data", dir, "--city", "Springfield", "--node", "central"}).exit_code, 0);
  RunResult no_peer = RunHoldfast({"sync", "--data", dir});
  EXPECT_EQ(no_peer.exit_code, 2) << no_peer.Describe();
  EXPECT_NE(no_peer.err.find("use --peer URL"), std::string::npos) << no_peer.Describe();
}

TEST(SyncCli, InviteJoinAndSyncAgainstAServedCentral) {
  TempDir tmp;
  const std::string central = tmp.Sub("central"), office = tmp.Sub("office-1");
  RunResult init = RunHoldfast({"init", "--data", central, "--city", "Springfield", "--node", "central"});
  ASSERT_EQ(init.exit_code, 0) << init.Describe();
  const std::string one_time = LineAfter(init.out, "password: ");

  RunResult invite = RunHoldfast({"node", "invite", "--data", central, "--node", "office-1"});
  ASSERT_EQ(invite.exit_code, 0) << invite.Describe();
  const std::string token = "hfi-" + LineAfter(invite.out, "  hfi-");
  ASSERT_EQ(token.size(), 52u) << invite.Describe();

  ServeProcess server(central, tmp.Sub("central.log"));
  ASSERT_TRUE(server.ready()) << server.error();
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port());

  RunResult join = RunHoldfast({"join", "--data", office, "--central", url, "--token", token});
  ASSERT_EQ(join.exit_code, 0) << join.Describe() << server.Log();
  EXPECT_NE(join.out.find("Joined Springfield as node office-1"), std::string::npos) << join.Describe();
  auto peers = ReadFile(office + "/peers");
  ASSERT_TRUE(peers.ok());
  EXPECT_NE(peers->find(url + "\n"), std::string::npos) << *peers;

  // The token is used up.
  RunResult again = RunHoldfast({"join", "--data", tmp.Sub("office-2"), "--central", url, "--token", token});
  EXPECT_NE(again.exit_code, 0) << again.Describe();
  EXPECT_NE(again.err.find("not valid"), std::string::npos) << again.Describe();
  EXPECT_FALSE(FileExists(tmp.Sub("office-2") + "/node.db"));

  // Something new at central: the administrator's first sign-in, new password, and a party.
  {
    std::string session = SignInAdmin(server.port(), one_time, "admin-password-2026");
    ASSERT_FALSE(session.empty());
    http::Client client("127.0.0.1", server.port());
    client.SetHeader("Authorization", "Bearer " + session);
    auto party = client.Post("/api/v1/parties", R"({"kind":"person","name":"Written At Central"})");
    ASSERT_TRUE(party.ok() && party->status == 201) << Describe(party);
  }

  RunResult sync = RunHoldfast({"sync", "--data", office, "--peer", url});
  ASSERT_EQ(sync.exit_code, 0) << sync.Describe();
  EXPECT_NE(sync.out.find(url + " (central): received "), std::string::npos) << sync.Describe();
  EXPECT_EQ(sync.out.find("received 0 events"), std::string::npos) << sync.Describe();
  // With no --peer, the peers file is used; nothing is left to move.
  RunResult quiet = RunHoldfast({"sync", "--data", office});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.Describe();
  EXPECT_NE(quiet.out.find("received 0 events, sent 0"), std::string::npos) << quiet.Describe();

  std::string why;
  ASSERT_TRUE(server.Stop(&why)) << why;
  // A peer that does not answer is a failure, reported per peer.
  RunResult down = RunHoldfast({"sync", "--data", office, "--peer", url});
  EXPECT_EQ(down.exit_code, 1) << down.Describe();
  EXPECT_NE(down.out.find(url + ": failed"), std::string::npos) << down.Describe();

  for (const std::string& dir : {central, office}) {
    RunResult verify = RunHoldfast({"verify", "--data", dir});
    EXPECT_EQ(verify.exit_code, 0) << verify.Describe();
  }
  RunResult central_digest = RunHoldfast({"digest", "--data", central});
  RunResult office_digest = RunHoldfast({"digest", "--data", office});
  ASSERT_EQ(central_digest.exit_code, 0) << central_digest.Describe();
  ASSERT_EQ(office_digest.exit_code, 0) << office_digest.Describe();
  EXPECT_EQ(central_digest.out, office_digest.out);
  EXPECT_EQ(central_digest.out.size(), 65u);
}

}  // namespace
}  // namespace holdfast::testing
