// Node-to-node sync over real loopback connections: enrollment, rounds between a central node and offices,
// the signature every sync request carries, and hostile peers on either side of a round.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <thread>

#include "api_fixture.h"
#include "domain/parties.h"
#include "http/peer_sync.h"
#include "journal/checkpoint.h"
#include "store/journal.h"
#include "store/verify.h"
#include "sync/bundle.h"
#include "sync/enroll.h"
#include "sync/peer_auth.h"
#include "test_city.h"
#include "test_support.h"

namespace holdfast::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// What a node holds: its events (feed/seq/hash, in that order) and its state digest.
struct Holdings {
  std::vector<std::string> events;
  std::string digest;
  bool operator==(const Holdings&) const = default;
};

Holdings Hold(store::Node& node) {
  Holdings h;
  auto db = node.Read();
  EXPECT_TRUE(db.ok());
  if (!db.ok()) return h;
  auto s = (*db)->Prepare("SELECT feed, seq, hash FROM events ORDER BY feed, seq");
  EXPECT_TRUE(s.ok());
  if (!s.ok()) return h;
  for (;;) {
    auto row = (*s)->Step();
    EXPECT_TRUE(row.ok());
    if (!row.ok() || !*row) break;
    h.events.push_back(fmt::format("{}/{} {}", (*s)->Text(0), (*s)->Int(1), Hex((*s)->Blob(2))));
  }
  auto digest = store::StateDigest(**db, node.registry());
  EXPECT_TRUE(digest.ok());
  if (digest.ok()) h.digest = Hex(*digest);
  return h;
}

// Checks `done` every few milliseconds until it holds (true) or `limit` passes (false).
template <typename F>
bool Eventually(F done, milliseconds limit = milliseconds(20000)) {
  auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

// A peer that answers GET /api/v1/sync/heads with `heads` and POST /api/v1/sync/pull as `mode` says: what an
// impostor, a broken proxy or a dying peer could send. Raw sockets, one connection at a time, on its own
// thread.
class FakePeer {
 public:
  enum class Pull {
    kBody,        // 200 with `body`
    kEndless,     // 200, chunked, a body that never ends
    kHugeLength,  // 200 announcing a body of 100 GB, then sending it
    kCut,         // 200 announcing `body`, then the connection closes halfway through it
    kSilent,      // never answers
  };

  FakePeer(std::string heads, Pull mode, std::string body = {})
      : heads_(std::move(heads)), mode_(mode), body_(std::move(body)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(listen_fd_, 4) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "the fake peer cannot listen: " << std::strerror(errno);
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~FakePeer() {
    stop_ = true;
    int fd = conn_fd_.load();
    if (fd >= 0) shutdown(fd, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) close(listen_fd_);
  }

  std::string url() const { return fmt::format("http://127.0.0.1:{}", port_); }
  int pulls() const { return pulls_.load(); }
  // What GET /api/v1/log/checkpoint answers (by default a note no key signed).
  void set_checkpoint(std::string note) { checkpoint_ = std::move(note); }

 private:
  // Waits until `fd` is readable or the peer stops; false when stopping.
  bool WaitReadable(int fd) {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      int n = poll(&p, 1, 20);
      if (n > 0) return true;
      if (n < 0 && errno != EINTR) return false;
    }
    return false;
  }

  bool Send(int fd, std::string_view data) {
    while (!data.empty()) {
      if (stop_) return false;
      ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  void Serve() {
    while (WaitReadable(listen_fd_)) {
      int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      conn_fd_ = fd;
      Converse(fd);
      conn_fd_ = -1;
      close(fd);
    }
  }

  // Answers requests on one connection until it closes.
  void Converse(int fd) {
    std::string in;
    char buf[65536];
    for (;;) {
      size_t end;
      while ((end = in.find("\r\n\r\n")) == std::string::npos) {
        if (!WaitReadable(fd)) return;
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) return;
        in.append(buf, static_cast<size_t>(n));
      }
      std::string head = in.substr(0, end);
      std::string lower = head;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t length = 0;
      if (auto at = lower.find("content-length:"); at != std::string::npos) {
        length = std::stoul(lower.substr(at + 15));
      }
      while (in.size() < end + 4 + length) {
        if (!WaitReadable(fd)) return;
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) return;
        in.append(buf, static_cast<size_t>(n));
      }
      in.erase(0, end + 4 + length);
      if (head.starts_with("GET /api/v1/sync/heads ")) {
        if (!Send(fd, Answer(heads_))) return;
        continue;
      }
      if (head.starts_with("GET /api/v1/log/checkpoint ")) {  // checked only once a round completes
        if (!Send(fd, Answer(checkpoint_))) return;
        continue;
      }
      if (!head.starts_with("POST /api/v1/sync/pull ")) {
        Send(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        continue;
      }
      ++pulls_;
      switch (mode_) {
        case Pull::kBody:
          if (!Send(fd, Answer(body_))) return;
          break;
        case Pull::kEndless: {
          if (!Send(fd,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "c\r\n{\"events\":[\r\n")) {
            return;
          }
          std::string chunk(60000, '"');
          for (size_t i = 1; i < chunk.size(); i += 3) chunk[i] = ',';
          chunk = fmt::format("{:x}\r\n{}\r\n", chunk.size(), chunk);
          while (Send(fd, chunk)) {
          }
          return;
        }
        case Pull::kHugeLength: {
          if (!Send(fd,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    "100000000000\r\n\r\n")) {
            return;
          }
          std::string chunk(65536, ' ');
          while (Send(fd, chunk)) {
          }
          return;
        }
        case Pull::kCut: {
          std::string answer = Answer(body_);
          Send(fd, std::string_view(answer).substr(0, answer.size() - body_.size() / 2));
          return;
        }
        case Pull::kSilent:
          while (WaitReadable(fd)) {
            if (recv(fd, buf, sizeof(buf), 0) <= 0) return;
          }
          return;
      }
    }
  }

  static std::string Answer(std::string_view body) {
    return fmt::format("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
                       body.size(), body);
  }

  std::string heads_;
  std::string checkpoint_ = "Springfield/holdfast/fake\n0\n\n";
  Pull mode_;
  std::string body_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> conn_fd_{-1};
  std::atomic<int> pulls_{0};
  std::thread thread_;
};

// Sends raw bytes to 127.0.0.1:`port` and reads until the server closes or `limit` passes.
std::string RawExchange(uint16_t port, const std::string& request, milliseconds limit = milliseconds(10000)) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ADD_FAILURE() << "cannot connect: " << std::strerror(errno);
    if (fd >= 0) close(fd);
    return "";
  }
  std::string_view out = request;
  while (!out.empty()) {
    ssize_t n = send(fd, out.data(), out.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    out.remove_prefix(static_cast<size_t>(n));
  }
  std::string answer;
  auto deadline = Clock::now() + limit;
  char buf[4096];
  while (Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return answer;
}

// Central is the ApiTest node, served as `holdfast serve` serves; offices are enrolled through the API.
class SyncApiTest : public ApiTest {
 protected:
  void SetUp() override {
    server_options_.large_body_prefix = "/api/v1/sync/";
    server_options_.large_body_limit = 2 * sync::kMaxBundleBytes + 4096;
    ApiTest::SetUp();
  }

  std::string CentralUrl() const { return fmt::format("http://127.0.0.1:{}", server_->port()); }

  std::string Invite(const std::string& node, int64_t valid_ms = 3600000) {
    auto token = sync::CreateInvitation(node_->paths(), node, "office", valid_ms, clock_.NowMs());
    EXPECT_TRUE(token.ok()) << token.status().ToString();
    return token.ok() ? *token : "";
  }

  Answer Join(const std::string& token, const KeyPair& key) {
    return Call("POST", "/api/v1/nodes/join",
                json::serialize(json::object{{"token", token}, {"public_key", Hex(key.public_key)}}));
  }

  // Enrolls office `id` through POST /api/v1/nodes/join and creates its node, empty, as `holdfast join` does.
  std::unique_ptr<store::Node> JoinOffice(const std::string& id, KeyPair* key_out = nullptr) {
    KeyPair key = GenerateSigningKey();
    Answer a = Join(Invite(id), key);
    EXPECT_EQ(a.status, 200) << json::serialize(a.body);
    auto city_key = FromHex(a.Str("city_public_key"));
    EXPECT_TRUE(city_key && city_key->size() == 32);
    if (!city_key) return nullptr;
    store::DataPaths paths(dir_.Sub(id));
    EXPECT_TRUE(
        store::Node::Create(paths.dir, a.Str("city"), a.Str("node"), domain::NodeRegistry(), key).ok());
    EXPECT_TRUE(
        WriteFileAtomic(paths.city_pub(), store::EncodePublicKey(store::kCityPubLabel, *city_key)).ok());
    auto node = store::Node::Open(paths.dir, domain::NodeRegistry(), {&clock_});
    EXPECT_TRUE(node.ok()) << node.status().ToString();
    if (key_out) *key_out = key;
    return node.ok() ? std::move(*node) : nullptr;
  }

  // A request to central signed as `node` with `secret_key`, dated `skew_ms` from now.
  Answer Signed(const Bytes& secret_key, const std::string& node, std::string_view method,
                std::string_view target, std::string_view body = {}, int64_t skew_ms = 0,
                const std::string& token = {}) {
    auto headers =
        sync::SignRequest(secret_key, "Springfield", node, method, target, clock_.NowMs() + skew_ms, body);
    return Call(method, target, body, token, headers);
  }

  Result<http::RoundReport> Sync(store::Node& node, milliseconds timeout = milliseconds(30000)) {
    return http::SyncWithPeer(node, CentralUrl(), timeout);
  }

  static std::string Wire(store::Node& from, const std::map<std::string, int64_t>& have) {
    auto db = from.Read();
    EXPECT_TRUE(db.ok());
    if (!db.ok()) return "";
    auto b = sync::CollectMissing(**db, have, {});
    EXPECT_TRUE(b.ok());
    return b.ok() ? sync::EncodeBundle(*b) : "";
  }

  std::string HeadsJson() {
    auto db = node_->Read();
    EXPECT_TRUE(db.ok());
    auto heads = sync::SealedHeads(**db);
    EXPECT_TRUE(heads.ok());
    json::object h;
    for (const auto& [feed, head] : *heads) h[feed] = json::object{{"seq", head.seq}, {"hash", head.hash}};
    return json::serialize(json::object{{"node", "central"},
                                        {"city", "Springfield"},
                                        {"heads", std::move(h)},
                                        {"quarantined", json::array{}}});
  }

  void ExpectServing() {
    Answer ready = Call("GET", "/readyz");
    EXPECT_EQ(ready.status, 200);
    EXPECT_EQ(ready.Str("status"), "ready");
  }
};

TEST_F(SyncApiTest, JoinEnrollsANodeOnceForAValidToken) {
  std::string admin = AdminToken();
  KeyPair key = GenerateSigningKey();
  std::string token = Invite("office-1");
  Answer joined = Join(token, key);
  ASSERT_EQ(joined.status, 200) << json::serialize(joined.body);
  EXPECT_EQ(joined.Str("city"), "Springfield");
  EXPECT_EQ(joined.Str("node"), "office-1");
  EXPECT_EQ(joined.Str("role"), "office");
  EXPECT_EQ(joined.Str("enrolled_by"), "central");
  auto city_pub = store::ReadCityPublicKey(node_->paths());
  ASSERT_TRUE(city_pub.ok());
  EXPECT_EQ(joined.Str("city_public_key"), Hex(*city_pub));
  Answer nodes = Call("GET", "/api/v1/nodes", {}, admin);
  ASSERT_EQ(nodes.status, 200);
  ASSERT_EQ(nodes.body.at("items").as_array().size(), 2u);
  const json::object& office = nodes.body.at("items").as_array()[1].as_object();
  EXPECT_EQ(StringOr(office, "id"), "office-1");
  EXPECT_EQ(StringOr(office, "public_key"), Hex(key.public_key));

  // Used up: neither the same key nor another gets in with it again.
  for (const KeyPair& k : {key, GenerateSigningKey()}) {
    Answer again = Join(token, k);
    EXPECT_EQ(again.status, 401);
    EXPECT_EQ(again.Type(), "invitation-invalid");
  }
  // Mistyped, made up.
  std::string other = Invite("office-2");
  std::string typo = other;
  typo.back() = typo.back() == 'a' ? 'b' : 'a';
  for (const std::string& t : {typo, std::string("hfi-") + std::string(48, '0'), std::string("office-2"),
                               other.substr(0, other.size() - 1)}) {
    Answer bad = Join(t, GenerateSigningKey());
    EXPECT_EQ(bad.status, 401) << t;
    EXPECT_EQ(bad.Type(), "invitation-invalid");
  }
  // Expired.
  std::string brief = Invite("office-3", 60000);
  clock_.Advance(60001);
  Answer expired = Join(brief, GenerateSigningKey());
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(expired.Type(), "invitation-invalid");
  // A node id enrolled already, whoever invited it.
  for (const std::string id : {"office-1", "central"}) {
    Answer taken = Join(Invite(id), GenerateSigningKey());
    EXPECT_EQ(taken.status, 409) << id;
    EXPECT_EQ(taken.Type(), "node-exists");
  }
  // A malformed key.
  Answer bad_key = Call("POST", "/api/v1/nodes/join",
                        json::serialize(json::object{{"token", other}, {"public_key", "not-a-key"}}));
  EXPECT_EQ(bad_key.status, 422);

  nodes = Call("GET", "/api/v1/nodes", {}, admin);
  EXPECT_EQ(nodes.body.at("items").as_array().size(), 2u);
  // The good invitation still works after all that.
  EXPECT_EQ(Join(other, GenerateSigningKey()).status, 200);
}

TEST_F(SyncApiTest, CentralAndTwoOfficesConverge) {
  std::string admin = AdminToken();
  ASSERT_EQ(Call("POST", "/api/v1/parties", R"({"kind":"person","name":"Ann Central"})", admin).status, 201);
  auto office1 = JoinOffice("office-1");
  auto office2 = JoinOffice("office-2");
  ASSERT_TRUE(office1 && office2);
  AddParties(*office1, 3, "Office One");
  AddParties(*office2, 300, "Office Two");  // sealed at 256 and 300: two runs
  ASSERT_EQ(Call("POST", "/api/v1/parties", R"({"kind":"person","name":"Bo Central"})", admin).status, 201);

  auto r1 = Sync(*office1);
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_EQ(r1->peer_node, "central");
  EXPECT_GT(r1->received, 0);
  EXPECT_EQ(r1->sent, 3);
  EXPECT_EQ(r1->ahead, 3);
  auto r2 = Sync(*office2);
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->sent, 300);
  EXPECT_EQ(r2->received, r1->received + 3);  // central's events and office-1's
  auto r3 = Sync(*office1);
  ASSERT_TRUE(r3.ok()) << r3.status().ToString();
  EXPECT_EQ(r3->received, 300);
  EXPECT_EQ(r3->sent, 0);

  Holdings central = Hold(*node_);
  EXPECT_EQ(Hold(*office1), central);
  EXPECT_EQ(Hold(*office2), central);
  EXPECT_EQ(std::count_if(central.events.begin(), central.events.end(),
                          [](const std::string& e) { return e.starts_with("office-2/"); }),
            300);
  // Another round moves nothing.
  for (store::Node* office : {office1.get(), office2.get()}) {
    auto again = Sync(*office);
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(again->received, 0);
    EXPECT_EQ(again->sent, 0);
    EXPECT_EQ(again->behind, 0);
    EXPECT_EQ(again->ahead, 0);
  }
  // Each node's journal and state check out on their own.
  for (const std::string& dir : {dir_.path(), dir_.Sub("office-1"), dir_.Sub("office-2")}) {
    auto report = store::VerifyNode(dir, domain::NodeRegistry());
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_TRUE(report->intact()) << dir << ": " << report->problems.front().where << " "
                                  << report->problems.front().what;
    EXPECT_EQ(report->events, static_cast<int64_t>(central.events.size()));
  }
  // The parties written anywhere can be read at central.
  Answer party = Call("GET", "/api/v1/parties/p-office-2-300", {}, admin);
  EXPECT_EQ(party.status, 200);
  EXPECT_EQ(party.Str("name"), "Office Two 299");
}

TEST_F(SyncApiTest, PeerRoutesRefuseAnythingButAValidNodeSignature) {
  std::string admin = AdminToken();
  KeyPair key;
  auto office = JoinOffice("office-1", &key);
  ASSERT_NE(office, nullptr);
  KeyPair stranger = GenerateSigningKey();
  struct Target {
    std::string method, target, body;
  };
  const Target targets[] = {{"GET", "/api/v1/sync/heads", ""},
                            {"POST", "/api/v1/sync/pull", R"({"have":{}})"},
                            {"POST", "/api/v1/sync/push", R"({"events":[],"seals":[]})"}};
  auto expect_denied = [&](const Answer& a, const std::string& what) {
    EXPECT_EQ(a.status, 401) << what << ": " << json::serialize(a.body);
    EXPECT_EQ(a.Type(), "peer-auth-failed") << what;
  };
  for (const Target& t : targets) {
    SCOPED_TRACE(t.target);
    // Properly signed, it works.
    EXPECT_EQ(Signed(key.secret_key, "office-1", t.method, t.target, t.body).status, 200);

    expect_denied(Call(t.method, t.target, t.body), "unsigned");
    expect_denied(Call(t.method, t.target, t.body, admin), "a signed-in administrator");
    expect_denied(Signed(stranger.secret_key, "office-1", t.method, t.target, t.body), "another key");
    expect_denied(Signed(stranger.secret_key, "office-9", t.method, t.target, t.body), "a node not enrolled");
    expect_denied(Signed(key.secret_key, "office-1", t.method, t.target, t.body, -sync::kMaxSkewMs - 1000),
                  "a stale date");
    expect_denied(Signed(key.secret_key, "office-1", t.method, t.target, t.body, sync::kMaxSkewMs + 1000),
                  "a date in the future");
    // Signed for something else than what is sent.
    auto headers = sync::SignRequest(key.secret_key, "Springfield", "office-1", t.method, t.target,
                                     clock_.NowMs(), t.body + " ");
    expect_denied(Call(t.method, t.target, t.body, "", headers), "another body");
    headers = sync::SignRequest(key.secret_key, "Springfield", "office-1", t.method, "/api/v1/sync/heads?x=1",
                                clock_.NowMs(), t.body);
    expect_denied(Call(t.method, t.target, t.body, "", headers), "another target");
    headers = sync::SignRequest(key.secret_key, "Shelbyville", "office-1", t.method, t.target, clock_.NowMs(),
                                t.body);
    expect_denied(Call(t.method, t.target, t.body, "", headers), "another city");
    // Malformed headers.
    headers = sync::SignRequest(key.secret_key, "Springfield", "office-1", t.method, t.target, clock_.NowMs(),
                                t.body);
    auto with = [&](const std::string& name, const std::string& value) {
      auto h = headers;
      for (auto& [k, v] : h) {
        if (k == name) v = value;
      }
      return Call(t.method, t.target, t.body, "", h);
    };
    expect_denied(with("Holdfast-Date", "yesterday"), "a date that is not a number");
    expect_denied(with("Holdfast-Signature", "zz"), "a signature that is not hex");
    expect_denied(with("Holdfast-Node", "Office 1"), "a node id that is not one");
    // A staff session together with a bad signature is still refused.
    expect_denied(Signed(stranger.secret_key, "office-1", t.method, t.target, t.body, 0, admin),
                  "a session and a bad signature");
  }
}

TEST_F(SyncApiTest, HostilePushesAreRefusedWhileTheNodeKeepsServing) {
  std::string admin = AdminToken();
  KeyPair key;
  auto office = JoinOffice("office-1", &key);
  ASSERT_NE(office, nullptr);
  ASSERT_TRUE(Sync(*office).ok());
  AddParties(*office, 5, "Office One");  // office-1/1..5, sealed at 5
  const Holdings before = Hold(*node_);
  auto push = [&](std::string_view body) {
    return Signed(key.secret_key, "office-1", "POST", "/api/v1/sync/push", body);
  };
  auto expect_refused = [&](std::string_view body, int status, std::string_view type, const char* what) {
    Answer a = push(body);
    EXPECT_EQ(a.status, status) << what << ": " << json::serialize(a.body);
    EXPECT_EQ(a.Type(), type) << what << ": " << json::serialize(a.body);
    EXPECT_EQ(Hold(*node_), before) << what;
    ExpectServing();
  };
  std::map<std::string, int64_t> central_has = {{"central", node_->writer().head().seq}};
  const std::string legit = Wire(*office, central_has);
  auto decoded = sync::DecodeBundle(legit);
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->events.size(), 5u);

  sync::Bundle forged = *decoded;
  forged.seals.back().signature[10] ^= 0x20;
  expect_refused(sync::EncodeBundle(forged), 422, "forged-seal", "a forged seal");

  sync::Bundle broken = *decoded;
  broken.events.erase(broken.events.begin() + 2);
  expect_refused(sync::EncodeBundle(broken), 422, "broken-chain", "a dropped event");

  // An event in central's feed, sealed by office-1: a feed the pushing node does not own.
  {
    auto db = node_->Read();
    ASSERT_TRUE(db.ok());
    auto head = store::LoadHead(**db, "central");
    ASSERT_TRUE(head.ok());
    journal::Event e{"central",
                     head->seq + 1,
                     head->hash,
                     {clock_.NowMs(), 0},
                     "system",
                     "party.created",
                     json::object{{"id", "p-central-99"},
                                  {"kind", "person"},
                                  {"name", "Mallory"},
                                  {"email", ""},
                                  {"phone", ""},
                                  {"address", json::object{}}}};
    auto se = journal::Encode(e);
    ASSERT_TRUE(se.ok()) << se.status().ToString();
    sync::Bundle b;
    b.events.push_back(*se);
    b.seals.push_back(journal::MakeSeal(key.secret_key, "central", e.seq, se->HashHex()));
    expect_refused(sync::EncodeBundle(b), 422, "forged-seal", "an event in another node's feed");
  }
  // The feed of a node the city never enrolled.
  {
    testing::TempDir rogue_dir;
    KeyPair rogue_key = GenerateSigningKey();
    ASSERT_TRUE(
        store::Node::Create(rogue_dir.path(), "Springfield", "rogue", domain::NodeRegistry(), rogue_key)
            .ok());
    auto rogue = store::Node::Open(rogue_dir.path(), domain::NodeRegistry(), {&clock_});
    ASSERT_TRUE(rogue.ok());
    AddParties(**rogue, 2);
    expect_refused(Wire(**rogue, {}), 422, "unknown-feed", "an unknown feed");
  }
  expect_refused("garbage", 422, "bad-bundle", "garbage");
  expect_refused(std::string(2 << 20, 'x'), 422, "bad-bundle", "2 MiB of garbage (under the sync limit)");
  expect_refused(std::string_view(legit).substr(0, legit.size() / 2), 422, "bad-bundle",
                 "a truncated bundle");
  expect_refused("", 422, "bad-bundle", "an empty body");

  // Over the sync body limit: refused from the headers, before the body is read.
  {
    const size_t limit = 2 * sync::kMaxBundleBytes + 4096;
    auto headers = sync::SignRequest(key.secret_key, "Springfield", "office-1", "POST", "/api/v1/sync/push",
                                     clock_.NowMs(), "");
    std::string request = fmt::format(
        "POST /api/v1/sync/push HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: {}\r\n",
        limit + 1);
    for (const auto& [k, v] : headers) request += fmt::format("{}: {}\r\n", k, v);
    request += "\r\n" + std::string(65536, '{');
    std::string answer = RawExchange(server_->port(), request);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 413")) << answer.substr(0, 300);
    EXPECT_NE(answer.find("application/problem+json"), std::string::npos);
    EXPECT_NE(answer.find(fmt::format("limit of {} bytes", limit)), std::string::npos) << answer;
    EXPECT_EQ(Hold(*node_), before);
    ExpectServing();
  }
  // The larger limit is for sync routes only.
  Answer big_party = Call("POST", "/api/v1/parties", std::string(2 << 20, ' '), admin);
  EXPECT_EQ(big_party.status, 413);
  EXPECT_NE(big_party.Str("detail").find(fmt::format("limit of {} bytes", server_options_.body_limit)),
            std::string::npos)
      << json::serialize(big_party.body);

  // The real bundle is still taken.
  Answer ok = push(legit);
  ASSERT_EQ(ok.status, 200) << json::serialize(ok.body);
  EXPECT_EQ(ok.body.at("stored").as_int64(), 5);
  const Holdings after = Hold(*office);
  EXPECT_EQ(Hold(*node_).digest, Hold(*office).digest);

  // Another event at office-1/5, sealed by office-1's own key: a fork, and the feed is quarantined.
  {
    auto db = office->Read();
    ASSERT_TRUE(db.ok());
    auto fifth = store::LoadEvent(**db, "office-1", 5);
    ASSERT_TRUE(fifth.ok() && fifth->has_value());
    journal::Event e = (*fifth)->event;
    e.data["name"] = "Someone Else";
    auto se = journal::Encode(e);
    ASSERT_TRUE(se.ok());
    sync::Bundle b;
    b.events.push_back(*se);
    b.seals.push_back(journal::MakeSeal(key.secret_key, "office-1", 5, se->HashHex()));
    Answer fork = push(sync::EncodeBundle(b));
    EXPECT_EQ(fork.status, 409) << json::serialize(fork.body);
    EXPECT_EQ(fork.Type(), "fork");
    EXPECT_EQ(Hold(*node_), after);
    ExpectServing();
  }
  Answer heads = Signed(key.secret_key, "office-1", "GET", "/api/v1/sync/heads");
  ASSERT_EQ(heads.status, 200);
  EXPECT_EQ(json::serialize(heads.body.at("quarantined")), R"(["office-1"])");
  Answer status = Call("GET", "/api/v1/sync/status", {}, admin);
  ASSERT_EQ(status.status, 200);
  const json::array& quarantined = status.body.at("quarantined").as_array();
  ASSERT_EQ(quarantined.size(), 1u);
  EXPECT_EQ(StringOr(quarantined[0].as_object(), "feed"), "office-1");
  EXPECT_EQ(IntOr(quarantined[0].as_object(), "seq"), 5);
  Answer metrics = Call("GET", "/metrics");
  EXPECT_NE(metrics.raw.body.find("\nholdfast_sync_quarantined_feeds 1\n"), std::string::npos)
      << metrics.raw.body;
  // Nothing more of the feed is taken.
  AddParties(*office, 1);
  Answer later = push(Wire(*office, {{"central", node_->writer().head().seq}, {"office-1", 5}}));
  EXPECT_EQ(later.status, 422);
  EXPECT_EQ(later.Type(), "quarantined");
  EXPECT_EQ(Hold(*node_), after);

  // The node's own clients were never held up.
  EXPECT_EQ(Call("POST", "/api/v1/parties", R"({"kind":"person","name":"Still Here"})", admin).status, 201);
}

TEST_F(SyncApiTest, HostilePullAnswersFailTheRoundAndStoreNothing) {
  std::string admin = AdminToken();
  ASSERT_EQ(Call("POST", "/api/v1/parties", R"({"kind":"person","name":"Ann Central"})", admin).status, 201);
  auto office = JoinOffice("office-1");
  ASSERT_NE(office, nullptr);
  const Holdings empty = Hold(*office);
  ASSERT_TRUE(empty.events.empty());
  const std::string heads = HeadsJson();
  const std::string bundle = Wire(*node_, {});
  auto forged = sync::DecodeBundle(bundle);
  ASSERT_TRUE(forged.ok());
  forged->seals.back().signature[0] ^= 1;

  struct Case {
    const char* name;
    FakePeer::Pull mode;
    std::string body;
  };
  const Case cases[] = {
      {"an endless body", FakePeer::Pull::kEndless, ""},
      {"a body announced as 100 GB", FakePeer::Pull::kHugeLength, ""},
      {"garbage", FakePeer::Pull::kBody, "<html>502 Bad Gateway</html>"},
      {"a truncated bundle", FakePeer::Pull::kBody, bundle.substr(0, bundle.size() * 2 / 3)},
      {"a forged bundle", FakePeer::Pull::kBody, sync::EncodeBundle(*forged)},
      {"a connection cut mid-bundle", FakePeer::Pull::kCut, bundle},
      {"no answer", FakePeer::Pull::kSilent, ""},
  };
  const milliseconds timeout(2000);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FakePeer peer(heads, c.mode, c.body);
    auto started = Clock::now();
    auto r = http::SyncWithPeer(*office, peer.url(), timeout);
    auto took = Clock::now() - started;
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(peer.pulls(), 1);
    EXPECT_LT(took, timeout + milliseconds(5000));
    EXPECT_EQ(Hold(*office), empty);
    if (!r.ok()) {
      EXPECT_FALSE(r.error().detail.empty());
    }
  }
  // Heads with absurd numbers: the count of what is missing stops at the largest count; negative ones are
  // refused.
  auto heads_with = [](json::object heads) {
    return json::serialize(json::object{{"node", "central"},
                                        {"city", "Springfield"},
                                        {"heads", std::move(heads)},
                                        {"quarantined", json::array{}}});
  };
  {
    FakePeer peer(heads_with(json::object{{"central", json::object{{"seq", INT64_MAX}}},
                                          {"office-7", json::object{{"seq", INT64_MAX}}}}),
                  FakePeer::Pull::kBody, R"({"events":[],"seals":[],"more":false})");
    // The peer claims to be central; for the round to complete it shows a checkpoint central signed.
    peer.set_checkpoint(journal::SignCheckpoint({journal::LogOrigin("Springfield", "central"), 1, Hash{}},
                                                node_->secret_key(), node_->public_key()));
    auto r = http::SyncWithPeer(*office, peer.url(), timeout);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->behind, INT64_MAX);
    EXPECT_EQ(r->received, 0);
    EXPECT_EQ(Hold(*office), empty);
  }
  for (const json::value& seq : {json::value(-1), json::value("7"), json::value(1.5), json::value(nullptr)}) {
    FakePeer peer(heads_with(json::object{{"central", json::object{{"seq", seq}}}}), FakePeer::Pull::kBody,
                  bundle);
    auto r = http::SyncWithPeer(*office, peer.url(), timeout);
    EXPECT_FALSE(r.ok()) << json::serialize(seq);
    EXPECT_EQ(peer.pulls(), 0);
    EXPECT_EQ(Hold(*office), empty);
  }
  // A peer of another city.
  {
    std::string elsewhere = heads;
    elsewhere.replace(elsewhere.find("Springfield"), 11, "Shelbyville");
    FakePeer peer(elsewhere, FakePeer::Pull::kBody, bundle);
    auto r = http::SyncWithPeer(*office, peer.url(), timeout);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(peer.pulls(), 0);
  }

  // The node still works, and syncs with the real central.
  AddParties(*office, 1);
  auto real = Sync(*office);
  ASSERT_TRUE(real.ok()) << real.status().ToString();
  EXPECT_EQ(Hold(*office), Hold(*node_));
}

TEST_F(SyncApiTest, StatusAndMetricsShowEachPeer) {
  std::string admin = AdminToken();
  auto office_node = JoinOffice("office-1");
  ASSERT_NE(office_node, nullptr);
  // Serve office-1 with central as its peer, as `holdfast serve --peer` does.
  http::App office_app(*office_node);
  http::ServerOptions so;
  so.port = 0;
  so.large_body_prefix = "/api/v1/sync/";
  so.large_body_limit = 2 * sync::kMaxBundleBytes + 4096;
  http::Server office_server(so, [&](http::Request&& r, http::Responder respond) {
    office_app.Handle(std::move(r), std::move(respond));
  });
  ASSERT_TRUE(office_server.Start().ok());
  const std::string central_url = CentralUrl();
  http::Syncer syncer(*office_node, {central_url}, office_app.peers(), milliseconds(50));
  syncer.Start();
  http::Client office_client("127.0.0.1", office_server.port());
  auto metrics = [&] {
    auto r = office_client.Get("/metrics");
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->body : "";
  };
  const std::string labels = fmt::format("{{peer=\"{}\",node=\"central\"}}", central_url);
  ASSERT_TRUE(Eventually([&] {
    return metrics().find("holdfast_sync_peer_up" + labels + " 1") != std::string::npos;
  })) << metrics();
  std::string m = metrics();
  EXPECT_NE(m.find("holdfast_sync_peer_behind_events" + labels + " 0\n"), std::string::npos) << m;
  EXPECT_NE(m.find("holdfast_sync_peer_ahead_events" + labels + " 0\n"), std::string::npos) << m;
  EXPECT_NE(m.find("# TYPE holdfast_sync_peer_last_contact_timestamp_seconds gauge"), std::string::npos);
  EXPECT_NE(m.find("holdfast_sync_peer_last_contact_timestamp_seconds" + labels + " " +
                   std::to_string(clock_.NowMs() / 1000)),
            std::string::npos)
      << m;

  // Staff accounts came with the records: the administrator signs in at the office with the password chosen
  // at central.
  Answer signin;
  {
    auto r = office_client.Post(
        "/api/v1/sessions",
        json::serialize(json::object{{"username", "admin"}, {"password", admin_password_}}));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 201) << r->body;
    office_client.SetHeader("Authorization",
                            "Bearer " + std::string(ParseJson(r->body)->at("token").as_string()));
  }
  auto office_status = [&] {
    auto r = office_client.Get("/api/v1/sync/status");
    EXPECT_TRUE(r.ok() && r->status == 200);
    auto v = ParseJson(r.ok() ? r->body : "");
    return v.ok() && v->is_object() ? v->as_object() : json::object{};
  };
  json::object status = office_status();
  EXPECT_EQ(StringOr(status, "node"), "office-1");
  ASSERT_EQ(ArrayOr(status, "peers").size(), 1u);
  json::object peer = ArrayOr(status, "peers")[0].as_object();
  EXPECT_EQ(StringOr(peer, "url"), central_url);
  EXPECT_EQ(StringOr(peer, "node"), "central");
  EXPECT_TRUE(BoolOr(peer, "up"));
  EXPECT_GT(IntOr(peer, "last_contact_at"), 0);
  EXPECT_EQ(StringOr(peer, "last_error"), "");
  EXPECT_GT(IntOr(peer, "received_total"), 0);

  // A party written at the office reaches central (its sign-in reached central already).
  auto created = office_client.Post("/api/v1/parties", R"({"kind":"person","name":"Written At Office"})");
  ASSERT_TRUE(created.ok());
  ASSERT_EQ(created->status, 201) << created->body;
  std::string id(ParseJson(created->body)->at("id").as_string());
  syncer.Nudge();
  ASSERT_TRUE(Eventually([&] { return Call("GET", "/api/v1/parties/" + id, {}, admin).status == 200; }));
  Answer central_status = Call("GET", "/api/v1/sync/status", {}, admin);
  ASSERT_EQ(central_status.status, 200);
  EXPECT_GT(IntOr(central_status.body.as_object().at("feeds").as_object(), "office-1"), 0);

  // Central goes away: the office says so, and keeps serving its own clients.
  Stop();
  syncer.Nudge();
  ASSERT_TRUE(Eventually([&] {
    return metrics().find("holdfast_sync_peer_up" + labels + " 0") != std::string::npos;
  })) << metrics();
  peer = ArrayOr(office_status(), "peers")[0].as_object();
  EXPECT_FALSE(BoolOr(peer, "up"));
  EXPECT_NE(StringOr(peer, "last_error"), "");
  EXPECT_GT(IntOr(peer, "failures"), 0);
  auto still = office_client.Post("/api/v1/parties", R"({"kind":"person","name":"Offline Write"})");
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->status, 201);

  syncer.Stop();
  http::StopServing(office_server, office_app, *office_node);
}

// A peer never receives an event of this node's feed that the disk has not confirmed (the node could lose it
// to a power cut and then write another event at that seq: a fork to its peers). While the writer's sync is
// held, a write is committed, and an office's pull waits; then it carries the write.
TEST_F(SyncApiTest, APullCarriesNoEventBeforeItIsOnDisk) {
  std::string admin = AdminToken();
  KeyPair key;
  auto office = JoinOffice("office-1", &key);
  ASSERT_NE(office, nullptr);
  const int64_t head = node_->writer().head().seq;
  GatedSync gate(node_->writer());
  auto write = std::async(std::launch::async, [&] {
    return Call("POST", "/api/v1/parties", R"({"kind":"person","name":"Pat Held"})", admin).status;
  });
  gate.WaitUntilASyncWaits();
  auto pull = std::async(std::launch::async, [&] {
    return Signed(key.secret_key, "office-1", "POST", "/api/v1/sync/pull", R"({"have":{}})");
  });
  EXPECT_EQ(pull.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout)
      << "a pull was answered with an event not on disk";

  gate.Open();
  EXPECT_EQ(write.get(), 201);
  Answer pulled = pull.get();
  ASSERT_EQ(pulled.status, 200) << json::serialize(pulled.body);
  auto bundle = sync::DecodeBundle(pulled.raw.body);
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  int64_t newest = 0;
  for (const auto& se : bundle->events) {
    if (se.event.feed == node_->id()) newest = std::max(newest, se.event.seq);
  }
  EXPECT_GT(newest, head) << "the pull, once the write was on disk, does not carry it";
}

}  // namespace
}  // namespace holdfast::testing
