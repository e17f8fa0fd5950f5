// The HTTP API over a real connection: sign-in with password and TOTP, lockout, roles, malformed input,
// idempotent retries, parties, the OpenAPI document and the operational endpoints.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <random>
#include <set>

#include "api_fixture.h"
#include "auth/sessions.h"
#include "auth/totp.h"

#include <boost/asio.hpp>

namespace holdfast::testing {
namespace {

int64_t CountEvents(store::Node& node, std::string_view type) {
  auto db = node.Read();
  auto s = (*db)->Prepare("SELECT COUNT(*) FROM events WHERE type=?");
  (*s)->Bind(1, type);
  (void)(*s)->Step();
  return (*s)->Int(0);
}

TEST_F(ApiTest, OneTimePasswordMustBeChangedBeforeAnythingElse) {
  Answer a = SignIn("admin", admin_password_);
  ASSERT_EQ(a.status, 201);
  std::string token = a.Str("token");
  Answer refused = Call("GET", "/api/v1/users", {}, token);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.Type(), "password-change-required");
  Answer weak = Call("PUT", "/api/v1/users/me/password",
                     R"({"current_password":")" + admin_password_ + R"(","new_password":"short"})", token);
  EXPECT_EQ(weak.status, 422);
  EXPECT_EQ(weak.Type(), "weak-password");
  Answer wrong =
      Call("PUT", "/api/v1/users/me/password",
           R"({"current_password":"not-the-password","new_password":"a-long-enough-password"})", token);
  EXPECT_EQ(wrong.status, 401);
  Answer changed = Call(
      "PUT", "/api/v1/users/me/password",
      R"({"current_password":")" + admin_password_ + R"(","new_password":"a-long-enough-password"})", token);
  ASSERT_EQ(changed.status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/users", {}, token).status, 200);
  EXPECT_EQ(SignIn("admin", admin_password_).status, 401);  // the one-time password is gone
  EXPECT_EQ(SignIn("admin", "a-long-enough-password").status, 201);
}

TEST_F(ApiTest, StaffSignInNeedsTotpOnceEnrolledAndCodesWorkOnce) {
  std::string token = AdminToken();
  Answer fresh = Call("GET", "/api/v1/users/me/totp/new", {}, token);
  ASSERT_EQ(fresh.status, 200);
  auto secret = FromBase32(fresh.Str("secret"));
  ASSERT_TRUE(secret);
  EXPECT_TRUE(fresh.Str("otpauth_uri").starts_with("otpauth://totp/"));

  Answer bad_code =
      Call("POST", "/api/v1/users/me/totp",
           json::serialize(json::object{{"secret", fresh.Str("secret")}, {"code", "000000"}}), token);
  EXPECT_EQ(bad_code.status, 422);
  std::string code = auth::TotpCode(*secret, clock_.NowMs() / 1000);
  Answer enrolled =
      Call("POST", "/api/v1/users/me/totp",
           json::serialize(json::object{{"secret", fresh.Str("secret")}, {"code", code}}), token);
  ASSERT_EQ(enrolled.status, 201) << json::serialize(enrolled.body);
  EXPECT_TRUE(enrolled.body.at("totp_enrolled").as_bool());

  Answer no_code = SignIn("admin", admin_password_);
  EXPECT_EQ(no_code.status, 401);
  EXPECT_EQ(no_code.Type(), "totp-required");
  EXPECT_EQ(no_code.Str("field"), "totp");
  std::string wrong = code == "123456" ? "654321" : "123456";
  Answer wrong_code = SignIn("admin", admin_password_, wrong);
  EXPECT_EQ(wrong_code.status, 401);
  EXPECT_EQ(wrong_code.Type(), "invalid-totp");

  Answer ok = SignIn("admin", admin_password_, code);
  ASSERT_EQ(ok.status, 201) << json::serialize(ok.body);
  std::string cookie = ok.raw.Header("set-cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  // The cookie alone authenticates.
  std::string session = cookie.substr(0, cookie.find(';'));
  Answer me = Call("GET", "/api/v1/users/me", {}, {}, {{"Cookie", session}});
  EXPECT_EQ(me.status, 200);
  EXPECT_EQ(me.Str("username"), "admin");

  // The same code cannot be used twice, even within its 30 s window.
  Answer replay = SignIn("admin", admin_password_, code);
  EXPECT_EQ(replay.status, 401);
  EXPECT_EQ(replay.Type(), "invalid-totp");
  clock_.Advance(30000);
  EXPECT_EQ(SignIn("admin", admin_password_, auth::TotpCode(*secret, clock_.NowMs() / 1000)).status, 201);

  // Signing out ends the session.
  std::string t = ok.Str("token");
  EXPECT_EQ(Call("DELETE", "/api/v1/sessions/current", {}, t).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/users/me", {}, t).status, 401);
}

TEST_F(ApiTest, WrongPasswordIsRefusedAndRecorded) {
  int64_t before = CountEvents(*node_, "auth.signin_failed");
  Answer a = SignIn("admin", "wrong-password-here");
  EXPECT_EQ(a.status, 401);
  EXPECT_EQ(a.Type(), "invalid-credentials");
  Answer unknown = SignIn("nobody", "wrong-password-here");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.Str("detail"), a.Str("detail"));  // no hint which part was wrong
  EXPECT_EQ(CountEvents(*node_, "auth.signin_failed"), before + 2);
  EXPECT_EQ(SignIn("admin", admin_password_).status, 201);
  EXPECT_EQ(CountEvents(*node_, "auth.signed_in"), 1);
}

TEST_F(ApiTest, RepeatedFailuresLockTheAccountForAWhile) {
  for (int i = 1; i < auth::kMaxFailures; ++i) EXPECT_EQ(SignIn("admin", "wrong-password-here").status, 401);
  Answer locked = SignIn("admin", "wrong-password-here");
  EXPECT_EQ(locked.status, 423);
  EXPECT_EQ(locked.Type(), "account-locked");
  // Even the right password is refused while locked.
  Answer still = SignIn("admin", admin_password_);
  EXPECT_EQ(still.status, 423);
  EXPECT_EQ(CountEvents(*node_, "user.locked"), 1);
  clock_.Advance(auth::kLockoutMs + 1000);
  EXPECT_EQ(SignIn("admin", admin_password_).status, 201);
}

TEST_F(ApiTest, RoutesRefuseTheWrongRoleAndStrangers) {
  std::string admin = AdminToken();
  std::string clerk = UserToken(admin, "casey", json::array{"clerk"});
  std::string auditor = UserToken(admin, "audrey", json::array{"auditor"});
  EXPECT_EQ(Call("GET", "/api/v1/users", {}, "").status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/users", {}, "not-a-real-token").status, 401);
  Answer forbidden = Call("GET", "/api/v1/users", {}, clerk);
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_EQ(forbidden.Type(), "forbidden");
  EXPECT_EQ(Call("GET", "/api/v1/users", {}, auditor).status, 200);
  // Auditors read but do not write.
  EXPECT_EQ(Call("POST", "/api/v1/parties", R"({"kind":"person","name":"Ann"})", auditor).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/parties", R"({"kind":"person","name":"Ann"})", clerk).status, 201);
  EXPECT_EQ(Call("POST", "/api/v1/users", R"({"username":"x","roles":["admin"]})", clerk).status, 403);
  // A disabled account's sessions stop working at once.
  std::string clerk_id;
  std::string other = UserToken(admin, "dana", json::array{"clerk"}, &clerk_id);
  EXPECT_EQ(Call("PATCH", "/api/v1/users/" + clerk_id, R"({"disabled":true})", admin).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/users/me", {}, other).status, 401);
}

// Callers are remembered between requests; every change to who may do what still counts from the next
// request.
TEST_F(ApiTest, AccountAndSessionChangesTakeEffectOnTheNextRequest) {
  std::string admin = AdminToken();
  std::string casey_id, dana_id;
  std::string casey = UserToken(admin, "casey", json::array{"clerk"}, &casey_id);
  std::string dana = UserToken(admin, "dana", json::array{"clerk"}, &dana_id);
  const std::string party = R"({"kind":"person","name":"Ann"})";
  // Each token has been used, and other writes happen in between.
  ASSERT_EQ(Call("POST", "/api/v1/parties", party, casey).status, 201);
  ASSERT_EQ(Call("POST", "/api/v1/parties", party, dana).status, 201);
  ASSERT_EQ(Call("POST", "/api/v1/parties", party, casey).status, 201);

  // Fewer roles: refused at once.
  ASSERT_EQ(Call("PATCH", "/api/v1/users/" + casey_id, R"({"roles":["auditor"]})", admin).status, 200);
  EXPECT_EQ(Call("POST", "/api/v1/parties", party, casey).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/users/me", {}, casey).status, 200);
  // Disabled: refused at once.
  ASSERT_EQ(Call("PATCH", "/api/v1/users/" + dana_id, R"({"disabled":true})", admin).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/users/me", {}, dana).status, 401);
  // Signed out: refused at once.
  ASSERT_EQ(Call("GET", "/api/v1/users/me", {}, casey).status, 200);
  ASSERT_EQ(Call("DELETE", "/api/v1/sessions/current", {}, casey).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/users/me", {}, casey).status, 401);
  // Expired, with nothing written since it was last used: refused.
  ASSERT_EQ(Call("GET", "/api/v1/users/me", {}, admin).status, 200);
  clock_.Advance(auth::kSessionMs);
  EXPECT_EQ(Call("GET", "/api/v1/users/me", {}, admin).status, 401);
}

TEST_F(ApiTest, PublicUsersSeeOnlyTheirOwnParty) {
  std::string admin = AdminToken();
  Answer mine = Call("POST", "/api/v1/parties", R"({"kind":"person","name":"Rita Resident"})", admin);
  Answer theirs = Call("POST", "/api/v1/parties", R"({"kind":"person","name":"Other Person"})", admin);
  Answer user = Call("POST", "/api/v1/users",
                     json::serialize(json::object{{"username", "rita"},
                                                  {"roles", json::array{"public"}},
                                                  {"party_id", mine.Str("id")},
                                                  {"password", "rita-password-1"}}),
                     admin);
  ASSERT_EQ(user.status, 201);
  std::string token = SignIn("rita", "rita-password-1").Str("token");
  Call("PUT", "/api/v1/users/me/password",
       R"({"current_password":"rita-password-1","new_password":"rita-password-2"})", token);
  EXPECT_EQ(Call("GET", "/api/v1/parties/" + mine.Str("id"), {}, token).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/parties/" + theirs.Str("id"), {}, token).status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/parties", {}, token).status, 403);
}

TEST_F(ApiTest, BadInputGetsAClearProblemNeverAServerError) {
  std::string token = AdminToken();
  Answer malformed = Call("POST", "/api/v1/parties", R"({"kind":"person","name":)", token);
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.Type(), "malformed-json");

  Answer unknown = Call("POST", "/api/v1/parties", R"({"kind":"person","name":"Ann","nickname":"A"})", token);
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(unknown.Type(), "unknown-field");
  EXPECT_EQ(unknown.Str("field"), "nickname");

  Answer wrong_type = Call("POST", "/api/v1/parties", R"({"kind":"person","name":42})", token);
  EXPECT_EQ(wrong_type.status, 422);
  EXPECT_EQ(wrong_type.Str("field"), "name");
  Answer nested = Call("POST", "/api/v1/parties",
                       R"({"kind":"person","name":"Ann","address":{"line1":"1 Main","city":7}})", token);
  EXPECT_EQ(nested.status, 422);
  EXPECT_EQ(nested.Str("field"), "address.city");
  Answer fraction =
      Call("POST", "/api/v1/users", R"({"username":"x","roles":["clerk"],"password":1.5})", token);
  EXPECT_EQ(fraction.status, 422);
  EXPECT_EQ(Call("POST", "/api/v1/parties", R"([1,2,3])", token).status, 422);
  EXPECT_EQ(Call("POST", "/api/v1/parties", R"({"kind":"robot","name":"R2"})", token).status, 422);
  EXPECT_EQ(Call("POST", "/api/v1/parties", R"({"kind":"person","name":"A","email":"not-an-email"})", token)
                .Str("field"),
            "email");

  Answer no_type = Call("POST", "/api/v1/parties", R"({"kind":"person","name":"Ann"})", token,
                        {{"Content-Type", "text/plain"}});
  EXPECT_EQ(no_type.status, 415);

  std::string huge = R"({"kind":"person","name":")" + std::string(2 << 20, 'x') + R"("})";
  Answer too_big = Call("POST", "/api/v1/parties", huge, token);
  EXPECT_EQ(too_big.status, 413);
  EXPECT_EQ(too_big.Type(), "body-too-large");

  EXPECT_EQ(Call("GET", "/api/v1/nothing-here", {}, token).status, 404);
  EXPECT_EQ(Call("DELETE", "/api/v1/parties", {}, token).status, 405);
  EXPECT_EQ(Call("GET", "/api/v1/parties?limit=0", {}, token).status, 422);
  EXPECT_EQ(Call("GET", "/api/v1/parties?cursor=zz", {}, token).status, 422);
  EXPECT_EQ(Call("PATCH", "/api/v1/parties/p-central-999", R"({"name":"X"})", token).status, 404);

  // Random bytes and random JSON-ish bodies: always a 4xx problem, never a crash or 5xx.
  std::mt19937 rng(20261122);
  const char* pieces[] = {"{",    "}",       "[",      "]",       "\"", ":",     ",",
                          "kind", "name",    "person", "1",       "-",  "null",  "true",
                          "\\",   "\\u0000", "\xff",   "address", " ",  "1e999", "\"name\""};
  for (int i = 0; i < 200; ++i) {
    std::string body;
    int n = static_cast<int>(rng() % 12) + 1;
    for (int j = 0; j < n; ++j) body += pieces[rng() % std::size(pieces)];
    Answer a = Call("POST", "/api/v1/parties", body, token);
    EXPECT_TRUE(a.status == 201 || (a.status >= 400 && a.status < 500)) << body << " -> " << a.status;
  }
}

// Every route, with hostile values in its path, its query and its body, sent by the administrator (so the
// input gets past sign-in and reaches the handlers): always a clear answer below 500 (problem+json when
// refused, which Call checks), and the node still serving afterwards.
TEST_F(ApiTest, EveryRouteAnswersHostileInputWithAProblemNeverAServerError) {
  UseTestProcessor();  // the online payment routes read their input only when the processor is there
  std::string token = AdminToken();
  const std::vector<std::string> segments = {"x",   "0",      "-1",    "99999999999999999999", "%00",
                                             "%FF", "%2E%2E", "a%2Fb", std::string(300, 'z'),  "%22%3Cb%3E"};
  const std::vector<std::string> query_values = {"",    "-1",        "abc", "99999999999999999999",
                                                 "%00", "2026-02-30"};
  const std::string deep = std::string(200, '[') + std::string(200, ']');
  const std::vector<std::string> bodies = {"",
                                           "null",
                                           "[]",
                                           "{}",
                                           "\"text\"",
                                           "-0",
                                           "1e999",
                                           "{\"a\":",
                                           deep,
                                           "{\"\\u0000\":1}",
                                           "{\"x\":\"\\ud800\"}",
                                           "\xff\xfe"};
  // Values of the wrong kind, or of the right kind but out of any sensible range, for each declared field.
  const std::vector<json::value> hostile = {json::value(1.5),
                                            json::value(int64_t{-9007199254740991}),
                                            json::value(uint64_t{18446744073709551615u}),
                                            json::value(""),
                                            json::value(std::string(5000, 'w')),
                                            json::value(std::string("\xE2\x80\xAE\0x", 5)),
                                            json::value(json::array{json::value(nullptr)}),
                                            json::value(json::object{{"x", 1}}),
                                            json::value(nullptr),
                                            json::value(true),
                                            json::value("2026-02-30"),
                                            json::value(int64_t{0})};
  auto call = [&](const std::string& method, const std::string& target, const std::string& body) {
    Answer a = Call(method, target, body, token);
    // A route that ends the session (signing out) must not end the sweep.
    if (a.status == 401) token = SignIn("admin", admin_password_).Str("token");
    return a;
  };
  int requests = 0;
  for (const auto& route : app_->router().routes()) {
    if (route->peer) continue;  // signed node-to-node requests: refused before any input is read
    auto target = [&](const std::string& segment) {
      std::string t = route->pattern;
      for (size_t open; (open = t.find('{')) != std::string::npos;)
        t.replace(open, t.find('}', open) - open + 1, segment);
      return t;
    };
    const bool has_params = route->pattern.find('{') != std::string::npos;
    for (const std::string& segment : has_params ? segments : std::vector<std::string>{""}) {
      for (const std::string& body :
           route->request_schema.is_null() ? std::vector<std::string>{""} : bodies) {
        call(route->method, target(segment), body);
        ++requests;
      }
    }
    std::string plain = target("x");
    for (const auto& [name, description] : route->query_params) {
      for (const std::string& v : query_values) {
        call(route->method, plain + "?" + name + "=" + v, {});
        ++requests;
      }
    }
    if (!route->request_schema.is_object()) continue;
    const json::value* properties = route->request_schema.as_object().if_contains("properties");
    if (!properties || !properties->is_object()) continue;
    for (const auto& field : properties->as_object()) {
      for (const json::value& v : hostile) {
        json::object body{{field.key(), v}};
        call(route->method, plain, json::serialize(body));
        ++requests;
      }
    }
    json::object all;
    for (const auto& field : properties->as_object()) all[field.key()] = json::value(std::string(5000, 'w'));
    call(route->method, plain, json::serialize(all));
    ++requests;
  }
  EXPECT_GT(requests, 1000);
  EXPECT_EQ(Call("GET", "/readyz").status, 200);
}

TEST_F(ApiTest, ReplayedIdempotencyKeyGetsTheOriginalAnswer) {
  std::string token = AdminToken();
  std::string body = R"({"kind":"business","name":"Prairie Builders LLC"})";
  Answer first = Call("POST", "/api/v1/parties", body, token, {{"Idempotency-Key", "order-77"}});
  ASSERT_EQ(first.status, 201);
  int64_t events = CountEvents(*node_, "party.created");
  Answer again = Call("POST", "/api/v1/parties", body, token, {{"Idempotency-Key", "order-77"}});
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.raw.body, first.raw.body);
  EXPECT_EQ(again.raw.Header("location"), first.raw.Header("location"));
  EXPECT_EQ(again.raw.Header("idempotent-replayed"), "true");
  EXPECT_EQ(CountEvents(*node_, "party.created"), events);  // not created twice

  Answer reused = Call("POST", "/api/v1/parties", R"({"kind":"business","name":"Other"})", token,
                       {{"Idempotency-Key", "order-77"}});
  EXPECT_EQ(reused.status, 422);
  EXPECT_EQ(reused.Type(), "idempotency-key-reused");
  // Without a key, the same body creates a second party.
  EXPECT_EQ(Call("POST", "/api/v1/parties", body, token).status, 201);
  EXPECT_EQ(CountEvents(*node_, "party.created"), events + 1);
}

// A one-time password is shown once: the node never keeps it for a replay, but a replay still creates
// nothing.
TEST_F(ApiTest, AReplayNeverShowsAOneTimePasswordAgain) {
  std::string token = AdminToken();
  std::string body = R"({"username":"new-clerk","roles":["clerk"]})";
  Answer first = Call("POST", "/api/v1/users", body, token, {{"Idempotency-Key", "hire-1"}});
  ASSERT_EQ(first.status, 201);
  std::string one_time = first.Str("one_time_password");
  ASSERT_FALSE(one_time.empty());
  Answer again = Call("POST", "/api/v1/users", body, token, {{"Idempotency-Key", "hire-1"}});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.Type(), "answer-shown-once");
  EXPECT_EQ(again.raw.body.find(one_time), std::string::npos);
  EXPECT_EQ(again.raw.Header("idempotent-replayed"), "true");
  EXPECT_EQ(SignIn("new-clerk", one_time).status, 201);  // the one user, with the password first shown

  std::string reset = "/api/v1/users/" + first.Str("id") + "/password";
  Answer r1 = Call("PUT", reset, "", token, {{"Idempotency-Key", "reset-1"}});
  ASSERT_EQ(r1.status, 200);
  Answer r2 = Call("PUT", reset, "", token, {{"Idempotency-Key", "reset-1"}});
  EXPECT_EQ(r2.status, 409);
  EXPECT_EQ(r2.raw.body.find(r1.Str("one_time_password")), std::string::npos);
  EXPECT_EQ(SignIn("new-clerk", r1.Str("one_time_password")).status, 201);  // the replay reset nothing
}

TEST_F(ApiTest, PartiesAreCreatedUpdatedAndSearched) {
  std::string token = AdminToken();
  Answer created = Call("POST", "/api/v1/parties",
                        R"({"kind":"person","name":"  Maria Gonzalez ","email":"maria@example.org",
                            "phone":"(555) 010-1234","address":{"line1":"12 Elm St","city":"Springfield",
                            "state":"IL","postal_code":"62701"}})",
                        token);
  ASSERT_EQ(created.status, 201) << created.raw.body;
  std::string id = created.Str("id");
  EXPECT_EQ(id, "p-central-1");
  EXPECT_EQ(created.raw.Header("location"), "/api/v1/parties/" + id);
  EXPECT_EQ(created.Str("name"), "Maria Gonzalez");
  // The answer to the create is the party as stored.
  Answer fetched = Call("GET", "/api/v1/parties/" + id, {}, token);
  ASSERT_EQ(fetched.status, 200);
  EXPECT_EQ(fetched.body, created.body);

  Answer updated = Call("PATCH", "/api/v1/parties/" + id, R"({"phone":"555-0199"})", token);
  ASSERT_EQ(updated.status, 200);
  EXPECT_EQ(updated.Str("phone"), "555-0199");
  EXPECT_EQ(updated.Str("email"), "maria@example.org");
  EXPECT_EQ(updated.body.at("version").as_int64(), 2);
  EXPECT_EQ(Call("PATCH", "/api/v1/parties/" + id, R"({"kind":"business"})", token).status, 422);

  for (int i = 0; i < 7; ++i) {
    Call("POST", "/api/v1/parties",
         json::serialize(json::object{{"kind", "business"}, {"name", fmt::format("Garcia Roofing {}", i)}}),
         token);
  }
  Answer search = Call("GET", "/api/v1/parties?q=garcia&limit=3", {}, token);
  ASSERT_EQ(search.status, 200);
  std::set<std::string> seen;
  std::string cursor = search.Str("next_cursor");
  for (const auto& p : search.body.at("items").as_array()) seen.insert(std::string(p.at("id").as_string()));
  while (!cursor.empty()) {
    Answer page = Call("GET", "/api/v1/parties?q=garcia&limit=3&cursor=" + cursor, {}, token);
    ASSERT_EQ(page.status, 200);
    for (const auto& p : page.body.at("items").as_array()) seen.insert(std::string(p.at("id").as_string()));
    cursor = page.Str("next_cursor");
  }
  EXPECT_EQ(seen.size(), 7u);
  Answer by_email = Call("GET", "/api/v1/parties?q=MARIA%40EXAMPLE", {}, token);
  ASSERT_EQ(by_email.body.at("items").as_array().size(), 1u);
  Answer people = Call("GET", "/api/v1/parties?kind=person", {}, token);
  EXPECT_EQ(people.body.at("items").as_array().size(), 1u);
  Answer wildcard = Call("GET", "/api/v1/parties?q=%25", {}, token);
  EXPECT_EQ(wildcard.body.at("items").as_array().size(), 0u);  // % is a character, not a wildcard
}

TEST_F(ApiTest, OpenApiDescribesEveryRoute) {
  Answer doc = Call("GET", "/api/v1/openapi.json");
  ASSERT_EQ(doc.status, 200);
  EXPECT_EQ(doc.Str("openapi"), "3.1.0");
  const json::object& paths = doc.body.at("paths").as_object();
  int routes = 0;
  for (const auto& r : app_->router().routes()) {
    std::string method = r->method;
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    ASSERT_TRUE(paths.contains(r->pattern)) << r->pattern;
    EXPECT_TRUE(paths.at(r->pattern).as_object().contains(method)) << r->method << " " << r->pattern;
    ++routes;
  }
  EXPECT_GE(routes, 18);
}

TEST_F(ApiTest, HealthReadinessAndMetrics) {
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  Answer ready = Call("GET", "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.Str("node"), "central");
  std::string token = AdminToken();
  Call("POST", "/api/v1/parties", R"({"kind":"person","name":"Ann"})", token);
  auto client = NewClient();
  auto metrics = client->Get("/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_TRUE(metrics->Header("content-type").starts_with("text/plain; version=0.0.4"));
  EXPECT_NE(metrics->body.find(
                "holdfast_http_requests_total{method=\"POST\",route=\"/api/v1/parties\",code=\"2xx\"} 1"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("holdfast_writer_commands_total"), std::string::npos);
}

TEST_F(ApiTest, ClockNeverRunsBackwardsAcrossRestarts) {
  std::string token = AdminToken();
  ASSERT_EQ(Call("POST", "/api/v1/parties", R"({"kind":"person","name":"Before"})", token).status, 201);
  Stop();
  clock_.Advance(-3600 * 1000);  // the wall clock jumps back an hour
  Start();
  token = SignIn("admin", admin_password_).Str("token");
  ASSERT_EQ(Call("POST", "/api/v1/parties", R"({"kind":"person","name":"After"})", token).status, 201);
  auto db = node_->Read();
  auto s = (*db)->Prepare("SELECT time, tick FROM events WHERE feed='central' ORDER BY seq");
  journal::Stamp last{-1, 0};
  int n = 0;
  while (*(*s)->Step()) {
    journal::Stamp stamp{(*s)->Int(0), (*s)->Int(1)};
    EXPECT_GT(stamp, last) << "event " << n + 1;
    last = stamp;
    ++n;
  }
  EXPECT_GT(n, 5);
}

// Reads from a raw connection until the server closes it; returns what arrived.
std::string ReadUntilClosed(boost::asio::ip::tcp::socket& socket) {
  std::string got;
  char buf[4096];
  boost::system::error_code ec;
  for (;;) {
    size_t n = socket.read_some(boost::asio::buffer(buf), ec);
    got.append(buf, n);
    if (ec) return got;
  }
}

TEST_F(ApiTest, SlowAndSilentConnectionsAreCutOffInTime) {
  Stop();
  server_options_.read_timeout = std::chrono::milliseconds(300);
  server_options_.idle_timeout = std::chrono::milliseconds(300);
  Start();
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), server_->port());

  // A request that never finishes arriving is answered 408 and the connection closed.
  asio::ip::tcp::socket slow(io);
  slow.connect(endpoint);
  asio::write(slow,
              asio::buffer(std::string("POST /api/v1/parties HTTP/1.1\r\nHost: x\r\n"
                                       "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{")));
  auto started = std::chrono::steady_clock::now();
  std::string answer = ReadUntilClosed(slow);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 408")) << answer;
  EXPECT_NE(answer.find("request-timeout"), std::string::npos) << answer;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));

  // A connection that never sends anything is closed without an answer.
  asio::ip::tcp::socket silent(io);
  silent.connect(endpoint);
  EXPECT_EQ(ReadUntilClosed(silent), "");

  // The server still serves.
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace holdfast::testing
