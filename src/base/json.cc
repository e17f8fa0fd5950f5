#include "base/json.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace holdfast {
namespace {

// Decodes UTF-8 to UTF-16 code units; false on invalid UTF-8 (overlong forms, surrogates, > U+10FFFF).
bool ToUtf16(std::string_view s, std::u16string* out) {
  out->clear();
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    int len;
    if (c < 0x80) {
      cp = c, len = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F, len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F, len = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07, len = 4;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (int k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out->push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out->push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out->push_back(static_cast<char16_t>(cp));
    }
    i += len;
  }
  return true;
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

Status AppendStringImpl(std::string_view s, std::string* out) {
  bool plain = true;  // ASCII with nothing to escape: the common case, copied whole
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 || NeedsEscape(c)) {
      plain = false;
      break;
    }
  }
  out->push_back('"');
  if (plain) {
    out->append(s);
    out->push_back('"');
    return Status::Ok();
  }
  if (!IsAscii(s)) {
    std::u16string scratch;
    if (!ToUtf16(s, &scratch)) return Invalid("string is not valid UTF-8");
  }
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (!NeedsEscape(c)) continue;
    out->append(s.substr(run, i - run));
    run = i + 1;
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        *out += fmt::format("\\u{:04x}", c);
    }
  }
  out->append(s.substr(run));
  out->push_back('"');
  return Status::Ok();
}

Status AppendObject(const json::object& obj, std::string* out, int depth);

Status AppendValue(const json::value& v, std::string* out, int depth) {
  if (depth > 64) return Invalid("JSON nested too deeply");
  switch (v.kind()) {
    case json::kind::null:
      *out += "null";
      return Status::Ok();
    case json::kind::bool_:
      *out += v.get_bool() ? "true" : "false";
      return Status::Ok();
    case json::kind::int64: {
      int64_t n = v.get_int64();
      if (n > kMaxSafeInteger || n < -kMaxSafeInteger) return Invalid("integer outside ±(2^53−1)");
      *out += std::to_string(n);
      return Status::Ok();
    }
    case json::kind::uint64: {
      uint64_t n = v.get_uint64();
      if (n > static_cast<uint64_t>(kMaxSafeInteger)) return Invalid("integer outside ±(2^53−1)");
      *out += std::to_string(n);
      return Status::Ok();
    }
    case json::kind::double_:
      return Invalid("numbers must be integers (money in cents, times in ms)");
    case json::kind::string:
      return AppendStringImpl(v.get_string(), out);
    case json::kind::array: {
      out->push_back('[');
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out->push_back(',');
        first = false;
        HF_RETURN_IF_ERROR(AppendValue(e, out, depth + 1));
      }
      out->push_back(']');
      return Status::Ok();
    }
    case json::kind::object:
      return AppendObject(v.get_object(), out, depth);
  }
  return Internal("unknown JSON kind");
}

Status AppendObject(const json::object& obj, std::string* out, int depth) {
  if (depth > 64) return Invalid("JSON nested too deeply");
  // Keys sort by UTF-16 code units; for ASCII keys (the usual case) that is plain byte order.
  std::vector<const json::key_value_pair*> order;
  order.reserve(obj.size());
  bool ascii = true;
  for (const auto& kv : obj) {
    order.push_back(&kv);
    ascii = ascii && IsAscii(kv.key());
  }
  if (ascii) {
    std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) { return a->key() < b->key(); });
  } else {
    std::vector<std::pair<std::u16string, const json::key_value_pair*>> keys;
    for (const auto* kv : order) {
      std::u16string k;
      if (!ToUtf16(kv->key(), &k)) return Invalid("object key is not valid UTF-8");
      keys.emplace_back(std::move(k), kv);
    }
    std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < keys.size(); ++i) order[i] = keys[i].second;
  }
  out->push_back('{');
  for (size_t i = 0; i < order.size(); ++i) {
    if (i) out->push_back(',');
    HF_RETURN_IF_ERROR(AppendStringImpl(order[i]->key(), out));
    out->push_back(':');
    HF_RETURN_IF_ERROR(AppendValue(order[i]->value(), out, depth + 1));
  }
  out->push_back('}');
  return Status::Ok();
}

std::string_view KindName(json::kind k) {
  switch (k) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "an integer";
    case json::kind::double_:
      return "a fractional number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "unknown";
}

}  // namespace

Status AppendCanonical(const json::value& v, std::string* out) { return AppendValue(v, out, 0); }
Status AppendCanonical(const json::object& o, std::string* out) { return AppendObject(o, out, 0); }
Status AppendCanonicalString(std::string_view s, std::string* out) { return AppendStringImpl(s, out); }

Result<std::string> Canonical(const json::value& v) {
  std::string out;
  HF_RETURN_IF_ERROR(AppendValue(v, &out, 0));
  return out;
}

Result<json::value> ParseJson(std::string_view text, int max_depth) {
  json::parse_options opts;
  opts.max_depth = static_cast<std::size_t>(max_depth);
  boost::system::error_code ec;
  json::stream_parser p(json::storage_ptr(), opts);
  size_t n = p.write_some(text.data(), text.size(), ec);
  if (!ec) p.finish(ec);
  if (ec) {
    return MakeError(Code::kInvalid, fmt::format("malformed JSON near byte {}: {}", n, ec.message()),
                     "malformed-json");
  }
  if (n != text.size()) {
    return MakeError(Code::kInvalid, fmt::format("unexpected data after the JSON value at byte {}", n),
                     "malformed-json");
  }
  return p.release();
}

Result<json::value> ParseCanonical(std::string_view bytes) {
  HF_ASSIGN_OR_RETURN(json::value v, ParseJson(bytes, 64));
  HF_ASSIGN_OR_RETURN(std::string again, Canonical(v));
  if (again != bytes) return Corrupt("JSON is not in canonical form");
  return v;
}

std::string_view StringOr(const json::object& o, std::string_view key, std::string_view fallback) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : fallback;
}

std::optional<int64_t> IntIf(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_int64()) return std::nullopt;
  return v->as_int64();
}

int64_t IntOr(const json::object& o, std::string_view key, int64_t fallback) {
  const json::value* v = o.if_contains(key);
  if (v && v->is_int64()) return v->get_int64();
  if (v && v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(kMaxSafeInteger)) {
    return static_cast<int64_t>(v->get_uint64());
  }
  return fallback;
}

bool BoolOr(const json::object& o, std::string_view key, bool fallback) {
  const json::value* v = o.if_contains(key);
  return v && v->is_bool() ? v->get_bool() : fallback;
}

const json::array& ArrayOr(const json::object& o, std::string_view key) {
  static const json::array kEmpty;
  const json::value* v = o.if_contains(key);
  return v && v->is_array() ? v->get_array() : kEmpty;
}

const json::object& ObjectOr(const json::object& o, std::string_view key) {
  static const json::object kEmpty;
  const json::value* v = o.if_contains(key);
  return v && v->is_object() ? v->get_object() : kEmpty;
}

ObjectReader::ObjectReader(const json::value& v, std::string prefix) : prefix_(std::move(prefix)) {
  if (v.is_object()) {
    object_ = &v.get_object();
  } else {
    error_ = Invalid(fmt::format("{} must be a JSON object, not {}", prefix_.empty() ? "the body" : prefix_,
                                 KindName(v.kind())),
                     prefix_);
  }
}

ObjectReader::ObjectReader(const json::object& o, std::string prefix)
    : object_(&o), prefix_(std::move(prefix)) {}

const json::value* ObjectReader::Get(std::string_view key) {
  known_.emplace(key);
  if (!object_) return nullptr;
  const json::value* v = object_->if_contains(key);
  return (v && !v->is_null()) ? v : nullptr;
}

bool ObjectReader::Has(std::string_view key) const { return object_ && object_->contains(key); }

void ObjectReader::Fail(std::string_view key, std::string message) {
  if (!error_) error_ = Invalid(std::move(message), Name(key));
}

std::optional<std::string> ObjectReader::String(std::string_view key, size_t max_length) {
  const json::value* v = Get(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    Fail(key, fmt::format("{} must be a string, not {}", Name(key), KindName(v->kind())));
    return std::nullopt;
  }
  std::string s(v->get_string());
  if (s.size() > max_length) {
    Fail(key, fmt::format("{} is longer than {} characters", Name(key), max_length));
    return std::nullopt;
  }
  return s;
}

std::optional<int64_t> ObjectReader::Int(std::string_view key) {
  const json::value* v = Get(key);
  if (!v) return std::nullopt;
  if (v->is_int64() && v->get_int64() <= kMaxSafeInteger && v->get_int64() >= -kMaxSafeInteger) {
    return v->get_int64();
  }
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(kMaxSafeInteger)) {
    return static_cast<int64_t>(v->get_uint64());
  }
  Fail(key, fmt::format("{} must be an integer within ±(2^53−1), not {}", Name(key), KindName(v->kind())));
  return std::nullopt;
}

std::optional<bool> ObjectReader::Bool(std::string_view key) {
  const json::value* v = Get(key);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    Fail(key, fmt::format("{} must be true or false, not {}", Name(key), KindName(v->kind())));
    return std::nullopt;
  }
  return v->get_bool();
}

const json::object* ObjectReader::Object(std::string_view key) {
  const json::value* v = Get(key);
  if (!v) return nullptr;
  if (!v->is_object()) {
    Fail(key, fmt::format("{} must be an object, not {}", Name(key), KindName(v->kind())));
    return nullptr;
  }
  return &v->get_object();
}

const json::array* ObjectReader::Array(std::string_view key) {
  const json::value* v = Get(key);
  if (!v) return nullptr;
  if (!v->is_array()) {
    Fail(key, fmt::format("{} must be an array, not {}", Name(key), KindName(v->kind())));
    return nullptr;
  }
  return &v->get_array();
}

std::string ObjectReader::RequiredString(std::string_view key, size_t max_length) {
  auto s = String(key, max_length);
  if (!s) Fail(key, fmt::format("{} is required", Name(key)));  // no-op when String already reported this key
  return s.value_or("");
}

int64_t ObjectReader::RequiredInt(std::string_view key) {
  auto n = Int(key);
  if (!n) Fail(key, fmt::format("{} is required", Name(key)));  // no-op when Int already reported this key
  return n.value_or(0);
}

Status ObjectReader::Finish() {
  if (error_) return *error_;
  if (object_) {
    for (const auto& kv : *object_) {
      if (!known_.contains(kv.key())) {
        return MakeError(Code::kInvalid, fmt::format("unknown field {}", Name(kv.key())), "unknown-field",
                         Name(kv.key()));
      }
    }
  }
  return Status::Ok();
}

}  // namespace holdfast
