// Routes: inspections — the settings (calendar, areas, inspectors) an admin sets, requests by permit,
// rescheduling, cancellation, results, the inspection board, an inspector's day in route order and their
// iCalendar feed. The permit desk books and cancels; inspectors and supervisors record results; every staff
// member reads; the public sees a permit's inspections through the public permit lookup. A public user whose
// party applied for a permit or is its contractor books, reschedules and cancels its inspections and reads
// them; any other permit is 404 to them, as if it did not exist.
#include <fmt/format.h>

#include "domain/city_date.h"
#include "domain/inspections.h"
#include "domain/permits.h"
#include "http/app.h"
#include "http/schema.h"

namespace holdfast::http {
namespace {

using namespace schema;  // NOLINT: the schema building blocks read as a language

using auth::Role;
using auth::RoleSet;

const RoleSet kInspectors = {Role::kAdmin, Role::kSupervisor, Role::kInspector};
const RoleSet kBookers = {Role::kAdmin,      Role::kSupervisor, Role::kClerk,
                          Role::kPermitTech, Role::kInspector,  Role::kPublic};
const RoleSet kPermitReaders = {Role::kAdmin,     Role::kSupervisor, Role::kClerk, Role::kPermitTech,
                                Role::kInspector, Role::kAuditor,    Role::kPublic};

// The party whose permits a caller is limited to: "" for staff (every permit). A public user not linked to a
// party gets "-", which is no party's.
std::string PartyLimit(const Call& call) {
  if (!call.who.IsPublicOnly()) return "";
  return call.who.user->party_id.empty() ? "-" : call.who.user->party_id;
}

// The permit, when `party` ("" staff) may see it; 404 otherwise, as if it did not exist.
Result<json::object> PermitFor(store::Db& db, const std::string& number, const std::string& party) {
  HF_ASSIGN_OR_RETURN(auto p, domain::GetPermit(db, number));
  if (!p || (!party.empty() && !domain::IsPermitParty(*p, party))) {
    return NotFound(fmt::format("no permit {}", number));
  }
  return *p;
}

// The inspection's permit must be one `party` may see (see PermitFor).
Status InspectionFor(store::Db& db, const std::string& id, const std::string& party) {
  if (party.empty()) return Status::Ok();
  HF_ASSIGN_OR_RETURN(auto i, domain::GetInspection(db, id));
  if (!i) return NotFound(fmt::format("no inspection {}", id));
  auto p = PermitFor(db, std::string(StringOr(*i, "permit")), party);
  if (!p.ok()) return NotFound(fmt::format("no inspection {}", id));
  return Status::Ok();
}

json::value SlotWindow() { return Enum(json::array{"AM", "PM"}); }

json::value SettingsSchema() {
  return Obj({{"calendar", Obj({{"weekend", ArrayOf(Type("string"))},
                                {"holidays", ArrayOf(DateType())},
                                {"cutoff", Type("string")},
                                {"time_zone", Type("string")}})},
              {"areas", ArrayOf(Obj({{"name", Str(60)}, {"zips", ArrayOf(Str(10))}}, {"name", "zips"}))},
              {"default_area", Str(60)},
              {"inspectors", ArrayOf(Obj({{"id", Str(100)},
                                          {"name", Str(100)},
                                          {"areas", ArrayOf(Type("string"))},
                                          {"capacity_per_window", Type("integer")}},
                                         {"id", "name", "areas", "capacity_per_window"}))},
              {"office", Obj({{"latitude_microdegrees", Type("integer")},
                              {"longitude_microdegrees", Type("integer")}})},
              {"am", Type("string")},
              {"pm", Type("string")}},
             {}, true);
}

json::value InspectionSchema() {
  return Obj(
      {{"id", Type("string")},
       {"permit", Type("string")},
       {"type", Type("string")},
       {"attempt", Type("integer")},
       {"status", Enum(json::array{"scheduled", "needs_reschedule", "cancelled", "completed"})},
       {"result",
        json::object{{"enum", json::array{"pass", "fail", "partial", "cancelled", "no_access", nullptr}}}},
       {"day", DateType()},
       {"window", SlotWindow()},
       {"inspector", Type("string")},
       {"area", Type("string")},
       {"requested_at", Type("string")},
       {"received_on", DateType()},
       {"earliest_on", DateType()},
       {"comments", Type("string")},
       {"corrections", ArrayOf(Type("string"))},
       {"inspected_on", NullableDate()},
       {"reinspection_fee_cents", Type("integer")},
       {"address", Obj({{"line1", Type("string")}, {"city", Type("string")}, {"zip", Type("string")}})},
       {"latitude_microdegrees", NullableInt()},
       {"longitude_microdegrees", NullableInt()},
       {"updated_at", Type("integer")},
       {"event_hash", Type("string")}});
}

json::value WithMember(json::value schema, const char* key, json::value member) {
  schema.as_object()["properties"].as_object()[key] = std::move(member);
  return schema;
}

json::value SlotRequestMembers(bool with_type, bool with_reason) {
  json::object p{{"requested_date", DateType()}, {"window", SlotWindow()}};
  json::array required;
  if (with_type) {
    p["inspection_type"] = Str(60);
    required.push_back("inspection_type");
  }
  if (with_reason) {
    p["reason"] = Str(500);
    required.push_back("reason");
  }
  return Obj(std::move(p), std::move(required), true);
}

Result<std::optional<Date>> DateParam(const Call& call, std::string_view name) {
  std::string_view text = call.req.Query(name);
  if (text.empty()) return std::optional<Date>();
  HF_ASSIGN_OR_RETURN(Date d, Date::Parse(text, name));
  return std::optional<Date>(d);
}

// Runs an inspection command and answers the inspection.
void Command(Call& call, int status, std::function<Result<json::object>(store::CommandContext&)> command) {
  call.app->Write(
      call,
      [command = std::move(command)](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(json::object i, command(ctx));
        return json::value(std::move(i));
      },
      [status](const json::value& i) {
        if (status == 201) {
          return Response::Created(i, fmt::format("/api/v1/inspections/{}", StringOr(i.as_object(), "id")));
        }
        return Response::Json(status, i);
      });
}

void GetSettings(Call& call) {
  call.app->Read(call, [&](store::Db& db) {
    auto s = domain::CurrentInspectionSettings(db);
    if (!s.ok()) return call.Fail(s.error());
    call.ReplyJson(200, s->ToJson());
  });
}

void PutSettings(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  auto settings = domain::ParseInspectionSettings(*body);
  if (!settings.ok()) return call.Fail(settings.error());
  std::string actor = call.who.id();
  Command(call, 200, [s = std::move(*settings), actor](store::CommandContext& ctx) {
    return domain::SetInspectionSettings(ctx, s, actor);
  });
}

void RequestOne(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  auto req = domain::ParseInspectionRequest(*body, call.params["number"]);
  if (!req.ok()) return call.Fail(req.error());
  std::string actor = call.who.id(), party = PartyLimit(call);
  Command(call, 201, [r = std::move(*req), actor, party](store::CommandContext& ctx) -> Result<json::object> {
    if (!party.empty()) HF_RETURN_IF_ERROR(PermitFor(ctx.db(), r.permit, party).status());
    return domain::RequestInspection(ctx, r, actor);
  });
}

void Reschedule(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  auto req = domain::ParseInspectionRequest(*body, "", /*reschedule=*/true);
  if (!req.ok()) return call.Fail(req.error());
  std::string actor = call.who.id(), id = call.params["id"], party = PartyLimit(call);
  Command(call, 200,
          [r = std::move(*req), actor, id, party](store::CommandContext& ctx) -> Result<json::object> {
            HF_RETURN_IF_ERROR(InspectionFor(ctx.db(), id, party));
            return domain::RescheduleInspection(ctx, id, r.requested_day, r.window, r.reason, actor);
          });
}

void Cancel(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  std::string reason = r.RequiredString("reason", 500);
  if (Status s = r.Finish(); !s.ok()) return call.Fail(s.error());
  std::string actor = call.who.id(), id = call.params["id"], party = PartyLimit(call);
  Command(call, 200, [reason, actor, id, party](store::CommandContext& ctx) -> Result<json::object> {
    HF_RETURN_IF_ERROR(InspectionFor(ctx.db(), id, party));
    return domain::CancelInspection(ctx, id, reason, actor);
  });
}

void RecordResult(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  auto result = domain::ParseInspectionResult(*body);
  if (!result.ok()) return call.Fail(result.error());
  std::string actor = call.who.id(), id = call.params["id"];
  Command(call, 200, [r = std::move(*result), actor, id](store::CommandContext& ctx) {
    return domain::RecordInspectionResult(ctx, id, r, actor);
  });
}

void GetOne(Call& call) {
  const std::string& id = call.params["id"];
  call.app->Read(call,
                 [&](store::Db& db) { call.ReplyFound(domain::GetInspection(db, id), "inspection " + id); });
}

void List(Call& call, std::string permit) {
  domain::InspectionQuery q;
  q.permit = std::move(permit);
  q.inspector = std::string(call.req.Query("inspector"));
  q.status = std::string(call.req.Query("status"));
  auto day = DateParam(call, "date");
  if (!day.ok()) return call.Fail(day.error());
  q.day = *day;
  auto limit = call.QueryInt("limit", q.limit, 1, 1000);
  if (!limit.ok()) return call.Fail(limit.error());
  q.limit = *limit;
  std::string party = PartyLimit(call);
  call.app->Read(call, [&](store::Db& db) {
    if (!party.empty()) {
      if (auto p = PermitFor(db, q.permit, party); !p.ok()) return call.Fail(p.error());
    }
    auto list = domain::ListInspections(db, q);
    if (!list.ok()) return call.Fail(list.error());
    call.ReplyJson(200, json::object{{"items", std::move(*list)}});
  });
}

void ListAll(Call& call) { List(call, ""); }

void Slots(Call& call) {
  const std::string number = call.params["number"];
  auto limit = call.QueryInt("limit", 10, 1, 60);
  if (!limit.ok()) return call.Fail(limit.error());
  int64_t now = call.app->node().clock().NowMs();
  std::string party = PartyLimit(call);
  call.app->Read(call, [&](store::Db& db) {
    auto p = PermitFor(db, number, party);
    if (!p.ok()) return call.Fail(p.error());
    auto slots = domain::OpenSlots(db, *p, now, *limit);
    if (!slots.ok()) return call.Fail(slots.error());
    call.ReplyJson(200, json::object{{"permit", number}, {"items", std::move(*slots)}});
  });
}
void ListOfPermit(Call& call) { List(call, call.params["number"]); }

void Day(Call& call) {
  auto day = DateParam(call, "date");
  if (!day.ok()) return call.Fail(day.error());
  const std::string& inspector = call.params["id"];
  int64_t now = call.app->node().clock().NowMs();
  call.app->Read(call, [&](store::Db& db) {
    auto date = *day ? Result<Date>(**day) : domain::CityToday(db, now);
    if (!date.ok()) return call.Fail(date.error());
    auto list = domain::InspectorDay(db, inspector, *date);
    if (!list.ok()) return call.Fail(list.error());
    call.ReplyJson(
        200, json::object{{"inspector", inspector}, {"date", date->ToString()}, {"items", std::move(*list)}});
  });
}

void Feed(Call& call) {
  const std::string& inspector = call.params["id"];
  int64_t now = call.app->node().clock().NowMs();
  call.app->Read(call, [&](store::Db& db) {
    auto today = domain::CityToday(db, now);
    if (!today.ok()) return call.Fail(today.error());
    // The past month stays in the feed, so a calendar keeps what was done.
    auto feed = domain::InspectorCalendar(db, inspector, today->AddDays(-31), now);
    if (!feed.ok()) return call.Fail(feed.error());
    call.Reply(Response::Text(200, std::move(*feed), "text/calendar; charset=utf-8"));
  });
}

}  // namespace

void RegisterInspectionRoutes(App& app) {
  Router& r = app.router();
  r.Add({.method = "GET",
         .pattern = "/api/v1/inspection-settings",
         .roles = RoleSet::Staff(),
         .summary = "The inspection settings: business calendar, areas, inspectors and their capacity",
         .tag = "inspections",
         .response_schema = SettingsSchema(),
         .handler = GetSettings});
  r.Add({.method = "PUT",
         .pattern = "/api/v1/inspection-settings",
         .roles = {Role::kAdmin},
         .summary = "Set the inspection settings; bookings made before keep the slot and capacity they got",
         .tag = "inspections",
         .request_schema = SettingsSchema(),
         .response_schema = SettingsSchema(),
         .handler = PutSettings});
  r.Add({.method = "POST",
         .pattern = "/api/v1/permits/{number}/inspections",
         .roles = kBookers,
         .summary =
             "Request an inspection of a paid, issued permit: booked into the first free slot from the "
             "earliest day (the calendar's cutoff rule), in sequence; a third request of one type adds "
             "the re-inspection fee. A public user books only their own party's permits",
         .tag = "inspections",
         .request_schema = SlotRequestMembers(true, false),
         .response_schema = WithMember(InspectionSchema(), "fee_added_cents", Type("integer")),
         .success_status = 201,
         .handler = RequestOne});
  r.Add({.method = "GET",
         .pattern = "/api/v1/permits/{number}/inspections",
         .roles = kPermitReaders,
         .summary = "A permit's inspections in request order (a public user: only their party's permits)",
         .tag = "inspections",
         .response_schema = Obj({{"items", ArrayOf(InspectionSchema())}}),
         .query_params = {{"status", "only inspections in this status"},
                          {"limit", "at most this many, 1 to 1000 (default 200)"}},
         .handler = ListOfPermit});
  r.Add(
      {.method = "GET",
       .pattern = "/api/v1/permits/{number}/inspection-slots",
       .roles = kPermitReaders,
       .summary = "The windows open now for the permit's next inspection, from the earliest day on: each day "
                  "and window with the places left; request one with its requested_date and window",
       .tag = "inspections",
       .response_schema =
           Obj({{"permit", Type("string")},
                {"items",
                 ArrayOf(Obj({{"day", DateType()}, {"window", SlotWindow()}, {"open", Type("integer")}}))}}),
       .query_params = {{"limit", "at most this many windows, 1 to 60 (default 10)"}},
       .handler = Slots});
  r.Add({.method = "GET",
         .pattern = "/api/v1/inspections",
         .roles = RoleSet::Staff(),
         .summary = "The inspection board: inspections by day, window, inspector (of one ?date, ?inspector, "
                    "?status)",
         .tag = "inspections",
         .response_schema = Obj({{"items", ArrayOf(InspectionSchema())}}),
         .query_params = {{"date", "only this day, YYYY-MM-DD"},
                          {"inspector", "only this inspector"},
                          {"status", "scheduled, needs_reschedule, cancelled or completed"},
                          {"limit", "at most this many, 1 to 1000 (default 200)"}},
         .handler = ListAll});
  r.Add({.method = "GET",
         .pattern = "/api/v1/inspections/{id}",
         .roles = RoleSet::Staff(),
         .summary = "One inspection",
         .tag = "inspections",
         .response_schema = InspectionSchema(),
         .handler = GetOne});
  r.Add({.method = "POST",
         .pattern = "/api/v1/inspections/{id}/reschedule",
         .roles = kBookers,
         .summary = "Move a booked inspection (or one that lost its slot) to the first free slot from the "
                    "earliest day, with the reason",
         .tag = "inspections",
         .request_schema = SlotRequestMembers(false, true),
         .response_schema = InspectionSchema(),
         .handler = Reschedule});
  r.Add({.method = "POST",
         .pattern = "/api/v1/inspections/{id}/cancel",
         .roles = kBookers,
         .summary = "Cancel a booked inspection, with the reason; its place in the slot is free again",
         .tag = "inspections",
         .request_schema = Obj({{"reason", Str(500)}}, {"reason"}, true),
         .response_schema = InspectionSchema(),
         .handler = Cancel});
  r.Add({.method = "POST",
         .pattern = "/api/v1/inspections/{id}/result",
         .roles = kInspectors,
         .summary = "Record an inspection's result (pass, fail, partial, cancelled, no_access) with comments "
                    "and corrections; a pass of the permit's last inspection finals it",
         .tag = "inspections",
         .request_schema =
             Obj({{"result", Enum(json::array{"pass", "fail", "partial", "cancelled", "no_access"})},
                  {"comments", Str(4000)},
                  {"corrections", ArrayOf(Str(1000))}},
                 {"result"}, true),
         .response_schema = WithMember(InspectionSchema(), "permit_status", Type("string")),
         .handler = RecordResult});
  r.Add(
      {.method = "GET",
       .pattern = "/api/v1/inspectors/{id}/day",
       .roles = RoleSet::Staff(),
       .summary = "An inspector's scheduled inspections of a day (?date, default today) in route order",
       .tag = "inspections",
       .response_schema = Obj({{"inspector", Type("string")},
                               {"date", DateType()},
                               {"items", ArrayOf(WithMember(InspectionSchema(), "stop", Type("integer")))}}),
       .query_params = {{"date", "the day, YYYY-MM-DD (default: today in the city)"}},
       .handler = Day});
  r.Add({.method = "GET",
         .pattern = "/api/v1/inspectors/{id}/calendar.ics",
         .roles = RoleSet::Staff(),
         .summary = "An inspector's inspections from a month ago on, as an iCalendar (RFC 5545) feed",
         .tag = "inspections",
         .response_schema = Type("string"),
         .content_type = "text/calendar",
         .handler = Feed});
}

}  // namespace holdfast::http
