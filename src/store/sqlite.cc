#include "store/sqlite.h"

#include <fmt/format.h>

namespace holdfast::store {

void Stmt::Bound(int i, int rc) {
  if (rc != SQLITE_OK && bind_error_.empty()) {
    bind_error_ = fmt::format("binding parameter {} failed: {}", i, sqlite3_errstr(rc));
  }
}
Stmt& Stmt::Bind(int i, int64_t v) {
  Bound(i, sqlite3_bind_int64(stmt_, i, v));
  return *this;
}
Stmt& Stmt::Bind(int i, std::string_view v) {
  // An empty view may have no data pointer, which SQLite would bind as NULL rather than ''.
  Bound(i,
        sqlite3_bind_text(stmt_, i, v.data() ? v.data() : "", static_cast<int>(v.size()), SQLITE_TRANSIENT));
  return *this;
}
Stmt& Stmt::BindBlob(int i, std::span<const uint8_t> v) {
  Bound(i, sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  Bound(i, sqlite3_bind_null(stmt_, i));
  return *this;
}

Result<bool> Stmt::Step() {
  // A binding that failed (an index past the statement's parameters, say) would run the statement with a
  // NULL in its place: refuse to run it instead.
  if (!bind_error_.empty()) {
    return Internal(fmt::format("{} in {:?}", bind_error_, sqlite3_sql(stmt_)));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->LastError("query failed");
}

Status Stmt::Run() {
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

std::string Stmt::Text(int col) const { return std::string(TextView(col)); }

std::string_view Stmt::TextView(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string_view();
}

std::span<const uint8_t> Stmt::Blob(int col) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, col));
  return p ? std::span<const uint8_t>(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::span<const uint8_t>();
}

void Stmt::Reset() {
  bind_error_.clear();
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool ConfigureSqlite() {
  static const bool initialised = [] {
    // Refused only when SQLite was initialised before this first call; it then works, with its statistics.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return sqlite3_initialize() == SQLITE_OK;
  }();
  return initialised;
}

std::string ReadOnlyUri(const std::string& path) {
  std::string out = "file:";
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      out += fmt::format("%{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out + "?mode=ro";
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& path, OpenMode mode, const char* vfs) {
  if (!ConfigureSqlite()) return IoError("SQLite could not be initialised");
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
  switch (mode) {
    case OpenMode::kReadWrite:
      flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
      break;
    case OpenMode::kReadOnly:
      flags |= SQLITE_OPEN_READONLY;
      break;
    case OpenMode::kMemory:
      flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY;
      break;
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(mode == OpenMode::kMemory ? ":memory:" : path.c_str(), &raw, flags, vfs);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    return IoError(fmt::format("cannot open database {}: {}", path, msg));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 5000);
  return std::unique_ptr<Db>(new Db(raw));
}

Db::~Db() {
  cache_.clear();
  // Finalize any statement still alive (the cache owned them all).
  sqlite3_stmt* s;
  while ((s = sqlite3_next_stmt(db_, nullptr)) != nullptr) sqlite3_finalize(s);
  sqlite3_close(db_);
}

Error Db::LastError(std::string_view what) const {
  int rc = sqlite3_extended_errcode(db_);
  std::string msg = fmt::format("{}: {}", what, sqlite3_errmsg(db_));
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return MakeError(Code::kConflict, msg, "constraint");
    case SQLITE_FULL:
      return MakeError(Code::kUnavailable, msg, "disk-full");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return MakeError(Code::kUnavailable, msg, "busy");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Corrupt(msg);
    default:
      return IoError(msg);
  }
}

Status Db::Exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Error e = LastError("statement failed");
    e.detail = fmt::format("statement failed: {}", msg);
    return e;
  }
  return Status::Ok();
}

Result<StmtRef> Db::Prepare(std::string_view sql) {
  if (auto r = recent_.find(sql.data()); r != recent_.end() && *r->second.sql == sql) {
    return StmtRef(r->second.stmt);
  }
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                &raw, nullptr);
    if (rc != SQLITE_OK) return LastError(fmt::format("cannot prepare [{}]", sql));
    it = cache_.emplace(std::string(sql), std::make_unique<Stmt>(this, raw)).first;
  }
  // Bounded: texts built at run time could otherwise add an address each time.
  if (recent_.size() >= 4 * cache_.size() + 64) recent_.clear();
  recent_[sql.data()] = {&it->first, it->second.get()};
  return StmtRef(it->second.get());
}

Result<int64_t> Db::QueryInt(std::string_view sql) {
  HF_ASSIGN_OR_RETURN(StmtRef s, Prepare(sql));
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  return row ? s->Int(0) : 0;
}

Result<Transaction> Transaction::Begin(Db& db) {
  HF_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  return Transaction(&db);
}

Status Transaction::Commit() {
  Status s = db_->Exec("COMMIT");
  if (s.ok()) db_ = nullptr;
  return s;
}

Status Transaction::Restart() {
  HF_RETURN_IF_ERROR(db_->Exec("ROLLBACK"));
  return db_->Exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (db_ && !sqlite3_get_autocommit(db_->raw())) (void)db_->Exec("ROLLBACK");
}

Result<ReadTransaction> ReadTransaction::Begin(Db& db) {
  HF_RETURN_IF_ERROR(db.Exec("BEGIN"));
  return ReadTransaction(&db);
}

ReadTransaction::~ReadTransaction() {
  if (db_ && !sqlite3_get_autocommit(db_->raw())) (void)db_->Exec("ROLLBACK");
}

}  // namespace holdfast::store
