// Number series: each node numbers what it issues (parties, users, and later licenses, receipts, permits)
// from its own series, so numbers issued by offices that are cut off from each other never collide. A number
// is
// "<prefix>-<feed>-<n>", n = 1, 2, 3 … per (feed, series name).
//
// The series table is derived state like any other: the event that takes a number belongs to the aggregate
// SeriesAggregate(feed, name), and its fold records the number with ApplySeriesNumber.
#ifndef HOLDFAST_STORE_SERIES_H_
#define HOLDFAST_STORE_SERIES_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/registry.h"
#include "store/sqlite.h"

namespace holdfast::store {

void RegisterSeries(Registry& registry);

std::string SeriesAggregate(std::string_view feed, std::string_view name);
// The next unused number of this node's series `name`.
Result<int64_t> NextSeriesNumber(Db& db, std::string_view feed, std::string_view name);
// Formats "<prefix>-<feed>-<n>".
std::string SeriesId(std::string_view prefix, std::string_view feed, int64_t n);
// The n of an id made by SeriesId, or 0 if it is not one.
int64_t SeriesNumberOf(std::string_view id);
// Fold step for the series aggregate: last = max(last, n).
Status ApplySeriesNumber(Db& db, std::string_view aggregate, int64_t n);

}  // namespace holdfast::store

#endif  // HOLDFAST_STORE_SERIES_H_
