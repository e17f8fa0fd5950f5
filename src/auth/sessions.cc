#include "auth/sessions.h"

#include "base/crypto.h"

namespace holdfast::auth {

void RegisterSessions(store::Registry& registry) {
  registry.AddLocalTable(
      "CREATE TABLE IF NOT EXISTS local_sessions(token_hash BLOB PRIMARY KEY, user_id TEXT NOT NULL, "
      "created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;"
      "CREATE INDEX IF NOT EXISTS local_sessions_user ON local_sessions(user_id);");
}

Result<Session> CreateSession(store::Db& db, const std::string& user_id, int64_t now_ms) {
  Session s{RandomToken(32), user_id, now_ms, now_ms + kSessionMs};
  HF_ASSIGN_OR_RETURN(store::StmtRef del, db.Prepare("DELETE FROM local_sessions WHERE expires_at <= ?"));
  HF_RETURN_IF_ERROR(del->Bind(1, now_ms).Run());
  HF_ASSIGN_OR_RETURN(store::StmtRef ins, db.Prepare("INSERT INTO local_sessions VALUES(?,?,?,?)"));
  HF_RETURN_IF_ERROR(
      ins->BindBlob(1, Sha256(s.token)).Bind(2, user_id).Bind(3, now_ms).Bind(4, s.expires_at).Run());
  return s;
}

Status DeleteSession(store::Db& db, std::string_view token) {
  HF_ASSIGN_OR_RETURN(store::StmtRef s, db.Prepare("DELETE FROM local_sessions WHERE token_hash=?"));
  return s->BindBlob(1, Sha256(token)).Run();
}

Status RevokeUserSessions(store::Db& db, std::string_view user_id, std::string_view keep_token) {
  HF_ASSIGN_OR_RETURN(store::StmtRef s,
                      db.Prepare("DELETE FROM local_sessions WHERE user_id=? AND token_hash<>?"));
  return s->Bind(1, user_id).BindBlob(2, Sha256(keep_token)).Run();
}

}  // namespace holdfast::auth
