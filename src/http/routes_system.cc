// Health, readiness, metrics, the OpenAPI document and the node's own description.
#include <fmt/format.h>

#include "http/app.h"
#include "http/openapi.h"
#include "store/journal.h"

namespace holdfast::http {

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
}

}  // namespace holdfast::http
