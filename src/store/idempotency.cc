#include "store/idempotency.h"

namespace holdfast::store {

void RegisterIdempotency(Registry& registry) {
  registry.AddLocalTable(
      "CREATE TABLE IF NOT EXISTS local_idempotency(actor TEXT NOT NULL, key TEXT NOT NULL, "
      "fingerprint TEXT NOT NULL, status INTEGER NOT NULL, content_type TEXT NOT NULL, body TEXT NOT NULL, "
      "location TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY(actor, key)) WITHOUT ROWID;"
      "CREATE INDEX IF NOT EXISTS local_idempotency_age ON local_idempotency(created_at);");
}

Result<std::optional<RememberedAnswer>> FindAnswer(Db& db, std::string_view actor, std::string_view key,
                                                   int64_t now_ms) {
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare("SELECT fingerprint, status, content_type, body, location "
                                 "FROM local_idempotency WHERE actor=? AND key=? AND created_at > ?"));
  s->BindAll(actor, key, now_ms - kIdempotencyMs);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<RememberedAnswer>();
  return std::optional<RememberedAnswer>(
      RememberedAnswer{s->Text(0), static_cast<int>(s->Int(1)), s->Text(2), s->Text(3), s->Text(4)});
}

Status RememberAnswer(Db& db, std::string_view actor, std::string_view key, const RememberedAnswer& a,
                      int64_t now_ms) {
  HF_ASSIGN_OR_RETURN(StmtRef old, db.Prepare("DELETE FROM local_idempotency WHERE created_at <= ?"));
  HF_RETURN_IF_ERROR(old->Bind(1, now_ms - kIdempotencyMs).Run());
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare("INSERT OR REPLACE INTO local_idempotency VALUES(?,?,?,?,?,?,?,?)"));
  return s->BindAll(actor, key, a.fingerprint, int64_t{a.status}, a.content_type, a.body, a.location, now_ms)
      .Run();
}

}  // namespace holdfast::store
