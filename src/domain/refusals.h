// Small helpers the domain commands share for refusing a request.
#ifndef HOLDFAST_DOMAIN_REFUSALS_H_
#define HOLDFAST_DOMAIN_REFUSALS_H_

#include <string>

#include "base/status.h"

namespace holdfast::domain {

// A refusal of a kind of its own: `type` is the problem type's slug, `field` the input at fault (if any).
inline Error Refused(Code code, std::string type, std::string detail, std::string field = {}) {
  return MakeError(code, std::move(detail), std::move(type), std::move(field));
}

// A reason people must give (for a void, a cancellation, an adjustment): 1 to 500 characters.
inline Status NeedReason(const std::string& reason) {
  if (reason.empty()) return Invalid("say why", "reason");
  if (reason.size() > 500) return Invalid("reason is longer than 500 characters", "reason");
  return Status::Ok();
}

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_REFUSALS_H_
