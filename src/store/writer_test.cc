#include "store/writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "journal/seal.h"
#include "store/journal.h"
#include "store/node.h"
#include "test_support.h"

namespace holdfast::store {
namespace {

// A registry with one aggregate kind, "counter:<name>", folded from "counter.added" {name, n}.
Registry CounterRegistry() {
  Registry r;
  r.AddTable({"counters",
              "CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, total INTEGER, last_n INTEGER)",
              {"name"}});
  r.AddAggregate({"counter", [](Db& db, std::string_view id) -> Status {
                    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("DELETE FROM counters WHERE name=?"));
                    return s->Bind(1, id).Run();
                  }});
  r.AddRule({"counter.added",
             [](const journal::Event& e) -> std::vector<std::string> {
               return {"counter:" + std::string(StringOr(e.data, "name"))};
             },
             [](Db& db, const journal::StoredEvent& se, std::string_view) -> Status {
               const journal::Event& e = se.event;
               // last_n is order-dependent on purpose: it shows whether events were folded in canonical
               // order.
               HF_ASSIGN_OR_RETURN(StmtRef s,
                                   db.Prepare("INSERT INTO counters VALUES(?1,?2,?2) ON CONFLICT(name) DO "
                                              "UPDATE SET total=total+?2, last_n=?2"));
               return s->BindAll(StringOr(e.data, "name"), IntOr(e.data, "n")).Run();
             }});
  return r;
}

CommandFn Add(std::string name, int64_t n) {
  return [name, n](CommandContext& ctx) -> Result<json::value> {
    if (n < 0) return Invalid("negative");
    HF_RETURN_IF_ERROR(ctx.Emit("counter.added", json::object{{"name", name}, {"n", n}}, "tester").status());
    return json::value(n);
  };
}

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KeyPair key = GenerateSigningKey();
    public_key_ = key.public_key;
    ASSERT_TRUE(Node::Create(dir_.path(), "Testville", "n1", registry_, key).ok());
    Open();
  }
  void Open() {
    auto node = Node::Open(dir_.path(), registry_, {&clock_});
    ASSERT_TRUE(node.ok()) << node.status().ToString();
    node_ = std::move(*node);
  }
  int64_t Query(const std::string& sql) {
    auto db = node_->Read();
    return *(*db)->QueryInt(sql);
  }

  testing::TempDir dir_;
  Registry registry_ = CounterRegistry();
  FakeClock clock_;
  Bytes public_key_;
  std::unique_ptr<Node> node_;
};

TEST_F(WriterTest, FailedCommandLeavesNoTraceAndDoesNotFailItsBatch) {
  std::atomic<int> answered{0};
  std::vector<Result<json::value>> results(3, Internal("unanswered"));
  // Submitted together so they share a batch.
  node_->writer().Submit(Add("a", 1), [&](Result<json::value> r) { results[0] = std::move(r), ++answered; });
  node_->writer().Submit(
      [](CommandContext& ctx) -> Result<json::value> {
        // Emits, then fails: its event must vanish with it.
        HF_RETURN_IF_ERROR(ctx.Emit("counter.added", json::object{{"name", "a"}, {"n", 100}}, "t").status());
        return Conflict("changed my mind");
      },
      [&](Result<json::value> r) { results[1] = std::move(r), ++answered; });
  node_->writer().Submit(Add("a", 2), [&](Result<json::value> r) { results[2] = std::move(r), ++answered; });
  while (answered.load() < 3) std::this_thread::yield();
  EXPECT_TRUE(results[0].ok());
  EXPECT_FALSE(results[1].ok());
  EXPECT_EQ(results[1].error().type, "conflict");
  EXPECT_TRUE(results[2].ok());
  EXPECT_EQ(Query("SELECT total FROM counters WHERE name='a'"), 3);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM events"), 2);
  // The chain has no gap where the failed command's event was.
  EXPECT_EQ(Query("SELECT MAX(seq) FROM events"), 2);
}

TEST_F(WriterTest, AFailedAttemptIsUndoneAloneAndTheCommandGoesOn) {
  Result<json::value> r = node_->writer().Execute([](CommandContext& ctx) -> Result<json::value> {
    HF_RETURN_IF_ERROR(ctx.Emit("counter.added", json::object{{"name", "a"}, {"n", 1}}, "t").status());
    Status tried = ctx.Attempt([&]() -> Status {
      // Emits two events, then fails: both must vanish, and the feed go on from the first.
      HF_RETURN_IF_ERROR(ctx.Emit("counter.added", json::object{{"name", "a"}, {"n", 10}}, "t").status());
      HF_RETURN_IF_ERROR(ctx.Emit("counter.added", json::object{{"name", "b"}, {"n", 20}}, "t").status());
      return Conflict("cannot");
    });
    EXPECT_FALSE(tried.ok());
    Status threw = ctx.Attempt([&]() -> Status {
      HF_RETURN_IF_ERROR(ctx.Emit("counter.added", json::object{{"name", "b"}, {"n", 30}}, "t").status());
      throw std::runtime_error("broken");
    });
    EXPECT_EQ(threw.error().code, Code::kInternal);
    HF_RETURN_IF_ERROR(ctx.Attempt([&]() -> Status {
      return ctx.Emit("counter.added", json::object{{"name", "b"}, {"n", 2}}, "t").status();
    }));
    HF_RETURN_IF_ERROR(ctx.Emit("counter.added", json::object{{"name", "a"}, {"n", 3}}, "t").status());
    return json::value(nullptr);
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Query("SELECT total FROM counters WHERE name='a'"), 4);
  EXPECT_EQ(Query("SELECT total FROM counters WHERE name='b'"), 2);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM events"), 3);
  EXPECT_EQ(Query("SELECT MAX(seq) FROM events"), 3);
  // The chain goes on from the events that stayed, after a restart too, and its head is sealed.
  node_.reset();
  Open();
  Result<json::value> after = node_->writer().Execute(Add("a", 5));
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(Query("SELECT MAX(seq) FROM events"), 4);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM events e JOIN events p ON p.feed=e.feed AND p.seq=e.seq-1 "
                  "WHERE instr(CAST(e.body AS TEXT), lower(hex(p.hash))) > 0"),
            3);
  auto db = node_->Read();
  auto seal_row = (*db)->Prepare("SELECT feed, seq, hash, signature FROM seals ORDER BY seq DESC LIMIT 1");
  ASSERT_TRUE(*(*seal_row)->Step());
  journal::Seal seal{(*seal_row)->Text(0), (*seal_row)->Int(1), Hex((*seal_row)->Blob(2)),
                     Bytes((*seal_row)->Blob(3).begin(), (*seal_row)->Blob(3).end())};
  EXPECT_EQ(seal.seq, 4);
  EXPECT_TRUE(journal::VerifySeal(public_key_, seal));
}

// Runs `commands` in one batch: the writer is held by a command that waits until all are queued.
std::vector<Result<json::value>> RunInOneBatch(Writer& writer, std::vector<CommandFn> commands) {
  std::promise<void> queued;
  std::shared_future<void> all_queued = queued.get_future().share();
  std::atomic<size_t> answered{0};
  std::vector<Result<json::value>> results(commands.size(), Internal("unanswered"));
  writer.Submit(
      [all_queued](CommandContext&) -> Result<json::value> {
        all_queued.wait();
        return json::value(nullptr);
      },
      [&](Result<json::value>) { ++answered; });
  while (writer.stats().queue_depth.load() != 0) std::this_thread::yield();  // the holder is running
  for (size_t i = 0; i < commands.size(); ++i) {
    writer.Submit(std::move(commands[i]), [&, i](Result<json::value> r) {
      results[i] = std::move(r);
      ++answered;
    });
  }
  queued.set_value();
  while (answered.load() < results.size() + 1) std::this_thread::yield();
  return results;
}

TEST_F(WriterTest, RefusalBeforeAnyChangeCostsNoRerunButAFailureMidwayIsUndoneAlone) {
  Writer& w = node_->writer();
  auto refused = RunInOneBatch(w, {Add("r", 1), Add("r", -1), Add("r", 2)});
  EXPECT_TRUE(refused[0].ok());
  EXPECT_FALSE(refused[1].ok());
  EXPECT_TRUE(refused[2].ok());
  EXPECT_EQ(w.stats().reruns.load(), 0);
  EXPECT_EQ(Query("SELECT total FROM counters WHERE name='r'"), 3);

  CommandFn emit_then_fail = [](CommandContext& ctx) -> Result<json::value> {
    HF_RETURN_IF_ERROR(ctx.Emit("counter.added", json::object{{"name", "m"}, {"n", 100}}, "t").status());
    return Conflict("changed my mind");
  };
  auto midway = RunInOneBatch(w, {Add("m", 1), emit_then_fail, Add("m", 2), Add("m", -5), Add("m", 4)});
  EXPECT_TRUE(midway[0].ok());
  ASSERT_FALSE(midway[1].ok());
  EXPECT_EQ(midway[1].error().type, "conflict");
  EXPECT_TRUE(midway[2].ok());
  EXPECT_FALSE(midway[3].ok());
  EXPECT_TRUE(midway[4].ok());
  EXPECT_EQ(w.stats().reruns.load(), 1);
  EXPECT_EQ(Query("SELECT total FROM counters WHERE name='m'"), 7);
  // Two holders, two successful adds before, three now: no event of the failed command, no gap in the chain.
  EXPECT_EQ(Query("SELECT COUNT(*) FROM events"), 5);
  EXPECT_EQ(Query("SELECT MAX(seq) FROM events"), 5);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM events WHERE body LIKE '%\"n\":100%'"), 0);
}

TEST_F(WriterTest, CommandThatThrowsIsAnErrorNotACrash) {
  auto r = node_->writer().Execute([](CommandContext&) -> Result<json::value> {
    json::object o;
    return o.at("missing");  // throws
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInternal);
  EXPECT_TRUE(node_->writer().Execute(Add("b", 1)).ok());
}

TEST_F(WriterTest, ManyConcurrentCommandsShareCommitsAndEveryOneIsSealedInOrder) {
  constexpr int kThreads = 8, kEach = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i)
        ASSERT_TRUE(node_->writer().Execute(Add("c" + std::to_string(t), 1)).ok());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(Query("SELECT SUM(total) FROM counters"), kThreads * kEach);
  EXPECT_EQ(Query("SELECT MAX(seq) FROM events"), kThreads * kEach);
  const WriterStats& stats = node_->writer().stats();
  EXPECT_EQ(stats.commands.load(), kThreads * kEach);
  EXPECT_LT(stats.batches.load(), kThreads * kEach);  // group commit: fewer transactions than commands
  // The head is sealed with the node key.
  auto db = node_->Read();
  auto s = (*db)->Prepare("SELECT feed, seq, hash, signature FROM seals ORDER BY seq DESC LIMIT 1");
  ASSERT_TRUE(*(*s)->Step());
  journal::Seal seal{(*s)->Text(0), (*s)->Int(1), Hex((*s)->Blob(2)),
                     Bytes((*s)->Blob(3).begin(), (*s)->Blob(3).end())};
  EXPECT_EQ(seal.seq, kThreads * kEach);
  EXPECT_TRUE(journal::VerifySeal(public_key_, seal));
}

TEST_F(WriterTest, FeedHeadAndClockSurviveRestart) {
  ASSERT_TRUE(node_->writer().Execute(Add("d", 1)).ok());
  ASSERT_TRUE(node_->writer().Execute(Add("d", 1)).ok());
  FeedHead head = node_->writer().head();
  node_.reset();
  clock_.Advance(-10000);
  Open();
  EXPECT_EQ(node_->writer().head().seq, head.seq);
  ASSERT_TRUE(node_->writer().Execute(Add("d", 5)).ok());
  auto db = node_->Read();
  auto ev = LoadEvent(**db, "n1", 3);
  ASSERT_TRUE(ev.ok() && ev->has_value());
  EXPECT_EQ((*ev)->event.prev, head.hash);
  auto prev = LoadEvent(**db, "n1", 2);
  EXPECT_GT((*ev)->event.Order(), (*prev)->event.Order());
}

TEST_F(WriterTest, SecondOpenOfTheSameNodeIsRefused) {
  auto again = Node::Open(dir_.path(), registry_, {&clock_});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().type, "node-busy");
}

// An event that sorts before ones already folded into its aggregate triggers a refold of that aggregate
// alone.
TEST_F(WriterTest, LateEventRefoldsItsAggregate) {
  ASSERT_TRUE(node_->writer().Execute(Add("e", 1)).ok());
  ASSERT_TRUE(node_->writer().Execute(Add("e", 2)).ok());
  ASSERT_TRUE(node_->writer().Execute(Add("f", 7)).ok());
  EXPECT_EQ(Query("SELECT last_n FROM counters WHERE name='e'"), 2);
  // A foreign event stamped before both of e's events arrives late.
  auto late = journal::Encode(journal::Event{
      "other", 1, "", {1000, 0}, "x", "counter.added", json::object{{"name", "e"}, {"n", 40}}});
  ASSERT_TRUE(late.ok());
  auto r = node_->writer().Execute([&](CommandContext& ctx) -> Result<json::value> {
    HF_RETURN_IF_ERROR(InsertEvent(ctx.db(), registry_, *late));
    HF_RETURN_IF_ERROR(FoldEvent(ctx.db(), registry_, *late));
    return json::value(nullptr);
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Query("SELECT total FROM counters WHERE name='e'"), 43);
  EXPECT_EQ(Query("SELECT last_n FROM counters WHERE name='e'"),
            2);  // canonical order: the late one is first
  EXPECT_EQ(Query("SELECT total FROM counters WHERE name='f'"), 7);
}

// StateDigest on a read connection while the writer commits: the digest is that of the state after one of the
// commits (each command records the digest of the state it leaves), never of tables read at different
// moments.
TEST_F(WriterTest, StateDigestBesideTheWriterIsTheDigestOfOneCommit) {
  // Enough rows that hashing them takes longer than a commit.
  ASSERT_TRUE(node_->writer()
                  .Execute([](CommandContext& ctx) -> Result<json::value> {
                    for (int i = 0; i < 2000; ++i) {
                      HF_RETURN_IF_ERROR(
                          ctx.Emit("counter.added",
                                   json::object{{"name", "base" + std::to_string(i)}, {"n", 1}}, "tester")
                              .status());
                    }
                    return json::value(0);
                  })
                  .ok());
  std::mutex mu;
  std::set<std::string> states;  // the digest after each command
  std::atomic<bool> stop{false};
  std::atomic<int> commands{0};
  std::thread writes([&] {
    for (int i = 0; !stop; ++i) {
      auto r = node_->writer().Execute([&, i](CommandContext& ctx) -> Result<json::value> {
        HF_RETURN_IF_ERROR(
            ctx.Emit("counter.added", json::object{{"name", "c" + std::to_string(i)}, {"n", 1}}, "tester")
                .status());
        HF_ASSIGN_OR_RETURN(Hash after, StateDigest(ctx.db(), registry_));
        std::lock_guard lock(mu);
        states.insert(Hex(after));
        return json::value(i);
      });
      if (!r.ok()) {
        ADD_FAILURE() << r.status().ToString();
        stop = true;
      }
      ++commands;
    }
  });
  // At least 20 digests, and until the writer has committed 10 times since the first began.
  std::vector<std::string> seen;
  [&] {
    while (commands < 5 && !stop) std::this_thread::yield();
    auto db = node_->Read();
    ASSERT_TRUE(db.ok());
    const int before = commands;
    while (!stop && (seen.size() < 20 || commands < before + 10)) {
      auto d = StateDigest(**db, registry_);
      ASSERT_TRUE(d.ok()) << d.status().ToString();
      seen.push_back(Hex(*d));
    }
  }();
  stop = true;
  writes.join();
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_TRUE(states.contains(seen[i])) << "digest " << i << " is not the state after any commit";
  }
}

// The writer answers a batch only after the WAL was synced, and runs the next batch meanwhile.
TEST_F(WriterTest, AnswersComeAfterTheSyncWhileTheNextBatchRuns) {
  Writer& w = node_->writer();
  ASSERT_TRUE(w.Execute(Add("g", 1)).ok());
  const FeedHead before = w.head();
  testing::GatedSync gate(w);

  std::promise<Result<json::value>> first, second;
  w.Submit(Add("g", 10), [&](Result<json::value> r) { first.set_value(std::move(r)); });
  gate.WaitUntilASyncWaits();
  // Committed (a reader sees it), not yet on disk: not answered, and the durable head has not moved.
  EXPECT_EQ(Query("SELECT total FROM counters WHERE name='g'"), 11);
  auto first_answer = first.get_future();
  EXPECT_EQ(first_answer.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  EXPECT_EQ(w.head().seq, before.seq);
  // A reader about to hand on what it saw waits for the sync too.
  auto durable = std::async(std::launch::async, [&w] { return w.WaitDurable(); });
  EXPECT_EQ(durable.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);

  // The writer is not held by the sync: the next command commits meanwhile.
  w.Submit(Add("g", 100), [&](Result<json::value> r) { second.set_value(std::move(r)); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (Query("SELECT total FROM counters WHERE name='g'") != 111) {
    if (std::chrono::steady_clock::now() > deadline) {
      gate.Open();
      FAIL() << "the writer waited for the sync before running the next batch";
    }
    std::this_thread::yield();
  }
  auto second_answer = second.get_future();
  EXPECT_EQ(second_answer.wait_for(std::chrono::milliseconds(10)), std::future_status::timeout);

  gate.Open();
  Result<json::value> a = first_answer.get();
  Result<json::value> b = second_answer.get();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(a->as_int64(), 10);
  EXPECT_EQ(b->as_int64(), 100);
  EXPECT_EQ(w.head().seq, before.seq + 2);
  EXPECT_TRUE(durable.get().ok());
  EXPECT_TRUE(w.WaitDurable().ok());  // nothing waits for a sync: at once
}

// A sync the disk does not confirm fails the commands waiting for it, and the node takes no more writes.
TEST_F(WriterTest, ASyncTheDiskRefusesFailsItsCommandsAndStopsTheWrites) {
  Writer& w = node_->writer();
  ASSERT_TRUE(w.Execute(Add("h", 1)).ok());
  const FeedHead before = w.head();
  w.SetWalSync([] { return IoError("node.db-wal: the disk did not confirm the write: Input/output error"); });

  Result<json::value> r = w.Execute(Add("h", 2));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, "storage-failed");
  EXPECT_NE(r.error().detail.find("Input/output error"), std::string::npos) << r.error().detail;
  EXPECT_NE(r.error().detail.find("restart the node"), std::string::npos) << r.error().detail;
  EXPECT_EQ(w.head().seq, before.seq);

  // Later commands are refused before they run, even once the disk answers again.
  w.SetWalSync([] { return Status::Ok(); });
  const int64_t events = Query("SELECT COUNT(*) FROM events");
  Result<json::value> later = w.Execute(Add("h", 3));
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.error().type, "storage-failed");
  EXPECT_EQ(Query("SELECT COUNT(*) FROM events"), events);
  EXPECT_EQ(w.head().seq, before.seq);
  // What was committed but never confirmed on disk must not leave the node.
  Status durable = w.WaitDurable();
  ASSERT_FALSE(durable.ok());
  EXPECT_EQ(durable.error().type, "storage-failed");
}

}  // namespace
}  // namespace holdfast::store
