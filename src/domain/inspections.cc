#include "domain/inspections.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "domain/conflicts.h"
#include "domain/permits.h"
#include "domain/refusals.h"
#include "store/series.h"

namespace holdfast::domain {
namespace {

using store::Db;
using store::StmtRef;

constexpr std::string_view kSettingsAggregate = "inspection-settings:city";
constexpr int kMaxInspectors = 500;
constexpr int kMaxAreas = 500;

constexpr std::string_view kColumns =
    "i.id, i.permit, i.type, i.attempt, i.status, i.result, i.day, i.win, i.inspector, i.area, "
    "i.requested_at, i.received_on, i.earliest_on, i.comments, i.corrections_json, i.inspected_on, "
    "i.reinspection_fee_cents, i.address_line1, i.address_city, i.address_zip, i.latitude, i.longitude, "
    "i.updated_at, i.event_hash, b.held";
// The inspection joined with its booking of the slot it holds now: a booking that lost its place to an
// earlier one (held = 0) makes a scheduled inspection read "needs_reschedule".
constexpr std::string_view kFrom =
    "inspections i LEFT JOIN slot_bookings b ON b.inspection_id=i.id AND b.day=i.day AND "
    "b.inspector=i.inspector AND b.win=i.win AND b.released=0";

json::value NullableText(store::Stmt& s, int col) {
  if (s.IsNull(col)) return nullptr;
  return json::value(s.Text(col));
}
json::value NullableInt(store::Stmt& s, int col) {
  if (s.IsNull(col)) return nullptr;
  return json::value(s.Int(col));
}

std::string EffectiveStatus(std::string_view status, bool bumped) {
  if (status == "scheduled" && bumped) return "needs_reschedule";
  return std::string(status);
}

json::object ReadInspection(store::Stmt& s) {
  auto corrections = ParseJson(s.TextView(14));
  bool bumped = !s.IsNull(24) && s.Int(24) == 0;
  return {{"id", s.Text(0)},
          {"permit", s.Text(1)},
          {"type", s.Text(2)},
          {"attempt", s.Int(3)},
          {"status", EffectiveStatus(s.TextView(4), bumped)},
          {"result", NullableText(s, 5)},
          {"day", s.Text(6)},
          {"window", s.Text(7)},
          {"inspector", s.Text(8)},
          {"area", s.Text(9)},
          {"requested_at", s.Text(10)},
          {"received_on", s.Text(11)},
          {"earliest_on", s.Text(12)},
          {"comments", s.Text(13)},
          {"corrections", corrections.ok() ? *corrections : json::value(json::array{})},
          {"inspected_on", NullableText(s, 15)},
          {"reinspection_fee_cents", s.Int(16)},
          {"address", json::object{{"line1", s.Text(17)}, {"city", s.Text(18)}, {"zip", s.Text(19)}}},
          {"latitude_microdegrees", NullableInt(s, 20)},
          {"longitude_microdegrees", NullableInt(s, 21)},
          {"updated_at", s.Int(22)},
          {"event_hash", s.Text(23)}};
}

// --- slots ---------------------------------------------------------------------------------------------

std::string SlotAggregate(const json::object& slot) {
  return fmt::format("slot:{}/{}/{}", StringOr(slot, "day"), StringOr(slot, "inspector"),
                     StringOr(slot, "window"));
}

json::object SlotJson(const Slot& slot, int capacity) {
  return {{"day", slot.day.ToString()},
          {"window", std::string(WindowName(slot.window))},
          {"inspector", slot.inspector},
          {"capacity", capacity}};
}

// The slot a stored slot object names, for the aggregate it is folding.
bool IsSlot(const json::object& slot, std::string_view aggregate) {
  return !slot.empty() && SlotAggregate(slot) == aggregate;
}

Result<int> HeldIn(Db& db, std::string_view inspector, std::string_view day, std::string_view window) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT count(*) FROM slot_bookings WHERE day=? AND inspector=? "
                                            "AND win=? AND held=1 AND released=0"));
  s->BindAll(day, inspector, window);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  return row ? static_cast<int>(s->Int(0)) : 0;
}

// A booking of `slot` by inspection `id`: it holds a place while fewer than the capacity its event recorded
// hold one; otherwise it is bumped and the slot records the conflict.
Status Book(Db& db, const journal::StoredEvent& se, std::string_view aggregate, const json::object& slot) {
  const journal::Event& e = se.event;
  std::string_view id = StringOr(e.data, "id");
  std::string_view day = StringOr(slot, "day"), inspector = StringOr(slot, "inspector"),
                   window = StringOr(slot, "window");
  HF_ASSIGN_OR_RETURN(int held, HeldIn(db, inspector, day, window));
  const int64_t capacity = IntOr(slot, "capacity");
  const bool fits = held < capacity;
  HF_RETURN_IF_ERROR(
      db.Run("INSERT OR REPLACE INTO slot_bookings(day, inspector, win, inspection_id, held, "
             "released, booked_at, event_hash) VALUES(?,?,?,?,?,0,?,?)",
             day, inspector, window, id, fits ? 1 : 0, e.stamp.time, se.HashHex()));
  if (fits) return Status::Ok();
  json::array kept;
  {
    HF_ASSIGN_OR_RETURN(StmtRef s,
                        db.Prepare("SELECT inspection_id FROM slot_bookings WHERE day=? AND inspector=? AND "
                                   "win=? AND held=1 AND released=0 ORDER BY inspection_id"));
    s->BindAll(day, inspector, window);
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      kept.push_back(json::value(s->Text(0)));
    }
  }
  return RecordConflict(
      db, aggregate, "slot-overbooked", e,
      fmt::format("inspection {} ({} of permit {}) was booked into {} {} {} while it was full ({} of {}): it "
                  "needs a new slot",
                  id, StringOr(e.data, "type"), StringOr(e.data, "permit"), day, window, inspector, held,
                  capacity),
      json::object{{"inspection", id},
                   {"permit", StringOr(e.data, "permit")},
                   {"slot", slot},
                   {"kept", std::move(kept)}});
}

Status Release(Db& db, std::string_view id, const json::object& slot) {
  return db.Run(
      "UPDATE slot_bookings SET released=1 WHERE day=? AND inspector=? AND win=? AND "
      "inspection_id=?",
      StringOr(slot, "day"), StringOr(slot, "inspector"), StringOr(slot, "window"), id);
}

Status ApplySlot(Db& db, const journal::StoredEvent& se, std::string_view aggregate) {
  const json::object& d = se.event.data;
  const std::string& type = se.event.type;
  std::string_view id = StringOr(d, "id");
  if (type == "inspection.requested") return Book(db, se, aggregate, ObjectOr(d, "slot"));
  if (type == "inspection.cancelled") return Release(db, id, ObjectOr(d, "slot"));
  if (type == "inspection.rescheduled") {
    const json::value* from = d.if_contains("from");
    if (from && from->is_object() && IsSlot(from->as_object(), aggregate)) {
      HF_RETURN_IF_ERROR(Release(db, id, from->as_object()));
    }
    if (IsSlot(ObjectOr(d, "slot"), aggregate)) return Book(db, se, aggregate, ObjectOr(d, "slot"));
  }
  return Status::Ok();
}

// --- the inspection aggregate ----------------------------------------------------------------------------

Status ApplyInspection(Db& db, const journal::StoredEvent& se, std::string_view aggregate) {
  if (aggregate.starts_with("slot:")) return ApplySlot(db, se, aggregate);
  const journal::Event& e = se.event;
  const json::object& d = e.data;
  std::string_view id = StringOr(d, "id");
  if (aggregate.starts_with("series:"))
    return store::ApplySeriesNumber(db, aggregate, store::SeriesNumberOf(id));
  const std::string hash = se.HashHex();
  if (e.type == "inspection.requested") {
    const json::object& slot = ObjectOr(d, "slot");
    const json::object& a = ObjectOr(d, "address");
    HF_ASSIGN_OR_RETURN(
        StmtRef s,
        db.Prepare(
            "INSERT OR REPLACE INTO inspections(id, permit, type, attempt, status, result, day, win, "
            "inspector, area, requested_at, received_on, earliest_on, comments, corrections_json, "
            "inspected_on, reinspection_fee_cents, address_line1, address_city, address_zip, latitude, "
            "longitude, updated_at, event_hash) VALUES(?,?,?,?,'scheduled',NULL,?,?,?,?,?,?,?,'','[]',"
            "NULL,?,?,?,?,?,?,?,?)"));
    s->BindAll(id, StringOr(d, "permit"), StringOr(d, "type"), IntOr(d, "attempt"), StringOr(slot, "day"),
               StringOr(slot, "window"), StringOr(slot, "inspector"), StringOr(d, "area"),
               StringOr(d, "requested_at"), StringOr(d, "received_on"), StringOr(d, "earliest_on"),
               IntOr(d, "reinspection_fee_cents"), StringOr(a, "line1"), StringOr(a, "city"),
               StringOr(a, "zip"));
    s->BindIntOrNull(16, IntIf(d, "latitude_microdegrees"));
    s->BindIntOrNull(17, IntIf(d, "longitude_microdegrees"));
    s->Bind(18, e.stamp.time);
    s->Bind(19, hash);
    return s->Run();
  }
  HF_ASSIGN_OR_RETURN(StmtRef q, db.Prepare("SELECT status FROM inspections WHERE id=?"));
  q->Bind(1, id);
  HF_ASSIGN_OR_RETURN(bool row, q->Step());
  if (!row) return Status::Ok();  // the request is not here yet: the refold on its arrival applies this
  const std::string status = q->Text(0);
  q->Reset();
  auto stamp = [&](std::string_view set, auto... args) {
    return db.Run(fmt::format("UPDATE inspections SET {}, updated_at=?, event_hash=? WHERE id=?", set),
                  args..., e.stamp.time, hash, id);
  };
  if (e.type == "inspection.result_recorded") {
    // The first result in canonical order is the result; a second (two inspectors, offline) is a conflict.
    if (status == "completed") {
      return RecordConflict(db, aggregate, "inspection-result-twice", e,
                            fmt::format("a second result ({}) was recorded for inspection {} of permit {}",
                                        StringOr(d, "result"), id, StringOr(d, "permit")),
                            json::object{{"inspection", id}, {"result", StringOr(d, "result")}});
    }
    HF_ASSIGN_OR_RETURN(std::string corrections, Canonical(d.at("corrections")));
    return stamp("status='completed', result=?, comments=?, corrections_json=?, inspected_on=?",
                 StringOr(d, "result"), StringOr(d, "comments"), corrections, StringOr(d, "inspected_on"));
  }
  if (status != "scheduled") return Status::Ok();  // a cancel or reschedule after the result changes nothing
  if (e.type == "inspection.cancelled") return stamp("status='cancelled', comments=?", StringOr(d, "reason"));
  if (e.type == "inspection.rescheduled") {
    const json::object& slot = ObjectOr(d, "slot");
    return stamp("day=?, win=?, inspector=?", StringOr(slot, "day"), StringOr(slot, "window"),
                 StringOr(slot, "inspector"));
  }
  return Status::Ok();
}

std::vector<std::string> InspectionAggregates(const journal::Event& e) {
  const json::object& d = e.data;
  std::vector<std::string> out{fmt::format("inspection:{}", StringOr(d, "id"))};
  if (e.type == "inspection.requested") {
    out.push_back(store::SeriesAggregate(e.feed, "inspection"));
    out.push_back(SlotAggregate(ObjectOr(d, "slot")));
  } else if (e.type == "inspection.cancelled") {
    out.push_back(SlotAggregate(ObjectOr(d, "slot")));
  } else if (e.type == "inspection.rescheduled") {
    const json::value* from = d.if_contains("from");
    if (from && from->is_object()) out.push_back(SlotAggregate(from->as_object()));
    std::string to = SlotAggregate(ObjectOr(d, "slot"));
    if (std::find(out.begin(), out.end(), to) == out.end()) out.push_back(std::move(to));
  }
  return out;
}

Status ApplySettings(Db& db, const journal::StoredEvent& se, std::string_view) {
  HF_ASSIGN_OR_RETURN(std::string text, Canonical(se.event.data.at("settings")));
  return db.Run("INSERT OR REPLACE INTO inspection_settings VALUES('city', ?, ?, ?)", text,
                se.event.stamp.time, se.HashHex());
}

// --- settings ---------------------------------------------------------------------------------------------

Result<std::pair<int, int>> ParseHours(std::string_view text, std::string_view field) {
  auto dash = text.find('-');
  if (dash == std::string_view::npos)
    return Invalid(fmt::format("{} is HH:MM-HH:MM", field), std::string(field));
  HF_ASSIGN_OR_RETURN(int start, ParseClockTime(text.substr(0, dash), field));
  HF_ASSIGN_OR_RETURN(int end, ParseClockTime(text.substr(dash + 1), field));
  if (end <= start) return Invalid(fmt::format("{} ends before it starts", field), std::string(field));
  return std::pair<int, int>{start, end};
}

bool IsName(std::string_view s) {
  return !s.empty() && s.size() <= 60 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

Result<json::object> Existing(Db& db, std::string_view id) {
  HF_ASSIGN_OR_RETURN(auto i, GetInspection(db, id));
  if (!i) return NotFound(fmt::format("no inspection {}", id));
  return *i;
}

// The slot for an inspection of `permit` requested now: the earliest day by the calendar rule, not before
// the day asked for, in the permit's area.
struct Booking {
  LocalDateTime at;
  Date earliest;
  std::string area;
  Slot slot;
  int capacity = 0;
};

Result<Booking> FindBooking(Db& db, const InspectionSettings& settings, const json::object& permit,
                            std::optional<Date> requested_day, std::optional<Window> window, int64_t now_ms) {
  Booking b;
  b.at = settings.calendar.LocalTimeOf(now_ms);
  b.earliest = settings.calendar.EarliestInspectionDay(b.at);
  if (requested_day) HF_RETURN_IF_ERROR(CheckRequestedDay(*requested_day, b.at.date, b.earliest));
  b.area = settings.AreaOf(StringOr(ObjectOr(permit, "address"), "zip"));
  if (b.area.empty()) {
    return Refused(Code::kConflict, "no-inspector-for-area",
                   fmt::format("no inspection area covers ZIP {} and there is no default area: an admin "
                               "adds it to the inspection settings",
                               StringOr(ObjectOr(permit, "address"), "zip")));
  }
  SlotRequest request;
  request.earliest = b.earliest;
  request.area = b.area;
  request.preferred_day = requested_day;
  request.preferred_window = window;
  std::vector<Inspector> inspectors = settings.SlotInspectors();
  HF_ASSIGN_OR_RETURN(b.slot, FindSlot(settings.calendar, inspectors, request,
                                       [&](const std::string& inspector, Date day, Window w) {
                                         return HeldIn(db, inspector, day.ToString(), WindowName(w));
                                       }));
  b.capacity = settings.FindInspector(b.slot.inspector)->slots.capacity_per_window;
  return b;
}

}  // namespace

void RegisterInspections(store::Registry& registry) {
  registry.AddTable(
      {"inspections",
       "CREATE TABLE IF NOT EXISTS inspections(id TEXT PRIMARY KEY, permit TEXT NOT NULL, type TEXT NOT "
       "NULL, "
       "attempt INTEGER NOT NULL, status TEXT NOT NULL, result TEXT, day TEXT NOT NULL, win TEXT NOT NULL, "
       "inspector TEXT NOT NULL, area TEXT NOT NULL, requested_at TEXT NOT NULL, received_on TEXT NOT NULL, "
       "earliest_on TEXT NOT NULL, comments TEXT NOT NULL, corrections_json TEXT NOT NULL, inspected_on "
       "TEXT, "
       "reinspection_fee_cents INTEGER NOT NULL, address_line1 TEXT NOT NULL, address_city TEXT NOT NULL, "
       "address_zip TEXT NOT NULL, latitude INTEGER, longitude INTEGER, updated_at INTEGER NOT NULL, "
       "event_hash TEXT NOT NULL) WITHOUT ROWID;"
       "CREATE INDEX IF NOT EXISTS inspections_permit ON inspections(permit, type);"
       "CREATE INDEX IF NOT EXISTS inspections_day ON inspections(inspector, day);",
       {"id"}});
  registry.AddTable(
      {"slot_bookings",
       "CREATE TABLE IF NOT EXISTS slot_bookings(day TEXT NOT NULL, inspector TEXT NOT NULL, win TEXT NOT "
       "NULL, inspection_id TEXT NOT NULL, held INTEGER NOT NULL, released INTEGER NOT NULL, booked_at "
       "INTEGER NOT NULL, event_hash TEXT NOT NULL, PRIMARY KEY(day, inspector, win, inspection_id)) "
       "WITHOUT ROWID;",
       {"day", "inspector", "win", "inspection_id"}});
  registry.AddTable({"inspection_settings",
                     "CREATE TABLE IF NOT EXISTS inspection_settings(id TEXT PRIMARY KEY, settings_json TEXT "
                     "NOT NULL, set_at INTEGER NOT NULL, event_hash TEXT NOT NULL) WITHOUT ROWID;",
                     {"id"}});
  registry.AddAggregate({"inspection", [](Db& db, std::string_view id) -> Status {
                           HF_RETURN_IF_ERROR(ClearConflicts(db, fmt::format("inspection:{}", id)));
                           return db.Run("DELETE FROM inspections WHERE id=?", id);
                         }});
  registry.AddAggregate({"slot", [](Db& db, std::string_view id) -> Status {
                           // "<day>/<inspector>/<window>"
                           auto first = id.find('/'), last = id.rfind('/');
                           if (first == std::string_view::npos || first == last) return Status::Ok();
                           HF_RETURN_IF_ERROR(ClearConflicts(db, fmt::format("slot:{}", id)));
                           return db.Run("DELETE FROM slot_bookings WHERE day=? AND inspector=? AND win=?",
                                         id.substr(0, first), id.substr(first + 1, last - first - 1),
                                         id.substr(last + 1));
                         }});
  registry.AddAggregate({"inspection-settings", [](Db& db, std::string_view) -> Status {
                           return db.Run("DELETE FROM inspection_settings");
                         }});
  for (const char* type : {"inspection.requested", "inspection.rescheduled", "inspection.cancelled",
                           "inspection.result_recorded"}) {
    registry.AddRule({type, InspectionAggregates, ApplyInspection});
  }
  registry.AddRule(
      {"inspection.settings_set",
       [](const journal::Event&) { return std::vector<std::string>{std::string(kSettingsAggregate)}; },
       ApplySettings});
}

// --- settings ---------------------------------------------------------------------------------------------

json::object InspectionSettings::ToJson() const {
  json::array areas_json, inspectors_json;
  for (const auto& a : areas) {
    json::array zips;
    for (const auto& z : a.zips) zips.push_back(json::value(z));
    areas_json.push_back(json::object{{"name", a.name}, {"zips", std::move(zips)}});
  }
  for (const auto& i : inspectors) {
    json::array covered;
    for (const auto& a : i.slots.areas) covered.push_back(json::value(a));
    inspectors_json.push_back(json::object{{"id", i.slots.id},
                                           {"name", i.name},
                                           {"areas", std::move(covered)},
                                           {"capacity_per_window", i.slots.capacity_per_window}});
  }
  json::object o{{"calendar", calendar.config().ToJson()},
                 {"areas", std::move(areas_json)},
                 {"default_area", default_area},
                 {"inspectors", std::move(inspectors_json)},
                 {"am", ClockTimeString(am_start) + "-" + ClockTimeString(am_end)},
                 {"pm", ClockTimeString(pm_start) + "-" + ClockTimeString(pm_end)}};
  if (office) {
    o["office"] = json::object{{"latitude_microdegrees", office->lat_micro},
                               {"longitude_microdegrees", office->lon_micro}};
  }
  return o;
}

std::string InspectionSettings::AreaOf(std::string_view zip) const {
  for (const auto& a : areas) {
    if (std::find(a.zips.begin(), a.zips.end(), zip) != a.zips.end()) return a.name;
  }
  return default_area;
}

const InspectorInfo* InspectionSettings::FindInspector(std::string_view id) const {
  for (const auto& i : inspectors) {
    if (i.slots.id == id) return &i;
  }
  return nullptr;
}

std::vector<Inspector> InspectionSettings::SlotInspectors() const {
  std::vector<Inspector> out;
  for (const auto& i : inspectors) out.push_back(i.slots);
  return out;
}

Result<InspectionSettings> ParseInspectionSettings(const json::value& v) {
  ObjectReader r(v);
  InspectionSettings s;
  if (r.Has("calendar")) {
    const json::object* c = r.Object("calendar");
    if (c) {
      auto config = ParseCalendarConfig(json::value(*c));
      if (!config.ok()) {
        Error e = config.error();
        e.field = "calendar." + e.field;
        return e;
      }
      s.calendar = BusinessCalendar(std::move(*config));
    }
  }
  std::set<std::string> area_names, zips_seen;
  if (const json::array* areas = r.Array("areas")) {
    if (areas->size() > kMaxAreas) r.Fail("areas", fmt::format("at most {} areas", kMaxAreas));
    for (size_t i = 0; i < areas->size(); ++i) {
      std::string at = fmt::format("areas[{}]", i);
      if (!(*areas)[i].is_object()) {
        r.Fail("areas", fmt::format("{} is an object {{name, zips}}", at));
        continue;
      }
      ObjectReader ar((*areas)[i].as_object(), at + ".");
      InspectionArea area;
      area.name = ar.RequiredString("name", 60);
      if (!area.name.empty() && !IsName(area.name)) {
        ar.Fail("name", "an area name is 1 to 60 of A-Z, a-z, 0-9, '-' and '_'");
      }
      if (!area_names.insert(area.name).second)
        ar.Fail("name", fmt::format("area {} is listed twice", area.name));
      if (const json::array* zips = ar.Array("zips")) {
        for (size_t z = 0; z < zips->size(); ++z) {
          const json::value& zip = (*zips)[z];
          if (!zip.is_string() || zip.get_string().empty() || zip.get_string().size() > 10) {
            ar.Fail("zips", fmt::format("{}.zips[{}] is a ZIP code", at, z));
            continue;
          }
          std::string code(zip.get_string());
          if (!zips_seen.insert(code).second) {
            ar.Fail("zips", fmt::format("ZIP {} is in two areas ({}.zips[{}])", code, at, z));
          }
          area.zips.push_back(std::move(code));
        }
      }
      Status st = ar.Finish();
      if (!st.ok()) r.Fail("areas", st.error().detail);
      s.areas.push_back(std::move(area));
    }
  }
  s.default_area = r.String("default_area", 60).value_or("");
  if (!s.default_area.empty() && !area_names.count(s.default_area)) {
    r.Fail("default_area", fmt::format("default_area {} is not one of the areas", s.default_area));
  }
  if (const json::array* inspectors = r.Array("inspectors")) {
    if (inspectors->size() > kMaxInspectors)
      r.Fail("inspectors", fmt::format("at most {} inspectors", kMaxInspectors));
    for (size_t i = 0; i < inspectors->size(); ++i) {
      std::string at = fmt::format("inspectors[{}]", i);
      if (!(*inspectors)[i].is_object()) {
        r.Fail("inspectors", fmt::format("{} is an object {{id, name, areas, capacity_per_window}}", at));
        continue;
      }
      ObjectReader ir((*inspectors)[i].as_object(), at + ".");
      InspectorInfo info;
      info.slots.id = ir.RequiredString("id", 100);
      info.name = ir.RequiredString("name", 100);
      info.slots.capacity_per_window = static_cast<int>(ir.RequiredInt("capacity_per_window"));
      if (const json::array* covered = ir.Array("areas")) {
        for (size_t a = 0; a < covered->size(); ++a) {
          const json::value& name = (*covered)[a];
          if (!name.is_string() || !area_names.count(std::string(name.get_string()))) {
            ir.Fail("areas", fmt::format("{}.areas[{}] is not one of the areas", at, a));
            continue;
          }
          info.slots.areas.insert(std::string(name.get_string()));
        }
      } else if (!ir.Has("areas")) {
        ir.Fail("areas", fmt::format("{}.areas is required: the areas this inspector covers", at));
      }
      Status st = ir.Finish();
      if (!st.ok()) r.Fail("inspectors", st.error().detail);
      s.inspectors.push_back(std::move(info));
    }
  }
  if (const json::object* office = r.Object("office")) {
    ObjectReader orr(*office, "office.");
    GeoPoint p{orr.RequiredInt("latitude_microdegrees"), orr.RequiredInt("longitude_microdegrees")};
    Status st = orr.Finish();
    if (!st.ok()) {
      r.Fail("office", st.error().detail);
    } else if (!p.Valid()) {
      r.Fail("office", "office coordinates are out of range (micro-degrees)");
    } else {
      s.office = p;
    }
  }
  for (const char* key : {"am", "pm"}) {
    if (auto text = r.String(key, 20)) {
      auto hours = ParseHours(*text, key);
      if (!hours.ok()) {
        r.Fail(key, hours.error().detail);
        continue;
      }
      (std::string_view(key) == "am" ? s.am_start : s.pm_start) = hours->first;
      (std::string_view(key) == "am" ? s.am_end : s.pm_end) = hours->second;
    }
  }
  HF_RETURN_IF_ERROR(r.Finish());
  if (s.am_end > s.pm_start) return Invalid("the AM window ends after the PM window starts", "pm");
  std::vector<Inspector> slot_inspectors = s.SlotInspectors();
  HF_RETURN_IF_ERROR(ValidateInspectors(slot_inspectors));
  return s;
}

Result<InspectionSettings> CurrentInspectionSettings(Db& db) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT settings_json FROM inspection_settings WHERE id='city'"));
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) {
    return Refused(Code::kConflict, "inspections-not-configured",
                   "inspections are not set up: an admin sets the calendar, areas and inspectors "
                   "(PUT /api/v1/inspection-settings)");
  }
  HF_ASSIGN_OR_RETURN(json::value v, ParseJson(s->TextView(0)));
  return ParseInspectionSettings(v);
}

Result<json::object> SetInspectionSettings(store::CommandContext& ctx, const InspectionSettings& settings,
                                           const std::string& actor) {
  HF_RETURN_IF_ERROR(
      ctx.Emit("inspection.settings_set", json::object{{"settings", settings.ToJson()}}, actor).status());
  HF_ASSIGN_OR_RETURN(InspectionSettings now, CurrentInspectionSettings(ctx.db()));
  return now.ToJson();
}

// --- commands ---------------------------------------------------------------------------------------------

Result<InspectionRequest> ParseInspectionRequest(const json::value& body, std::string permit,
                                                 bool reschedule) {
  ObjectReader r(body);
  InspectionRequest req;
  req.permit = std::move(permit);
  if (reschedule) {
    req.reason = r.RequiredString("reason", 500);
    if (r.Has("reason") && req.reason.empty()) r.Fail("reason", "say why the inspection moves");
  } else {
    req.type = r.RequiredString("inspection_type", 60);
  }
  if (auto day = r.String("requested_date", 10)) {
    auto d = Date::Parse(*day, "requested_date");
    if (!d.ok()) {
      r.Fail("requested_date", d.error().detail);
    } else {
      req.requested_day = *d;
    }
  }
  if (auto w = r.String("window", 2)) {
    auto parsed = ParseWindow(*w, "window");
    if (!parsed.ok()) {
      r.Fail("window", parsed.error().detail);
    } else {
      req.window = *parsed;
    }
  }
  HF_RETURN_IF_ERROR(r.Finish());
  return req;
}

Result<json::object> RequestInspection(store::CommandContext& ctx, const InspectionRequest& req,
                                       const std::string& actor) {
  Db& db = ctx.db();
  HF_ASSIGN_OR_RETURN(auto found, GetPermit(db, req.permit));
  if (!found) return NotFound(fmt::format("no permit {}", req.permit));
  const json::object& permit = *found;
  std::string_view status = StringOr(permit, "status");
  if (status == "applied" || status == "in_review") {
    return Refused(
        Code::kConflict, "permit-not-issued",
        fmt::format("permit {} is {}: inspections are booked once it is issued", req.permit, status));
  }
  if (status != "issued" && status != "inspections") {
    return Refused(Code::kConflict, "permit-closed", fmt::format("permit {} is {}", req.permit, status));
  }
  if (BoolOr(permit, "held")) {
    return Refused(Code::kConflict, "permit-on-hold",
                   fmt::format("permit {} is on hold: {}", req.permit, StringOr(permit, "hold_reason")));
  }
  if (IntOr(permit, "due_cents") > 0) {
    return Refused(Code::kConflict, "permit-fees-due",
                   fmt::format("permit {} has {} in fees due: take the payment at a counter before booking",
                               req.permit, FormatCents(IntOr(permit, "due_cents"))));
  }
  const json::array& seq = ArrayOr(permit, "inspections");
  std::string missing;
  bool known = false;
  for (const auto& item : seq) {
    const json::object& o = item.as_object();
    if (StringOr(o, "type") == req.type) {
      known = true;
      if (!o.at("passed_on").is_null()) {
        return Refused(Code::kConflict, "inspection-passed",
                       fmt::format("the {} inspection of permit {} passed on {}", req.type, req.permit,
                                   o.at("passed_on").as_string().c_str()));
      }
      break;
    }
    if (o.at("passed_on").is_null())
      missing += (missing.empty() ? "" : ", ") + std::string(StringOr(o, "type"));
  }
  if (!known) {
    std::string types;
    for (const auto& item : seq)
      types += (types.empty() ? "" : ", ") + std::string(StringOr(item.as_object(), "type"));
    return Refused(
        Code::kInvalid, "unknown-inspection-type",
        fmt::format("permit {} has no {:?} inspection; its sequence is {}", req.permit, req.type, types),
        "inspection_type");
  }
  HF_ASSIGN_OR_RETURN(InspectionSettings settings, CurrentInspectionSettings(db));
  if (req.requested_day) {
    LocalDateTime now = settings.calendar.LocalTimeOf(ctx.clock().NowMs());
    HF_RETURN_IF_ERROR(
        CheckRequestedDay(*req.requested_day, now.date, settings.calendar.EarliestInspectionDay(now)));
  }
  if (!missing.empty()) {
    return Refused(Code::kConflict, "inspection-out-of-sequence",
                   fmt::format("the {} inspection of permit {} comes after {}, which must pass first",
                               req.type, req.permit, missing));
  }
  // Earlier requests of this type: an open one stops a second; every one not cancelled counts as an attempt.
  int64_t attempts = 0;
  {
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare(fmt::format("SELECT {} FROM {} WHERE i.permit=? AND i.type=?",
                                                          kColumns, kFrom)));
    s->BindAll(req.permit, req.type);
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      json::object prior = ReadInspection(*s);
      std::string_view st = StringOr(prior, "status");
      if (st == "scheduled" || st == "needs_reschedule") {
        return Refused(
            Code::kConflict, "inspection-open",
            fmt::format("a {} inspection of permit {} is booked already ({}, {} {}): reschedule or "
                        "cancel it instead",
                        req.type, req.permit, StringOr(prior, "id"), StringOr(prior, "day"),
                        StringOr(prior, "window")));
      }
      if (st != "cancelled") ++attempts;
    }
  }
  HF_ASSIGN_OR_RETURN(Booking b,
                      FindBooking(db, settings, permit, req.requested_day, req.window, ctx.clock().NowMs()));
  HF_ASSIGN_OR_RETURN(int64_t n, store::NextSeriesNumber(db, ctx.node_id(), "inspection"));
  std::string id = store::SeriesId("IN", ctx.node_id(), n);
  const int64_t attempt = attempts + 1;
  const Cents fee = attempt >= 3 ? IntOr(permit, "reinspection_cents") : 0;
  const json::object& addr = ObjectOr(permit, "address");
  json::object data{
      {"id", id},
      {"permit", req.permit},
      {"type", req.type},
      {"attempt", attempt},
      {"requested_at", b.at.ToString()},
      {"received_on", settings.calendar.ReceivedDay(b.at).ToString()},
      {"earliest_on", b.earliest.ToString()},
      {"area", b.area},
      {"slot", SlotJson(b.slot, b.capacity)},
      {"reinspection_fee_cents", fee},
      {"address",
       json::object{{"line1", addr.at("line1")}, {"city", addr.at("city")}, {"zip", addr.at("zip")}}}};
  for (const char* k : {"latitude_microdegrees", "longitude_microdegrees"}) {
    if (permit.at(k).is_int64()) data[k] = permit.at(k);
  }
  HF_RETURN_IF_ERROR(ctx.Emit("inspection.requested", std::move(data), actor).status());
  if (fee > 0) {
    FeeLine line{"REINSPECT", fmt::format("Re-inspection fee: {} inspection, request {}", req.type, attempt),
                 fee, req.permit};
    HF_RETURN_IF_ERROR(AssessPermitFee(ctx, req.permit, line, id, actor).status());
  }
  HF_ASSIGN_OR_RETURN(json::object out, Existing(db, id));
  out["fee_added_cents"] = fee;
  return out;
}

Result<json::array> OpenSlots(Db& db, const json::object& permit, int64_t now_ms, int limit) {
  HF_ASSIGN_OR_RETURN(InspectionSettings settings, CurrentInspectionSettings(db));
  const BusinessCalendar& calendar = settings.calendar;
  const std::string_view zip = StringOr(ObjectOr(permit, "address"), "zip");
  const std::string area = settings.AreaOf(zip);
  if (area.empty()) {
    return Refused(Code::kConflict, "no-inspector-for-area",
                   fmt::format("no inspection area covers ZIP {} and there is no default area: an admin "
                               "adds it to the inspection settings",
                               zip));
  }
  json::array out;
  Date day = calendar.OnOrAfter(calendar.EarliestInspectionDay(calendar.LocalTimeOf(now_ms)));
  for (int n = 0; n < kDefaultHorizonBusinessDays && static_cast<int>(out.size()) < limit;
       ++n, day = calendar.NextBusinessDay(day)) {
    for (Window w : {Window::kAm, Window::kPm}) {
      int64_t open = 0;
      for (const auto& i : settings.inspectors) {
        if (!i.slots.areas.contains(area) || i.slots.capacity_per_window <= 0) continue;
        HF_ASSIGN_OR_RETURN(int held, HeldIn(db, i.slots.id, day.ToString(), WindowName(w)));
        open += std::max(0, i.slots.capacity_per_window - held);
      }
      if (open > 0 && static_cast<int>(out.size()) < limit) {
        out.push_back(json::object{{"day", day.ToString()}, {"window", WindowName(w)}, {"open", open}});
      }
    }
  }
  return out;
}

Result<json::object> RescheduleInspection(store::CommandContext& ctx, const std::string& id,
                                          std::optional<Date> requested_day, std::optional<Window> window,
                                          const std::string& reason, const std::string& actor) {
  HF_RETURN_IF_ERROR(NeedReason(reason));
  Db& db = ctx.db();
  HF_ASSIGN_OR_RETURN(json::object i, Existing(db, id));
  std::string_view status = StringOr(i, "status");
  if (status != "scheduled" && status != "needs_reschedule") {
    return Refused(Code::kConflict, "inspection-closed", fmt::format("inspection {} is {}", id, status));
  }
  HF_ASSIGN_OR_RETURN(auto permit, GetPermit(db, StringOr(i, "permit")));
  if (!permit) return NotFound(fmt::format("no permit {}", StringOr(i, "permit")));
  HF_ASSIGN_OR_RETURN(InspectionSettings settings, CurrentInspectionSettings(db));
  HF_ASSIGN_OR_RETURN(Booking b,
                      FindBooking(db, settings, *permit, requested_day, window, ctx.clock().NowMs()));
  json::value from = nullptr;
  if (status == "scheduled") {
    // Only a booking that holds its place gives one back; the capacity recorded does not matter to a release.
    from = json::object{{"day", i.at("day")}, {"window", i.at("window")}, {"inspector", i.at("inspector")}};
  }
  HF_RETURN_IF_ERROR(ctx.Emit("inspection.rescheduled",
                              json::object{{"id", id},
                                           {"permit", i.at("permit")},
                                           {"type", i.at("type")},
                                           {"from", std::move(from)},
                                           {"slot", SlotJson(b.slot, b.capacity)},
                                           {"reason", reason}},
                              actor)
                         .status());
  return Existing(db, id);
}

Result<json::object> CancelInspection(store::CommandContext& ctx, const std::string& id,
                                      const std::string& reason, const std::string& actor) {
  HF_RETURN_IF_ERROR(NeedReason(reason));
  Db& db = ctx.db();
  HF_ASSIGN_OR_RETURN(json::object i, Existing(db, id));
  std::string_view status = StringOr(i, "status");
  if (status != "scheduled" && status != "needs_reschedule") {
    return Refused(Code::kConflict, "inspection-closed", fmt::format("inspection {} is {}", id, status));
  }
  HF_RETURN_IF_ERROR(ctx.Emit("inspection.cancelled",
                              json::object{{"id", id},
                                           {"permit", i.at("permit")},
                                           {"type", i.at("type")},
                                           {"slot", json::object{{"day", i.at("day")},
                                                                 {"window", i.at("window")},
                                                                 {"inspector", i.at("inspector")}}},
                                           {"reason", reason}},
                              actor)
                         .status());
  return Existing(db, id);
}

Result<InspectionResult> ParseInspectionResult(const json::value& body) {
  ObjectReader r(body);
  InspectionResult out;
  out.result = r.RequiredString("result", 20);
  static const std::set<std::string, std::less<>> kResults = {"pass", "fail", "partial", "cancelled",
                                                              "no_access"};
  if (!out.result.empty() && !kResults.count(out.result)) {
    r.Fail("result", "result is one of pass, fail, partial, cancelled, no_access");
  }
  out.comments = r.String("comments", 4000).value_or("");
  if (const json::array* list = r.Array("corrections")) {
    if (list->size() > 100) r.Fail("corrections", "at most 100 corrections");
    for (size_t i = 0; i < list->size(); ++i) {
      const json::value& c = (*list)[i];
      if (!c.is_string() || c.get_string().empty() || c.get_string().size() > 1000) {
        r.Fail("corrections", fmt::format("corrections[{}] is a text of 1 to 1000 characters", i));
        continue;
      }
      out.corrections.emplace_back(c.get_string());
    }
  }
  HF_RETURN_IF_ERROR(r.Finish());
  if ((out.result == "fail" || out.result == "partial") && out.comments.empty() && out.corrections.empty()) {
    return Invalid("a failed or partial inspection says what to correct: give comments or corrections",
                   "corrections");
  }
  return out;
}

Result<json::object> RecordInspectionResult(store::CommandContext& ctx, const std::string& id,
                                            const InspectionResult& result, const std::string& actor) {
  Db& db = ctx.db();
  HF_ASSIGN_OR_RETURN(json::object i, Existing(db, id));
  std::string_view status = StringOr(i, "status");
  if (status != "scheduled" && status != "needs_reschedule") {
    return Refused(
        Code::kConflict, "inspection-closed",
        fmt::format("inspection {} is {}{}", id, status,
                    status == "completed" ? fmt::format(" ({})", i.at("result").as_string().c_str()) : ""));
  }
  HF_ASSIGN_OR_RETURN(InspectionSettings settings, CurrentInspectionSettings(db));
  const Date today = settings.calendar.LocalTimeOf(ctx.clock().NowMs()).date;
  json::array corrections;
  for (const auto& c : result.corrections) corrections.push_back(json::value(c));
  const std::string permit(StringOr(i, "permit")), type(StringOr(i, "type"));
  HF_RETURN_IF_ERROR(ctx.Emit("inspection.result_recorded",
                              json::object{{"id", id},
                                           {"permit", permit},
                                           {"type", type},
                                           {"result", result.result},
                                           {"comments", result.comments},
                                           {"corrections", std::move(corrections)},
                                           {"inspected_on", today.ToString()},
                                           {"inspector", i.at("inspector")}},
                              actor)
                         .status());
  if (result.result == "pass") {
    HF_RETURN_IF_ERROR(RecordInspectionPassed(ctx, permit, type, today, id, actor).status());
  }
  HF_ASSIGN_OR_RETURN(json::object out, Existing(db, id));
  HF_ASSIGN_OR_RETURN(auto p, GetPermit(db, permit));
  if (p) out["permit_status"] = p->at("status");
  return out;
}

// --- reads ------------------------------------------------------------------------------------------------

Result<std::optional<json::object>> GetInspection(Db& db, std::string_view id) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare(fmt::format("SELECT {} FROM {} WHERE i.id=?", kColumns, kFrom)));
  s->Bind(1, id);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<json::object>();
  return std::optional<json::object>(ReadInspection(*s));
}

Result<json::array> ListInspections(Db& db, const InspectionQuery& q) {
  std::string day = q.day ? q.day->ToString() : "";
  // "needs_reschedule" and "scheduled" are read through the booking, so the status filter runs on the rows.
  HF_ASSIGN_OR_RETURN(
      StmtRef s,
      db.Prepare(fmt::format("SELECT {} FROM {} WHERE (?='' OR i.permit=?) AND (?='' OR i.inspector=?) AND "
                             "(?='' OR i.day=?) ORDER BY {} ",
                             kColumns, kFrom,
                             q.permit.empty() ? "i.day, i.win, i.inspector, i.id" : "i.requested_at, i.id")));
  s->BindAll(q.permit, q.permit, q.inspector, q.inspector, day, day);
  json::array out;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    json::object i = ReadInspection(*s);
    if (!q.status.empty() && StringOr(i, "status") != q.status) continue;
    out.push_back(std::move(i));
    if (static_cast<int>(out.size()) >= q.limit) break;
  }
  return out;
}

Result<json::array> InspectorDay(Db& db, const std::string& inspector, Date day) {
  InspectionQuery q;
  q.inspector = inspector;
  q.day = day;
  q.status = "scheduled";
  q.limit = 1000;
  HF_ASSIGN_OR_RETURN(json::array list, ListInspections(db, q));
  auto settings = CurrentInspectionSettings(db);
  GeoPoint start;
  std::vector<RouteStop> stops;
  for (const auto& v : list) {
    const json::object& i = v.as_object();
    RouteStop stop{std::string(StringOr(i, "id")), std::nullopt};
    if (i.at("latitude_microdegrees").is_int64() && i.at("longitude_microdegrees").is_int64()) {
      stop.location =
          GeoPoint{i.at("latitude_microdegrees").as_int64(), i.at("longitude_microdegrees").as_int64()};
    }
    stops.push_back(std::move(stop));
  }
  if (settings.ok() && settings->office) {
    start = *settings->office;
  } else {
    // Without an office, the route starts at the first located stop (in window and id order).
    for (const auto& s : stops) {
      if (s.location && s.location->Valid()) {
        start = *s.location;
        break;
      }
    }
  }
  // AM stops come before PM stops; each window is its own tour, the PM one starting where the AM one ended.
  json::array out;
  for (const char* window : {"AM", "PM"}) {
    std::vector<RouteStop> part;
    for (size_t k = 0; k < stops.size(); ++k) {
      if (StringOr(list[k].as_object(), "window") == window) part.push_back(stops[k]);
    }
    for (const auto& id : OrderRoute(start, part)) {
      for (size_t k = 0; k < stops.size(); ++k) {
        if (stops[k].id != id) continue;
        json::object item = list[k].as_object();
        item["stop"] = static_cast<int64_t>(out.size() + 1);
        out.push_back(std::move(item));
        if (stops[k].location && stops[k].location->Valid()) start = *stops[k].location;
      }
    }
  }
  return out;
}

Result<std::string> InspectorCalendar(Db& db, const std::string& inspector, Date from, int64_t now_ms) {
  HF_ASSIGN_OR_RETURN(InspectionSettings settings, CurrentInspectionSettings(db));
  const InspectorInfo* info = settings.FindInspector(inspector);
  ical::Calendar cal;
  cal.name = fmt::format("Inspections: {}", info ? info->name : inspector);
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare(fmt::format("SELECT {} FROM {} WHERE i.inspector=? AND i.day>=? "
                                                        "ORDER BY i.day, i.win, i.id",
                                                        kColumns, kFrom)));
  s->BindAll(inspector, from.ToString());
  const TimeZone& zone = settings.calendar.config().time_zone;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    json::object i = ReadInspection(*s);
    HF_ASSIGN_OR_RETURN(Date day, Date::Parse(StringOr(i, "day")));
    bool am = StringOr(i, "window") == "AM";
    auto at = [&](int minute) { return zone.ToUnixMs(CivilTime{day, int64_t{minute} * 60'000}); };
    ical::Event ev;
    ev.uid = fmt::format("{}@holdfast", StringOr(i, "id"));
    // A local time skipped by a daylight-saving change falls back to UTC hours rather than dropping the stop.
    auto start = at(am ? settings.am_start : settings.pm_start);
    auto end = at(am ? settings.am_end : settings.pm_end);
    ev.start_unix_ms =
        start.ok() ? *start
                   : day.days() * 86'400'000 + (am ? settings.am_start : settings.pm_start) * 60'000LL;
    ev.end_unix_ms =
        end.ok() ? *end : day.days() * 86'400'000 + (am ? settings.am_end : settings.pm_end) * 60'000LL;
    const json::object& addr = ObjectOr(i, "address");
    ev.summary = fmt::format("{} inspection, permit {}", StringOr(i, "type"), StringOr(i, "permit"));
    ev.location =
        fmt::format("{}, {} {}", StringOr(addr, "line1"), StringOr(addr, "city"), StringOr(addr, "zip"));
    std::string_view status = StringOr(i, "status");
    ev.description = fmt::format("{} {} window, request {} ({})", StringOr(i, "day"), StringOr(i, "window"),
                                 IntOr(i, "attempt"), StringOr(i, "id"));
    if (status == "completed") {
      ev.description += fmt::format(". Result: {}", i.at("result").as_string().c_str());
      ev.status = ical::EventStatus::kConfirmed;
    } else if (status == "scheduled") {
      ev.status = ical::EventStatus::kConfirmed;
    } else {
      ev.description += fmt::format(". {}", status == "cancelled" ? "Cancelled" : "Needs a new slot");
      ev.status = ical::EventStatus::kCancelled;
    }
    if (i.at("latitude_microdegrees").is_int64() && i.at("longitude_microdegrees").is_int64()) {
      ev.lat_micro = i.at("latitude_microdegrees").as_int64();
      ev.lon_micro = i.at("longitude_microdegrees").as_int64();
    }
    ev.categories = {"Inspection", std::string(StringOr(i, "type"))};
    cal.events.push_back(std::move(ev));
  }
  return ical::WriteCalendar(cal, now_ms);
}

Result<json::array> PublicInspections(Db& db, std::string_view permit) {
  InspectionQuery q;
  q.permit = std::string(permit);
  q.limit = 1000;
  HF_ASSIGN_OR_RETURN(json::array list, ListInspections(db, q));
  json::array out;
  for (const auto& v : list) {
    const json::object& i = v.as_object();
    json::object p;
    for (const char* k : {"id", "type", "status", "day", "window", "result", "inspected_on"}) p[k] = i.at(k);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace holdfast::domain
