// The conflicts queue: what offices decided while cut off from each other that could not all stand.
#include <fmt/format.h>

#include "domain/conflicts.h"
#include "http/app.h"

namespace holdfast::http {
namespace {

using auth::Role;
using auth::RoleSet;

constexpr std::string_view kConflictSchema =
    R"({"type":"object","properties":{"id":{"type":"string"},"aggregate":{"type":"string"},"kind":{"type":"string"},
        "summary":{"type":"string"},"detail":{"type":"object"},"event":{"type":"string"},"actor":{"type":"string"},
        "at":{"type":"integer"},"status":{"enum":["open","resolved"]},
        "resolution":{"type":["object","null"],"properties":{"resolution":{"type":"string"},"note":{"type":"string"},
        "resolved_by":{"type":"string"},"resolved_at":{"type":"integer"}}}}})";

void List(Call& call) {
  domain::ConflictQuery q;
  q.status = std::string(call.req.Query("status"));
  auto limit = call.QueryInt("limit", q.limit, 1, 1000);
  if (!limit.ok()) return call.Fail(limit.error());
  q.limit = *limit;
  call.app->Read(call, [&](store::Db& db) {
    auto items = domain::ListConflicts(db, q);
    if (!items.ok()) return call.Fail(items.error());
    call.ReplyJson(200, json::object{{"items", std::move(*items)}});
  });
}

void Get(Call& call) {
  call.app->Read(call, [&](store::Db& db) {
    call.ReplyFound(domain::GetConflict(db, call.params.at("id")), "conflict " + call.params.at("id"));
  });
}

void Resolve(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  std::string resolution = r.RequiredString("resolution", 20);
  std::string note = r.RequiredString("note", 1000);
  Status read = r.Finish();
  if (!read.ok()) return call.Fail(read.error());
  std::string id = call.params.at("id");
  std::string actor = call.who.id();
  call.app->Write(
      call,
      [id, resolution, note, actor](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(json::object c, domain::ResolveConflict(ctx, id, resolution, note, actor));
        return json::value(std::move(c));
      },
      [](const json::value& v) { return Response::Json(200, v); });
}

}  // namespace

void RegisterConflictRoutes(App& app) {
  Router& r = app.router();
  const RoleSet readers = {Role::kAdmin, Role::kSupervisor, Role::kAuditor};
  const RoleSet resolvers = {Role::kAdmin, Role::kSupervisor};
  r.Add(
      {.method = "GET",
       .pattern = "/api/v1/conflicts",
       .roles = readers,
       .summary =
           "The conflicts queue: decisions made at offices cut off from each other that could not all stand",
       .tag = "conflicts",
       .response_schema = json::parse(fmt::format(
           R"({{"type":"object","properties":{{"items":{{"type":"array","items":{}}}}}}})", kConflictSchema)),
       .query_params = {{"status", "open or resolved (default: both)"},
                        {"limit", "at most this many (1-1000, default 100)"}},
       .handler = List});
  r.Add({.method = "GET",
         .pattern = "/api/v1/conflicts/{id}",
         .roles = readers,
         .summary = "One conflict",
         .tag = "conflicts",
         .response_schema = json::parse(kConflictSchema),
         .handler = Get});
  r.Add({.method = "POST",
         .pattern = "/api/v1/conflicts/{id}/resolve",
         .roles = resolvers,
         .summary = "Resolve a conflict: say what was done (refunded, accepted, corrected, other)",
         .tag = "conflicts",
         .request_schema =
             json::parse(R"({"type":"object","additionalProperties":false,"required":["resolution","note"],
             "properties":{"resolution":{"enum":["refunded","accepted","corrected","other"]},"note":{"type":"string"}}})"),
         .response_schema = json::parse(kConflictSchema),
         .handler = Resolve});
}

}  // namespace holdfast::http
