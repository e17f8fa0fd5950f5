#include "journal/event.h"

#include <fmt/format.h>

#include <charconv>

namespace holdfast::journal {
namespace {

Status CheckEnvelope(const Event& e) {
  if (!IsValidNodeId(e.feed)) return Corrupt(fmt::format("event feed {:?} is not a valid node id", e.feed));
  if (e.seq < 1 || e.seq > kMaxSafeInteger) return Corrupt("event seq must be an integer >= 1");
  if (e.seq == 1 ? !e.prev.empty() : !IsHexSha256(e.prev)) {
    return Corrupt(fmt::format("event {}/{} has a malformed prev link", e.feed, e.seq));
  }
  if (e.stamp.time < 0 || e.stamp.tick < 0 || e.stamp.time > kMaxSafeInteger ||
      e.stamp.tick > kMaxSafeInteger) {
    return Corrupt(fmt::format("event {}/{} has a malformed clock stamp", e.feed, e.seq));
  }
  if (e.actor.empty() || e.actor.size() > 100)
    return Corrupt(fmt::format("event {}/{} has no actor", e.feed, e.seq));
  if (!IsValidEventType(e.type))
    return Corrupt(fmt::format("event {}/{} has a malformed type", e.feed, e.seq));
  return Status::Ok();
}

}  // namespace

bool IsValidNodeId(std::string_view id) {
  if (id.empty() || id.size() > 64 || id[0] == '-') return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

bool IsValidEventType(std::string_view type) {
  if (type.empty() || type.size() > 100) return false;
  for (char c : type) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) return false;
  }
  return true;
}

Result<StoredEvent> Encode(Event event) {
  HF_RETURN_IF_ERROR(CheckEnvelope(event));
  // The envelope's members in canonical (sorted) order, written directly.
  std::string bytes;
  bytes.reserve(256);
  bytes += "{\"actor\":";
  HF_RETURN_IF_ERROR(AppendCanonicalString(event.actor, &bytes));
  bytes += ",\"data\":";
  HF_RETURN_IF_ERROR(AppendCanonical(event.data, &bytes));
  bytes += ",\"feed\":";
  HF_RETURN_IF_ERROR(AppendCanonicalString(event.feed, &bytes));
  bytes += ",\"prev\":";
  HF_RETURN_IF_ERROR(AppendCanonicalString(event.prev, &bytes));
  bytes += fmt::format(",\"seq\":{},\"tick\":{},\"time\":{},\"type\":", event.seq, event.stamp.tick,
                       event.stamp.time);
  HF_RETURN_IF_ERROR(AppendCanonicalString(event.type, &bytes));
  bytes += fmt::format(",\"v\":{}}}", kEventVersion);
  StoredEvent s{std::move(event), std::move(bytes), {}};
  s.hash = Sha256(s.bytes);
  return s;
}

namespace {

// Takes the event's data from `v` (moved, not copied).
Result<StoredEvent> DecodeParsed(std::string_view bytes, json::value& v) {
  if (!v.is_object()) return Corrupt("event is not a JSON object");
  json::object& o = v.get_object();
  if (o.size() != 9)
    return Corrupt("event must have exactly the members v, feed, seq, prev, time, tick, actor, type, data");
  auto str = [&](const char* k) -> const json::string* {
    const json::value* f = o.if_contains(k);
    return f && f->is_string() ? &f->get_string() : nullptr;
  };
  auto num = [&](const char* k, int64_t* out) {
    const json::value* f = o.if_contains(k);
    if (!f) return false;
    if (f->is_int64())
      *out = f->get_int64();
    else if (f->is_uint64())
      *out = static_cast<int64_t>(f->get_uint64());
    else
      return false;
    return true;
  };
  int64_t version = 0;
  Event e;
  const json::string *feed = str("feed"), *prev = str("prev"), *actor = str("actor"), *type = str("type");
  json::value* data = o.if_contains("data");
  if (!num("v", &version) || version != kEventVersion) return Corrupt("event version is not 1");
  if (!feed || !prev || !actor || !type || !data || !data->is_object() || !num("seq", &e.seq) ||
      !num("time", &e.stamp.time) || !num("tick", &e.stamp.tick)) {
    return Corrupt("event envelope has a missing or mistyped member");
  }
  e.feed = std::string(*feed);
  e.prev = std::string(*prev);
  e.actor = std::string(*actor);
  e.type = std::string(*type);
  e.data = std::move(data->get_object());
  HF_RETURN_IF_ERROR(CheckEnvelope(e));
  StoredEvent s{std::move(e), std::string(bytes), {}};
  s.hash = Sha256(s.bytes);
  return s;
}

}  // namespace

Result<StoredEvent> Decode(std::string_view bytes) {
  auto parsed = ParseCanonical(bytes);
  if (!parsed.ok()) return Corrupt("event bytes are not canonical JSON: " + parsed.error().detail);
  return DecodeParsed(bytes, *parsed);
}

Result<StoredEvent> DecodeStored(std::string_view bytes) {
  auto parsed = ParseJson(bytes, 64);
  if (!parsed.ok()) return Corrupt("stored event bytes are not JSON: " + parsed.error().detail);
  return DecodeParsed(bytes, *parsed);
}

std::optional<EnvelopeTail> ReadEnvelopeTail(std::string_view bytes) {
  // After "data" nothing can hold a quote or a comma but the members' own syntax, so the last `,"feed":"`
  // begins the tail.
  constexpr std::string_view kFeed = ",\"feed\":\"";
  size_t at = bytes.rfind(kFeed);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = bytes.substr(at + kFeed.size());
  auto text = [&](std::string_view* out, std::string_view next) {
    size_t end = rest.find('"');
    if (end == std::string_view::npos || !rest.substr(end + 1).starts_with(next)) return false;
    *out = rest.substr(0, end);
    rest.remove_prefix(end + 1 + next.size());
    return true;
  };
  auto number = [&](int64_t* out, std::string_view next) {
    const char* end = rest.data() + rest.size();
    if (rest.empty() || rest[0] < '0' || rest[0] > '9') return false;
    auto [ptr, ec] = std::from_chars(rest.data(), end, *out);
    if (ec != std::errc() || ptr == rest.data() || (*rest.data() == '0' && ptr - rest.data() > 1) ||
        *out < 0 || *out > kMaxSafeInteger || !std::string_view(ptr, end - ptr).starts_with(next)) {
      return false;
    }
    rest.remove_prefix(static_cast<size_t>(ptr - rest.data()) + next.size());
    return true;
  };
  static_assert(kEventVersion == 1, "the tail's last member is \"v\":1");
  EnvelopeTail t;
  if (!text(&t.feed, ",\"prev\":\"") || !text(&t.prev, ",\"seq\":") || !number(&t.seq, ",\"tick\":") ||
      !number(&t.tick, ",\"time\":") || !number(&t.time, ",\"type\":\"") || !text(&t.type, ",\"v\":1}") ||
      !rest.empty()) {
    return std::nullopt;
  }
  if (!IsValidNodeId(t.feed) || !IsValidEventType(t.type) || t.seq < 1 ||
      (t.seq == 1 ? !t.prev.empty() : !IsHexSha256(t.prev))) {
    return std::nullopt;
  }
  return t;
}

}  // namespace holdfast::journal
