// Crash test: a real `holdfast serve` is killed with SIGKILL at a random moment while clients create parties
// as fast as it takes them, then restarted on the same data directory, again and again. Every write whose 201
// answer reached a client must be there after each restart, the ids must never repeat, and `holdfast verify`
// must find the journal intact both on the crashed files and on the restarted node.
//
// The kill points come from a seeded generator; the seed is printed with every failure, and
// HOLDFAST_CRASH_SEED=<seed> replays the same sequence of delays.
//
// Also here, since it needs the same load: `holdfast verify` beside a node taking writes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/json.h"
#include "http/client.h"
#include "process.h"
#include "test_support.h"

namespace holdfast::testing {
namespace {

constexpr int kRounds = 12;
constexpr int kWriters = 8;
constexpr int kMinKillDelayMs = 50;
constexpr int kMaxKillDelayMs = 400;
constexpr char kPassword[] = "crash-test-password-1";

struct Ack {
  std::string id;
  std::string name;
};

// Writers creating parties on one server until it dies or they are told to stop.
class WriteLoad {
 public:
  WriteLoad(uint16_t port, const std::string& token, int round) {
    for (int w = 0; w < kWriters; ++w) {
      threads_.emplace_back([this, port, token, round, w] { Write(port, token, round, w); });
    }
  }
  // Stops the writers (after their request in flight) if they still run, as when a check failed mid-round.
  ~WriteLoad() {
    stop_ = true;
    Join();
  }

  // Waits until some write has been acknowledged; false if none is by `timeout`.
  bool WaitForFirstAck(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return acked_cv_.wait_for(lock, timeout, [&] { return !acks_.empty(); });
  }

  // From now on, connection errors are expected: the server is being killed.
  void ExpectTheServerToDie() { server_dying_ = true; }

  // Waits for every writer to finish (each stops at its first connection error, so once the server is gone).
  void Join() {
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  // Valid after Join().
  const std::vector<Ack>& acks() const { return acks_; }
  const std::vector<std::string>& unexpected() const { return unexpected_; }

 private:
  void Write(uint16_t port, const std::string& token, int round, int writer) {
    http::Client client("127.0.0.1", port);
    client.SetTimeout(std::chrono::seconds(60));
    client.SetHeader("Authorization", "Bearer " + token);
    for (int n = 0; !stop_; ++n) {
      std::string name =
          "Crash R" + std::to_string(round) + " W" + std::to_string(writer) + " N" + std::to_string(n);
      auto r =
          client.Post("/api/v1/parties", json::serialize(json::object{{"kind", "person"}, {"name", name}}));
      if (!r.ok()) {
        // Expected once the server is killed; before that, a lost connection is a failure of the server.
        if (!server_dying_) Unexpected("writer " + std::to_string(writer) + ": " + Describe(r));
        return;
      }
      if (r->status != 201) {
        Unexpected("writer " + std::to_string(writer) + ": " + Describe(r));
        return;
      }
      auto body = ParseJson(r->body);
      std::string id = body.ok() && body->is_object() ? std::string(StringOr(body->as_object(), "id")) : "";
      if (id.empty()) {
        Unexpected("a 201 answer without an id: " + r->body);
        return;
      }
      {
        std::lock_guard lock(mu_);
        acks_.push_back({id, name});
      }
      acked_cv_.notify_all();
    }
  }

  void Unexpected(std::string what) {
    std::lock_guard lock(mu_);
    unexpected_.push_back(std::move(what));
  }

  std::atomic<bool> server_dying_{false};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable acked_cv_;
  std::vector<Ack> acks_;
  std::vector<std::string> unexpected_;
  std::vector<std::thread> threads_;
};

// Checks through the API that every acknowledged party is there, as it was acknowledged.
void ExpectPartiesServed(uint16_t port, const std::string& token, const std::vector<Ack>& acks) {
  http::Client client("127.0.0.1", port);
  client.SetHeader("Authorization", "Bearer " + token);
  int missing = 0;
  for (const Ack& a : acks) {
    auto r = client.Get("/api/v1/parties/" + a.id);
    bool ok = r.ok() && r->status == 200;
    if (ok) {
      auto body = ParseJson(r->body);
      ok = body.ok() && body->is_object() && StringOr(body->as_object(), "name") == a.name;
    }
    if (!ok && ++missing <= 5)
      ADD_FAILURE() << "acknowledged party " << a.id << " (" << a.name << "): " << Describe(r);
  }
  EXPECT_EQ(missing, 0) << "of " << acks.size() << " acknowledged parties, " << missing
                        << " are missing or changed";
}

// The parties table read straight from node.db: id -> name.
std::map<std::string, std::string> PartiesInDatabase(const std::string& dir) {
  std::map<std::string, std::string> parties;
  sqlite3* db = nullptr;
  std::string path = dir + "/node.db";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db);
  } else {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT id, name FROM parties", -1, &s, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sqlite3_errmsg(db);
    }
    while (s && sqlite3_step(s) == SQLITE_ROW) {
      parties[reinterpret_cast<const char*>(sqlite3_column_text(s, 0))] =
          reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return parties;
}

void ExpectVerifyIntact(const std::string& dir, const std::string& when) {
  RunResult v = RunHoldfast({"verify", "--data", dir, "--quiet"});
  EXPECT_EQ(v.exit_code, 0) << "verify " << when << ": " << v.Describe();
  EXPECT_THAT(v.out, ::testing::StartsWith("intact: ")) << "verify " << when << ": " << v.Describe();
}

uint64_t Seed() {
  if (const char* s = std::getenv("HOLDFAST_CRASH_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

TEST(CrashTest, KilledUnderLoadKeepsEveryAcknowledgedWrite) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with HOLDFAST_CRASH_SEED=" + std::to_string(seed) +
               ")");
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> kill_delay_ms(kMinKillDelayMs, kMaxKillDelayMs);

  TempDir tmp;
  const std::string dir = tmp.Sub("node");
  const std::string log = tmp.Sub("serve.log");
  RunResult init = RunHoldfast({"init", "--data", dir, "--city", "Springfield", "--node", "central"});
  ASSERT_EQ(init.exit_code, 0) << init.Describe();
  const std::string one_time = LineAfter(init.out, "password: ");
  ASSERT_NE(one_time, "") << init.Describe();

  std::vector<Ack> acknowledged;  // over all rounds
  std::vector<Ack> last_round;    // acknowledged by the server killed last
  std::ostringstream summary;     // writes acknowledged @ kill delay, per round
  for (int round = 0; round <= kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    ServeProcess server(dir, log);
    ASSERT_TRUE(server.ready()) << server.error();
    std::string token = SignInAdmin(server.port(), round == 0 ? one_time : "", kPassword);
    ASSERT_NE(token, "") << server.Log();
    // What the killed server acknowledged is served by the restarted one.
    ExpectPartiesServed(server.port(), token, last_round);
    if (round == kRounds) {
      ExpectVerifyIntact(dir, "while the restarted node runs");
      std::string why;
      EXPECT_TRUE(server.Stop(&why)) << why;
      break;
    }

    const int delay_ms = kill_delay_ms(rng);
    const auto load_started = std::chrono::steady_clock::now();
    WriteLoad load(server.port(), token, round);
    ASSERT_TRUE(load.WaitForFirstAck(kChildTimeout)) << "no write was acknowledged\n" << server.Log();
    std::this_thread::sleep_until(load_started + std::chrono::milliseconds(delay_ms));  // the kill point
    load.ExpectTheServerToDie();
    ASSERT_TRUE(server.Kill()) << "the server was not running when killed\n" << server.Log();
    load.Join();

    EXPECT_THAT(load.unexpected(), ::testing::IsEmpty()) << server.Log();
    ASSERT_GT(load.acks().size(), 0u);
    summary << " " << load.acks().size() << "@" << delay_ms << "ms";
    last_round = load.acks();
    acknowledged.insert(acknowledged.end(), last_round.begin(), last_round.end());
    // The crashed files, before anything has recovered them, are already a consistent, sealed journal.
    ExpectVerifyIntact(dir, "after the kill, before the restart");
  }

  // Across every crash: each acknowledged party is stored exactly as acknowledged, and no id was handed out
  // twice.
  std::set<std::string> ids;
  for (const Ack& a : acknowledged) EXPECT_TRUE(ids.insert(a.id).second) << a.id << " was acknowledged twice";
  std::map<std::string, std::string> stored = PartiesInDatabase(dir);
  int missing = 0;
  for (const Ack& a : acknowledged) {
    auto it = stored.find(a.id);
    if ((it == stored.end() || it->second != a.name) && ++missing <= 5) {
      ADD_FAILURE() << "acknowledged party " << a.id << " (" << a.name << ") is "
                    << (it == stored.end() ? "missing" : "named " + it->second);
    }
  }
  EXPECT_EQ(missing, 0) << "of " << acknowledged.size() << " acknowledged parties";
  ExpectVerifyIntact(dir, "after a clean stop");
  std::cout << "[ crash    ] seed " << seed << ", acknowledged@killed after:" << summary.str() << "\n";
}

// SIGTERM while writes are queued: the node answers or refuses what is in flight, exits 0 (under the
// sanitizers: without touching freed connections), and keeps every acknowledged write.
TEST(CrashTest, StoppedUnderLoadExitsCleanlyAndKeepsEveryAcknowledgedWrite) {
  TempDir tmp;
  const std::string dir = tmp.Sub("node");
  RunResult init = RunHoldfast({"init", "--data", dir, "--city", "Springfield", "--node", "central"});
  ASSERT_EQ(init.exit_code, 0) << init.Describe();
  const std::string one_time = LineAfter(init.out, "password: ");
  std::vector<Ack> acknowledged;
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    ServeProcess server(dir, tmp.Sub("serve.log"));
    ASSERT_TRUE(server.ready()) << server.error();
    std::string token = SignInAdmin(server.port(), round == 0 ? one_time : "", kPassword);
    ASSERT_NE(token, "") << server.Log();
    ExpectPartiesServed(server.port(), token, acknowledged);
    WriteLoad load(server.port(), token, round);
    ASSERT_TRUE(load.WaitForFirstAck(kChildTimeout)) << server.Log();
    load.ExpectTheServerToDie();
    std::string why;
    EXPECT_TRUE(server.Stop(&why)) << why;
    load.Join();
    EXPECT_THAT(load.unexpected(), ::testing::IsEmpty()) << server.Log();
    acknowledged.insert(acknowledged.end(), load.acks().begin(), load.acks().end());
  }
  ExpectVerifyIntact(dir, "after the stops");
  std::map<std::string, std::string> stored = PartiesInDatabase(dir);
  for (const Ack& a : acknowledged) EXPECT_EQ(stored[a.id], a.name) << a.id;
}

// `holdfast verify` beside a node that keeps writing reads the node at one moment: what it refolds from the
// journal and the live tables it compares against are the same commit, so it finds the node intact.
TEST(CrashTest, VerifyBesideANodeTakingWritesFindsItIntact) {
  TempDir tmp;
  const std::string dir = tmp.Sub("node");
  RunResult init = RunHoldfast({"init", "--data", dir, "--city", "Springfield", "--node", "central"});
  ASSERT_EQ(init.exit_code, 0) << init.Describe();
  ServeProcess server(dir, tmp.Sub("serve.log"));
  ASSERT_TRUE(server.ready()) << server.error();
  std::string token = SignInAdmin(server.port(), LineAfter(init.out, "password: "), kPassword);
  ASSERT_NE(token, "") << server.Log();
  size_t written = 0;
  {
    WriteLoad load(server.port(), token, 0);
    ASSERT_TRUE(load.WaitForFirstAck(kChildTimeout)) << server.Log();
    for (int run = 0; run < 3; ++run)
      ExpectVerifyIntact(dir, "run " + std::to_string(run) + " beside the writes");
    load.ExpectTheServerToDie();  // stopped below, possibly with requests in flight
    std::string why;
    EXPECT_TRUE(server.Stop(&why)) << why;
    load.Join();
    EXPECT_THAT(load.unexpected(), ::testing::IsEmpty()) << server.Log();
    written = load.acks().size();
  }
  // The writes did go on during the verifies.
  EXPECT_GT(written, 100u);
  ExpectVerifyIntact(dir, "after the stop");
}

}  // namespace
}  // namespace holdfast::testing
