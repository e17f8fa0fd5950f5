// JSON for Holdfast: the canonical form that events are stored in, and a strict reader for request bodies.
//
// Canonical form (RFC 8785, restricted): objects with keys sorted by their UTF-16 code units, no whitespace,
// strings escaped minimally (\" \\ \b \f \n \r \t, other controls as \u00xx with lowercase hex, everything
// else as UTF-8), and numbers integers only, within ±(2^53−1). Fractions, exponents, -0 and larger integers
// are not representable and are rejected rather than rounded, so money is always integer cents.
#ifndef HOLDFAST_BASE_JSON_H_
#define HOLDFAST_BASE_JSON_H_

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "base/status.h"

namespace holdfast {

namespace json = boost::json;

inline constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53) - 1;

// Serialises `v` canonically. Fails on non-integer or out-of-range numbers and on invalid UTF-8.
Result<std::string> Canonical(const json::value& v);

// Appends the canonical form of a value, an object or a string to `out` (on error `out` holds a partial
// value).
Status AppendCanonical(const json::value& v, std::string* out);
Status AppendCanonical(const json::object& o, std::string* out);
Status AppendCanonicalString(std::string_view s, std::string* out);

// Parses text; fails with a message that names the position of the first syntax error. `max_depth` bounds
// nesting.
Result<json::value> ParseJson(std::string_view text, int max_depth = 32);

// Parses bytes that must already be canonical: parse, re-serialise and compare byte for byte.
Result<json::value> ParseCanonical(std::string_view bytes);

// Lenient accessors for folds over stored events: a missing or mistyped member reads as "", 0, false or an
// empty array, so a fold never crashes on data a command would not have written.
std::string_view StringOr(const json::object& o, std::string_view key, std::string_view fallback = {});
int64_t IntOr(const json::object& o, std::string_view key, int64_t fallback = 0);
// The integer at `key`, or nullopt when it is absent or not an integer.
std::optional<int64_t> IntIf(const json::object& o, std::string_view key);
bool BoolOr(const json::object& o, std::string_view key, bool fallback = false);
const json::array& ArrayOr(const json::object& o, std::string_view key);
const json::object& ObjectOr(const json::object& o, std::string_view key);

// Reads the fields of one request object strictly: each getter checks the type and records the key as known;
// Finish() fails on any key not read (unknown fields are errors, not silently dropped). Errors name the field
// with `prefix` (e.g. "address.") prepended.
class ObjectReader {
 public:
  // The reader keeps a pointer to the object: it must outlive the reader.
  explicit ObjectReader(const json::value& v, std::string prefix = {});
  explicit ObjectReader(const json::object& o, std::string prefix = {});
  ObjectReader(json::value&&, std::string = {}) = delete;
  ObjectReader(json::object&&, std::string = {}) = delete;

  // Each returns nullopt when the key is absent or null; a wrong type records an error.
  std::optional<std::string> String(std::string_view key, size_t max_length = 1000);
  std::optional<int64_t> Int(std::string_view key);
  std::optional<bool> Bool(std::string_view key);
  const json::object* Object(std::string_view key);
  const json::array* Array(std::string_view key);

  // Like the above, but absence is an error too.
  std::string RequiredString(std::string_view key, size_t max_length = 1000);
  int64_t RequiredInt(std::string_view key);

  bool Has(std::string_view key) const;
  // Records an error for `key` unless one is recorded already.
  void Fail(std::string_view key, std::string message);
  // The first error, or an unknown-field error, or ok.
  Status Finish();

 private:
  const json::value* Get(std::string_view key);
  std::string Name(std::string_view key) const { return prefix_ + std::string(key); }

  const json::object* object_ = nullptr;
  std::string prefix_;
  std::set<std::string, std::less<>> known_;
  std::optional<Error> error_;
};

}  // namespace holdfast

#endif  // HOLDFAST_BASE_JSON_H_
