// Routes: building permits — the permit type catalog, contractors, applications, payment at a counter drawer,
// issue, holds, cancel, void, expiry, and the public lookup. Permit staff and clerks write; supervisors void;
// admins edit the permit types; anyone may look a permit up by its number (public fields only). A public user
// linked to a party (a contractor, a homeowner) applies for permits naming their party as the applicant or
// the contractor, sees only those permits (others are 404, as if they did not exist) and pays their fees
// online by card.
#include <fmt/format.h>

#include <charconv>

#include "domain/cashier.h"
#include "domain/city_date.h"
#include "domain/contractors.h"
#include "domain/permit_types.h"
#include "domain/permits.h"
#include "http/app.h"
#include "http/online_payment_route.h"
#include "http/routes_cashier.h"
#include "http/schema.h"

namespace holdfast::http {
namespace {

using namespace schema;  // NOLINT: the schema building blocks read as a language

using auth::Role;
using auth::RoleSet;

const RoleSet kPermitDesk = {Role::kAdmin, Role::kSupervisor, Role::kClerk, Role::kPermitTech};
const RoleSet kIssuers = {Role::kAdmin, Role::kSupervisor, Role::kPermitTech};
const RoleSet kSupervisors = {Role::kAdmin, Role::kSupervisor};
const RoleSet kApplicants = {Role::kAdmin, Role::kSupervisor, Role::kClerk, Role::kPermitTech, Role::kPublic};
const RoleSet kPermitReaders = {Role::kAdmin,     Role::kSupervisor, Role::kClerk, Role::kPermitTech,
                                Role::kInspector, Role::kAuditor,    Role::kPublic};

// A public user may read only the permits their party applied for or is the contractor of.
bool MayRead(const Call& call, const json::object& permit) {
  return !call.who.IsPublicOnly() || domain::IsPermitParty(permit, call.who.user->party_id);
}

json::value CatalogSchema(bool with_id) {
  json::object tier = Obj({{"up_to_cents", Type("integer")},
                           {"amount_cents", Type("integer")},
                           {"rate_per_thousand_cents", Type("integer")}})
                          .as_object();
  json::object surcharge =
      Obj({{"code", Type("string")}, {"description", Type("string")}, {"basis_points", Type("integer")}},
          {"code", "description", "basis_points"})
          .as_object();
  json::object fees = Obj({{"code", Type("string")},
                           {"description", Type("string")},
                           {"flat_cents", Type("integer")},
                           {"valuation_tiers", ArrayOf(tier)},
                           {"per_square_foot_cents", Type("integer")},
                           {"minimum_cents", Type("integer")},
                           {"surcharges", ArrayOf(surcharge)},
                           {"reinspection_cents", Type("integer")}},
                          {"code", "description"})
                          .as_object();
  json::object type = Obj({{"code", Type("string")},
                           {"name", Type("string")},
                           {"contractor_trade", Type("string")},
                           {"inspections", ArrayOf(Type("string"))},
                           {"fees", fees}},
                          {"code", "name", "inspections", "fees"})
                          .as_object();
  json::object s = Obj({{"effective_from", DateType()},
                        {"expiry_days", json::object{{"type", "integer"}, {"minimum", 1}, {"maximum", 3650}}},
                        {"types", ArrayOf(type)}},
                       {"effective_from", "types"}, !with_id)
                       .as_object();
  if (with_id) s["properties"].as_object()["id"] = Type("string");
  return s;
}

json::object CatalogJson(const domain::PermitCatalog& c) {
  json::object o = c.ToJson();
  o["id"] = c.id;
  return o;
}

json::value ContractorSchema(bool input, bool create) {
  json::object p{{"license_number", Str(40)},
                 {"trade", Str(40)},
                 {"license_state", json::object{{"type", "string"}, {"pattern", "^[A-Z]{2}$"}}},
                 {"license_expires_on", DateType()},
                 {"insurance_expires_on", DateType()}};
  if (!input || create) p["party_id"] = Type("string");
  if (!input) {
    p["name"] = Type("string");
    p["registered_at"] = Type("integer");
    p["updated_at"] = Type("integer");
    return Obj(std::move(p));
  }
  return Obj(std::move(p),
             create ? json::array{"party_id", "license_number", "trade", "license_state",
                                  "license_expires_on", "insurance_expires_on"}
                    : json::array{},
             true);
}

json::value ApplicationSchema() {
  return Obj({{"permit_type", Str(40)},
              {"work_class", json::object{{"enum", json::array{"new", "existing"}}}},
              {"description", Str(2000)},
              {"valuation_cents", json::object{{"type", "integer"}, {"minimum", 0}}},
              {"square_feet", json::object{{"type", "integer"}, {"minimum", 0}}},
              {"address", PostalAddress()},
              {"parcel_pin", Str(40)},
              {"latitude_microdegrees", Type("integer")},
              {"longitude_microdegrees", Type("integer")},
              {"applicant_party_id", Type("string")},
              {"contractor_party_id", Type("string")}},
             {"permit_type", "work_class", "description", "valuation_cents", "address", "parcel_pin",
              "applicant_party_id"},
             true);
}

json::value FeeLineSchema() {
  return Obj({{"code", Type("string")},
              {"description", Type("string")},
              {"amount_cents", Type("integer")},
              {"ref", Type("string")}});
}

json::value StatusEnum() {
  return json::object{{"enum", json::array{"applied", "in_review", "issued", "inspections", "finaled",
                                           "cancelled", "voided", "expired"}}};
}

json::value InspectionItemSchema() {
  return Obj({{"type", Type("string")}, {"final", Type("boolean")}, {"passed_on", NullableDate()}});
}

json::value PermitSchema() {
  return Obj({{"number", Type("string")},
              {"type_code", Type("string")},
              {"type_name", Type("string")},
              {"catalog_id", Type("string")},
              {"status", StatusEnum()},
              {"held", Type("boolean")},
              {"hold_reason", Type("string")},
              {"work_class", Type("string")},
              {"description", Type("string")},
              {"valuation_cents", Type("integer")},
              {"square_feet", Type("integer")},
              {"address", PostalAddress()},
              {"parcel_pin", Type("string")},
              {"latitude_microdegrees", json::object{{"type", json::array{"integer", "null"}}}},
              {"longitude_microdegrees", json::object{{"type", json::array{"integer", "null"}}}},
              {"applicant_party_id", Type("string")},
              {"contractor_party_id", Type("string")},
              {"applied_on", DateType()},
              {"issued_on", NullableDate()},
              {"finaled_on", NullableDate()},
              {"expires_on", NullableDate()},
              {"closed_on", NullableDate()},
              {"close_reason", Type("string")},
              {"expiry_days", Type("integer")},
              {"fees", ArrayOf(FeeLineSchema())},
              {"fees_total_cents", Type("integer")},
              {"paid_cents", Type("integer")},
              {"due_cents", Type("integer")},
              {"receipts", ArrayOf(Type("string"))},
              {"inspections", ArrayOf(InspectionItemSchema())},
              {"reinspection_cents", Type("integer")},
              {"updated_at", Type("integer")},
              {"event_hash", Type("string")}});
}

json::value PublicPermitSchema() {
  return Obj({{"number", Type("string")},
              {"type_code", Type("string")},
              {"type_name", Type("string")},
              {"status", StatusEnum()},
              {"work_class", Type("string")},
              {"description", Type("string")},
              {"address", PostalAddress()},
              {"parcel_pin", Type("string")},
              {"latitude_microdegrees", json::object{{"type", json::array{"integer", "null"}}}},
              {"longitude_microdegrees", json::object{{"type", json::array{"integer", "null"}}}},
              {"est_project_cost_cents", Type("integer")},
              {"applied_on", DateType()},
              {"issued_on", NullableDate()},
              {"finaled_on", NullableDate()},
              {"expires_on", NullableDate()},
              {"contractor", json::object{{"type", json::array{"object", "null"}}}},
              {"inspections", ArrayOf(InspectionItemSchema())}});
}

json::value ReasonSchema() { return Obj({{"reason", Str(500)}}, {"reason"}, true); }

// --- permit types ---------------------------------------------------------------------------------------

void ListCatalogs(Call& call) {
  call.app->Read(call, [&](store::Db& db) {
    auto list = domain::ListPermitCatalogs(db);
    if (!list.ok()) return call.Fail(list.error());
    json::array items;
    for (const auto& c : *list) items.push_back(CatalogJson(c));
    call.ReplyJson(200, json::object{{"items", std::move(items)}});
  });
}

void CurrentCatalog(Call& call) {
  Date day = CityToday(call);
  if (std::string_view d = call.req.Query("date"); !d.empty()) {
    auto parsed = Date::Parse(d, "date");
    if (!parsed.ok()) return call.Fail(parsed.error());
    day = *parsed;
  }
  call.app->Read(call, [&](store::Db& db) {
    auto c = domain::CatalogInEffect(db, day);
    if (!c.ok()) return call.Fail(c.error());
    call.ReplyJson(200, CatalogJson(**c));
  });
}

// A whole number of at least 0 from the query, up to `max`; errors name it.
Result<int64_t> QueryAmount(const Call& call, std::string_view name, int64_t max) {
  std::string_view text = call.req.Query(name);
  if (text.empty()) return int64_t{0};
  int64_t v = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0 || v > max) {
    return Invalid(fmt::format("{} must be a whole number from 0 to {}", name, max), std::string(name));
  }
  return v;
}

// What a permit of a type would cost today, before applying: the fee lines the application would be charged.
void QuoteFees(Call& call) {
  std::string type_code(call.req.Query("permit_type"));
  if (type_code.empty()) return call.Fail(Invalid("permit_type is required", "permit_type"));
  auto valuation = QueryAmount(call, "valuation_cents", domain::kMaxAmountCents);
  if (!valuation.ok()) return call.Fail(valuation.error());
  auto square_feet = QueryAmount(call, "square_feet", 100'000'000);
  if (!square_feet.ok()) return call.Fail(square_feet.error());
  Date day = CityToday(call);
  call.app->Read(call, [&](store::Db& db) {
    auto c = domain::CatalogInEffect(db, day);
    if (!c.ok()) return call.Fail(c.error());
    const domain::PermitType* type = (*c)->Find(type_code);
    if (!type) {
      return call.Fail(MakeError(Code::kInvalid, fmt::format("no permit type {:?} in effect", type_code),
                                 "unknown-permit-type", "permit_type"));
    }
    auto fees = domain::FeesFor(type->fees, *valuation, *square_feet, "");
    if (!fees.ok()) return call.Fail(fees.error());
    json::array lines;
    domain::Cents total = 0;
    for (const auto& f : fees->lines) {
      lines.push_back(f.ToJson());
      total += f.amount_cents;
    }
    call.ReplyJson(200, json::object{{"permit_type", type_code},
                                     {"contractor_trade", type->contractor_trade},
                                     {"fees", std::move(lines)},
                                     {"fees_total_cents", total}});
  });
}

void AddCatalog(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  auto catalog = domain::ParsePermitCatalog(*body);
  if (!catalog.ok()) return call.Fail(catalog.error());
  std::string actor = call.who.id();
  call.app->Write(
      call,
      [catalog = std::move(*catalog), actor](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(domain::PermitCatalog c, domain::SetPermitCatalog(ctx, catalog, actor));
        return json::value(CatalogJson(c));
      },
      [](const json::value& c) { return Response::Created(c, "/api/v1/permit-types/current"); });
}

// --- contractors ----------------------------------------------------------------------------------------

void CreateContractor(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  auto input = domain::ParseContractorInput(*body, true);
  if (!input.ok()) return call.Fail(input.error());
  std::string actor = call.who.id();
  call.app->Write(
      call,
      [input = std::move(*input), actor](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(json::object c, domain::RegisterContractor(ctx, input, actor));
        return json::value(std::move(c));
      },
      [](const json::value& c) {
        return Response::Created(c,
                                 fmt::format("/api/v1/contractors/{}", StringOr(c.as_object(), "party_id")));
      });
}

void UpdateContractor(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  auto input = domain::ParseContractorInput(*body, false);
  if (!input.ok()) return call.Fail(input.error());
  std::string actor = call.who.id(), id = call.params["id"];
  call.app->Write(
      call,
      [input = std::move(*input), actor, id](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(json::object c, domain::UpdateContractor(ctx, id, input, actor));
        return json::value(std::move(c));
      },
      [](const json::value& c) { return Response::Json(200, c); });
}

void GetContractor(Call& call) {
  const std::string& id = call.params["id"];
  call.app->Read(call,
                 [&](store::Db& db) { call.ReplyFound(domain::GetContractor(db, id), "contractor " + id); });
}

void ListContractors(Call& call) {
  std::string trade(call.req.Query("trade"));
  call.app->Read(call, [&](store::Db& db) {
    auto list = domain::ListContractors(db, trade);
    if (!list.ok()) return call.Fail(list.error());
    call.ReplyJson(200, json::object{{"items", std::move(*list)}});
  });
}

// --- permits --------------------------------------------------------------------------------------------

void Apply(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  auto application = domain::ParsePermitApplication(*body);
  if (!application.ok()) return call.Fail(application.error());
  if (call.who.IsPublicOnly()) {
    const std::string& party = call.who.user->party_id;
    if (party.empty()) {
      return call.Fail(
          MakeError(Code::kForbidden,
                    "your sign-in is not linked to a person or business yet, so you cannot apply "
                    "for a permit online; ask the permit desk to link it",
                    "no-party"));
    }
    if (application->applicant_party_id != party && application->contractor_party_id != party) {
      return call.Fail(MakeError(Code::kForbidden,
                                 "you may apply only for your own permits: name yourself as the applicant or "
                                 "as the contractor",
                                 "not-your-party", "applicant_party_id"));
    }
  }
  std::string actor = call.who.id();
  call.app->Write(
      call,
      [a = std::move(*application), actor](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(Date today, domain::CityToday(ctx));
        HF_ASSIGN_OR_RETURN(json::object p, domain::ApplyForPermit(ctx, a, today, actor));
        return json::value(std::move(p));
      },
      [](const json::value& p) {
        return Response::Created(p, fmt::format("/api/v1/permits/{}", StringOr(p.as_object(), "number")));
      });
}

void GetPermit(Call& call) {
  const std::string& number = call.params["number"];
  call.app->Read(call, [&](store::Db& db) {
    auto p = domain::GetPermit(db, number);
    if (!p.ok()) return call.Fail(p.error());
    // A public user learns nothing of permits that are not theirs, not even that they exist.
    if (!*p || !MayRead(call, **p)) return call.Fail(NotFound(fmt::format("no permit {}", number)));
    call.ReplyJson(200, **p);
  });
}

void PublicPermit(Call& call) {
  const std::string& number = call.params["number"];
  call.app->Read(
      call, [&](store::Db& db) { call.ReplyFound(domain::PublicPermit(db, number), "permit " + number); });
}

void ListPermits(Call& call) {
  domain::PermitQuery q;
  q.status = std::string(call.req.Query("status"));
  q.party_id = std::string(call.req.Query("party_id"));
  auto text = call.QueryText("q", 200);
  if (!text.ok()) return call.Fail(text.error());
  q.text = std::move(*text);
  q.after = std::string(call.req.Query("cursor"));
  if (call.who.IsPublicOnly()) {
    if (call.who.user->party_id.empty()) return call.ReplyJson(200, json::object{{"items", json::array{}}});
    q.party_id = call.who.user->party_id;
  }
  auto limit = call.QueryInt("limit", q.limit, 1, 500);
  if (!limit.ok()) return call.Fail(limit.error());
  q.limit = *limit;
  call.app->Read(call, [&](store::Db& db) {
    auto page = domain::ListPermits(db, q);
    if (!page.ok()) return call.Fail(page.error());
    call.ReplyPage(std::move(page->items), page->next_cursor);
  });
}

void Pay(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  domain::PermitPayment pay;
  pay.number = call.params["number"];
  pay.drawer_id = r.RequiredString("drawer_id", 100);
  pay.payer_party_id = r.String("payer_party_id", 100).value_or("");
  const json::array* tenders = r.Array("tenders");
  if (!tenders && !r.Has("tenders")) r.Fail("tenders", "tenders is required: how the fees are paid");
  if (Status s = r.Finish(); !s.ok()) return call.Fail(s.error());
  auto parsed = domain::ParseTenders(json::value(*tenders));
  if (!parsed.ok()) return call.Fail(parsed.error());
  pay.tenders = std::move(*parsed);
  std::string clerk = call.who.id();
  call.app->Write(
      call,
      [pay = std::move(pay), clerk](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(Date today, domain::CityToday(ctx));
        HF_ASSIGN_OR_RETURN(json::object done, domain::PayPermit(ctx, pay, today, clerk));
        return json::value(std::move(done));
      },
      [](const json::value& done) {
        return Response::Created(
            done, fmt::format("/api/v1/receipts/{}", StringOr(done.at("receipt").as_object(), "receipt")));
      });
}

void PayOnline(Call& call) { PayOnlineRoute(call, domain::PaymentTarget::kPermit); }

// A permit command that takes at most a reason.
using PermitStep =
    std::function<Result<json::object>(store::CommandContext&, const std::string& number,
                                       const std::string& reason, Date today, const std::string& actor)>;

void Step(Call& call, bool with_reason, PermitStep step) {
  std::string reason;
  if (with_reason) {
    auto body = call.Body();
    if (!body.ok()) return call.Fail(body.error());
    ObjectReader r(*body);
    reason = r.RequiredString("reason", 500);
    if (Status s = r.Finish(); !s.ok()) return call.Fail(s.error());
  }
  std::string number = call.params["number"], actor = call.who.id();
  call.app->Write(
      call,
      [number, reason, actor, step = std::move(step)](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(Date today, domain::CityToday(ctx));
        HF_ASSIGN_OR_RETURN(json::object p, step(ctx, number, reason, today, actor));
        return json::value(std::move(p));
      },
      [](const json::value& p) { return Response::Json(200, p); });
}

void Issue(Call& call) {
  Step(call, false,
       [](store::CommandContext& ctx, const std::string& n, const std::string&, Date today,
          const std::string& actor) { return domain::IssuePermit(ctx, n, today, actor); });
}
void Hold(Call& call) { Step(call, true, domain::PlaceHold); }
void Release(Call& call) { Step(call, true, domain::ReleaseHold); }
void Cancel(Call& call) { Step(call, true, domain::CancelPermit); }
void Void(Call& call) {
  Step(call, true,
       [](store::CommandContext& ctx, const std::string& n, const std::string& reason, Date today,
          const std::string& actor) { return domain::VoidPermit(ctx, n, reason, today, actor, actor); });
}

void Expire(Call& call) {
  std::string actor = call.who.id();
  call.app->Write(
      call,
      [actor](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(Date today, domain::CityToday(ctx));
        HF_ASSIGN_OR_RETURN(auto numbers, domain::ExpirePermits(ctx, today, actor));
        json::array out;
        for (auto& n : numbers) out.push_back(json::value(n));
        return json::value(json::object{{"expired", std::move(out)}});
      },
      [](const json::value& v) { return Response::Json(200, v); });
}

}  // namespace

void RegisterPermitRoutes(App& app) {
  Router& r = app.router();
  r.Add({.method = "GET",
         .pattern = "/api/v1/permit-types",
         .roles = RoleSet::Staff(),
         .summary = "Every version of the permit types, newest effective date first",
         .tag = "permits",
         .response_schema = Obj({{"items", ArrayOf(CatalogSchema(true))}}),
         .handler = ListCatalogs});
  r.Add({.method = "GET",
         .pattern = "/api/v1/permit-types/current",
         .roles = {Role::kAdmin, Role::kSupervisor, Role::kClerk, Role::kPermitTech, Role::kInspector,
                   Role::kAuditor, Role::kPublic},
         .summary = "The permit types in effect today (or on ?date=YYYY-MM-DD)",
         .tag = "permits",
         .response_schema = CatalogSchema(true),
         .query_params = {{"date", "the day, YYYY-MM-DD (default: today)"}},
         .handler = CurrentCatalog});
  r.Add({.method = "GET",
         .pattern = "/api/v1/permit-types/current/fees",
         .roles = kPermitReaders,
         .summary = "What a permit would cost if applied for today: the fee lines for a ?permit_type of "
                    "?valuation_cents and ?square_feet",
         .tag = "permits",
         .response_schema = Obj({{"permit_type", Type("string")},
                                 {"contractor_trade", Type("string")},
                                 {"fees", ArrayOf(FeeLineSchema())},
                                 {"fees_total_cents", Type("integer")}}),
         .query_params = {{"permit_type", "the permit type's code"},
                          {"valuation_cents", "the work's valuation in cents (default 0)"},
                          {"square_feet", "the area of the work (default 0)"}},
         .handler = QuoteFees});
  r.Add({.method = "POST",
         .pattern = "/api/v1/permit-types",
         .roles = {Role::kAdmin},
         .summary = "Add a version of the permit types (fees, inspections, contractors); it applies from its "
                    "effective_from date",
         .tag = "permits",
         .request_schema = CatalogSchema(false),
         .response_schema = CatalogSchema(true),
         .success_status = 201,
         .handler = AddCatalog});
  r.Add({.method = "POST",
         .pattern = "/api/v1/contractors",
         .roles = kPermitDesk,
         .summary = "Register a business party as a licensed contractor",
         .tag = "permits",
         .request_schema = ContractorSchema(true, true),
         .response_schema = ContractorSchema(false, false),
         .success_status = 201,
         .handler = CreateContractor});
  r.Add({.method = "GET",
         .pattern = "/api/v1/contractors",
         .roles = RoleSet::Staff(),
         .summary = "Registered contractors in name order (of one ?trade)",
         .tag = "permits",
         .response_schema = Obj({{"items", ArrayOf(ContractorSchema(false, false))}}),
         .query_params = {{"trade", "only contractors of this trade"}},
         .handler = ListContractors});
  r.Add({.method = "GET",
         .pattern = "/api/v1/contractors/{id}",
         .roles = RoleSet::Staff(),
         .summary = "One contractor by its party id",
         .tag = "permits",
         .response_schema = ContractorSchema(false, false),
         .handler = GetContractor});
  r.Add({.method = "PATCH",
         .pattern = "/api/v1/contractors/{id}",
         .roles = kPermitDesk,
         .summary = "Change a contractor's license or insurance (only the fields given)",
         .tag = "permits",
         .request_schema = ContractorSchema(true, false),
         .response_schema = ContractorSchema(false, false),
         .handler = UpdateContractor});
  r.Add({.method = "POST",
         .pattern = "/api/v1/permits",
         .roles = kApplicants,
         .summary =
             "Apply for a permit; its fees are assessed from the permit types in effect today. A public "
             "user names their own party as the applicant or the contractor (403 \"not-your-party\")",
         .tag = "permits",
         .request_schema = ApplicationSchema(),
         .response_schema = PermitSchema(),
         .success_status = 201,
         .handler = Apply});
  r.Add({.method = "GET",
         .pattern = "/api/v1/permits",
         .roles = kPermitReaders,
         .summary =
             "Permits, the latest applied for first (of one ?status, of one applicant or contractor "
             "?party_id, matching ?q), a page at a time (?cursor); a public user sees those of their own "
             "party",
         .tag = "permits",
         .response_schema = Obj({{"items", ArrayOf(PermitSchema())}, {"next_cursor", Type("string")}}),
         .query_params = {{"status", "only permits in this status"},
                          {"party_id", "only permits of this applicant or contractor"},
                          {"q",
                           "only permits with this text (any case) in their number, site address, "
                           "description, parcel or type name"},
                          {"cursor", "next_cursor from the previous page"},
                          {"limit", "at most this many per page, 1 to 500 (default 50)"}},
         .handler = ListPermits});
  r.Add({.method = "GET",
         .pattern = "/api/v1/permits/{number}",
         .roles = kPermitReaders,
         .summary = "One permit with its fees, payments and inspection sequence (a public user: only their "
                    "party's; others are 404)",
         .tag = "permits",
         .response_schema = PermitSchema(),
         .handler = GetPermit});
  r.Add({.method = "POST",
         .pattern = "/api/v1/permits/{number}/payments",
         .roles = kPermitDesk,
         .summary = "Take the payment of a permit's fees at the clerk's open drawer, on one receipt",
         .tag = "permits",
         .request_schema = Obj({{"drawer_id", Type("string")},
                                {"payer_party_id", Type("string")},
                                {"tenders", ArrayOf(Type("object"))}},
                               {"drawer_id", "tenders"}, true),
         .response_schema = Obj({{"receipt", ReceiptSchema()}, {"permit", PermitSchema()}}),
         .success_status = 201,
         .handler = Pay});
  r.Add({.method = "POST",
         .pattern = "/api/v1/permits/{number}/online-payments",
         .roles = {Role::kAdmin, Role::kSupervisor, Role::kClerk, Role::kPermitTech, Role::kPublic},
         .summary =
             "Pay the fees due on a permit by card through the city's payment gateway (its applicant or "
             "contractor online, or staff taking it by phone); amount_cents must be the amount due. Needs an "
             "Idempotency-Key: a retry with the same key never charges twice. 402 when the card is declined; "
             "503 with Retry-After when the processor did not answer (send the same request again)",
         .tag = "permits",
         .request_schema =
             Obj({{"amount_cents", Type("integer")}, {"card_number", Str(19)}, {"expiry", Str(5)}},
                 {"amount_cents", "card_number", "expiry"}, true),
         .response_schema = Obj({{"payment", Type("object")}, {"permit", PermitSchema()}}),
         .success_status = 201,
         .handler = PayOnline});
  r.Add({.method = "POST",
         .pattern = "/api/v1/permits/{number}/issue",
         .roles = kIssuers,
         .summary = "Issue a paid permit",
         .tag = "permits",
         .response_schema = PermitSchema(),
         .handler = Issue});
  r.Add({.method = "POST",
         .pattern = "/api/v1/permits/{number}/hold",
         .roles = kIssuers,
         .summary = "Place a hold on a permit (stops issue and expiry), with the reason",
         .tag = "permits",
         .request_schema = ReasonSchema(),
         .response_schema = PermitSchema(),
         .handler = Hold});
  r.Add({.method = "POST",
         .pattern = "/api/v1/permits/{number}/release",
         .roles = kIssuers,
         .summary = "Release a permit's hold, with the reason",
         .tag = "permits",
         .request_schema = ReasonSchema(),
         .response_schema = PermitSchema(),
         .handler = Release});
  r.Add({.method = "POST",
         .pattern = "/api/v1/permits/{number}/cancel",
         .roles = kIssuers,
         .summary = "Cancel a permit before its final, with the reason",
         .tag = "permits",
         .request_schema = ReasonSchema(),
         .response_schema = PermitSchema(),
         .handler = Cancel});
  r.Add({.method = "POST",
         .pattern = "/api/v1/permits/{number}/void",
         .roles = kSupervisors,
         .summary = "Void a permit (a supervisor), with the reason",
         .tag = "permits",
         .request_schema = ReasonSchema(),
         .response_schema = PermitSchema(),
         .handler = Void});
  r.Add({.method = "POST",
         .pattern = "/api/v1/permits/expire",
         .roles = kSupervisors,
         .summary = "Expire every issued permit with no passed inspection within its expiry days",
         .tag = "permits",
         .response_schema = Obj({{"expired", ArrayOf(Type("string"))}}),
         .handler = Expire});
  r.Add({.method = "GET",
         .pattern = "/api/v1/public/permits/{number}",
         .anyone = true,
         .summary = "Anyone: a permit's status, type, address, dates and inspections (public fields only)",
         .tag = "permits",
         .response_schema = PublicPermitSchema(),
         .handler = PublicPermit});
}

}  // namespace holdfast::http
