// A thin wrapper over SQLite: one Db per connection (not thread-safe; one thread uses it at a time), prepared
// statements cached by their SQL text, and SQLite result codes turned into Errors here and nowhere else.
#ifndef HOLDFAST_STORE_SQLITE_H_
#define HOLDFAST_STORE_SQLITE_H_

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"

namespace holdfast::store {

class Db;

// Process-wide SQLite settings, applied once before SQLite initialises (so before any connection or VFS): no
// memory statistics, whose global mutex every allocation would otherwise take. Each connection is used by one
// thread at a time (NOMUTEX in Db::Open). False if SQLite could not be initialised. Every way into SQLite
// (Db::Open, the batched-WAL VFS) calls it first; SqliteSettingsTest checks the settings take effect.
bool ConfigureSqlite();

// A prepared statement. Bind with 1-based indexes, Step() until it returns false, read columns 0-based.
class Stmt {
 public:
  Stmt(Db* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, int v) { return Bind(i, static_cast<int64_t>(v)); }
  Stmt& Bind(int i, std::string_view v);  // always text: an empty view binds '', never NULL
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Stmt& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  Stmt& BindBlob(int i, std::span<const uint8_t> v);
  Stmt& BindNull(int i);
  // Binds the value, or NULL when there is none.
  Stmt& BindIntOrNull(int i, std::optional<int64_t> v) { return v ? Bind(i, *v) : BindNull(i); }
  // Binds every argument in order from index 1.
  template <typename... Args>
  Stmt& BindAll(const Args&... args) {
    int i = 0;
    (Bind(++i, args), ...);
    return *this;
  }

  // Advances: true with a row ready, false when done; errors are Results (a failed Bind among them).
  Result<bool> Step();
  // Runs a statement that returns no rows.
  Status Run();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) const;
  std::string_view TextView(int col) const;
  std::span<const uint8_t> Blob(int col) const;
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int ColumnCount() const { return sqlite3_column_count(stmt_); }
  int ColumnType(int col) const { return sqlite3_column_type(stmt_, col); }

  void Reset();
  sqlite3_stmt* raw() { return stmt_; }

 private:
  // Records the first failed binding; Step() answers it as an error until Reset().
  void Bound(int i, int rc);

  Db* db_;
  sqlite3_stmt* stmt_;
  std::string bind_error_;
};

// A statement borrowed from the Db's cache; resets and clears its bindings when it goes out of scope.
class StmtRef {
 public:
  explicit StmtRef(Stmt* s) : s_(s) {}
  StmtRef(StmtRef&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  StmtRef(const StmtRef&) = delete;
  ~StmtRef() {
    if (s_) s_->Reset();
  }
  Stmt* operator->() { return s_; }
  Stmt& operator*() { return *s_; }

 private:
  Stmt* s_;
};

enum class OpenMode { kReadWrite, kReadOnly, kMemory };

// A URI that opens (or ATTACHes) the database file at `path` read-only.
std::string ReadOnlyUri(const std::string& path);

class Db {
 public:
  // `vfs`: the name of a registered SQLite VFS, or nullptr for the default one.
  static Result<std::unique_ptr<Db>> Open(const std::string& path, OpenMode mode, const char* vfs = nullptr);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more statements that return no rows.
  Status Exec(std::string_view sql);
  // A cached prepared statement for `sql`. Fails only on a syntax error, which is our bug.
  Result<StmtRef> Prepare(std::string_view sql);
  // Runs a query expected to return one integer (0 when no row).
  Result<int64_t> QueryInt(std::string_view sql);
  // Runs one statement that returns no rows, its parameters bound in order from index 1.
  template <typename... Args>
  Status Run(std::string_view sql, const Args&... args) {
    HF_ASSIGN_OR_RETURN(StmtRef s, Prepare(sql));
    s->BindAll(args...);
    return s->Run();
  }

  Error LastError(std::string_view what) const;
  sqlite3* raw() { return db_; }
  // Rows changed by the last INSERT, UPDATE or DELETE on this connection.
  int64_t Changes() { return sqlite3_changes64(db_); }
  // Rows changed on this connection since it was opened: compared before and after some work, whether the
  // work changed anything.
  int64_t TotalChanges() { return sqlite3_total_changes64(db_); }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::map<std::string, std::unique_ptr<Stmt>, std::less<>> cache_;
  // The same statements by where their text was when last asked for: most texts are literals, asked for from
  // the same place each time, so one pointer lookup and one comparison of the text find them. A text built at
  // run time may come at an address another text had; the comparison tells them apart.
  struct Recent {
    const std::string* sql;
    Stmt* stmt;
  };
  std::unordered_map<const char*, Recent> recent_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back if not committed by the time it is destroyed.
class Transaction {
 public:
  static Result<Transaction> Begin(Db& db);
  Transaction(Transaction&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Transaction(const Transaction&) = delete;
  ~Transaction();
  Status Commit();
  // Rolls back everything done so far and begins again.
  Status Restart();
  Db& db() { return *db_; }

 private:
  explicit Transaction(Db* db) : db_(db) {}
  Db* db_;
};

// A read transaction: every query in it sees one snapshot of the database, the commit that is the latest when
// its first read runs. Rolled back when it ends. Begin on a connection already in a transaction is an error.
class ReadTransaction {
 public:
  static Result<ReadTransaction> Begin(Db& db);
  ReadTransaction(ReadTransaction&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  ReadTransaction(const ReadTransaction&) = delete;
  ~ReadTransaction();

 private:
  explicit ReadTransaction(Db* db) : db_(db) {}
  Db* db_;
};

}  // namespace holdfast::store

#endif  // HOLDFAST_STORE_SQLITE_H_
