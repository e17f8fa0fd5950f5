// Errors as values. A Status is either ok or an Error; a Result<T> is either a T or an Error.
//
// An Error carries a Code (which decides the HTTP status and the CLI exit code), a stable machine-readable
// `type` slug (the last part of the problem+json `type` URI, e.g. "tag-already-used"), and a `detail` written
// for a person. Codes are converted from errno and SQLite results once, at the boundary that calls them.
#ifndef HOLDFAST_BASE_STATUS_H_
#define HOLDFAST_BASE_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace holdfast {

enum class Code {
  kOk = 0,
  kInvalid,       // bad input: 400/422
  kNotFound,      // 404
  kConflict,      // the request contradicts current state: 409
  kUnauthorized,  // not signed in or bad credentials: 401
  kForbidden,     // signed in but not allowed: 403
  kLocked,        // account locked: 423
  kTooLarge,      // 413
  kUnavailable,   // the node cannot serve this now (shutting down, disk full): 503
  kIo,            // file system or database failure
  kCorrupt,       // stored data fails its own checks
  kInternal,      // a bug
};

// A short, stable name for a code ("invalid", "not-found" ...), used as the default problem type.
std::string_view CodeName(Code code);

struct Error {
  Code code = Code::kInternal;
  std::string type;    // stable slug; empty means CodeName(code)
  std::string detail;  // for people
  std::string field;   // the input field at fault, if any

  std::string_view Type() const { return type.empty() ? CodeName(code) : std::string_view(type); }
};

inline Error MakeError(Code code, std::string detail, std::string type = {}, std::string field = {}) {
  return Error{code, std::move(type), std::move(detail), std::move(field)};
}
inline Error Invalid(std::string detail, std::string field = {}) {
  return MakeError(Code::kInvalid, std::move(detail), "validation", std::move(field));
}
inline Error NotFound(std::string detail) { return MakeError(Code::kNotFound, std::move(detail)); }
inline Error Conflict(std::string detail, std::string type = "conflict") {
  return MakeError(Code::kConflict, std::move(detail), std::move(type));
}
inline Error IoError(std::string detail) { return MakeError(Code::kIo, std::move(detail), "io"); }
inline Error Corrupt(std::string detail) { return MakeError(Code::kCorrupt, std::move(detail), "corrupt"); }
inline Error Internal(std::string detail) {
  return MakeError(Code::kInternal, std::move(detail), "internal");
}

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design, `return Invalid(...)`

  static Status Ok() { return Status(); }
  bool ok() const { return !error_.has_value(); }
  const Error& error() const {
    assert(error_);
    return *error_;
  }
  std::string ToString() const { return ok() ? "ok" : std::string(error_->Type()) + ": " + error_->detail; }

 private:
  std::optional<Error> error_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                             // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}                         // NOLINT
  Result(Status status) : v_(status.error()) { assert(!status.ok()); }  // NOLINT

  bool ok() const { return v_.index() == 0; }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  Status status() const { return ok() ? Status() : Status(error()); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace holdfast

// Returns early from the enclosing function with the error of a failed Status or Result expression.
#define HF_RETURN_IF_ERROR(expr)                     \
  do {                                               \
    auto hf_status_ = (expr);                        \
    if (!hf_status_.ok()) return hf_status_.error(); \
  } while (0)

#define HF_CONCAT_INNER_(a, b) a##b
#define HF_CONCAT_(a, b) HF_CONCAT_INNER_(a, b)
// `HF_ASSIGN_OR_RETURN(auto x, Compute());` declares x from a Result or returns its error.
// It expands to several statements: as the body of an `if` or a loop, brace it.
#define HF_ASSIGN_OR_RETURN(decl, expr) \
  HF_ASSIGN_OR_RETURN_IMPL_(HF_CONCAT_(hf_result_, __LINE__), decl, expr)
#define HF_ASSIGN_OR_RETURN_IMPL_(tmp, decl, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.error();               \
  decl = std::move(tmp).value()

#endif  // HOLDFAST_BASE_STATUS_H_
