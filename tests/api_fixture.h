// A node served over a real loopback connection (port 0) inside the test process, with a fake clock, and
// helpers to sign in and call the API.
#ifndef HOLDFAST_TESTS_API_FIXTURE_H_
#define HOLDFAST_TESTS_API_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/json.h"
#include "cli/verbs.h"
#include "domain/registry.h"
#include "http/app.h"
#include "http/client.h"
#include "http/gateway_client.h"
#include "http/server.h"
#include "http/test_gateway.h"
#include "process.h"
#include "store/node.h"
#include "test_support.h"

namespace holdfast::testing {

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto init = cli::InitNode(dir_.path(), "Springfield", "central", "admin");
    ASSERT_TRUE(init.ok()) << init.status().ToString();
    admin_password_ = init->admin_password;
    clock_.Set(SystemClock::Get().NowMs());
    Start();
  }

  void TearDown() override { Stop(); }

  void Start() {
    store::NodeOptions options;
    options.clock = &clock_;
    auto node = store::Node::Open(dir_.path(), domain::NodeRegistry(), options);
    ASSERT_TRUE(node.ok()) << node.status().ToString();
    node_ = std::move(*node);
    app_ = std::make_unique<http::App>(*node_, app_options_);
    http::ServerOptions so = server_options_;
    so.port = 0;
    server_ = std::make_unique<http::Server>(so, [this](http::Request&& r, http::Responder respond) {
      app_->Handle(std::move(r), std::move(respond));
    });
    ASSERT_TRUE(server_->Start().ok());
  }

  void Stop() {
    if (server_) http::StopServing(*server_, *app_, *node_);
    server_.reset();
    app_.reset();
    node_.reset();
  }
  // The node's state digest, as `holdfast digest` prints it (the node stopped).
  std::string Digest() {
    RunResult r = RunHoldfast({"digest", "--data", dir_.path()});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return r.out.substr(0, 64);
  }

  // Stops the node; `verify` finds nothing and a rebuild reproduces the same state digest.
  void ExpectVerifiedAndRebuiltAlike() {
    Stop();
    RunResult verify = RunHoldfast({"verify", "--data", dir_.path()});
    EXPECT_EQ(verify.exit_code, 0) << verify.Describe();
    std::string before = Digest();
    RunResult rebuilt = RunHoldfast({"rebuild", "--data", dir_.path()});
    ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.Describe();
    EXPECT_EQ(Digest(), before);
  }

  std::unique_ptr<http::Client> NewClient() {
    return std::make_unique<http::Client>("127.0.0.1", server_->port());
  }

  struct Answer {
    int status = 0;
    json::value body;
    http::ClientResponse raw;
    std::string Type() const {
      if (!body.is_object()) return "";
      std::string t(StringOr(body.as_object(), "type"));
      auto slash = t.rfind('/');
      return slash == std::string::npos ? t : t.substr(slash + 1);
    }
    std::string Str(std::string_view key) const {
      return body.is_object() ? std::string(StringOr(body.as_object(), key)) : "";
    }
  };

  // Sends a request; `token` "" sends no Authorization header.
  Answer Call(std::string_view method, std::string_view target, std::string_view body = {},
              const std::string& token = {}, std::vector<std::pair<std::string, std::string>> headers = {}) {
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    auto client = NewClient();
    auto r = client->Request(method, target, body, headers);
    Answer a;
    if (!r.ok()) {
      ADD_FAILURE() << "request failed: " << r.status().ToString();
      return a;
    }
    a.status = r->status;
    a.raw = *r;
    auto parsed = ParseJson(r->body);
    if (parsed.ok()) a.body = *parsed;
    // The contract of every error: problem+json, never a 5xx (but a 503 where a test allows it).
    if (!(allow_unavailable_ && a.status == 503)) {
      EXPECT_LT(a.status, 500) << method << " " << target << " answered " << r->body;
    }
    if (a.status >= 400) {
      EXPECT_EQ(r->Header("content-type"), "application/problem+json") << r->body;
    }
    return a;
  }

  Answer SignIn(const std::string& username, const std::string& password, const std::string& totp = {}) {
    json::object body{{"username", username}, {"password", password}};
    if (!totp.empty()) body["totp"] = totp;
    return Call("POST", "/api/v1/sessions", json::serialize(body));
  }

  // Signs the first admin in and replaces the one-time password. Returns a token.
  std::string AdminToken() {
    Answer a = SignIn("admin", admin_password_);
    EXPECT_EQ(a.status, 201) << json::serialize(a.body);
    std::string token = a.Str("token");
    Answer p = Call("PUT", "/api/v1/users/me/password",
                    json::serialize(json::object{{"current_password", admin_password_},
                                                 {"new_password", "admin-password-2026"}}),
                    token);
    EXPECT_EQ(p.status, 200) << json::serialize(p.body);
    admin_password_ = "admin-password-2026";
    return token;
  }

  // Creates a user with `roles` through the API and returns a signed-in token for them (password changed).
  // A user with `roles` (and, for a public user, the party they are), signed in with their password changed.
  std::string UserToken(const std::string& admin_token, const std::string& username, json::array roles,
                        std::string* id = nullptr, const std::string& party_id = "") {
    json::object user{{"username", username}, {"roles", std::move(roles)}};
    if (!party_id.empty()) user["party_id"] = party_id;
    Answer c = Call("POST", "/api/v1/users", json::serialize(user), admin_token);
    EXPECT_EQ(c.status, 201) << json::serialize(c.body);
    if (id) *id = c.Str("id");
    Answer s = SignIn(username, c.Str("one_time_password"));
    std::string token = s.Str("token");
    Answer p = Call("PUT", "/api/v1/users/me/password",
                    json::serialize(json::object{{"current_password", c.Str("one_time_password")},
                                                 {"new_password", username + "-password-1"}}),
                    token);
    EXPECT_EQ(p.status, 200) << json::serialize(p.body);
    return token;
  }
  // A resident's or contractor's sign-in: a public user who is `party_id`.
  std::string PublicUserToken(const std::string& admin_token, const std::string& username,
                              const std::string& party_id) {
    return UserToken(admin_token, username, json::array{"public"}, nullptr, party_id);
  }

  // A test card processor on loopback, and the node taking online payments through it; `timeout` is how long
  // the node waits for the processor's answer.
  void UseTestProcessor(http::TestGatewayOptions options = {},
                        std::chrono::milliseconds timeout = http::HttpGatewayOptions{}.timeout) {
    processor_ = std::make_unique<http::TestGateway>(options);
    ASSERT_TRUE(processor_->Start().ok());
    gateway_ = std::make_unique<http::HttpGateway>(
        http::HttpGatewayOptions{.host = "127.0.0.1", .port = processor_->port(), .timeout = timeout});
    app_->set_gateway(gateway_.get());
  }

  TempDir dir_;
  // Lets Call accept 503 (another system the node depends on did not answer) besides answers under 500.
  bool allow_unavailable_ = false;
  http::ServerOptions server_options_;
  http::AppOptions app_options_;  // e.g. web_dir, for tests of the browser UI's files
  FakeClock clock_;
  std::string admin_password_;
  std::unique_ptr<store::Node> node_;
  std::unique_ptr<http::App> app_;
  std::unique_ptr<http::TestGateway> processor_;  // set by UseTestProcessor
  std::unique_ptr<http::HttpGateway> gateway_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace holdfast::testing

#endif  // HOLDFAST_TESTS_API_FIXTURE_H_
