// Parties: people and businesses. Staff create, update and search them; a public user sees only their own.
#include <fmt/format.h>

#include "domain/parties.h"
#include "http/app.h"

namespace holdfast::http {
namespace {

using auth::Role;
using auth::RoleSet;

const RoleSet kWriters = {Role::kAdmin, Role::kSupervisor, Role::kClerk, Role::kPermitTech};
const RoleSet kReaders = {Role::kAdmin,     Role::kSupervisor, Role::kClerk, Role::kPermitTech,
                          Role::kInspector, Role::kAuditor,    Role::kPublic};

constexpr std::string_view kAddressSchema = R"({"type":"object","additionalProperties":false,
  "required":["line1","city","state","postal_code"],"properties":{"line1":{"type":"string","maxLength":100},
  "line2":{"type":"string","maxLength":100},"city":{"type":"string","maxLength":100},
  "state":{"type":"string","maxLength":100},"postal_code":{"type":"string","maxLength":100}}})";

json::value PartySchema() {
  return json::object{
      {"type", "object"},
      {"properties", json::object{{"id", json::object{{"type", "string"}}},
                                  {"kind", json::object{{"enum", json::array{"person", "business"}}}},
                                  {"name", json::object{{"type", "string"}}},
                                  {"email", json::object{{"type", "string"}}},
                                  {"phone", json::object{{"type", "string"}}},
                                  {"address", json::parse(kAddressSchema)},
                                  {"created_at", json::object{{"type", "integer"}}},
                                  {"updated_at", json::object{{"type", "integer"}}},
                                  {"version", json::object{{"type", "integer"}}}}}};
}

json::value InputSchema(bool create) {
  json::object s{{"type", "object"},
                 {"additionalProperties", false},
                 {"properties", json::object{{"name", json::object{{"type", "string"}, {"maxLength", 200}}},
                                             {"email", json::object{{"type", "string"}, {"maxLength", 254}}},
                                             {"phone", json::object{{"type", "string"}, {"maxLength", 32}}},
                                             {"address", json::parse(kAddressSchema)}}}};
  if (create) {
    s["properties"].as_object()["kind"] = json::object{{"enum", json::array{"person", "business"}}};
    s["required"] = json::array{"kind", "name"};
  }
  return s;
}

void Create(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  auto input = domain::ParsePartyInput(*body, true);
  if (!input.ok()) return call.Fail(input.error());
  std::string actor = call.who.id();
  call.app->Write(
      call,
      [input = std::move(*input), actor](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(json::object p, domain::CreateParty(ctx, input, actor));
        return json::value(std::move(p));
      },
      [](const json::value& party) {
        return Response::Created(party, fmt::format("/api/v1/parties/{}", StringOr(party.as_object(), "id")));
      });
}

void Update(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  auto input = domain::ParsePartyInput(*body, false);
  if (!input.ok()) return call.Fail(input.error());
  std::string actor = call.who.id(), id = call.params["id"];
  call.app->Write(
      call,
      [input = std::move(*input), actor, id](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(json::object p, domain::UpdateParty(ctx, id, input, actor));
        return json::value(std::move(p));
      },
      [](const json::value& party) { return Response::Json(200, party); });
}

void Get(Call& call) {
  const std::string& id = call.params["id"];
  // A public user sees only the party their account belongs to; others do not even learn it exists.
  if (call.who.IsPublicOnly() && call.who.user->party_id != id) {
    return call.Fail(NotFound(fmt::format("no party {}", id)));
  }
  call.app->Read(call, [&](store::Db& db) { call.ReplyFound(domain::GetParty(db, id), "party " + id); });
}

void Search(Call& call) {
  domain::PartyQuery q;
  auto text = call.QueryText("q", 200);
  if (!text.ok()) return call.Fail(text.error());
  q.text = std::move(*text);
  q.kind = std::string(call.req.Query("kind"));
  q.after = std::string(call.req.Query("cursor"));
  if (!q.kind.empty() && q.kind != "person" && q.kind != "business") {
    return call.Fail(Invalid("kind must be person or business", "kind"));
  }
  auto limit = call.QueryInt("limit", q.limit, 1, 500);
  if (!limit.ok()) return call.Fail(limit.error());
  q.limit = *limit;
  call.app->Read(call, [&](store::Db& db) {
    auto page = domain::SearchParties(db, q);
    if (!page.ok()) return call.Fail(page.error());
    call.ReplyPage(std::move(page->items), page->next_cursor);
  });
}

}  // namespace

void RegisterPartyRoutes(App& app) {
  Router& r = app.router();
  r.Add({.method = "POST",
         .pattern = "/api/v1/parties",
         .roles = kWriters,
         .summary = "Create a person or business",
         .tag = "parties",
         .request_schema = InputSchema(true),
         .response_schema = PartySchema(),
         .success_status = 201,
         .handler = Create});
  r.Add({.method = "GET",
         .pattern = "/api/v1/parties",
         .roles = RoleSet::Staff(),
         .summary = "Search people and businesses by name, email or phone, in name order, 50 a page",
         .tag = "parties",
         .response_schema =
             json::object{{"type", "object"},
                          {"properties",
                           json::object{{"items", json::object{{"type", "array"}, {"items", PartySchema()}}},
                                        {"next_cursor", json::object{{"type", "string"}}}}}},
         .query_params = {{"q", "text to find in the name, email or phone"},
                          {"kind", "person or business"},
                          {"limit", "page size, 1 to 500 (default 50)"},
                          {"cursor", "next_cursor from the previous page"}},
         .handler = Search});
  r.Add({.method = "GET",
         .pattern = "/api/v1/parties/{id}",
         .roles = kReaders,
         .summary = "One person or business (a public user: only their own)",
         .tag = "parties",
         .response_schema = PartySchema(),
         .handler = Get});
  r.Add({.method = "PATCH",
         .pattern = "/api/v1/parties/{id}",
         .roles = kWriters,
         .summary = "Change a party's name, email, phone or address (only the fields given)",
         .tag = "parties",
         .request_schema = InputSchema(false),
         .response_schema = PartySchema(),
         .handler = Update});
}

}  // namespace holdfast::http
