// The backup verbs as an administrator runs them: a vault service with a credential on one side, a node
// backing up to it with `holdfast backup` on the other, and `holdfast restore` on a new machine.
#include <gtest/gtest.h>

#include <signal.h>

#include <cstdio>

#include "base/files.h"
#include "process.h"
#include "test_support.h"

namespace holdfast::testing {
namespace {

TEST(VaultCli, BackupToAVaultServiceAndRestoreFromIt) {
  TempDir tmp;
  RunResult init = RunHoldfast({"init", "--data", tmp.Sub("node"), "--city", "Springfield"});
  ASSERT_EQ(init.exit_code, 0) << init.Describe();
  EXPECT_NE(init.out.find("vault.key"), std::string::npos) << "init says where the backup key is";

  RunResult credential =
      RunHoldfast({"vault", "credential", "--dir", tmp.Sub("vault"), "--city", "Springfield"});
  ASSERT_EQ(credential.exit_code, 0) << credential.Describe();
  ASSERT_TRUE(WriteFileAtomic(tmp.Sub("token"), credential.out, 0600).ok());
  ChildProcess vault(
      {HoldfastBinary(), "vault", "serve", "--dir", tmp.Sub("vault"), "--listen", "127.0.0.1:0"},
      tmp.Sub("vault.log"));
  auto line = vault.ReadLineStartingWith("listening on ", kChildTimeout);
  ASSERT_TRUE(line.has_value()) << vault.output();
  const std::string url = line->substr(std::string("listening on ").size());

  RunResult backup =
      RunHoldfast({"backup", "--data", tmp.Sub("node"), "--vault", url, "--vault-token", tmp.Sub("token")});
  ASSERT_EQ(backup.exit_code, 0) << backup.Describe();
  EXPECT_NE(backup.out.find("generation 1"), std::string::npos) << backup.out;
  RunResult again =
      RunHoldfast({"backup", "--data", tmp.Sub("node"), "--vault", url, "--vault-token", tmp.Sub("token")});
  ASSERT_EQ(again.exit_code, 0) << again.Describe();
  EXPECT_NE(again.out.find("already holds"), std::string::npos) << again.out;
  // Without the credential, or with a made-up one: refused, and said so.
  RunResult no_token = RunHoldfast({"backup", "--data", tmp.Sub("node"), "--vault", url});
  EXPECT_EQ(no_token.exit_code, 2) << no_token.Describe();
  EXPECT_NE(no_token.err.find("--vault-token"), std::string::npos) << no_token.err;
  ASSERT_TRUE(WriteFileAtomic(tmp.Sub("bad-token"), "hfv_nonsense\n").ok());
  RunResult bad = RunHoldfast(
      {"backup", "--data", tmp.Sub("node"), "--vault", url, "--vault-token", tmp.Sub("bad-token")});
  EXPECT_EQ(bad.exit_code, 2) << bad.Describe();
  EXPECT_NE(bad.err.find("not known"), std::string::npos) << bad.err;

  RunResult restore = RunHoldfast({"restore", "--vault", url, "--vault-token", tmp.Sub("token"), "--key",
                                   tmp.Sub("node") + "/vault.key", "--data", tmp.Sub("restored")});
  ASSERT_EQ(restore.exit_code, 0) << restore.Describe();
  EXPECT_NE(restore.out.find("restored node central of Springfield"), std::string::npos) << restore.out;
  RunResult a = RunHoldfast({"digest", "--data", tmp.Sub("node")});
  RunResult b = RunHoldfast({"digest", "--data", tmp.Sub("restored")});
  EXPECT_EQ(a.out, b.out);
  // Built without the state tables' indexes, then indexed: the same tables and indexes as the node.
  EXPECT_EQ(SchemaOf(tmp.Sub("restored")), SchemaOf(tmp.Sub("node")));
  EXPECT_GT(SchemaOf(tmp.Sub("restored")).size(), 40u);
  // An image over HTTP, and a restore that starts from it: the same node.
  RunResult image = RunHoldfast(
      {"backup", "--data", tmp.Sub("node"), "--vault", url, "--vault-token", tmp.Sub("token"), "--image"});
  ASSERT_EQ(image.exit_code, 0) << image.Describe();
  EXPECT_NE(image.out.find("image: the database at"), std::string::npos) << image.out;
  RunResult from_image = RunHoldfast({"restore", "--vault", url, "--vault-token", tmp.Sub("token"), "--key",
                                      tmp.Sub("node") + "/vault.key", "--data", tmp.Sub("from-image")});
  ASSERT_EQ(from_image.exit_code, 0) << from_image.Describe();
  EXPECT_NE(from_image.out.find("image:      the database at"), std::string::npos) << from_image.out;
  EXPECT_EQ(RunHoldfast({"digest", "--data", tmp.Sub("from-image")}).out, a.out);
  EXPECT_EQ(SchemaOf(tmp.Sub("from-image")), SchemaOf(tmp.Sub("node")));
  // A wrong key is a damaged-backup answer (exit 1) that says what to check.
  ASSERT_EQ(RunHoldfast({"init", "--data", tmp.Sub("other"), "--city", "Springfield"}).exit_code, 0);
  RunResult keep = RunHoldfast({"vault", "keygen", "--data", tmp.Sub("other")});
  EXPECT_EQ(keep.exit_code, 2) << "a backup key is never replaced: " << keep.Describe();
  std::remove((tmp.Sub("other") + "/vault.key").c_str());
  RunResult keygen = RunHoldfast({"vault", "keygen", "--data", tmp.Sub("other")});
  EXPECT_EQ(keygen.exit_code, 0) << keygen.Describe();
  RunResult wrong = RunHoldfast({"restore", "--vault", url, "--vault-token", tmp.Sub("token"), "--key",
                                 tmp.Sub("other") + "/vault.key", "--data", tmp.Sub("restored-2")});
  EXPECT_EQ(wrong.exit_code, 1) << wrong.Describe();
  EXPECT_NE(wrong.err.find("does not decrypt with this backup key"), std::string::npos) << wrong.err;
  vault.Signal(SIGTERM);
  EXPECT_TRUE(vault.Wait(kChildTimeout).has_value());
}

}  // namespace
}  // namespace holdfast::testing
