#include "domain/city_date.h"

#include <fmt/format.h>

#include <string>

namespace holdfast::domain {

Result<TimeZone> CityTimeZone(store::Db& db) {
  // One small read, made by every command that dates something: the city's own rule, and the inspection
  // settings' event hash, which names the settings. A zone is parsed again only when what names it changes.
  thread_local TimeZone city_zone;
  thread_local std::string cached_hash;
  thread_local TimeZone cached_zone;
  HF_ASSIGN_OR_RETURN(store::StmtRef s,
                      db.Prepare("SELECT (SELECT time_zone FROM city WHERE time_zone<>'' LIMIT 1), "
                                 "(SELECT event_hash FROM inspection_settings WHERE id='city')"));
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return Internal("a query of two subqueries gave no row");
  // The city's own setting first.
  if (!s->IsNull(0)) {
    if (s->TextView(0) != city_zone.rule()) {
      auto parsed = TimeZone::Parse(s->TextView(0), "time_zone");
      if (!parsed.ok()) {
        return Corrupt(
            fmt::format("the city holds a time zone that does not parse: {}", parsed.error().detail));
      }
      city_zone = *parsed;
    }
    return city_zone;
  }
  // Then the inspection calendar's; UTC without either.
  if (s->IsNull(1)) return TimeZone();
  if (s->TextView(1) == cached_hash) return cached_zone;
  std::string hash = s->Text(1);
  s->Reset();
  HF_ASSIGN_OR_RETURN(store::StmtRef z,
                      db.Prepare("SELECT json_extract(settings_json, '$.calendar.time_zone') "
                                 "FROM inspection_settings WHERE id='city'"));
  HF_ASSIGN_OR_RETURN(bool found, z->Step());
  TimeZone zone;
  if (found && !z->IsNull(0)) {
    auto parsed = TimeZone::Parse(z->TextView(0), "calendar.time_zone");
    if (!parsed.ok()) {
      return Corrupt(fmt::format("the inspection settings hold a time zone that does not parse: {}",
                                 parsed.error().detail));
    }
    zone = *parsed;
  }
  cached_hash = std::move(hash);
  cached_zone = zone;
  return zone;
}

Result<Date> CityToday(store::Db& db, int64_t now_ms) {
  HF_ASSIGN_OR_RETURN(TimeZone zone, CityTimeZone(db));
  return zone.ToLocal(now_ms).date;
}

Result<Date> CityToday(store::CommandContext& ctx) { return CityToday(ctx.db(), ctx.clock().NowMs()); }

Date CityToday(store::Node& node) {
  const int64_t now = node.clock().NowMs();
  auto db = node.Read();
  if (!db.ok()) return Date::FromUnixMs(now);
  auto today = CityToday(**db, now);
  return today.ok() ? *today : Date::FromUnixMs(now);
}

}  // namespace holdfast::domain
