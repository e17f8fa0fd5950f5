#include "auth/users.h"

#include <fmt/format.h>

#include "auth/sessions.h"
#include "auth/totp.h"
#include "base/crypto.h"
#include "store/series.h"

namespace holdfast::auth {
namespace {

using store::Db;
using store::StmtRef;

constexpr std::string_view kUserColumns =
    "id, username, display_name, roles, password_hash, must_change_password, totp_secret, totp_last_step, "
    "failed_count, locked_until, disabled, party_id";
constexpr std::string_view kQualifiedUserColumns =
    "u.id, u.username, u.display_name, u.roles, u.password_hash, u.must_change_password, u.totp_secret, "
    "u.totp_last_step, u.failed_count, u.locked_until, u.disabled, u.party_id";

User ReadUser(store::Stmt& s) {
  User u;
  u.id = s.Text(0);
  u.username = s.Text(1);
  u.display_name = s.Text(2);
  auto roles = ParseRoleList(s.TextView(3));
  if (roles.ok()) u.roles = *roles;
  u.password_hash = s.Text(4);
  u.must_change_password = s.Int(5) != 0;
  if (auto secret = FromBase32(s.TextView(6))) u.totp_secret = *secret;
  u.totp_last_step = s.Int(7);
  u.failed_count = s.Int(8);
  u.locked_until = s.Int(9);
  u.disabled = s.Int(10) != 0;
  u.party_id = s.Text(11);
  return u;
}

Result<std::optional<User>> FindOne(Db& db, std::string_view where, std::string_view value) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare(fmt::format("SELECT {} FROM users WHERE {} ORDER BY id LIMIT 1",
                                                        kUserColumns, where)));
  s->Bind(1, value);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<User>();
  return std::optional<User>(ReadUser(*s));
}

std::string RolesText(const json::array& roles) {
  std::vector<std::string> names;
  for (const auto& r : roles) {
    if (r.is_string()) names.emplace_back(r.get_string());
  }
  auto parsed = ParseRoleList(fmt::format("{}", fmt::join(names, ",")));
  return parsed.ok() ? parsed->Joined() : "";
}

// The refusals of an approval that count toward the lockout: wrong credentials, not policy.
bool IsCredentialFailure(std::string_view reason) {
  return reason == "bad-password" || reason == "bad-totp" || reason == "totp-replayed";
}

// The fold of every user.* and auth.* event into the users table.
Status ApplyUserEvent(Db& db, const journal::StoredEvent& se, std::string_view aggregate) {
  const journal::Event& e = se.event;
  const json::object& d = e.data;
  if (aggregate.starts_with("series:"))
    return store::ApplySeriesNumber(db, aggregate, store::SeriesNumberOf(StringOr(d, "id")));
  auto update = [&](std::string_view set, auto... args) -> Status {
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare(fmt::format("UPDATE users SET {} WHERE id=?", set)));
    s->BindAll(args...);
    s->Bind(static_cast<int>(sizeof...(args)) + 1, aggregate.substr(5));
    return s->Run();
  };
  if (e.type == "user.created") {
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("INSERT OR REPLACE INTO users(id, username, display_name, "
                                              "roles, password_hash, must_change_password, "
                                              "totp_secret, totp_last_step, failed_count, locked_until, "
                                              "disabled, party_id, created_at, created_by) "
                                              "VALUES(?,?,?,?,?,?,'',0,0,0,0,?,?,?)"));
    return s
        ->BindAll(aggregate.substr(5), StringOr(d, "username"), StringOr(d, "display_name"),
                  RolesText(ArrayOr(d, "roles")), StringOr(d, "password_hash"),
                  int64_t{BoolOr(d, "must_change_password")}, StringOr(d, "party_id"), e.stamp.time, e.actor)
        .Run();
  }
  if (e.type == "user.password_set") {
    return update("password_hash=?, must_change_password=?, failed_count=0, locked_until=0",
                  StringOr(d, "password_hash"), int64_t{BoolOr(d, "must_change_password")});
  }
  if (e.type == "user.roles_set") return update("roles=?", RolesText(ArrayOr(d, "roles")));
  if (e.type == "user.totp_enrolled") return update("totp_secret=?, totp_last_step=0", StringOr(d, "secret"));
  if (e.type == "user.totp_reset") return update("totp_secret='', totp_last_step=0");
  if (e.type == "user.disabled") return update("disabled=?", int64_t{BoolOr(d, "disabled")});
  if (e.type == "auth.signed_in") {
    return update("failed_count=0, totp_last_step=max(totp_last_step, ?), last_signin_at=?",
                  IntOr(d, "totp_step"), e.stamp.time);
  }
  if (e.type == "auth.signin_failed") {
    if (StringOr(d, "reason") == "locked") return Status::Ok();
    return update("failed_count=failed_count+1");
  }
  if (e.type == "auth.approval_given") {
    return update("failed_count=0, totp_last_step=max(totp_last_step, ?)", IntOr(d, "totp_step"));
  }
  if (e.type == "auth.approval_failed") {
    if (!IsCredentialFailure(StringOr(d, "reason"))) return Status::Ok();
    return update("failed_count=failed_count+1");
  }
  if (e.type == "user.locked")
    return update("locked_until=max(locked_until, ?), failed_count=0", IntOr(d, "until"));
  return Status::Ok();
}

Result<User> MustFind(Db& db, const std::string& id) {
  HF_ASSIGN_OR_RETURN(auto u, FindUserById(db, id));
  if (!u) return NotFound(fmt::format("no user {}", id));
  return *u;
}

}  // namespace

json::object User::ToJson() const {
  json::object o;
  o["id"] = id;
  o["username"] = username;
  o["display_name"] = display_name;
  o["roles"] = roles.ToJson();
  o["totp_enrolled"] = TotpEnrolled();
  o["must_change_password"] = must_change_password;
  o["disabled"] = disabled;
  o["locked_until"] = locked_until;
  if (!party_id.empty()) o["party_id"] = party_id;
  return o;
}

void RegisterUsers(store::Registry& registry) {
  registry.AddTable(
      {"users",
       "CREATE TABLE IF NOT EXISTS users(id TEXT PRIMARY KEY, username TEXT NOT NULL, "
       "display_name TEXT NOT NULL, roles TEXT NOT NULL, password_hash TEXT NOT NULL, "
       "must_change_password INTEGER NOT NULL, totp_secret TEXT NOT NULL, "
       "totp_last_step INTEGER NOT NULL, failed_count INTEGER NOT NULL, locked_until INTEGER NOT NULL, "
       "disabled INTEGER NOT NULL, party_id TEXT NOT NULL, created_at INTEGER NOT NULL, "
       "created_by TEXT NOT NULL, last_signin_at INTEGER) WITHOUT ROWID;"
       "CREATE INDEX IF NOT EXISTS users_username ON users(username);",
       {"id"},
       {},
       /*identity=*/true});
  registry.AddAggregate({"user",
                         [](Db& db, std::string_view id) -> Status {
                           HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("DELETE FROM users WHERE id=?"));
                           return s->Bind(1, id).Run();
                         },
                         /*commutative=*/false, /*identity=*/true});
  auto by_id = [](const char* key) {
    return [key](const journal::Event& e) -> std::vector<std::string> {
      std::string_view id = StringOr(e.data, key);
      if (id.empty()) return {};
      return {fmt::format("user:{}", id)};
    };
  };
  registry.AddRule(
      {"user.created",
       [](const journal::Event& e) -> std::vector<std::string> {
         return {fmt::format("user:{}", StringOr(e.data, "id")), store::SeriesAggregate(e.feed, "user")};
       },
       ApplyUserEvent});
  for (const char* type : {"user.password_set", "user.roles_set", "user.totp_enrolled", "user.totp_reset",
                           "user.disabled", "user.locked"}) {
    registry.AddRule({type, by_id("id"), ApplyUserEvent});
  }
  registry.AddRule({"auth.signed_in", by_id("user_id"), ApplyUserEvent});
  registry.AddRule({"auth.signin_failed", by_id("user_id"), ApplyUserEvent});
  registry.AddRule({"auth.approval_given", by_id("user_id"), ApplyUserEvent});
  registry.AddRule({"auth.approval_failed", by_id("user_id"), ApplyUserEvent});
  RegisterSessions(registry);
}

Result<std::optional<User>> FindUserByName(Db& db, std::string_view username) {
  return FindOne(db, "username=?", username);
}

Result<std::optional<User>> FindUserById(Db& db, std::string_view id) { return FindOne(db, "id=?", id); }

Result<std::optional<SessionUser>> FindSessionUser(Db& db, std::string_view token, int64_t now_ms) {
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare(fmt::format("SELECT {}, s.expires_at FROM local_sessions s JOIN users u "
                                             "ON u.id = s.user_id "
                                             "WHERE s.token_hash=? AND s.expires_at > ? AND u.disabled = 0",
                                             kQualifiedUserColumns)));
  s->BindBlob(1, Sha256(token)).Bind(2, now_ms);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<SessionUser>();
  return std::optional<SessionUser>(SessionUser{ReadUser(*s), s->Int(12)});
}

Result<std::vector<User>> ListUsers(Db& db) {
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare(fmt::format("SELECT {} FROM users ORDER BY username, id", kUserColumns)));
  std::vector<User> out;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(ReadUser(*s));
  }
  return out;
}

Status CheckUsername(std::string_view username) {
  bool ok = !username.empty() && username.size() <= 64 && username[0] != '.' && username[0] != '-' &&
            username[0] != '_';
  for (char c : username) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-');
  }
  if (!ok) {
    return Invalid(
        "a username is 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
        "username");
  }
  return Status::Ok();
}

Result<User> CreateUser(store::CommandContext& ctx, const NewUser& nu, const std::string& actor) {
  HF_RETURN_IF_ERROR(CheckUsername(nu.username));
  if (nu.roles.empty()) return Invalid("a user needs at least one role", "roles");
  HF_ASSIGN_OR_RETURN(auto existing, FindUserByName(ctx.db(), nu.username));
  if (existing) return Conflict(fmt::format("the username {} is taken", nu.username), "username-taken");
  HF_ASSIGN_OR_RETURN(int64_t n, store::NextSeriesNumber(ctx.db(), ctx.node_id(), "user"));
  std::string id = store::SeriesId("u", ctx.node_id(), n);
  json::object d;
  d["id"] = id;
  d["username"] = nu.username;
  d["display_name"] = nu.display_name.empty() ? nu.username : nu.display_name;
  d["roles"] = nu.roles.ToJson();
  d["password_hash"] = nu.password_hash;
  d["must_change_password"] = nu.must_change_password;
  d["party_id"] = nu.party_id;
  HF_RETURN_IF_ERROR(ctx.Emit("user.created", std::move(d), actor).status());
  return MustFind(ctx.db(), id);
}

Status SetPassword(store::CommandContext& ctx, const std::string& user_id, const std::string& password_hash,
                   bool must_change, const std::string& actor, std::string_view keep_token) {
  HF_RETURN_IF_ERROR(MustFind(ctx.db(), user_id).status());
  json::object d{{"id", user_id}, {"password_hash", password_hash}, {"must_change_password", must_change}};
  HF_RETURN_IF_ERROR(ctx.Emit("user.password_set", std::move(d), actor).status());
  // A new password ends every session of the account on this node.
  return RevokeUserSessions(ctx.db(), user_id, keep_token);
}

Status SetRoles(store::CommandContext& ctx, const std::string& user_id, RoleSet roles,
                const std::string& actor) {
  HF_RETURN_IF_ERROR(MustFind(ctx.db(), user_id).status());
  if (roles.empty()) return Invalid("a user needs at least one role", "roles");
  return ctx.Emit("user.roles_set", json::object{{"id", user_id}, {"roles", roles.ToJson()}}, actor).status();
}

Status EnrollTotp(store::CommandContext& ctx, const std::string& user_id, std::span<const uint8_t> secret,
                  const std::string& actor) {
  HF_RETURN_IF_ERROR(MustFind(ctx.db(), user_id).status());
  return ctx.Emit("user.totp_enrolled", json::object{{"id", user_id}, {"secret", Base32(secret)}}, actor)
      .status();
}

Status ResetTotp(store::CommandContext& ctx, const std::string& user_id, const std::string& actor) {
  HF_RETURN_IF_ERROR(MustFind(ctx.db(), user_id).status());
  return ctx.Emit("user.totp_reset", json::object{{"id", user_id}}, actor).status();
}

Status SetDisabled(store::CommandContext& ctx, const std::string& user_id, bool disabled,
                   const std::string& actor) {
  HF_RETURN_IF_ERROR(MustFind(ctx.db(), user_id).status());
  HF_RETURN_IF_ERROR(
      ctx.Emit("user.disabled", json::object{{"id", user_id}, {"disabled", disabled}}, actor).status());
  return disabled ? RevokeUserSessions(ctx.db(), user_id) : Status::Ok();
}

Result<SignInOutcome> SignIn(store::CommandContext& ctx, const SignInAttempt& a) {
  const int64_t now = ctx.clock().NowMs();
  HF_ASSIGN_OR_RETURN(auto found, FindUserByName(ctx.db(), a.username));
  SignInOutcome out;
  auto refuse = [&](std::string reason, Error error) -> Result<SignInOutcome> {
    json::object d{{"username", a.username}, {"user_id", found ? found->id : ""}, {"reason", reason}};
    HF_RETURN_IF_ERROR(ctx.Emit("auth.signin_failed", std::move(d), found ? found->id : "system").status());
    if (found && reason != "locked" && found->failed_count + 1 >= kMaxFailures) {
      HF_RETURN_IF_ERROR(
          ctx.Emit("user.locked", json::object{{"id", found->id}, {"until", now + kLockoutMs}}, "system")
              .status());
      error = MakeError(
          Code::kLocked,
          fmt::format("too many failed sign-ins: the account is locked for {} minutes", kLockoutMs / 60000),
          "account-locked");
    }
    out.refused = std::move(error);
    return out;
  };
  const Error bad_credentials =
      MakeError(Code::kUnauthorized, "wrong username or password", "invalid-credentials");
  if (!found) return refuse("unknown-user", bad_credentials);
  const User& u = *found;
  if (u.locked_until > now) {
    return refuse("locked",
                  MakeError(Code::kLocked,
                            fmt::format("the account is locked after repeated failed sign-ins until {}; "
                                        "try again later or ask an administrator",
                                        FormatTime(u.locked_until)),
                            "account-locked"));
  }
  if (u.disabled) {
    return refuse("disabled", MakeError(Code::kForbidden, "this account is disabled", "account-disabled"));
  }
  if (!a.password_ok || a.checked_hash != u.password_hash) return refuse("bad-password", bad_credentials);
  int64_t step = 0;
  if (u.IsStaff() && u.TotpEnrolled()) {
    if (!a.totp || a.totp->empty()) {
      // The password was right; ask for the second factor without counting a failure.
      out.refused = MakeError(Code::kUnauthorized, "enter the 6-digit code from your authenticator app",
                              "totp-required", "totp");
      return out;
    }
    auto matched = MatchTotp(u.totp_secret, *a.totp, now / 1000);
    if (!matched) {
      return refuse("bad-totp",
                    MakeError(Code::kUnauthorized, "wrong authenticator code", "invalid-totp", "totp"));
    }
    if (*matched <= u.totp_last_step) {
      return refuse(
          "totp-replayed",
          MakeError(Code::kUnauthorized, "that authenticator code was already used; wait for the next one",
                    "invalid-totp", "totp"));
    }
    step = *matched;
  }
  json::object d{{"user_id", u.id}, {"method", step ? "password+totp" : "password"}, {"totp_step", step}};
  HF_RETURN_IF_ERROR(ctx.Emit("auth.signed_in", std::move(d), u.id).status());
  HF_ASSIGN_OR_RETURN(Session session, CreateSession(ctx.db(), u.id, now));
  out.token = session.token;
  out.expires_at = session.expires_at;
  HF_ASSIGN_OR_RETURN(out.user, FindUserById(ctx.db(), u.id));
  return out;
}

Result<ApprovalOutcome> CheckApproval(store::CommandContext& ctx, const ApprovalAttempt& a) {
  const int64_t now = ctx.clock().NowMs();
  HF_ASSIGN_OR_RETURN(auto found, FindUserByName(ctx.db(), a.username));
  ApprovalOutcome out;
  auto refuse = [](std::string detail, std::string field = "approval") {
    return MakeError(Code::kForbidden, std::move(detail), "approval-refused", std::move(field));
  };
  auto record = [&](std::string reason, Error error) -> Result<ApprovalOutcome> {
    json::object d{{"username", a.username},
                   {"user_id", found ? found->id : ""},
                   {"reason", reason},
                   {"requested_by", a.requested_by},
                   {"purpose", a.purpose}};
    HF_RETURN_IF_ERROR(ctx.Emit("auth.approval_failed", std::move(d), a.requested_by).status());
    if (found && IsCredentialFailure(reason) && found->failed_count + 1 >= kMaxFailures) {
      HF_RETURN_IF_ERROR(
          ctx.Emit("user.locked", json::object{{"id", found->id}, {"until", now + kLockoutMs}}, "system")
              .status());
      error.detail += fmt::format("; after repeated failures the approver's account is locked for {} minutes",
                                  kLockoutMs / 60000);
    }
    out.refused = std::move(error);
    return out;
  };
  const std::string wrong = "the approver's username or password is wrong";
  if (!found) return record("unknown-user", refuse(wrong));
  const User& u = *found;
  if (u.locked_until > now) {
    return record("locked", refuse(fmt::format("the approver's account is locked after repeated "
                                               "failures until {}",
                                               FormatTime(u.locked_until))));
  }
  if (u.disabled) return record("disabled", refuse("the approver's account is disabled"));
  if (!a.password_ok || a.checked_hash != u.password_hash) {
    return record("bad-password", refuse(wrong));
  }
  if (!u.roles.Has(Role::kSupervisor) && !u.roles.Has(Role::kAdmin)) {
    return record("not-a-supervisor",
                  refuse(u.id == a.requested_by
                             ? "you cannot approve your own request: a supervisor must approve it"
                             : fmt::format("{} is not a supervisor: a supervisor or an administrator must "
                                           "approve this",
                                           u.username)));
  }
  int64_t step = 0;
  if (u.TotpEnrolled()) {
    if (!a.totp || a.totp->empty()) {
      out.refused =
          MakeError(Code::kForbidden, "the approver must also enter the code from their authenticator",
                    "approval-totp-required", "approval.totp");
      return out;
    }
    auto matched = MatchTotp(u.totp_secret, *a.totp, now / 1000);
    if (!matched) {
      return record("bad-totp", refuse("the approver's authenticator code is wrong", "approval.totp"));
    }
    if (*matched <= u.totp_last_step) {
      return record("totp-replayed",
                    refuse("the approver's authenticator code was already used; wait for the "
                           "next one",
                           "approval.totp"));
    }
    step = *matched;
  }
  json::object d{
      {"user_id", u.id}, {"requested_by", a.requested_by}, {"purpose", a.purpose}, {"totp_step", step}};
  HF_RETURN_IF_ERROR(ctx.Emit("auth.approval_given", std::move(d), a.requested_by).status());
  HF_ASSIGN_OR_RETURN(out.approver, FindUserById(ctx.db(), u.id));
  return out;
}

}  // namespace holdfast::auth
