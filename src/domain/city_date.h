// The city's local date. A city's records carry dates of its own clock: the day a license starts and ends, a
// receipt's drawer day, a permit's issue and expiry, a bill's due date and the day its late fee is assessed.
// Those are dates in the city's time zone, not in UTC: at 19:00 in Chicago it is already tomorrow in UTC.
//
// The city's time zone is its own setting (city.time_zone_set, domain/city.h: `holdfast init --time-zone`,
// PUT /api/v1/city/time-zone); until it is set, the one its inspection calendar is configured with
// (`calendar.time_zone` in the inspection settings, domain/inspections.h); UTC until either is. Commands take
// today's date from here once and write it into their events (DESIGN §4), so a fold never depends on the
// zone.
//
// Thread-safety: each thread keeps the zone it parsed last and reads the city's rule (or the settings' event
// hash) on every call to see whether it changed.
#ifndef HOLDFAST_DOMAIN_CITY_DATE_H_
#define HOLDFAST_DOMAIN_CITY_DATE_H_

#include <cstdint>

#include "base/date.h"
#include "base/status.h"
#include "base/timezone.h"
#include "store/node.h"
#include "store/sqlite.h"
#include "store/writer.h"

namespace holdfast::domain {

// The city's time zone, as of what `db` holds.
Result<TimeZone> CityTimeZone(store::Db& db);
// The city's local date at `now_ms`.
Result<Date> CityToday(store::Db& db, int64_t now_ms);
// The city's local date now, inside a command: its transaction's settings, its clock.
Result<Date> CityToday(store::CommandContext& ctx);
// The city's local date now on the node's clock, read on a connection of the node's; UTC's when the
// database cannot be read (a caller's own reads then fail and say so).
Date CityToday(store::Node& node);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_CITY_DATE_H_
