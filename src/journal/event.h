// Journal events: the one record format every Holdfast node writes, stores, syncs and backs up.
//
// Byte format (version 1). An event is exactly the bytes of one JSON object in canonical form (base/json.h:
// RFC 8785 with integer-only numbers), UTF-8, no trailing newline. Its members, all required, no others:
//
//   "actor"  string, 1..100 bytes: the user id that caused the event, or "system"
//   "data"   object: the event's own fields, defined per type
//   "feed"   string, the writing node's id: 1..64 bytes of [a-z0-9-], starting with a letter or digit
//   "prev"   string: "" when seq is 1, otherwise 64 lowercase hex digits, the hash of event seq-1 of this
//   feed "seq"    integer >= 1: position in the feed, without gaps "tick"   integer >= 0: the hybrid logical
//   clock's counter "time"   integer >= 0: the hybrid logical clock's Unix milliseconds "type" string, 1..100
//   bytes of [a-z0-9_.]: what happened, e.g. "party.created" "v"      integer 1
//
// Canonical form fixes the key order: actor, data, feed, prev, seq, tick, time, type, v.
// An event's hash (its id) is SHA-256 over exactly these stored bytes. Verification hashes the stored bytes
// and never a re-serialisation. Valid bytes are those that parse, re-serialise to themselves, and meet the
// rules above; anything else is rejected, whoever sent it.
//
// Canonical order of events, used by every fold: (time, tick, feed, seq), compared in that order; feed ids
// compare as byte strings.
#ifndef HOLDFAST_JOURNAL_EVENT_H_
#define HOLDFAST_JOURNAL_EVENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "base/crypto.h"
#include "base/json.h"
#include "base/status.h"

namespace holdfast::journal {

inline constexpr int kEventVersion = 1;

// A stamp of the hybrid logical clock.
struct Stamp {
  int64_t time = 0;
  int64_t tick = 0;
  auto operator<=>(const Stamp&) const = default;
};

// The position of an event in the canonical order.
struct OrderKey {
  int64_t time = 0;
  int64_t tick = 0;
  std::string feed;
  int64_t seq = 0;
  auto operator<=>(const OrderKey&) const = default;
};

struct Event {
  std::string feed;
  int64_t seq = 0;
  std::string prev;  // hex, "" for seq 1
  Stamp stamp;
  std::string actor;
  std::string type;
  json::object data;

  OrderKey Order() const { return {stamp.time, stamp.tick, feed, seq}; }
};

// An event together with the exact bytes it is stored as and their hash.
struct StoredEvent {
  Event event;
  std::string bytes;
  Hash hash{};
  std::string HashHex() const { return Hex(hash); }
};

bool IsValidNodeId(std::string_view id);
bool IsValidEventType(std::string_view type);

// Encodes `event` canonically and hashes it. Fails if a field breaks the rules above (a bug in the caller, or
// data that cannot be represented, such as a fractional number).
Result<StoredEvent> Encode(Event event);

// Decodes stored or received bytes, checking every rule above. The hash is computed from `bytes` as given.
Result<StoredEvent> Decode(std::string_view bytes);
// Decodes bytes read back from this node's own journal, which Decode checked before they were stored: the
// same, without checking their canonical form again. For folds of stored events, never for received bytes.
Result<StoredEvent> DecodeStored(std::string_view bytes);

// The envelope members that follow "data" in an event's canonical bytes, read without parsing the data.
struct EnvelopeTail {
  std::string_view feed, prev, type;
  int64_t seq = 0, tick = 0, time = 0;
};
// Reads them from bytes that Encode wrote (the stored bytes of an event whose hash and chain are checked
// apart): nullopt when the bytes do not end as Encode ends an event, with valid values. It checks nothing of
// what comes before, so it is no substitute for Decode where the bytes are not authenticated otherwise.
std::optional<EnvelopeTail> ReadEnvelopeTail(std::string_view bytes);

}  // namespace holdfast::journal

#endif  // HOLDFAST_JOURNAL_EVENT_H_
