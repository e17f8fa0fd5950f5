// Ransomware drill: a real `holdfast serve` takes writes while it backs up to a vault every second; mid-load,
// every file of its data directory is overwritten with random bytes (as ransomware that writes an encrypted
// copy over each file does: the running server keeps the files it has open until it is killed) and the server
// is killed. A fresh node is then restored from the vault with the backup key, as typed from the recovery
// sheet printed before the attack (the key file in the data directory is gone with the rest). Every write
// acknowledged more than one push interval before the attack must be in the restored node, `holdfast verify`
// must pass, and its state digest must be the one the vault's last manifest recorded.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "base/crypto.h"
#include "base/files.h"
#include "base/json.h"
#include "http/client.h"
#include "process.h"
#include "store/sqlite.h"
#include "test_support.h"
#include "vault/manifest.h"
#include "vault/target.h"

namespace holdfast::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
constexpr auto kPushInterval = std::chrono::seconds(1);
constexpr int kWriters = 4;

struct Ack {
  std::string id;
  Clock::time_point at;
};

int64_t Generation(vault::VaultDir& vault) {
  auto g = vault.LatestGeneration("central");
  return g.ok() ? *g : 0;
}

// Overwrites every file under `dir` with random bytes of the same size.
void Encrypt(const std::string& dir) {
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::string path = e.path().string();
    Bytes noise = RandomBytes(std::max<size_t>(e.file_size(), 64));
    ASSERT_TRUE(WriteFileAtomic(path, AsChars(noise)).ok()) << path;
  }
}

TEST(RansomwareDrillTest, EveryWriteBackedUpBeforeTheAttackIsRestoredAndVerified) {
  TempDir tmp;
  const std::string data = tmp.Sub("node"), vault = tmp.Sub("vault"), restored = tmp.Sub("restored");
  RunResult init = RunHoldfast({"init", "--data", data, "--city", "Drillville"});
  ASSERT_EQ(init.exit_code, 0) << init.Describe();
  const std::string one_time = LineAfter(init.out, "password: ");
  // The recovery sheet, printed and put in the safe before anything happens.
  RunResult sheet = RunHoldfast({"vault", "recovery-sheet", "--data", data});
  ASSERT_EQ(sheet.exit_code, 0) << sheet.Describe();
  const std::string recovery = "HOLDFAST-VAULT-KEY-V1:" + LineAfter(sheet.out, "HOLDFAST-VAULT-KEY-V1:");
  ASSERT_GT(recovery.size(), 64u) << sheet.out;
  ASSERT_TRUE(WriteFileAtomic(tmp.Sub("key-from-the-safe"), recovery + "\n").ok());

  ServeProcess server(data, tmp.Sub("serve.log"), "127.0.0.1:0", {"--vault", vault, "--backup-every", "1"});
  ASSERT_TRUE(server.ready()) << server.error();
  const std::string token = SignInAdmin(server.port(), one_time, "drill-password-2026");
  ASSERT_FALSE(token.empty());

  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<Ack> acks;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      http::Client client("127.0.0.1", server.port());
      client.SetHeader("Authorization", "Bearer " + token);
      for (int i = 0; !stop; ++i) {
        auto r = client.Post(
            "/api/v1/parties",
            json::serialize(json::object{{"kind", "person"}, {"name", fmt::format("Writer {} {}", w, i)}}));
        if (!r.ok() || r->status != 201) return;  // the server is gone
        auto body = ParseJson(r->body);
        if (!body.ok() || !body->is_object()) return;
        std::lock_guard lock(mu);
        acks.push_back({std::string(StringOr(body->as_object(), "id")), Clock::now()});
      }
    });
  }

  // Load for a while, with a few pushes done.
  vault::VaultDir vault_dir(vault);
  auto deadline = Clock::now() + std::chrono::seconds(60);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  while (Generation(vault_dir) < 2 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_GE(Generation(vault_dir), 2) << server.Log();

  // The attack.
  const Clock::time_point attack = Clock::now();
  Encrypt(data);
  // The push that was under way (if any) finishes; then the machine is lost.
  int64_t generation_at_attack = Generation(vault_dir);
  auto wait_until = Clock::now() + 2 * kPushInterval + std::chrono::milliseconds(500);
  while (Generation(vault_dir) <= generation_at_attack && Clock::now() < wait_until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(server.Kill());
  stop = true;
  for (auto& t : writers) t.join();
  ASSERT_GT(acks.size(), 100u);

  // Restore on a fresh machine with the vault and the key from the safe.
  RunResult restore =
      RunHoldfast({"restore", "--vault", vault, "--key", tmp.Sub("key-from-the-safe"), "--data", restored});
  ASSERT_EQ(restore.exit_code, 0) << restore.Describe();
  EXPECT_NE(restore.out.find("restored node central of Drillville"), std::string::npos) << restore.out;
  EXPECT_NE(restore.err.find("pack 1 of"), std::string::npos) << "restore shows its progress";

  RunResult verify = RunHoldfast({"verify", "--data", restored, "--quiet"});
  EXPECT_EQ(verify.exit_code, 0) << verify.Describe();
  RunResult digest = RunHoldfast({"digest", "--data", restored});
  ASSERT_EQ(digest.exit_code, 0) << digest.Describe();
  int64_t last = Generation(vault_dir);
  auto manifest = vault::ParseManifest(*vault_dir.GetManifest("central", last));
  ASSERT_TRUE(manifest.ok()) << manifest.status().ToString();
  // The restore checked its state against the digest the vault held (of the last generation's size, or of an
  // earlier one when the node digested beside its pushes).
  EXPECT_NE(restore.out.find(manifest->digest), std::string::npos) << restore.out;
  if (manifest->digest_size == manifest->size) {
    EXPECT_EQ(digest.out, manifest->digest + "\n") << "the restored state is the state the vault held";
  }

  std::set<std::string> present;
  {
    auto db = store::Db::Open(restored + "/node.db", store::OpenMode::kReadOnly);
    ASSERT_TRUE(db.ok());
    auto q = (*db)->Prepare("SELECT id FROM parties");
    ASSERT_TRUE(q.ok());
    while (*(*q)->Step()) present.insert((*q)->Text(0));
  }
  size_t required = 0, missing = 0;
  std::chrono::milliseconds lost_window{0};
  for (const Ack& a : acks) {
    bool there = present.count(a.id) > 0;
    if (a.at < attack - kPushInterval) {
      ++required;
      EXPECT_TRUE(there) << a.id << " was acknowledged "
                         << std::chrono::duration_cast<std::chrono::milliseconds>(attack - a.at).count()
                         << " ms before the attack and is not in the restored node";
    }
    if (!there) {
      ++missing;
      lost_window =
          std::max(lost_window, std::chrono::duration_cast<std::chrono::milliseconds>(attack - a.at));
    }
  }
  EXPECT_GT(required, 0u);
  RecordProperty("acknowledged", static_cast<int>(acks.size()));
  RecordProperty("missing", static_cast<int>(missing));
  RecordProperty("lost_window_ms", static_cast<int>(lost_window.count()));
}

}  // namespace
}  // namespace holdfast::testing
