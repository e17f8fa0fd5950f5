// License tags: the numbered metal tags an office hands out with licenses. An office receives ranges of tag
// numbers; each tag goes on one license and is used once; lost, damaged and spoiled tags are recorded.
//
// Events:
//   tags.received  {id, office, first, last}   id from the office's "tr" series; office = the receiving node
//   tag.spoiled    {tag, reason}                 a tag from stock that can no longer be issued
// Tags used by licenses are recorded by the license events (domain/licenses.h) in the same table.
//
// Tables: tag_ranges(id, office, first, last, received_at); tags(number, status, license, reason), status one
// of "issued", "lost", "damaged", "spoiled". Aggregates: tag_range:<id>, tag:<number> (spoiled tags); rows
// written by license events belong to that license's aggregate.
#ifndef HOLDFAST_DOMAIN_TAGS_H_
#define HOLDFAST_DOMAIN_TAGS_H_

#include <cstdint>
#include <string>

#include "base/json.h"
#include "store/registry.h"
#include "store/writer.h"

namespace holdfast::domain {

inline constexpr int64_t kMaxTagNumber = 99'999'999;
inline constexpr int64_t kMaxTagRange = 100'000;

void RegisterTags(store::Registry& registry);

// Records a range of tags received by this node's office. Refuses ranges that overlap any known range.
Result<json::object> ReceiveTags(store::CommandContext& ctx, int64_t first, int64_t last,
                                 const std::string& actor);
// Records a tag from this office's stock as spoiled; it can no longer be issued.
Result<json::object> SpoilTag(store::CommandContext& ctx, int64_t tag, const std::string& reason,
                              const std::string& actor);

// Checks that `tag` may be issued by this node now: within one of this office's ranges ("tag-outside-ranges")
// and never used or spoiled ("tag-used").
Status CheckTagAvailable(store::Db& db, std::string_view office, int64_t tag);

// Writes a tags row from a license event's fold (status "issued", or "lost"/"damaged" for a replaced tag).
Status RecordTag(store::Db& db, int64_t tag, std::string_view status, std::string_view license,
                 std::string_view reason);

// The office's ranges with how many tags of each are used, and one tag's record.
Result<json::array> ListTagRanges(store::Db& db);
Result<std::optional<json::object>> GetTag(store::Db& db, int64_t tag);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_TAGS_H_
