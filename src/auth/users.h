// Staff and public user accounts. Accounts are journal events, so they replicate and an office can sign its
// staff in while cut off; the `users` table is their fold.
//
// Events (data members):
//   user.created        {id, username, display_name, roles[], password_hash, must_change_password, party_id}
//   user.password_set   {id, password_hash, must_change_password}
//   user.roles_set      {id, roles[]}
//   user.totp_enrolled  {id, secret}            secret: base32
//   user.totp_reset     {id}
//   user.disabled       {id, disabled}
//   auth.signed_in      {user_id, method, totp_step}   method: "password" or "password+totp"; totp_step: 0
//                                                      if none
//   auth.signin_failed  {username, user_id, reason}    user_id "" for an unknown username
//   user.locked         {id, until}                    until: Unix ms
//   auth.approval_given  {user_id, requested_by, purpose, totp_step}
//   auth.approval_failed {username, user_id, reason, requested_by, purpose}
//       A supervisor's approval of a request (a void, a refund): user_id is the approver,
//       requested_by the user asking, purpose what was approved ("void r-central-7"). reason: unknown-user,
//       locked, disabled, bad-password, bad-totp, totp-replayed, not-a-supervisor.
//
// Lockout: kMaxFailures failed sign-ins in a row lock the account for kLockoutMs; a successful sign-in resets
// the count. The sign-in command decides the lock (with its clock) and records it as user.locked. A refused
// approval counts toward the same lockout when its reason is a wrong credential (bad-password, bad-totp,
// totp-replayed), and a given approval resets the count like a sign-in; an approval's TOTP code, like a
// sign-in's, works once.
#ifndef HOLDFAST_AUTH_USERS_H_
#define HOLDFAST_AUTH_USERS_H_

#include <optional>
#include <string>
#include <vector>

#include "auth/roles.h"
#include "base/bytes.h"
#include "store/registry.h"
#include "store/writer.h"

namespace holdfast::auth {

inline constexpr int kMaxFailures = 5;
inline constexpr int64_t kLockoutMs = 15 * 60 * 1000;

struct User {
  std::string id;
  std::string username;
  std::string display_name;
  RoleSet roles;
  std::string password_hash;
  bool must_change_password = false;
  Bytes totp_secret;  // empty: not enrolled
  int64_t totp_last_step = 0;
  int64_t failed_count = 0;
  int64_t locked_until = 0;
  bool disabled = false;
  std::string party_id;

  bool IsStaff() const { return roles.Intersects(RoleSet::Staff()); }
  bool TotpEnrolled() const { return !totp_secret.empty(); }
  // The public view: never the password hash or the TOTP secret.
  json::object ToJson() const;
};

void RegisterUsers(store::Registry& registry);

Result<std::optional<User>> FindUserByName(store::Db& db, std::string_view username);
Result<std::optional<User>> FindUserById(store::Db& db, std::string_view id);
// The user of the live session with `token` (auth/sessions.h) and when that session expires, in one query:
// nullopt when the token is unknown or expired, or the account is disabled.
struct SessionUser {
  User user;
  int64_t expires_at = 0;
};
Result<std::optional<SessionUser>> FindSessionUser(store::Db& db, std::string_view token, int64_t now_ms);
Result<std::vector<User>> ListUsers(store::Db& db);

// Usernames: 1..64 of [a-z0-9._-], starting with a letter or digit.
Status CheckUsername(std::string_view username);

struct NewUser {
  std::string username;
  std::string display_name;
  RoleSet roles;
  std::string password_hash;  // already hashed (HashPassword), off the writer thread
  bool must_change_password = true;
  std::string party_id;
};

// Commands: run on the writer thread. `actor` is the user id responsible.
Result<User> CreateUser(store::CommandContext& ctx, const NewUser& user, const std::string& actor);
// Ends the user's sessions on this node, except the one with `keep_token` (the session that changed it).
Status SetPassword(store::CommandContext& ctx, const std::string& user_id, const std::string& password_hash,
                   bool must_change, const std::string& actor, std::string_view keep_token = {});
Status SetRoles(store::CommandContext& ctx, const std::string& user_id, RoleSet roles,
                const std::string& actor);
Status EnrollTotp(store::CommandContext& ctx, const std::string& user_id, std::span<const uint8_t> secret,
                  const std::string& actor);
Status ResetTotp(store::CommandContext& ctx, const std::string& user_id, const std::string& actor);
Status SetDisabled(store::CommandContext& ctx, const std::string& user_id, bool disabled,
                   const std::string& actor);

// A sign-in whose password was already checked against `checked_hash` off the writer thread.
struct SignInAttempt {
  std::string username;
  bool password_ok = false;
  std::string checked_hash;
  std::optional<std::string> totp;
};

// Either a session, or the reason it was refused. A refusal is still a successful command: its events (the
// failure, perhaps the lock) must commit.
struct SignInOutcome {
  std::optional<User> user;
  std::string token;
  int64_t expires_at = 0;
  std::optional<Error> refused;
};

// Decides a sign-in: records auth.signed_in and opens a session, or records auth.signin_failed (and
// user.locked on the kMaxFailures-th failure in a row).
Result<SignInOutcome> SignIn(store::CommandContext& ctx, const SignInAttempt& attempt);

// A supervisor's approval given with their own credentials, the password already checked against
// `checked_hash` off the writer thread (as for SignInAttempt).
struct ApprovalAttempt {
  std::string username;
  bool password_ok = false;
  std::string checked_hash;
  std::optional<std::string> totp;
  std::string requested_by;  // the user id asking for the approval
  std::string purpose;       // what is approved, for the record: "void r-central-7"
};

// Either the approver, or the reason the approval was refused. As with SignIn, a refusal is a successful
// command whose events must commit; the caller answers the refusal and does nothing else.
struct ApprovalOutcome {
  std::optional<User> approver;
  std::optional<Error> refused;
};

// Decides an approval: the approver exists, is neither locked nor disabled, gave the right password, holds
// the supervisor or admin role, and gave a fresh TOTP code if enrolled. A supervisor may approve their own
// request (by giving their credentials explicitly); anyone else's approval of their own request is refused,
// since it lacks the role. Records auth.approval_given, or auth.approval_failed (and user.locked on the
// kMaxFailures-th wrong credential in a row). Refusals have type "approval-refused" (403), or
// "approval-totp-required" when only the approver's authenticator code is missing (nothing is recorded then).
Result<ApprovalOutcome> CheckApproval(store::CommandContext& ctx, const ApprovalAttempt& attempt);

}  // namespace holdfast::auth

#endif  // HOLDFAST_AUTH_USERS_H_
