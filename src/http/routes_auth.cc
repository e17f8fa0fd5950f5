// Sign-in, sign-out, the caller's own account (password, TOTP enrollment) and user administration.
#include <fmt/format.h>

#include "auth/password.h"
#include "auth/sessions.h"
#include "auth/totp.h"
#include "auth/users.h"
#include "http/app.h"

namespace holdfast::http {
namespace {

using auth::Role;
using auth::RoleSet;

const RoleSet kEveryone = {Role::kAdmin,     Role::kSupervisor, Role::kClerk, Role::kPermitTech,
                           Role::kInspector, Role::kAuditor,    Role::kPublic};

constexpr std::string_view kUserSchema = R"({"type":"object","properties":{
  "id":{"type":"string"},"username":{"type":"string"},"display_name":{"type":"string"},
  "roles":{"type":"array","items":{"type":"string","enum":["admin","supervisor","clerk","permit_tech","inspector","auditor","public"]}},
  "totp_enrolled":{"type":"boolean"},"must_change_password":{"type":"boolean"},"disabled":{"type":"boolean"},
  "locked_until":{"type":"integer"},"party_id":{"type":"string"}}})";

// A hash to verify against when the username is unknown, so that both cases take the same time.
const std::string& DummyHash() {
  static const std::string hash = [] {
    auto h = auth::HashPassword(auth::GeneratePassword());
    return h.ok() ? *h : std::string();
  }();
  return hash;
}

json::value UserJson(const auth::User& u) { return u.ToJson(); }

void SignIn(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  auth::SignInAttempt attempt;
  attempt.username = r.RequiredString("username", 64);
  std::string password = r.RequiredString("password", auth::kMaxPasswordLength);
  attempt.totp = r.String("totp", 10);
  Status s = r.Finish();
  if (!s.ok()) return call.Fail(s.error());
  App& app = *call.app;
  auto keep = call.shared_from_this();
  app.Offload([keep, &app, attempt = std::move(attempt), password = std::move(password)]() mutable {
    Call& c = *keep;
    bool checked = false;
    app.Read(c, [&](store::Db& db) {
      auto user = auth::FindUserByName(db, attempt.username);
      if (!user.ok()) return c.Fail(user.error());
      attempt.checked_hash = *user ? (*user)->password_hash : DummyHash();
      attempt.password_ok = auth::VerifyPassword(attempt.checked_hash, password) && user->has_value();
      checked = true;
    });
    if (!checked) return;  // already answered with the error
    app.node().writer().Submit(
        [attempt](store::CommandContext& ctx) -> Result<json::value> {
          HF_ASSIGN_OR_RETURN(auth::SignInOutcome out, auth::SignIn(ctx, attempt));
          if (out.refused) {
            return json::value(
                json::object{{"refused", json::object{{"code", static_cast<int>(out.refused->code)},
                                                      {"type", out.refused->type},
                                                      {"detail", out.refused->detail},
                                                      {"field", out.refused->field}}}});
          }
          return json::value(json::object{
              {"token", out.token}, {"expires_at", out.expires_at}, {"user", UserJson(*out.user)}});
        },
        [keep, &app](Result<json::value> result) {
          Call& c = *keep;
          if (!result.ok()) return c.Fail(result.error());
          const json::object& o = result->as_object();
          if (const json::value* refused = o.if_contains("refused")) {
            const json::object& e = refused->as_object();
            return c.Fail(Error{static_cast<Code>(IntOr(e, "code")), std::string(StringOr(e, "type")),
                                std::string(StringOr(e, "detail")), std::string(StringOr(e, "field"))});
          }
          int64_t max_age = (IntOr(o, "expires_at") - app.node().clock().NowMs()) / 1000;
          Response resp = Response::Created(o, "/api/v1/sessions/current");
          resp.headers.emplace_back("Set-Cookie", app.SessionCookie(StringOr(o, "token"), max_age));
          c.Reply(std::move(resp));
        });
  });
}

void SignOut(Call& call) {
  std::string token = call.who.token;
  App& app = *call.app;
  std::string cookie = app.SessionCookie("", 0);
  app.Write(
      call,
      [token](store::CommandContext& ctx) -> Result<json::value> {
        HF_RETURN_IF_ERROR(auth::DeleteSession(ctx.db(), token));
        return json::value(nullptr);
      },
      [cookie](const json::value&) {
        Response r = Response::Json(200, json::object{{"status", "signed out"}});
        r.headers.emplace_back("Set-Cookie", cookie);
        return r;
      });
}

void ChangeOwnPassword(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  std::string current = r.RequiredString("current_password", auth::kMaxPasswordLength);
  std::string next = r.RequiredString("new_password", auth::kMaxPasswordLength);
  Status s = r.Finish();
  if (!s.ok()) return call.Fail(s.error());
  s = auth::CheckPasswordPolicy(next);
  if (!s.ok()) {
    Error e = s.error();
    e.field = "new_password";
    return call.Fail(e);
  }
  if (next == current)
    return call.Fail(Invalid("the new password must differ from the current one", "new_password"));
  auto keep = call.shared_from_this();
  App& app = *call.app;
  app.Offload([keep, &app, current = std::move(current), next = std::move(next)] {
    Call& c = *keep;
    const auth::User& u = *c.who.user;
    if (!auth::VerifyPassword(u.password_hash, current)) {
      return c.Fail(MakeError(Code::kUnauthorized, "the current password is wrong", "invalid-credentials",
                              "current_password"));
    }
    auto hash = auth::HashPassword(next);
    if (!hash.ok()) return c.Fail(hash.error());
    std::string id = u.id, token = c.who.token, checked = u.password_hash;
    app.Write(
        c,
        [id, token, checked, hash = *hash](store::CommandContext& ctx) -> Result<json::value> {
          HF_ASSIGN_OR_RETURN(auto fresh, auth::FindUserById(ctx.db(), id));
          if (!fresh || fresh->password_hash != checked) {
            return Conflict("the password was changed meanwhile; sign in again", "password-changed");
          }
          HF_RETURN_IF_ERROR(auth::SetPassword(ctx, id, hash, false, id, token));
          HF_ASSIGN_OR_RETURN(auto after, auth::FindUserById(ctx.db(), id));
          return UserJson(*after);
        },
        [](const json::value& user) { return Response::Json(200, user); });
  });
}

void NewTotpSecret(Call& call) {
  Bytes secret = auth::NewTotpSecret();
  call.ReplyJson(200, json::object{{"secret", Base32(secret)},
                                   {"otpauth_uri", auth::OtpAuthUri(call.app->options().issuer,
                                                                    call.who.user->username, secret)}});
}

void EnrollTotp(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  std::string secret_text = r.RequiredString("secret", 128);
  std::string code = r.RequiredString("code", 10);
  Status s = r.Finish();
  if (!s.ok()) return call.Fail(s.error());
  auto secret = FromBase32(secret_text);
  if (!secret || secret->size() < 16) {
    return call.Fail(
        Invalid("secret must be the base32 secret from GET /api/v1/users/me/totp/new", "secret"));
  }
  if (!auth::MatchTotp(*secret, code, call.app->node().clock().NowMs() / 1000)) {
    return call.Fail(MakeError(Code::kInvalid,
                               "that code does not match the secret; check the device's clock",
                               "invalid-totp", "code"));
  }
  std::string id = call.who.user->id;
  call.app->Write(
      call,
      [id, secret = *secret](store::CommandContext& ctx) -> Result<json::value> {
        HF_RETURN_IF_ERROR(auth::EnrollTotp(ctx, id, secret, id));
        HF_ASSIGN_OR_RETURN(auto u, auth::FindUserById(ctx.db(), id));
        return UserJson(*u);
      },
      [](const json::value& user) { return Response::Created(user, "/api/v1/users/me"); });
}

void ListUsers(Call& call) {
  call.app->Read(call, [&](store::Db& db) {
    auto users = auth::ListUsers(db);
    if (!users.ok()) return call.Fail(users.error());
    json::array items;
    for (const auto& u : *users) items.push_back(UserJson(u));
    call.ReplyJson(200, json::object{{"items", std::move(items)}});
  });
}

void GetUser(Call& call) {
  call.app->Read(call, [&](store::Db& db) {
    auto u = auth::FindUserById(db, call.params["id"]);
    if (!u.ok()) return call.Fail(u.error());
    if (!*u) return call.Fail(NotFound(fmt::format("no user {}", call.params["id"])));
    call.ReplyJson(200, UserJson(**u));
  });
}

void CreateUser(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  auth::NewUser nu;
  nu.username = r.RequiredString("username", 64);
  nu.display_name = r.String("display_name", 200).value_or("");
  const json::array* roles = r.Array("roles");
  if (!roles && !r.Has("roles")) r.Fail("roles", "roles is required, e.g. [\"clerk\"]");
  auto password = r.String("password", auth::kMaxPasswordLength);
  nu.party_id = r.String("party_id", 100).value_or("");
  Status s = r.Finish();
  if (!s.ok()) return call.Fail(s.error());
  s = auth::CheckUsername(nu.username);
  if (!s.ok()) return call.Fail(s.error());
  auto parsed = auth::ParseRoleArray(roles ? *roles : json::array{});
  if (!parsed.ok()) return call.Fail(parsed.error());
  nu.roles = *parsed;
  std::string one_time = password.value_or(auth::GeneratePassword());
  s = auth::CheckPasswordPolicy(one_time);
  if (!s.ok()) return call.Fail(s.error());
  auto keep = call.shared_from_this();
  App& app = *call.app;
  app.Offload([keep, &app, nu = std::move(nu), one_time]() mutable {
    auto hash = auth::HashPassword(one_time);
    if (!hash.ok()) return keep->Fail(hash.error());
    nu.password_hash = *hash;
    std::string actor = keep->who.id();
    app.Write(
        *keep,
        [nu, actor](store::CommandContext& ctx) -> Result<json::value> {
          HF_ASSIGN_OR_RETURN(auth::User u, auth::CreateUser(ctx, nu, actor));
          return UserJson(u);
        },
        [one_time](const json::value& user) {
          json::object body = user.as_object();
          body["one_time_password"] = one_time;
          return Response::Created(body, fmt::format("/api/v1/users/{}", StringOr(user.as_object(), "id")));
        },
        App::Answer::kShownOnce);
  });
}

void UpdateUser(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  const json::array* roles = r.Array("roles");
  auto disabled = r.Bool("disabled");
  Status s = r.Finish();
  if (!s.ok()) return call.Fail(s.error());
  if (!roles && !disabled) return call.Fail(Invalid("nothing to change: give roles or disabled"));
  std::optional<RoleSet> new_roles;
  if (roles) {
    auto parsed = auth::ParseRoleArray(*roles);
    if (!parsed.ok()) return call.Fail(parsed.error());
    new_roles = *parsed;
  }
  std::string id = call.params["id"], actor = call.who.id();
  if (id == actor && (disabled.value_or(false) || (new_roles && !new_roles->Has(Role::kAdmin)))) {
    return call.Fail(
        Conflict("you cannot disable your own account or remove your own admin role", "self-lockout"));
  }
  call.app->Write(
      call,
      [id, actor, new_roles, disabled](store::CommandContext& ctx) -> Result<json::value> {
        if (new_roles) HF_RETURN_IF_ERROR(auth::SetRoles(ctx, id, *new_roles, actor));
        if (disabled) HF_RETURN_IF_ERROR(auth::SetDisabled(ctx, id, *disabled, actor));
        HF_ASSIGN_OR_RETURN(auto u, auth::FindUserById(ctx.db(), id));
        if (!u) return NotFound(fmt::format("no user {}", id));
        return UserJson(*u);
      },
      [](const json::value& user) { return Response::Json(200, user); });
}

void ResetPassword(Call& call) {
  std::string one_time = auth::GeneratePassword();
  std::string id = call.params["id"], actor = call.who.id();
  auto keep = call.shared_from_this();
  App& app = *call.app;
  app.Offload([keep, &app, id, actor, one_time] {
    auto hash = auth::HashPassword(one_time);
    if (!hash.ok()) return keep->Fail(hash.error());
    app.Write(
        *keep,
        [id, actor, hash = *hash](store::CommandContext& ctx) -> Result<json::value> {
          HF_RETURN_IF_ERROR(auth::SetPassword(ctx, id, hash, true, actor));
          HF_ASSIGN_OR_RETURN(auto u, auth::FindUserById(ctx.db(), id));
          return UserJson(*u);
        },
        [one_time](const json::value& user) {
          json::object body = user.as_object();
          body["one_time_password"] = one_time;
          return Response::Json(200, body);
        },
        App::Answer::kShownOnce);
  });
}

void ResetTotp(Call& call) {
  std::string id = call.params["id"], actor = call.who.id();
  call.app->Write(
      call,
      [id, actor](store::CommandContext& ctx) -> Result<json::value> {
        HF_RETURN_IF_ERROR(auth::ResetTotp(ctx, id, actor));
        HF_ASSIGN_OR_RETURN(auto u, auth::FindUserById(ctx.db(), id));
        return UserJson(*u);
      },
      [](const json::value& user) { return Response::Json(200, user); });
}

}  // namespace

void RegisterAuthRoutes(App& app) {
  Router& r = app.router();
  json::value user_schema = json::parse(kUserSchema);
  r.Add(
      {.method = "POST",
       .pattern = "/api/v1/sessions",
       .anyone = true,
       .summary =
           "Sign in with username, password and (for enrolled staff) a TOTP code; answers a bearer token "
           "and sets an HttpOnly SameSite=Strict session cookie",
       .tag = "sessions",
       .request_schema = json::parse(
           R"({"type":"object","required":["username","password"],"additionalProperties":false,"properties":{"username":{"type":"string"},"password":{"type":"string"},"totp":{"type":"string","pattern":"^[0-9]{6}$"}}})"),
       .response_schema = json::parse(
           R"({"type":"object","properties":{"token":{"type":"string"},"expires_at":{"type":"integer"},"user":{"type":"object"}}})"),
       .success_status = 201,
       .handler = SignIn});
  r.Add({.method = "DELETE",
         .pattern = "/api/v1/sessions/current",
         .roles = kEveryone,
         .allowed_before_password_change = true,
         .summary = "Sign out: ends this session",
         .tag = "sessions",
         .handler = SignOut});
  r.Add({.method = "GET",
         .pattern = "/api/v1/users/me",
         .roles = kEveryone,
         .allowed_before_password_change = true,
         .summary = "The signed-in user",
         .tag = "users",
         .response_schema = user_schema,
         .handler = [](Call& c) { c.ReplyJson(200, UserJson(*c.who.user)); }});
  r.Add(
      {.method = "PUT",
       .pattern = "/api/v1/users/me/password",
       .roles = kEveryone,
       .allowed_before_password_change = true,
       .summary = "Change your own password (needed after a one-time password); other sessions end",
       .tag = "users",
       .request_schema = json::parse(
           R"({"type":"object","required":["current_password","new_password"],"additionalProperties":false,"properties":{"current_password":{"type":"string"},"new_password":{"type":"string","minLength":12}}})"),
       .response_schema = user_schema,
       .handler = ChangeOwnPassword});
  r.Add(
      {.method = "GET",
       .pattern = "/api/v1/users/me/totp/new",
       .roles = RoleSet::Staff(),
       .summary = "A fresh TOTP secret and otpauth:// URI to show as a QR code (nothing is stored yet)",
       .tag = "users",
       .response_schema = json::parse(
           R"({"type":"object","properties":{"secret":{"type":"string"},"otpauth_uri":{"type":"string"}}})"),
       .handler = NewTotpSecret});
  r.Add(
      {.method = "POST",
       .pattern = "/api/v1/users/me/totp",
       .roles = RoleSet::Staff(),
       .summary = "Enroll a TOTP second factor: the secret and a current code from the authenticator",
       .tag = "users",
       .request_schema = json::parse(
           R"({"type":"object","required":["secret","code"],"additionalProperties":false,"properties":{"secret":{"type":"string"},"code":{"type":"string"}}})"),
       .response_schema = user_schema,
       .success_status = 201,
       .handler = EnrollTotp});
  r.Add({.method = "GET",
         .pattern = "/api/v1/users",
         .roles = {Role::kAdmin, Role::kAuditor},
         .summary = "All user accounts",
         .tag = "users",
         .response_schema =
             json::object{{"type", "object"},
                          {"properties",
                           json::object{{"items", json::object{{"type", "array"}, {"items", user_schema}}}}}},
         .handler = ListUsers});
  r.Add(
      {.method = "POST",
       .pattern = "/api/v1/users",
       .roles = {Role::kAdmin},
       .summary = "Create a user; answers a one-time password to hand over (changed at first sign-in)",
       .tag = "users",
       .request_schema = json::parse(
           R"({"type":"object","required":["username","roles"],"additionalProperties":false,"properties":{"username":{"type":"string"},"display_name":{"type":"string"},"roles":{"type":"array","items":{"type":"string"}},"password":{"type":"string","minLength":12},"party_id":{"type":"string"}}})"),
       .response_schema = user_schema,
       .success_status = 201,
       .handler = CreateUser});
  r.Add({.method = "GET",
         .pattern = "/api/v1/users/{id}",
         .roles = {Role::kAdmin, Role::kAuditor},
         .summary = "One user account",
         .tag = "users",
         .response_schema = user_schema,
         .handler = GetUser});
  r.Add(
      {.method = "PATCH",
       .pattern = "/api/v1/users/{id}",
       .roles = {Role::kAdmin},
       .summary = "Change a user's roles or disable the account",
       .tag = "users",
       .request_schema = json::parse(
           R"({"type":"object","additionalProperties":false,"properties":{"roles":{"type":"array","items":{"type":"string"}},"disabled":{"type":"boolean"}}})"),
       .response_schema = user_schema,
       .handler = UpdateUser});
  r.Add({.method = "PUT",
         .pattern = "/api/v1/users/{id}/password",
         .roles = {Role::kAdmin},
         .summary = "Reset a user's password to a new one-time password (answered once)",
         .tag = "users",
         .response_schema = user_schema,
         .handler = ResetPassword});
  r.Add({.method = "DELETE",
         .pattern = "/api/v1/users/{id}/totp",
         .roles = {Role::kAdmin},
         .summary = "Remove a user's TOTP enrollment (lost device); they enroll again after signing in",
         .tag = "users",
         .response_schema = user_schema,
         .handler = ResetTotp});
}

}  // namespace holdfast::http
