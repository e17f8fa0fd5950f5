// Idempotency-Key records (DESIGN §11): the answer to a write, kept so that a retried request (same user,
// same key) gets the original answer instead of running twice. Node-local, written in the same transaction as
// the write's events, kept for kIdempotencyMs.
//
// Table local_idempotency(actor, key, fingerprint, status, content_type, body, location, created_at).
// `fingerprint` is SHA-256 of the request's method, path and body: the same key with a different request is
// refused rather than answered with another request's result.
#ifndef HOLDFAST_STORE_IDEMPOTENCY_H_
#define HOLDFAST_STORE_IDEMPOTENCY_H_

#include <optional>
#include <string>

#include "base/status.h"
#include "store/registry.h"
#include "store/sqlite.h"

namespace holdfast::store {

inline constexpr int64_t kIdempotencyMs = 24 * 60 * 60 * 1000;

struct RememberedAnswer {
  std::string fingerprint;
  int status = 0;
  std::string content_type;
  std::string body;
  std::string location;
};

void RegisterIdempotency(Registry& registry);
Result<std::optional<RememberedAnswer>> FindAnswer(Db& db, std::string_view actor, std::string_view key,
                                                   int64_t now_ms);
Status RememberAnswer(Db& db, std::string_view actor, std::string_view key, const RememberedAnswer& answer,
                      int64_t now_ms);

}  // namespace holdfast::store

#endif  // HOLDFAST_STORE_IDEMPOTENCY_H_
