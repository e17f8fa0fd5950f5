// The conflicts queue (DESIGN §5): when offices that were cut off from each other made decisions that cannot
// both stand (one license renewed at two counters, a license voided at one and renewed at another, one party
// edited in the same field at two places), the fold of the aggregate decides, the same way on every node,
// which one takes effect, and writes a conflict row for a supervisor. Supervisors resolve conflicts with new
// events (conflict.resolved); the conflict rows themselves are state of the aggregate they arose in, rebuilt
// with it.
//
// A conflict's id is "<kind>:<feed>-<seq>" of the event that lost or overwrote, so refolding an aggregate
// writes the same rows again and every conflict appears exactly once.
//
// Events: conflict.resolved {"id", "resolution": "refunded" | "accepted" | "corrected" | "other", "note"}.
// The first resolution in canonical order is the resolution.
#ifndef HOLDFAST_DOMAIN_CONFLICTS_H_
#define HOLDFAST_DOMAIN_CONFLICTS_H_

#include <optional>
#include <string>

#include "base/json.h"
#include "base/status.h"
#include "journal/event.h"
#include "store/registry.h"
#include "store/writer.h"

namespace holdfast::domain {

void RegisterConflicts(store::Registry& registry);

// Called by folds: records that `e` conflicted in `aggregate`. `detail` says what each side decided.
Status RecordConflict(store::Db& db, std::string_view aggregate, std::string_view kind,
                      const journal::Event& e, std::string summary, json::object detail);
// Called by an aggregate's clear function: drops its conflict rows (its refold writes them again).
Status ClearConflicts(store::Db& db, std::string_view aggregate);

struct ConflictQuery {
  std::string status;  // "open", "resolved" or "" (all)
  int limit = 100;
};
Result<json::array> ListConflicts(store::Db& db, const ConflictQuery& q);
Result<std::optional<json::object>> GetConflict(store::Db& db, std::string_view id);

Result<json::object> ResolveConflict(store::CommandContext& ctx, const std::string& id,
                                     const std::string& resolution, const std::string& note,
                                     const std::string& actor);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_CONFLICTS_H_
