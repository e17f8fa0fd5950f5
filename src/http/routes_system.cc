// Health, readiness, metrics, the OpenAPI document and the node's own description.
#include <fmt/format.h>

#include "domain/city.h"
#include "domain/city_date.h"
#include "http/app.h"
#include "http/openapi.h"
#include "store/journal.h"

namespace holdfast::http {

namespace {

constexpr std::string_view kCitySchema =
    R"({"type":"object","properties":{"name":{"type":"string"},"time_zone":{"type":"string"},"zone_name":{"type":"string"},"today":{"type":"string"}}})";

// The city's name, its time zone (the POSIX rule and the name it was given by) and its date today.
void GetCity(Call& c) {
  c.app->Read(c, [&](store::Db& db) {
    auto s = db.Prepare("SELECT name, time_zone, zone_name FROM city LIMIT 1");
    if (!s.ok()) return c.Fail(s.error());
    auto row = (*s)->Step();
    if (!row.ok()) return c.Fail(row.error());
    if (!*row) return c.Fail(NotFound("this node holds no city yet"));
    json::object out{{"name", (*s)->Text(0)}, {"time_zone", (*s)->Text(1)}, {"zone_name", (*s)->Text(2)}};
    (*s)->Reset();
    auto today = domain::CityToday(db, c.app->node().clock().NowMs());
    if (!today.ok()) return c.Fail(today.error());
    out["today"] = today->ToString();
    c.ReplyJson(200, out);
  });
}

void SetTimeZone(Call& c) {
  auto body = c.Body();
  if (!body.ok()) return c.Fail(body.error());
  ObjectReader r(*body);
  std::string name = r.RequiredString("time_zone", 64);
  if (Status s = r.Finish(); !s.ok()) return c.Fail(s.error());
  auto zone = TimeZone::Resolve(name, "time_zone");  // reads the tz database: here, not on the writer
  if (!zone.ok()) return c.Fail(zone.error());
  std::string actor = c.who.id();
  c.app->Write(
      c,
      [zone = *zone, name, actor](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(json::object set, domain::SetCityTimeZone(ctx, zone, name, actor));
        HF_ASSIGN_OR_RETURN(Date today, domain::CityToday(ctx));
        set["today"] = today.ToString();
        return json::value(std::move(set));
      },
      [](const json::value& v) { return Response::Json(200, v); });
}

}  // namespace

void RegisterSystemRoutes(App& app) {
  Router& r = app.router();
  r.Add({.method = "GET",
         .pattern = "/healthz",
         .anyone = true,
         .summary = "Liveness: the process answers",
         .tag = "system",
         .response_schema = json::parse(R"({"type":"object","properties":{"status":{"type":"string"}}})"),
         .handler = [](Call& c) {
           c.ReplyJson(200, json::object{{"status", "ok"}});
         }});
  r.Add(
      {.method = "GET",
       .pattern = "/readyz",
       .anyone = true,
       .summary = "Readiness: the database answers and the writer is running",
       .tag = "system",
       .response_schema = json::parse(
           R"({"type":"object","properties":{"status":{"type":"string"},"node":{"type":"string"},"feed_seq":{"type":"integer"}}})"),
       .handler = [](Call& c) {
         App& a = *c.app;
         a.Read(c, [&](store::Db& db) {
           auto n = db.QueryInt("SELECT COUNT(*) FROM meta");
           if (!n.ok()) {
             return c.Fail(MakeError(Code::kUnavailable, "the database does not answer: " + n.error().detail,
                                     "not-ready"));
           }
           c.ReplyJson(200, json::object{{"status", "ready"},
                                         {"node", a.node().id()},
                                         {"feed_seq", a.node().writer().head().seq}});
         });
       }});
  r.Add({.method = "GET",
         .pattern = "/metrics",
         .anyone = true,
         .summary = "Prometheus metrics (text exposition format 0.0.4); counters only, no personal data",
         .tag = "system",
         .response_schema = json::parse(R"({"type":"string"})"),
         .content_type = "text/plain",
         .handler = [](Call& c) {
           c.Reply(Response::Text(200, c.app->Metrics(), "text/plain; version=0.0.4; charset=utf-8"));
         }});
  r.Add({.method = "GET",
         .pattern = "/api/v1/openapi.json",
         .anyone = true,
         .summary = "This API's OpenAPI 3.1 description",
         .tag = "system",
         .response_schema = json::parse(R"({"type":"object"})"),
         .handler = [](Call& c) { c.ReplyJson(200, OpenApiDocument(c.app->router())); }});
  r.Add(
      {.method = "GET",
       .pattern = "/api/v1/node",
       .roles = auth::RoleSet::Staff(),
       .summary = "This node: id, city, its feed head and journal size",
       .tag = "system",
       .response_schema = json::parse(
           R"({"type":"object","properties":{"id":{"type":"string"},"city":{"type":"string"},"feed_seq":{"type":"integer"},"feed_head":{"type":"string"},"events":{"type":"integer"}}})"),
       .handler = [](Call& c) {
         App& a = *c.app;
         a.Read(c, [&](store::Db& db) {
           auto events = db.QueryInt("SELECT COUNT(*) FROM events");
           if (!events.ok()) return c.Fail(events.error());
           store::FeedHead head = a.node().writer().head();
           c.ReplyJson(200, json::object{{"id", a.node().id()},
                                         {"city", a.node().city()},
                                         {"feed_seq", head.seq},
                                         {"feed_head", head.hash},
                                         {"events", *events}});
         });
       }});
  r.Add({.method = "GET",
         .pattern = "/api/v1/city",
         .roles = auth::RoleSet::Staff(),
         .summary = "The city: its name, its time zone (every local date of its records is taken in it; UTC "
                    "until one is set) and its date today",
         .tag = "system",
         .response_schema = json::parse(kCitySchema),
         .handler = GetCity});
  r.Add(
      {.method = "PUT",
       .pattern = "/api/v1/city/time-zone",
       .roles = auth::RoleSet{auth::Role::kAdmin},
       .summary = "Set the city's time zone: a tz database name (America/Chicago) or a POSIX rule "
                  "(CST6CDT,M3.2.0,M11.1.0). Dates decided from then on (terms, due dates, drawer days, "
                  "late fees) are the city's; those already recorded stay as they are",
       .tag = "system",
       .request_schema = json::parse(
           R"({"type":"object","properties":{"time_zone":{"type":"string","maxLength":64}},"required":["time_zone"],"additionalProperties":false})"),
       .response_schema = json::parse(kCitySchema),
       .handler = SetTimeZone});
}

}  // namespace holdfast::http
