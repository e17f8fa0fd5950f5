// Tamper tests on real database files. A node is set up once with the real binary: `holdfast init`, then
// parties created (one command, one batch, one seal each) through the API of a running `holdfast serve`,
// which is then stopped cleanly. Each case edits its own copy of that data directory the way someone with
// access to the files could, and `holdfast verify` must exit 1 and print a TAMPERED line naming the place:
// the event, the seal or the state-table row.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cctype>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "base/crypto.h"
#include "base/json.h"
#include "http/client.h"
#include "process.h"
#include "test_support.h"

namespace holdfast::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr int kParties = 12;
constexpr char kNewPassword[] = "tamper-test-password-1";

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// node.db opened directly with SQLite, as someone with access to the files would. Failures are test failures.
class RawDb {
 public:
  explicit RawDb(const std::string& dir) {
    std::string path = dir + "/node.db";
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db_);
    }
  }
  ~RawDb() { sqlite3_close(db_); }  // the last connection: checkpoints the WAL into node.db
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  // The integers in the first column of `sql`'s rows.
  std::vector<int64_t> Ints(const std::string& sql) {
    std::vector<int64_t> out;
    sqlite3_stmt* s = Prepare(sql);
    while (s && sqlite3_step(s) == SQLITE_ROW) out.push_back(sqlite3_column_int64(s, 0));
    sqlite3_finalize(s);
    return out;
  }

  // Column `column` of row (central, seq) of `table` (events or seals), as bytes.
  std::string Get(const std::string& table, const std::string& column, int64_t seq) {
    sqlite3_stmt* s = Prepare("SELECT " + column + " FROM " + table + " WHERE feed = 'central' AND seq = ?");
    std::string out;
    if (s) {
      sqlite3_bind_int64(s, 1, seq);
      if (sqlite3_step(s) == SQLITE_ROW) {
        out.assign(static_cast<const char*>(sqlite3_column_blob(s, 0)), sqlite3_column_bytes(s, 0));
      } else {
        ADD_FAILURE() << "no row " << table << " central/" << seq;
      }
    }
    sqlite3_finalize(s);
    return out;
  }

  // Sets column `column` of row (central, seq) of `table` to the blob `value`.
  void Set(const std::string& table, const std::string& column, int64_t seq, const std::string& value) {
    sqlite3_stmt* s =
        Prepare("UPDATE " + table + " SET " + column + " = ? WHERE feed = 'central' AND seq = ?");
    if (!s) return;
    sqlite3_bind_blob(s, 1, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, seq);
    EXPECT_EQ(sqlite3_step(s), SQLITE_DONE) << sqlite3_errmsg(db_);
    EXPECT_EQ(sqlite3_changes(db_), 1) << "no row " << table << " central/" << seq;
    sqlite3_finalize(s);
  }

  void Exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (message ? message : "?");
    }
    sqlite3_free(message);
  }

 private:
  sqlite3_stmt* Prepare(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return nullptr;
    }
    return s;
  }

  sqlite3* db_ = nullptr;
};

// The node every case starts from, built once per test program.
struct PristineNode {
  TempDir root;
  std::string dir = root.Sub("node");
  std::string error;  // why it could not be built; empty when it is ready
  int64_t last_event = 0;
  std::vector<int64_t> sealed;        // seqs of the seals
  std::vector<int64_t> party_events;  // seqs of the party.created events
};

// Signs in as the admin created by init and replaces the one-time password. Returns "" or what went wrong.
std::string SignInAsNewAdmin(http::Client& client, const std::string& one_time_password) {
  auto session =
      client.Post("/api/v1/sessions",
                  json::serialize(json::object{{"username", "admin"}, {"password", one_time_password}}));
  if (!session.ok() || session->status != 201) {
    return "sign-in failed: " + (session.ok() ? session->body : session.error().detail);
  }
  auto body = ParseJson(session->body);
  if (!body.ok() || !body->is_object()) return "sign-in answer is not an object: " + session->body;
  client.SetHeader("Authorization", "Bearer " + std::string(StringOr(body->as_object(), "token")));
  auto changed = client.Request(
      "PUT", "/api/v1/users/me/password",
      json::serialize(json::object{{"current_password", one_time_password}, {"new_password", kNewPassword}}));
  if (!changed.ok() || changed->status != 200) {
    return "password change failed: " + (changed.ok() ? changed->body : changed.error().detail);
  }
  return "";
}

std::string Build(PristineNode& node) {
  RunResult init = RunHoldfast({"init", "--data", node.dir, "--city", "Springfield", "--node", "central"});
  if (init.exit_code != 0) return "holdfast init: " + init.Describe();
  std::string password = LineAfter(init.out, "password: ");
  if (password.empty()) return "holdfast init printed no password: " + init.Describe();

  ServeProcess server(node.dir, node.root.Sub("serve.log"));
  if (!server.ready()) return server.error();
  http::Client client("127.0.0.1", server.port());
  if (std::string e = SignInAsNewAdmin(client, password); !e.empty()) return e;
  for (int i = 1; i <= kParties; ++i) {
    auto r = client.Post("/api/v1/parties", json::serialize(json::object{
                                                {"kind", i % 3 ? "person" : "business"},
                                                {"name", "Resident " + std::to_string(i)},
                                            }));
    if (!r.ok() || r->status != 201)
      return "creating a party failed: " + (r.ok() ? r->body : r.error().detail);
  }
  auto patched = client.Request("PATCH", "/api/v1/parties/p-central-2",
                                json::serialize(json::object{{"name", "Resident Two"}}));
  if (!patched.ok() || patched->status != 200) {
    return "updating a party failed: " + (patched.ok() ? patched->body : patched.error().detail);
  }
  std::string why;
  if (!server.Stop(&why)) return "holdfast serve did not stop cleanly: " + why;

  RawDb db(node.dir);
  node.last_event = db.Ints("SELECT MAX(seq) FROM events WHERE feed = 'central'").at(0);
  node.sealed = db.Ints("SELECT seq FROM seals WHERE feed = 'central' ORDER BY seq");
  node.party_events = db.Ints("SELECT seq FROM events WHERE type = 'party.created' ORDER BY seq");
  if (node.party_events.size() != kParties) return "expected " + std::to_string(kParties) + " party events";
  // Each party was its own command, so its own sealed commit: there are seals to tamper with along the feed.
  if (node.sealed.size() < kParties || node.sealed.back() != node.last_event) return "the feed is not sealed";
  return "";
}

const PristineNode& Pristine() {
  static PristineNode node;
  static std::once_flag once;
  std::call_once(once, [] { node.error = Build(node); });
  return node;
}

struct Verdict {
  RunResult run;
  std::vector<std::string> tampered;  // the TAMPERED lines, in order
};

Verdict Verify(const std::string& dir) {
  Verdict v{RunHoldfast({"verify", "--data", dir, "--quiet"}), {}};
  for (const std::string& line : Lines(v.run.out)) {
    if (line.starts_with("TAMPERED ")) v.tampered.push_back(line);
  }
  return v;
}

// Whether some TAMPERED line mentions `place` ("event central/7", "seal central/9", "table parties row
// id=p-central-3") as a whole: "event central/1" is not mentioned by "event central/17".
bool Names(const Verdict& v, const std::string& place) {
  for (const std::string& line : v.tampered) {
    for (size_t at = line.find(place); at != std::string::npos; at = line.find(place, at + 1)) {
      size_t end = at + place.size();
      if (end == line.size() || !std::isalnum(static_cast<unsigned char>(line[end]))) return true;
    }
  }
  return false;
}

std::string Event(int64_t seq) { return "event central/" + std::to_string(seq); }
std::string Seal(int64_t seq) { return "seal central/" + std::to_string(seq); }

std::string Digest(const std::string& dir) {
  RunResult r = RunHoldfast({"digest", "--data", dir});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  std::string d = Lines(r.out).empty() ? "" : Lines(r.out)[0];
  EXPECT_EQ(d.size(), 64u) << r.Describe();
  return d;
}

std::string Sqlite3Program() {
  std::string path = FindOnPath("sqlite3");
  EXPECT_NE(path, "") << "these tests edit databases with the sqlite3 command-line program; install it";
  return path;
}

class TamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const PristineNode& node = Pristine();
    ASSERT_EQ(node.error, "") << "could not set up the node to tamper with";
    pristine_ = node.dir;
    last_event_ = node.last_event;
    sealed_ = node.sealed;
    party_events_ = node.party_events;
  }

  // A fresh copy of the untouched node, named `name` in this test's directory.
  std::string Copy(const std::string& name) {
    std::string dir = tmp_.Sub(name);
    std::filesystem::copy(pristine_, dir, std::filesystem::copy_options::recursive);
    return dir;
  }

  // Runs the sqlite3 program on DIR/node.db with `sql`, as an administrator editing the file by hand would.
  void Sqlite3(const std::string& dir, const std::string& sql) {
    RunResult r = RunProcess({Sqlite3Program(), dir + "/node.db", sql});
    ASSERT_EQ(r.exit_code, 0) << sql << "\n" << r.Describe();
  }

  TempDir tmp_;
  std::string pristine_;
  int64_t last_event_ = 0;
  std::vector<int64_t> sealed_;        // seqs of the seals
  std::vector<int64_t> party_events_;  // seqs of the party.created events
};

TEST_F(TamperTest, UntouchedNodeIsIntact) {
  std::string dir = Copy("untouched");
  Verdict v = Verify(dir);
  EXPECT_EQ(v.run.exit_code, 0) << v.run.Describe();
  EXPECT_THAT(v.tampered, ::testing::IsEmpty());
  EXPECT_THAT(Lines(v.run.out), Contains(StartsWith("intact: " + std::to_string(last_event_) + " events")))
      << v.run.Describe();
}

TEST_F(TamperTest, FlippedByteInAnEventIsFoundAtThatEvent) {
  struct Case {
    int64_t seq;
    std::string position;  // "first", "middle", "last" or "name": the first byte of the party's name
    uint8_t mask;
  };
  const int64_t middle = last_event_ / 2;
  const int64_t party = party_events_[kParties / 2];
  const std::vector<Case> cases = {
      {1, "first", 0x01},          {1, "last", 0x80},           {1, "middle", 0x04},
      {middle, "middle", 0x10},    {party, "name", 0x20},       {last_event_, "first", 0x40},
      {last_event_, "last", 0x01}, {last_event_, "name", 0x20}, {2, "middle", 0xff},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    SCOPED_TRACE(Event(c.seq) + ", " + c.position + " byte, xor " + std::to_string(c.mask));
    std::string dir = Copy("flip-" + std::to_string(i));
    {
      RawDb db(dir);
      std::string body = db.Get("events", "body", c.seq);
      ASSERT_FALSE(body.empty());
      size_t name = body.find("\"name\":\"Resident ");
      ASSERT_TRUE(c.position != "name" || name != std::string::npos) << body;
      size_t at = c.position == "first"    ? 0
                  : c.position == "last"   ? body.size() - 1
                  : c.position == "middle" ? body.size() / 2
                                           : name + 8;  // the R of Resident
      body[at] = static_cast<char>(body[at] ^ c.mask);
      db.Set("events", "body", c.seq, body);
    }
    Verdict v = Verify(dir);
    EXPECT_EQ(v.run.exit_code, 1) << v.run.Describe();
    EXPECT_THAT(v.tampered, Contains(StartsWith("TAMPERED " + Event(c.seq) + ":"))) << v.run.Describe();
    for (int64_t earlier = 1; earlier < c.seq; ++earlier) {
      EXPECT_THAT(v.tampered, Not(Contains(StartsWith("TAMPERED " + Event(earlier) + ":"))))
          << "an untouched earlier event is blamed\n"
          << v.run.Describe();
    }
  }
}

// An edit that keeps the event valid and stores the matching hash: only the chain and the seals can tell.
TEST_F(TamperTest, EditedEventWithRecomputedHashIsFoundByTheChainAndSeal) {
  for (int64_t seq : {party_events_[2], last_event_}) {
    SCOPED_TRACE(Event(seq));
    std::string dir = Copy("rehash-" + std::to_string(seq));
    {
      RawDb db(dir);
      std::string body = db.Get("events", "body", seq);
      size_t at = body.find("\"name\":\"Resident ");
      ASSERT_NE(at, std::string::npos) << body;
      body[at + 8] = 'P';  // "Resident" becomes "Pesident": still a valid, canonical event
      Hash h = Sha256(body);
      db.Set("events", "body", seq, body);
      db.Set("events", "hash", seq, std::string(h.begin(), h.end()));
    }
    Verdict v = Verify(dir);
    EXPECT_EQ(v.run.exit_code, 1) << v.run.Describe();
    EXPECT_TRUE(Names(v, Event(seq))) << v.run.Describe();
  }
}

TEST_F(TamperTest, DeletedEventIsFound) {
  for (int64_t seq : {last_event_ / 2, last_event_}) {
    SCOPED_TRACE("deleted " + Event(seq));
    std::string dir = Copy("delete-" + std::to_string(seq));
    RawDb(dir).Exec("DELETE FROM events WHERE feed = 'central' AND seq = " + std::to_string(seq));
    Verdict v = Verify(dir);
    EXPECT_EQ(v.run.exit_code, 1) << v.run.Describe();
    EXPECT_TRUE(Names(v, Event(seq))) << v.run.Describe();
  }
}

TEST_F(TamperTest, SwappedEventsAreFoundAtBothPlaces) {
  const std::vector<std::pair<int64_t, int64_t>> swaps = {
      {party_events_[0], party_events_[kParties - 2]},  // far apart
      {party_events_[4], party_events_[5]},             // neighbours
      {last_event_ - 1, last_event_},                   // at the head
  };
  for (auto [a, b] : swaps) {
    SCOPED_TRACE("swapped " + Event(a) + " and " + Event(b));
    std::string dir = Copy("swap-" + std::to_string(a) + "-" + std::to_string(b));
    {
      RawDb db(dir);
      std::string body_a = db.Get("events", "body", a), hash_a = db.Get("events", "hash", a);
      std::string body_b = db.Get("events", "body", b), hash_b = db.Get("events", "hash", b);
      db.Exec("BEGIN");
      db.Set("events", "body", a, body_b);
      db.Set("events", "hash", a, hash_b);
      db.Set("events", "body", b, body_a);
      db.Set("events", "hash", b, hash_a);
      db.Exec("COMMIT");
    }
    Verdict v = Verify(dir);
    EXPECT_EQ(v.run.exit_code, 1) << v.run.Describe();
    EXPECT_THAT(v.tampered, Contains(StartsWith("TAMPERED " + Event(a) + ":"))) << v.run.Describe();
    EXPECT_THAT(v.tampered, Contains(StartsWith("TAMPERED " + Event(b) + ":"))) << v.run.Describe();
  }
}

TEST_F(TamperTest, ChangedSealIsFound) {
  const int64_t middle = sealed_[sealed_.size() / 2];
  const int64_t head = sealed_.back();
  // Flipped signature bytes, at the start and the end of the signature.
  for (auto [seq, byte] : {std::pair<int64_t, size_t>{middle, 0}, {head, 63}, {sealed_.front(), 31}}) {
    SCOPED_TRACE(Seal(seq) + ", signature byte " + std::to_string(byte));
    std::string dir = Copy("signature-" + std::to_string(seq));
    {
      RawDb db(dir);
      std::string signature = db.Get("seals", "signature", seq);
      ASSERT_EQ(signature.size(), 64u);
      signature[byte] = static_cast<char>(signature[byte] ^ 0x01);
      db.Set("seals", "signature", seq, signature);
    }
    Verdict v = Verify(dir);
    EXPECT_EQ(v.run.exit_code, 1) << v.run.Describe();
    EXPECT_THAT(v.tampered, Contains(StartsWith("TAMPERED " + Seal(seq) + ":"))) << v.run.Describe();
  }
  // A seal made to name another event's hash (the signature is left as it was).
  for (int64_t seq : {middle, head}) {
    SCOPED_TRACE(Seal(seq) + " names the hash of " + Event(seq - 1));
    std::string dir = Copy("seal-hash-" + std::to_string(seq));
    {
      RawDb db(dir);
      db.Set("seals", "hash", seq, db.Get("events", "hash", seq - 1));
    }
    Verdict v = Verify(dir);
    EXPECT_EQ(v.run.exit_code, 1) << v.run.Describe();
    EXPECT_THAT(v.tampered, Contains(StartsWith("TAMPERED " + Seal(seq) + ":"))) << v.run.Describe();
  }
  // The head's seal removed: the newest events are no longer vouched for.
  {
    SCOPED_TRACE("deleted " + Seal(head));
    std::string dir = Copy("seal-deleted");
    RawDb(dir).Exec("DELETE FROM seals WHERE feed = 'central' AND seq = " + std::to_string(head));
    Verdict v = Verify(dir);
    EXPECT_EQ(v.run.exit_code, 1) << v.run.Describe();
    EXPECT_TRUE(Names(v, Event(head))) << v.run.Describe();
  }
}

TEST_F(TamperTest, NodeLogHashEditedOrDeletedIsFound) {
  {
    std::string dir = Copy("log-edited");
    RawDb(dir).Exec("UPDATE log_nodes SET hash = zeroblob(32) WHERE level = 4 AND idx = 0");
    Verdict v = Verify(dir);
    EXPECT_EQ(v.run.exit_code, 1) << v.run.Describe();
    EXPECT_THAT(v.tampered, Contains(StartsWith("TAMPERED log level 4 index 0:"))) << v.run.Describe();
  }
  {
    std::string dir = Copy("log-deleted");
    RawDb(dir).Exec("DELETE FROM log_nodes WHERE level = 4 AND idx = 0");
    Verdict v = Verify(dir);
    EXPECT_EQ(v.run.exit_code, 1) << v.run.Describe();
    EXPECT_THAT(v.tampered, Contains(StartsWith("TAMPERED log:"))) << v.run.Describe();
  }
}

TEST_F(TamperTest, StateRowsEditedWithSqlite3AreFoundAtTheRow) {
  struct Case {
    std::string what;
    std::string sql;
    std::string place;
  };
  const std::vector<Case> cases = {
      {"edited", "UPDATE parties SET name = 'X' WHERE id = 'p-central-3'",
       "table parties row id=p-central-3"},
      {"deleted", "DELETE FROM parties WHERE id = 'p-central-5'", "table parties row id=p-central-5"},
      {"inserted",
       "CREATE TEMP TABLE copy AS SELECT * FROM parties WHERE id = 'p-central-1';"
       "UPDATE copy SET id = 'p-central-99', name = 'Nobody';"
       "INSERT INTO parties SELECT * FROM copy;",
       "table parties row id=p-central-99"},
      {"password reset",
       "UPDATE users SET password_hash = 'x', must_change_password = 0 WHERE username = 'admin'",
       "table users row id=u-central-1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what + ": " + c.sql);
    std::string dir = Copy("state-" + std::to_string(&c - cases.data()));
    ASSERT_NO_FATAL_FAILURE(Sqlite3(dir, c.sql));
    Verdict v = Verify(dir);
    EXPECT_EQ(v.run.exit_code, 1) << v.run.Describe();
    EXPECT_THAT(v.tampered, Contains(StartsWith("TAMPERED " + c.place + ":"))) << v.run.Describe();
    // The journal itself is untouched, and verify says so by blaming no event or seal.
    EXPECT_THAT(v.tampered, Not(Contains(StartsWith("TAMPERED event ")))) << v.run.Describe();
    EXPECT_THAT(v.tampered, Not(Contains(StartsWith("TAMPERED seal ")))) << v.run.Describe();
  }
}

TEST_F(TamperTest, RebuildKeepsTheDigestOfAnUntouchedNode) {
  std::string dir = Copy("rebuild");
  std::string before = Digest(dir);
  const std::vector<std::string> schema = SchemaOf(dir);
  RunResult rebuilt = RunHoldfast({"rebuild", "--data", dir});
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.Describe();
  EXPECT_EQ(LineAfter(rebuilt.out, "digest: "), before) << rebuilt.Describe();
  EXPECT_EQ(Digest(dir), before);
  // Folded without the state tables' indexes, then indexed: the same tables and indexes.
  EXPECT_EQ(SchemaOf(dir), schema);
  Verdict v = Verify(dir);
  EXPECT_EQ(v.run.exit_code, 0) << v.run.Describe();
}

// A state table edited by hand is repaired by rebuilding it from the journal.
TEST_F(TamperTest, RebuildRepairsAnEditedStateTable) {
  std::string dir = Copy("repair");
  std::string before = Digest(dir);
  ASSERT_NO_FATAL_FAILURE(Sqlite3(dir, "UPDATE parties SET name = 'X' WHERE id = 'p-central-3'"));
  EXPECT_NE(Digest(dir), before);
  RunResult rebuilt = RunHoldfast({"rebuild", "--data", dir});
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.Describe();
  EXPECT_EQ(Digest(dir), before);
  Verdict v = Verify(dir);
  EXPECT_EQ(v.run.exit_code, 0) << v.run.Describe();
}

TEST(VerifyCommandTest, DirectoryWithoutANodeExits2) {
  TempDir tmp;
  for (const std::string& dir : {tmp.path(), tmp.Sub("does-not-exist")}) {
    SCOPED_TRACE(dir);
    RunResult r = RunHoldfast({"verify", "--data", dir});
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    EXPECT_THAT(r.out, Not(HasSubstr("intact"))) << r.Describe();
    EXPECT_THAT(r.err, HasSubstr("no node database")) << r.Describe();
  }
}

}  // namespace
}  // namespace holdfast::testing
