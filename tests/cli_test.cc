// The holdfast command line: help on every verb, exit codes, and the user verbs on a stopped node.
#include <gtest/gtest.h>

#include "base/files.h"
#include "domain/city_date.h"
#include "domain/registry.h"
#include "process.h"
#include "test_support.h"

namespace holdfast::testing {
namespace {

TEST(Cli, EveryVerbHasHelp) {
  for (std::vector<std::string> verb : std::vector<std::vector<std::string>>{{"init"},
                                                                             {"serve"},
                                                                             {"demo"},
                                                                             {"verify"},
                                                                             {"rebuild"},
                                                                             {"digest"},
                                                                             {"user", "add"},
                                                                             {"user", "list"},
                                                                             {"user", "passwd"},
                                                                             {"user", "reset-totp"},
                                                                             {"fees", "show"},
                                                                             {"fees", "load"},
                                                                             {"permit-types", "show"},
                                                                             {"permit-types", "load"},
                                                                             {"permits", "expire"},
                                                                             {"backup"},
                                                                             {"restore"},
                                                                             {"vault", "recovery-sheet"},
                                                                             {"vault", "keygen"},
                                                                             {"export", "blds"},
                                                                             {"import", "bills"},
                                                                             {"import", "lockbox"},
                                                                             {"incident", "declare"},
                                                                             {"incident", "end"},
                                                                             {"incident", "status"}}) {
    verb.push_back("--help");
    RunResult r = RunHoldfast(verb);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_NE(r.out.find("--data"), std::string::npos) << r.Describe();
  }
  for (std::string verb : {"serve", "credential"}) {  // on the vault's machine: its directory, not a node's
    RunResult r = RunHoldfast({"vault", verb, "--help"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_NE(r.out.find("--dir"), std::string::npos) << r.Describe();
  }
  RunResult top = RunHoldfast({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("Exit codes"), std::string::npos);
}

TEST(Cli, IncidentsAreDeclaredAndEndedAndABadBillsFileIsRefusedNamingItsLine) {
  TempDir tmp;
  const std::string data = tmp.Sub("n");
  ASSERT_EQ(RunHoldfast({"init", "--data", data, "--city", "Springfield", "--node", "central"}).exit_code, 0);
  RunResult declared = RunHoldfast({"incident", "declare", "--data", data, "--service", "utilities",
                                    "--service", "licenses", "--notice", "Pay at City Hall; no late fees"});
  ASSERT_EQ(declared.exit_code, 0) << declared.Describe();
  EXPECT_NE(declared.out.find("declared incident INC-central-1"), std::string::npos) << declared.Describe();
  RunResult bad_service =
      RunHoldfast({"incident", "declare", "--data", data, "--service", "parking", "--notice", "x"});
  EXPECT_NE(bad_service.exit_code, 0);
  EXPECT_NE(bad_service.err.find("utilities, licenses, permits"), std::string::npos)
      << bad_service.Describe();
  RunResult ended = RunHoldfast({"incident", "end", "--data", data, "INC-central-1"});
  ASSERT_EQ(ended.exit_code, 0) << ended.Describe();
  EXPECT_NE(ended.out.find("grace through"), std::string::npos) << ended.Describe();
  RunResult status = RunHoldfast({"incident", "status", "--data", data});
  ASSERT_EQ(status.exit_code, 0) << status.Describe();
  EXPECT_NE(status.out.find("Pay at City Hall"), std::string::npos) << status.Describe();

  const std::string bills = tmp.Sub("bills.csv");
  ASSERT_TRUE(
      WriteFileAtomic(bills, "account,period,amount,due_date\n100001,2026-05,48.20,2026-06-15\n").ok());
  RunResult unknown = RunHoldfast({"import", "bills", "--data", data, bills});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("line 2: no utility account 100001"), std::string::npos) << unknown.Describe();
}

// `holdfast demo` takes card payments through a test processor that moves no money: pointed at a city's real
// node, it refuses to serve it and says how to serve it, rather than serving it as a demo.
TEST(Cli, DemoServesOnlyADemoCityItMade) {
  TempDir tmp;
  const std::string data = tmp.Sub("n");
  ASSERT_EQ(RunHoldfast({"init", "--data", data, "--city", "Springfield", "--node", "central"}).exit_code, 0);
  RunResult refused =
      RunHoldfast({"demo", "--data", data, "--listen", "127.0.0.1:0"}, std::chrono::seconds(20));
  EXPECT_FALSE(refused.timed_out) << refused.Describe();
  EXPECT_EQ(refused.exit_code, 2) << refused.Describe();
  EXPECT_NE(refused.err.find("`holdfast serve --data " + data + "`"), std::string::npos)
      << refused.Describe();
  EXPECT_EQ(refused.out.find("Holdfast demo:"), std::string::npos) << refused.Describe();
  EXPECT_FALSE(FileExists(data + "-vault")) << "the demo's vault was made beside a real node";
}

TEST(Cli, ALockboxFileIsAppliedOnceAndAMalformedOneIsRefusedNamingItsLine) {
  TempDir tmp;
  const std::string data = tmp.Sub("n");
  ASSERT_EQ(RunHoldfast({"init", "--data", data, "--city", "Springfield", "--node", "central"}).exit_code, 0);
  const std::string file = tmp.Sub("lockbox-0605.csv");
  ASSERT_TRUE(WriteFileAtomic(file,
                              "lockbox,LBX-20260605-01,2026-06-05\n"
                              "item,0001,100001,48.20,1042,Maria Gonzalez\n"
                              "total,1,48.20\n")
                  .ok());
  // No account 100001 on this node: the check goes to the exceptions queue for a clerk.
  RunResult applied = RunHoldfast({"import", "lockbox", "--data", data, file});
  ASSERT_EQ(applied.exit_code, 0) << applied.Describe();
  EXPECT_NE(applied.out.find("1 items, $48.20; applied 0 ($0.00); 1 to the exceptions queue"),
            std::string::npos)
      << applied.Describe();
  RunResult twice = RunHoldfast({"import", "lockbox", "--data", data, file});
  EXPECT_NE(twice.exit_code, 0);
  EXPECT_NE(twice.err.find("imported already"), std::string::npos) << twice.Describe();
  const std::string bad = tmp.Sub("bad.csv");
  ASSERT_TRUE(WriteFileAtomic(bad,
                              "lockbox,LBX-20260606-01,2026-06-06\n"
                              "item,0001,100001,forty,1042,Maria Gonzalez\n"
                              "total,1,48.20\n")
                  .ok());
  RunResult malformed = RunHoldfast({"import", "lockbox", "--data", data, bad});
  EXPECT_NE(malformed.exit_code, 0);
  EXPECT_NE(malformed.err.find("line 2"), std::string::npos) << malformed.Describe();
}

TEST(Cli, UsageErrorsExit2WithAMessage) {
  TempDir tmp;
  RunResult no_verb = RunHoldfast({});
  EXPECT_EQ(no_verb.exit_code, 2);
  RunResult missing = RunHoldfast({"init", "--data", tmp.Sub("n")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--city"), std::string::npos) << missing.Describe();
  RunResult bad_id = RunHoldfast({"init", "--data", tmp.Sub("n"), "--city", "X", "--node", "Bad Node"});
  EXPECT_EQ(bad_id.exit_code, 2);
  EXPECT_NE(bad_id.err.find("is not a node id"), std::string::npos) << bad_id.Describe();
  RunResult no_node = RunHoldfast({"user", "list", "--data", tmp.Sub("nothing")});
  EXPECT_EQ(no_node.exit_code, 2);
  EXPECT_NE(no_node.err.find("holdfast init"), std::string::npos) << no_node.Describe();
}

TEST(Cli, InitTakesTheCitysTimeZoneByNameAndRefusesOneThatDoesNotExist) {
  TempDir tmp;
  RunResult unknown = RunHoldfast(
      {"init", "--data", tmp.Sub("a"), "--city", "Springfield", "--time-zone", "America/Springfield"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("America/Springfield"), std::string::npos) << unknown.Describe();
  EXPECT_FALSE(FileExists(tmp.Sub("a") + "/node.db")) << "a refused init left a node behind";
  RunResult utc = RunHoldfast({"init", "--data", tmp.Sub("b"), "--city", "Springfield"});
  ASSERT_EQ(utc.exit_code, 0) << utc.Describe();
  EXPECT_NE(utc.out.find("UTC's until"), std::string::npos) << utc.Describe();
  const std::string dir = tmp.Sub("c");
  RunResult init =
      RunHoldfast({"init", "--data", dir, "--city", "Springfield", "--time-zone", "America/Chicago"});
  ASSERT_EQ(init.exit_code, 0) << init.Describe();
  EXPECT_EQ(init.out.find("UTC's until"), std::string::npos) << init.Describe();
  auto node = store::Node::Open(dir, domain::NodeRegistry());
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  auto db = (*node)->Read();
  ASSERT_TRUE(db.ok());
  auto zone = domain::CityTimeZone(**db);
  ASSERT_TRUE(zone.ok()) << zone.status().ToString();
  EXPECT_EQ(zone->rule(), "CST6CDT,M3.2.0,M11.1.0");
}

TEST(Cli, InitPrintsTheFirstAdminAndRefusesToOverwrite) {
  TempDir tmp;
  std::string dir = tmp.Sub("node");
  RunResult init = RunHoldfast({"init", "--data", dir, "--city", "Springfield", "--node", "central"});
  ASSERT_EQ(init.exit_code, 0) << init.Describe();
  EXPECT_EQ(LineAfter(init.out, "username: "), "admin");
  EXPECT_GE(LineAfter(init.out, "password: ").size(), 12u);
  EXPECT_TRUE(FileExists(dir + "/city.key"));
  EXPECT_TRUE(FileExists(dir + "/node.key"));
  RunResult again = RunHoldfast({"init", "--data", dir, "--city", "Springfield", "--node", "central"});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already holds a node"), std::string::npos) << again.Describe();
}

TEST(Cli, UserVerbsManageAccountsOnAStoppedNode) {
  TempDir tmp;
  std::string dir = tmp.Sub("node");
  ASSERT_EQ(RunHoldfast({"init", "--data", dir, "--city", "Springfield", "--node", "central"}).exit_code, 0);
  RunResult add = RunHoldfast({"user", "add", "--data", dir, "--username", "casey", "--roles",
                               "clerk,supervisor", "--display-name", "Casey Clerk"});
  ASSERT_EQ(add.exit_code, 0) << add.Describe();
  std::string first = LineAfter(add.out, "password: ");
  EXPECT_GE(first.size(), 12u);
  RunResult dup = RunHoldfast({"user", "add", "--data", dir, "--username", "casey", "--roles", "clerk"});
  EXPECT_EQ(dup.exit_code, 2);
  EXPECT_NE(dup.err.find("taken"), std::string::npos) << dup.Describe();
  RunResult bad_role = RunHoldfast({"user", "add", "--data", dir, "--username", "x", "--roles", "wizard"});
  EXPECT_EQ(bad_role.exit_code, 2);
  EXPECT_NE(bad_role.err.find("unknown role"), std::string::npos) << bad_role.Describe();

  RunResult list = RunHoldfast({"user", "list", "--data", dir});
  ASSERT_EQ(list.exit_code, 0) << list.Describe();
  EXPECT_NE(list.out.find("casey"), std::string::npos);
  EXPECT_NE(list.out.find("supervisor,clerk"), std::string::npos) << list.out;

  RunResult passwd = RunHoldfast({"user", "passwd", "--data", dir, "--username", "casey"});
  ASSERT_EQ(passwd.exit_code, 0) << passwd.Describe();
  EXPECT_NE(LineAfter(passwd.out, "password: "), first);
  EXPECT_EQ(RunHoldfast({"user", "reset-totp", "--data", dir, "--username", "casey"}).exit_code, 0);
  EXPECT_EQ(RunHoldfast({"user", "passwd", "--data", dir, "--username", "nobody"}).exit_code, 2);
  // Every change was an event: the journal still verifies.
  RunResult verify = RunHoldfast({"verify", "--data", dir});
  EXPECT_EQ(verify.exit_code, 0) << verify.Describe();
}

TEST(Cli, FeesAreShownAndLoadedOnAStoppedNode) {
  TempDir tmp;
  std::string dir = tmp.Sub("node");
  ASSERT_EQ(RunHoldfast({"init", "--data", dir, "--city", "Springfield", "--node", "central"}).exit_code, 0);
  RunResult none = RunHoldfast({"fees", "show", "--data", dir});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("holdfast fees load"), std::string::npos) << none.Describe();

  RunResult example = RunHoldfast({"fees", "show", "--example"});
  ASSERT_EQ(example.exit_code, 0) << example.Describe();
  std::string file = tmp.Sub("fees.json");
  std::string text = example.out;
  // Make it apply from a fixed day in the past.
  auto at = text.find("\"effective_from\":\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at + 18, 10, "2020-01-01");
  ASSERT_TRUE(WriteFileAtomic(file, text).ok());
  RunResult load = RunHoldfast({"fees", "load", "--data", dir, file});
  ASSERT_EQ(load.exit_code, 0) << load.Describe();
  EXPECT_NE(load.out.find("in effect from 2020-01-01"), std::string::npos) << load.Describe();

  RunResult shown = RunHoldfast({"fees", "show", "--data", dir, "--date", "2021-06-01"});
  ASSERT_EQ(shown.exit_code, 0) << shown.Describe();
  EXPECT_NE(shown.out.find("\"DOG-ALT-1\""), std::string::npos) << shown.Describe();
  EXPECT_EQ(RunHoldfast({"fees", "show", "--data", dir, "--date", "2019-12-31"}).exit_code, 2);

  ASSERT_TRUE(WriteFileAtomic(file, R"({"effective_from":"2021-01-01","licenses":[]})").ok());
  RunResult bad = RunHoldfast({"fees", "load", "--data", dir, file});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("late_fee"), std::string::npos) << bad.Describe();
  ASSERT_TRUE(WriteFileAtomic(file, "not json").ok());
  EXPECT_NE(RunHoldfast({"fees", "load", "--data", dir, file}).err.find("is not JSON"), std::string::npos);
  RunResult all = RunHoldfast({"fees", "show", "--data", dir, "--all"});
  EXPECT_NE(all.out.find("\"id\":\"fs-central-1\""), std::string::npos) << all.Describe();
}

}  // namespace
}  // namespace holdfast::testing
