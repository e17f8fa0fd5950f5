// Sign-in sessions: local to one node and never replicated (DESIGN §10). The token is 32 random bytes shown
// once to the client (as a cookie or for `Authorization: Bearer`); the node keeps only its SHA-256.
//
// Table local_sessions(token_hash, user_id, created_at, expires_at). Sessions last kSessionMs.
#ifndef HOLDFAST_AUTH_SESSIONS_H_
#define HOLDFAST_AUTH_SESSIONS_H_

#include <optional>
#include <string>

#include "base/status.h"
#include "store/registry.h"
#include "store/sqlite.h"

namespace holdfast::auth {

inline constexpr int64_t kSessionMs = 12 * 60 * 60 * 1000;

struct Session {
  std::string token;  // only when just created
  std::string user_id;
  int64_t created_at = 0;
  int64_t expires_at = 0;
};

void RegisterSessions(store::Registry& registry);
Result<Session> CreateSession(store::Db& db, const std::string& user_id, int64_t now_ms);
Status DeleteSession(store::Db& db, std::string_view token);
// Ends every session of the user except the one whose token is `keep_token` (if given).
Status RevokeUserSessions(store::Db& db, std::string_view user_id, std::string_view keep_token = {});

}  // namespace holdfast::auth

#endif  // HOLDFAST_AUTH_SESSIONS_H_
