// The counter stays open: a central node and two office nodes as real processes on loopback. The offices are
// cut off from central (its process is killed), each runs a day at the animal-control counter while cut off,
// and both renew the same license and edit the same owner. When central comes back on its address, all three
// converge within seconds to the same state digest, every acknowledged write is on every node, each of the
// two conflicts is in every node's queue exactly once, and `holdfast verify` passes everywhere.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "base/date.h"
#include "domain/fees.h"
#include "http/client.h"
#include "process.h"
#include "test_support.h"

namespace holdfast::testing {
namespace {

using Clock = std::chrono::steady_clock;

struct Answer {
  int status = 0;
  json::value body;
  std::string Str(std::string_view key) const {
    return body.is_object() ? std::string(StringOr(body.as_object(), key)) : "";
  }
};

// One node: its data directory, its serving process and a client to it.
struct Site {
  std::string name, dir;
  std::unique_ptr<ServeProcess> serve;
  std::unique_ptr<http::Client> client;

  void Start(const std::string& log, const std::string& listen, const std::vector<std::string>& extra = {}) {
    serve = std::make_unique<ServeProcess>(dir, log, listen, extra);
    ASSERT_TRUE(serve->ready()) << serve->error();
    client = std::make_unique<http::Client>("127.0.0.1", serve->port());
    client->SetTimeout(std::chrono::seconds(30));
  }

  Answer Call(const std::string& method, const std::string& path, const std::string& body,
              const std::string& token) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    auto r = client->Request(method, path, body, headers);
    EXPECT_TRUE(r.ok()) << name << " " << method << " " << path << ": " << r.status().ToString();
    if (!r.ok()) return {};
    auto v = ParseJson(r->body);
    return {r->status, v.ok() ? *v : json::value(nullptr)};
  }
  Answer Post(const std::string& path, const json::value& body, const std::string& token) {
    return Call("POST", path, json::serialize(body), token);
  }

  std::string SignIn(const std::string& user, const std::string& password) {
    Answer a = Post("/api/v1/sessions", json::object{{"username", user}, {"password", password}}, "");
    EXPECT_EQ(a.status, 201) << name << ": " << json::serialize(a.body);
    return a.Str("token");
  }
};

json::object Renew(const std::string& license) {
  return {{"action", "renew"}, {"license", license}, {"term_years", 1}};
}
json::array Check(int64_t cents, const std::string& number) {
  return {json::object{{"kind", "check"}, {"amount_cents", cents}, {"number", number}}};
}
json::array Cash(int64_t cents) { return {json::object{{"kind", "cash"}, {"amount_cents", cents}}}; }

class PartitionTest : public ::testing::Test {
 protected:
  TempDir dir_;
  Site central_{"central", dir_.Sub("central")};
  Site offices_[2] = {{"office-1", dir_.Sub("office-1")}, {"office-2", dir_.Sub("office-2")}};
  std::string admin_password_;
  Date today_ = Date::FromUnixMs(SystemClock::Get().NowMs());

  std::string Log(const std::string& name) const { return dir_.Sub(name + ".log"); }

  // Creates a user with `role` at central and chooses its password.
  void AddUser(const std::string& admin, const std::string& username, const std::string& role) {
    Answer c =
        central_.Post("/api/v1/users",
                      json::object{{"username", username}, {"roles", json::array{json::value(role)}}}, admin);
    ASSERT_EQ(c.status, 201) << json::serialize(c.body);
    std::string token = central_.SignIn(username, c.Str("one_time_password"));
    Answer p = central_.Call("PUT", "/api/v1/users/me/password",
                             json::serialize(json::object{{"current_password", c.Str("one_time_password")},
                                                          {"new_password", username + "-password-1"}}),
                             token);
    ASSERT_EQ(p.status, 200) << json::serialize(p.body);
  }

  std::string Party(const std::string& token, const std::string& name) {
    Answer a = central_.Post("/api/v1/parties", json::object{{"kind", "person"}, {"name", name}}, token);
    EXPECT_EQ(a.status, 201) << json::serialize(a.body);
    return a.Str("id");
  }
  std::string Dog(const std::string& token, const std::string& owner, const std::string& name, bool altered,
                  Date rabies_expires) {
    Answer a =
        central_.Post("/api/v1/pets",
                      json::object{{"owner_party_id", owner},
                                   {"species", "dog"},
                                   {"name", name},
                                   {"altered", altered},
                                   {"rabies", json::object{{"certificate", "RV-" + name},
                                                           {"veterinarian", "Springfield Animal Hospital"},
                                                           {"given_on", today_.AddDays(-30).ToString()},
                                                           {"expires_on", rabies_expires.ToString()}}}},
                      token);
    EXPECT_EQ(a.status, 201) << json::serialize(a.body);
    return a.Str("id");
  }

  // The feeds each node holds, as its sync status shows them; equal everywhere once converged.
  json::object Feeds(Site& site, const std::string& token) {
    Answer a = site.Call("GET", "/api/v1/sync/status", "", token);
    return a.status == 200 ? a.body.at("feeds").as_object() : json::object{};
  }
};

TEST_F(PartitionTest, OfficesCutOffFromCentralKeepSellingAndConvergeWithEveryConflictOnce) {
  // --- The city: central founded, staff, a fee schedule, owners, dogs and this year's licenses.
  RunResult init =
      RunHoldfast({"init", "--data", central_.dir, "--city", "Springfield", "--node", "central"});
  ASSERT_EQ(init.exit_code, 0) << init.Describe();
  size_t at = init.out.find("password: ");
  ASSERT_NE(at, std::string::npos) << init.out;
  std::string first_password = init.out.substr(at + 10, init.out.find('\n', at) - at - 10);
  central_.Start(Log("central"), "127.0.0.1:0");
  const uint16_t central_port = central_.serve->port();
  const std::string central_url = "http://127.0.0.1:" + std::to_string(central_port);
  std::string admin = central_.SignIn("admin", first_password);
  ASSERT_EQ(central_
                .Call("PUT", "/api/v1/users/me/password",
                      json::serialize(json::object{{"current_password", first_password},
                                                   {"new_password", "admin-password-2026"}}),
                      admin)
                .status,
            200);
  admin_password_ = "admin-password-2026";
  AddUser(admin, "casey", "clerk");
  AddUser(admin, "sam", "supervisor");
  domain::FeeSchedule schedule = domain::ExampleFeeSchedule(Date::FromCivil(2020, 1, 1));
  schedule.renewal_window_days = 365;  // this year's licenses may be renewed for next year today
  ASSERT_EQ(central_.Post("/api/v1/fee-schedules", schedule.ToJson(), admin).status, 201);
  ASSERT_EQ(central_.Post("/api/v1/tag-ranges", json::object{{"first", 1}, {"last", 99}}, admin).status, 201);

  struct Household {
    std::string owner, altered, unaltered;  // licenses
  };
  Date rabies = today_.AddYears(3);
  Answer drawer = central_.Post("/api/v1/drawers", json::object{{"float_cents", 0}}, admin);
  ASSERT_EQ(drawer.status, 201);
  int64_t tag = 1;
  auto license = [&](const std::string& pet) {
    Answer a = central_.Post(
        "/api/v1/counter/sales",
        json::object{{"drawer_id", drawer.Str("id")},
                     {"items", json::array{json::object{
                                   {"action", "issue"}, {"pet_id", pet}, {"term_years", 1}, {"tag", tag++}}}},
                     {"tenders", Cash(4000)}},
        admin);
    EXPECT_EQ(a.status, 201) << json::serialize(a.body);
    return std::string(a.body.at("licenses").at(0).at("number").as_string());
  };
  Household two_dogs[2], one_dog[2];
  std::string lapsed_dog[2];
  for (int i = 0; i < 2; ++i) {
    std::string suffix = std::to_string(i + 1);
    two_dogs[i].owner = Party(admin, "Maria Gonzalez " + suffix);
    two_dogs[i].altered = license(Dog(admin, two_dogs[i].owner, "Biscuit" + suffix, true, rabies));
    two_dogs[i].unaltered = license(Dog(admin, two_dogs[i].owner, "Tango" + suffix, false, rabies));
    one_dog[i].owner = Party(admin, "James Carter " + suffix);
    one_dog[i].altered = license(Dog(admin, one_dog[i].owner, "Rex" + suffix, true, rabies));
    lapsed_dog[i] =
        Dog(admin, Party(admin, "Aisha Rahman " + suffix), "Duke" + suffix, true, today_.AddDays(-1));
  }
  std::string pat = Party(admin, "Pat Shared");
  std::string shared_license = license(Dog(admin, pat, "Scout", true, rabies));
  ASSERT_EQ(central_
                .Post("/api/v1/drawers/" + drawer.Str("id") + "/close",
                      json::object{
                          {"counted", json::array{json::object{{"denomination_cents", 10000}, {"count", 2}},
                                                  json::object{{"denomination_cents", 2000}, {"count", 1}}}}},
                      admin)
                .status,
            200);

  // --- Two offices join and start syncing with central every 200 ms.
  for (int i = 0; i < 2; ++i) {
    Site& office = offices_[i];
    RunResult invite = RunHoldfast({"node", "invite", "--data", central_.dir, "--node", office.name});
    ASSERT_EQ(invite.exit_code, 0) << invite.Describe();
    size_t t = invite.out.find("hfi-");
    ASSERT_NE(t, std::string::npos) << invite.out;
    RunResult join = RunHoldfast(
        {"join", "--data", office.dir, "--central", central_url, "--token", invite.out.substr(t, 52)});
    ASSERT_EQ(join.exit_code, 0) << join.Describe();
    office.Start(Log(office.name), "127.0.0.1:0", {"--sync-every", "0.2"});
    std::string office_admin = office.SignIn("admin", admin_password_);
    // Each office receives its own box of tags.
    ASSERT_EQ(office
                  .Post("/api/v1/tag-ranges",
                        json::object{{"first", 1000 * (i + 1)}, {"last", 1000 * (i + 1) + 99}}, office_admin)
                  .status,
              201);
  }

  // --- The link is cut: central dies.
  ASSERT_TRUE(central_.serve->Kill());

  // --- A day at each office's counter, cut off.
  std::vector<std::string> receipts[2];
  std::vector<std::string> renewed[2];
  for (int i = 0; i < 2; ++i) {
    Site& office = offices_[i];
    std::string clerk = office.SignIn("casey", "casey-password-1");  // staff accounts came with the records
    ASSERT_FALSE(clerk.empty());
    Answer opened = office.Post("/api/v1/drawers", json::object{{"float_cents", 10000}}, clerk);
    ASSERT_EQ(opened.status, 201) << json::serialize(opened.body);
    std::string d = opened.Str("id");
    auto sell = [&](json::array items, json::array tenders) {
      return office.Post(
          "/api/v1/counter/sales",
          json::object{{"drawer_id", d}, {"items", std::move(items)}, {"tenders", std::move(tenders)}},
          clerk);
    };
    // Two dogs, one altered and one not, on one receipt paid by check.
    Answer two =
        sell(json::array{Renew(two_dogs[i].altered), Renew(two_dogs[i].unaltered)}, Check(5500, "1234"));
    ASSERT_EQ(two.status, 201) << json::serialize(two.body);
    receipts[i].push_back(std::string(two.body.at("receipt").at("receipt").as_string()));
    EXPECT_NE(receipts[i].back().find(office.name), std::string::npos);  // the office's own receipt series
    renewed[i] = {two_dogs[i].altered, two_dogs[i].unaltered};
    // Another owner pays cash and gets change.
    Answer cash = sell(json::array{Renew(one_dog[i].altered)}, Cash(2000));
    ASSERT_EQ(cash.status, 201) << json::serialize(cash.body);
    EXPECT_EQ(cash.body.at("receipt").at("change_cents").as_int64(), 500);
    receipts[i].push_back(std::string(cash.body.at("receipt").at("receipt").as_string()));
    renewed[i].push_back(one_dog[i].altered);
    // A dog whose rabies vaccination lapsed is refused with the reason.
    Answer lapsed = sell(json::array{json::object{
                             {"action", "issue"}, {"pet_id", lapsed_dog[i]}, {"tag", 1000 * (i + 1) + 5}}},
                         Cash(1500));
    EXPECT_EQ(lapsed.status, 422) << json::serialize(lapsed.body);
    EXPECT_TRUE(lapsed.Str("type").ends_with("/rabies-expired")) << lapsed.Str("type");
    // Both offices renew Pat's license: only one renewal can stand.
    Answer shared = sell(json::array{Renew(shared_license)}, Check(1500, "77" + std::to_string(i)));
    ASSERT_EQ(shared.status, 201) << json::serialize(shared.body);
    receipts[i].push_back(std::string(shared.body.at("receipt").at("receipt").as_string()));
    // A fee rung up by mistake, voided with the supervisor's approval.
    Answer mistake = office.Post(
        "/api/v1/payments",
        json::object{
            {"drawer_id", d},
            {"items", json::array{json::object{
                          {"code", "TAG-REPL"}, {"description", "Replacement tag"}, {"amount_cents", 500}}}},
            {"tenders", Cash(500)}},
        clerk);
    ASSERT_EQ(mistake.status, 201) << json::serialize(mistake.body);
    receipts[i].push_back(mistake.Str("receipt"));
    Answer voided = office.Post(
        "/api/v1/receipts/" + mistake.Str("receipt") + "/void",
        json::object{{"reason", "rung up by mistake"},
                     {"approval", json::object{{"username", "sam"}, {"password", "sam-password-1"}}}},
        clerk);
    ASSERT_EQ(voided.status, 200) << json::serialize(voided.body);
    // Both offices correct Pat's name, differently.
    Answer edited = office.Call("PATCH", "/api/v1/parties/" + pat,
                                json::serialize(json::object{{"name", "Pat Shared " + office.name}}), clerk);
    ASSERT_EQ(edited.status, 200) << json::serialize(edited.body);
    // The drawer closes balanced: 100.00 float + 20.00 cash - 5.00 change.
    Answer closed = office.Post(
        "/api/v1/drawers/" + d + "/close",
        json::object{{"counted", json::array{json::object{{"denomination_cents", 10000}, {"count", 1}},
                                             json::object{{"denomination_cents", 1000}, {"count", 1}},
                                             json::object{{"denomination_cents", 500}, {"count", 1}}}}},
        clerk);
    ASSERT_EQ(closed.status, 200) << json::serialize(closed.body);
    EXPECT_EQ(closed.body.at("over_short_cents").as_int64(), 0);
    // The office knows central is not answering.
    Answer status = office.Call("GET", "/api/v1/sync/status", "", clerk);
    ASSERT_EQ(status.status, 200);
    EXPECT_FALSE(status.body.at("peers").at(0).at("up").as_bool()) << json::serialize(status.body);
  }

  // --- The link comes back: central restarts on its address.
  central_.Start(Log("central"), "127.0.0.1:" + std::to_string(central_port));
  auto restored = Clock::now();
  std::string tokens[3] = {central_.SignIn("admin", admin_password_),
                           offices_[0].SignIn("admin", admin_password_),
                           offices_[1].SignIn("admin", admin_password_)};
  Site* sites[3] = {&central_, &offices_[0], &offices_[1]};
  bool converged = false;
  while (!converged && Clock::now() - restored < std::chrono::seconds(60)) {
    json::object f0 = Feeds(central_, tokens[0]);
    converged = f0.size() == 3 && Feeds(offices_[0], tokens[1]) == f0 && Feeds(offices_[1], tokens[2]) == f0;
    if (!converged) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  double seconds = std::chrono::duration<double>(Clock::now() - restored).count();
  ASSERT_TRUE(converged) << "no convergence within 60 s";
  EXPECT_LT(seconds, 10.0) << "converged, but only after " << seconds << " s";
  std::printf("converged %.2f s after central came back\n", seconds);

  // Every acknowledged write is on every node.
  for (int n = 0; n < 3; ++n) {
    for (int i = 0; i < 2; ++i) {
      for (const auto& r : receipts[i]) {
        EXPECT_EQ(sites[n]->Call("GET", "/api/v1/receipts/" + r, "", tokens[n]).status, 200)
            << sites[n]->name << " lacks receipt " << r;
      }
      for (const auto& l : renewed[i]) {
        Answer lic = sites[n]->Call("GET", "/api/v1/licenses/" + l, "", tokens[n]);
        EXPECT_EQ(lic.status, 200);
        EXPECT_EQ(IntOr(lic.body.as_object(), "renewals"), 1) << sites[n]->name << " " << l;
      }
    }
    // Each conflict is in the queue exactly once.
    Answer queue = sites[n]->Call("GET", "/api/v1/conflicts", "", tokens[n]);
    ASSERT_EQ(queue.status, 200);
    std::multiset<std::string> kinds;
    for (const auto& c : queue.body.at("items").as_array())
      kinds.insert(std::string(c.at("kind").as_string()));
    EXPECT_EQ(kinds, (std::multiset<std::string>{"license-renewed-twice", "party-edited-concurrently"}))
        << sites[n]->name << ": " << json::serialize(queue.body);
    Answer shared = sites[n]->Call("GET", "/api/v1/licenses/" + shared_license, "", tokens[n]);
    EXPECT_EQ(IntOr(shared.body.as_object(), "renewals"), 1);
  }

  // --- Stopped, the three hold one state, and each verifies.
  std::string digest;
  for (Site* s : sites) {
    std::string why;
    ASSERT_TRUE(s->serve->Stop(&why)) << s->name << ": " << why;
    RunResult verify = RunHoldfast({"verify", "--data", s->dir});
    EXPECT_EQ(verify.exit_code, 0) << s->name << ": " << verify.Describe();
    RunResult d = RunHoldfast({"digest", "--data", s->dir});
    ASSERT_EQ(d.exit_code, 0) << d.Describe();
    if (digest.empty()) digest = d.out.substr(0, 64);
    EXPECT_EQ(d.out.substr(0, 64), digest) << s->name;
  }
}

// A peer that accepts connections and never answers (a dead link that drops traffic rather than refusing it):
// the node's own clients are answered as if it were not there, while the sync round waits out its timeout.
TEST(DeadPeerTest, APeerThatNeverAnswersCostsTheNodesOwnClientsNothing) {
  TempDir dir;
  int hole = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(hole, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(hole, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(hole, 16), 0);  // connections complete in the backlog; nothing is ever read or written
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(hole, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string dead = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

  RunResult init =
      RunHoldfast({"init", "--data", dir.Sub("office"), "--city", "Springfield", "--node", "office"});
  ASSERT_EQ(init.exit_code, 0) << init.Describe();
  size_t at = init.out.find("password: ");
  std::string password = init.out.substr(at + 10, init.out.find('\n', at) - at - 10);
  Site office{"office", dir.Sub("office")};
  office.Start(dir.Sub("office.log"), "127.0.0.1:0", {"--peer", dead, "--sync-every", "0.1"});
  std::string token = office.SignIn("admin", password);
  ASSERT_EQ(office
                .Call("PUT", "/api/v1/users/me/password",
                      json::serialize(
                          json::object{{"current_password", password}, {"new_password", "a-new-password-1"}}),
                      token)
                .status,
            200);
  // The sync thread is now stuck on the dead peer; every write and read still answers at once.
  auto slowest = std::chrono::steady_clock::duration::zero();
  for (int i = 0; i < 50; ++i) {
    auto started = Clock::now();
    Answer a = office.Post("/api/v1/parties",
                           json::object{{"kind", "person"}, {"name", "Walk-in " + std::to_string(i)}}, token);
    ASSERT_EQ(a.status, 201);
    ASSERT_EQ(office.Call("GET", "/api/v1/parties/" + a.Str("id"), "", token).status, 200);
    slowest = std::max(slowest, Clock::now() - started);
  }
  EXPECT_LT(slowest, std::chrono::seconds(2)) << "a request waited on the dead peer";
  Answer status = office.Call("GET", "/api/v1/sync/status", "", token);
  ASSERT_EQ(status.status, 200);
  const json::object& peer = status.body.at("peers").at(0).as_object();
  EXPECT_EQ(StringOr(peer, "url"), dead);
  EXPECT_FALSE(peer.at("up").as_bool());
  EXPECT_EQ(IntOr(peer, "last_contact_at"), 0);
  close(hole);
}

}  // namespace
}  // namespace holdfast::testing
