// Routes: animal licensing — the fee schedule and pets. Staff register pets and record vaccinations; admins
// add fee schedule versions; a public user sees only their own pets.
#include <fmt/format.h>

#include <charconv>

#include "domain/city_date.h"
#include "domain/counter.h"
#include "domain/fees.h"
#include "domain/licenses.h"
#include "domain/pets.h"
#include "domain/tags.h"
#include "http/app.h"
#include "http/approval.h"
#include "http/online_payment_route.h"
#include "http/routes_cashier.h"
#include "http/schema.h"

namespace holdfast::http {
namespace {

using namespace schema;  // NOLINT: the schema building blocks read as a language

using auth::Role;
using auth::RoleSet;

const RoleSet kCounter = {Role::kAdmin, Role::kSupervisor, Role::kClerk};
const RoleSet kPetReaders = {Role::kAdmin, Role::kSupervisor, Role::kClerk, Role::kAuditor, Role::kPublic};
json::value FeeItemSchema() {
  return Obj({{"code", Type("string")}, {"description", Type("string")}, {"amount_cents", Type("integer")}},
             {"code", "description", "amount_cents"});
}

json::value FeeScheduleSchema(bool with_id) {
  json::object license = Obj({{"species", json::object{{"enum", json::array{"dog", "cat", "ferret"}}}},
                              {"altered", Type("boolean")},
                              {"term_years", json::object{{"enum", json::array{1, 3}}}},
                              {"code", Type("string")},
                              {"description", Type("string")},
                              {"amount_cents", Type("integer")}},
                             {"species", "altered", "term_years", "code", "description", "amount_cents"})
                             .as_object();
  json::object s =
      Obj({{"effective_from", json::object{{"type", "string"}, {"format", "date"}}},
           {"licenses", json::object{{"type", "array"}, {"items", std::move(license)}}},
           {"senior_discount_percent", json::object{{"type", "integer"}, {"minimum", 0}, {"maximum", 100}}},
           {"service_animals_exempt", Type("boolean")},
           {"late_fee", FeeItemSchema()},
           {"replacement_tag", FeeItemSchema()},
           {"transfer", FeeItemSchema()},
           {"renewal_window_days", json::object{{"type", "integer"}, {"minimum", 0}, {"maximum", 365}}}},
          {"effective_from", "licenses", "late_fee", "replacement_tag", "transfer"})
          .as_object();
  if (with_id) {
    s["properties"].as_object()["id"] = Type("string");
  } else {
    s["additionalProperties"] = false;
  }
  return s;
}

json::object ScheduleJson(const domain::FeeSchedule& s) {
  json::object o = s.ToJson();
  o["id"] = s.id;
  return o;
}

json::value VaccinationSchema() {
  json::object s = Obj({{"certificate", json::object{{"type", "string"}, {"maxLength", 60}}},
                        {"veterinarian", json::object{{"type", "string"}, {"maxLength", 200}}},
                        {"given_on", json::object{{"type", "string"}, {"format", "date"}}},
                        {"expires_on", json::object{{"type", "string"}, {"format", "date"}}}},
                       {"certificate", "veterinarian", "given_on", "expires_on"})
                       .as_object();
  s["additionalProperties"] = false;
  return s;
}

json::value PetSchema(bool input, bool create) {
  json::object p{{"name", json::object{{"type", "string"}, {"maxLength", 100}}},
                 {"breed", json::object{{"type", "string"}, {"maxLength", 100}}},
                 {"sex", json::object{{"enum", json::array{"male", "female", "unknown"}}}},
                 {"altered", Type("boolean")},
                 {"birth_date", json::object{{"type", "string"}, {"format", "date"}}},
                 {"color", json::object{{"type", "string"}, {"maxLength", 100}}},
                 {"microchip", json::object{{"type", "string"}, {"maxLength", 40}}},
                 {"service_animal", Type("boolean")}};
  if (input && create) p["rabies"] = VaccinationSchema();
  if (!input || create) {
    p["owner_party_id"] = Type("string");
    p["species"] = json::object{{"enum", json::array{"dog", "cat", "ferret"}}};
  }
  if (!input) {
    p["id"] = Type("string");
    p["rabies"] = json::object{
        {"type", json::array{"object", "null"}},
        {"properties", json::object{{"certificate", Type("string")},
                                    {"veterinarian", Type("string")},
                                    {"given_on", json::object{{"type", "string"}, {"format", "date"}}},
                                    {"expires_on", json::object{{"type", "string"}, {"format", "date"}}}}}};
    p["created_at"] = Type("integer");
    p["updated_at"] = Type("integer");
    return Obj(std::move(p));
  }
  json::object s =
      Obj(std::move(p), create ? json::array{"owner_party_id", "species", "name", "altered"} : json::array{})
          .as_object();
  s["additionalProperties"] = false;
  return s;
}

// --- fee schedules
// -------------------------------------------------------------------------------------------

void ListSchedules(Call& call) {
  call.app->Read(call, [&](store::Db& db) {
    auto list = domain::ListFeeSchedules(db);
    if (!list.ok()) return call.Fail(list.error());
    json::array items;
    for (const auto& s : *list) items.push_back(ScheduleJson(s));
    call.ReplyJson(200, json::object{{"items", std::move(items)}});
  });
}

void CurrentSchedule(Call& call) {
  Date day = CityToday(call);
  if (std::string_view d = call.req.Query("date"); !d.empty()) {
    auto parsed = Date::Parse(d, "date");
    if (!parsed.ok()) return call.Fail(parsed.error());
    day = *parsed;
  }
  call.app->Read(call, [&](store::Db& db) {
    auto s = domain::ScheduleInEffect(db, day);
    if (!s.ok()) return call.Fail(s.error());
    call.ReplyJson(200, ScheduleJson(**s));
  });
}

void AddSchedule(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  auto schedule = domain::ParseFeeSchedule(*body);
  if (!schedule.ok()) return call.Fail(schedule.error());
  std::string actor = call.who.id();
  call.app->Write(
      call,
      [schedule = std::move(*schedule), actor](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(domain::FeeSchedule s, domain::SetFeeSchedule(ctx, schedule, actor));
        return json::value(ScheduleJson(s));
      },
      [](const json::value& s) { return Response::Created(s, "/api/v1/fee-schedules/current"); });
}

// --- pets
// ----------------------------------------------------------------------------------------------------

// A public user may see only pets their own party owns; others are told the pet does not exist.
bool MaySee(const Call& call, const json::object& pet) {
  return !call.who.IsPublicOnly() || StringOr(pet, "owner_party_id") == call.who.user->party_id;
}

void CreatePet(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  auto input = domain::ParsePetInput(*body, true);
  if (!input.ok()) return call.Fail(input.error());
  std::string actor = call.who.id();
  call.app->Write(
      call,
      [input = std::move(*input), actor](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(json::object p, domain::RegisterPet(ctx, input, actor));
        return json::value(std::move(p));
      },
      [](const json::value& pet) {
        return Response::Created(pet, fmt::format("/api/v1/pets/{}", StringOr(pet.as_object(), "id")));
      });
}

void UpdatePet(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  auto input = domain::ParsePetInput(*body, false);
  if (!input.ok()) return call.Fail(input.error());
  std::string actor = call.who.id(), id = call.params["id"];
  call.app->Write(
      call,
      [input = std::move(*input), actor, id](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(json::object p, domain::UpdatePet(ctx, id, input, actor));
        return json::value(std::move(p));
      },
      [](const json::value& pet) { return Response::Json(200, pet); });
}

void Vaccinate(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  auto v = domain::ParseVaccination(*body);
  if (!v.ok()) return call.Fail(v.error());
  std::string actor = call.who.id(), id = call.params["id"];
  call.app->Write(
      call,
      [v = *v, actor, id](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(json::object p, domain::RecordVaccination(ctx, id, v, actor));
        return json::value(std::move(p));
      },
      [](const json::value& pet) {
        return Response::Created(pet, fmt::format("/api/v1/pets/{}", StringOr(pet.as_object(), "id")));
      });
}

void GetPet(Call& call) {
  const std::string& id = call.params["id"];
  call.app->Read(call, [&](store::Db& db) {
    auto p = domain::GetPet(db, id);
    if (!p.ok()) return call.Fail(p.error());
    if (!*p || !MaySee(call, **p)) return call.Fail(NotFound(fmt::format("no pet {}", id)));
    call.ReplyJson(200, **p);
  });
}

void PetsOfParty(Call& call) {
  const std::string& id = call.params["id"];
  if (call.who.IsPublicOnly() && call.who.user->party_id != id) {
    return call.Fail(NotFound(fmt::format("no party {}", id)));
  }
  call.app->Read(call, [&](store::Db& db) {
    auto pets = domain::PetsOfOwner(db, id);
    if (!pets.ok()) return call.Fail(pets.error());
    call.ReplyJson(200, json::object{{"items", std::move(*pets)}});
  });
}

// --- tags
// ----------------------------------------------------------------------------------------------------

Result<int64_t> TagNumber(const Call& call) {
  const std::string& text = call.params.at("number");
  int64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n < 1 || n > domain::kMaxTagNumber) {
    return NotFound(fmt::format("no tag {}", text));
  }
  return n;
}

void ReceiveTags(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  int64_t first = r.RequiredInt("first"), last = r.RequiredInt("last");
  if (Status s = r.Finish(); !s.ok()) return call.Fail(s.error());
  std::string actor = call.who.id();
  call.app->Write(
      call,
      [first, last, actor](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(json::object range, domain::ReceiveTags(ctx, first, last, actor));
        return json::value(std::move(range));
      },
      [](const json::value& range) { return Response::Created(range, "/api/v1/tag-ranges"); });
}

void ListTagRanges(Call& call) {
  call.app->Read(call, [&](store::Db& db) {
    auto ranges = domain::ListTagRanges(db);
    if (!ranges.ok()) return call.Fail(ranges.error());
    call.ReplyJson(200, json::object{{"items", std::move(*ranges)}});
  });
}

void GetTag(Call& call) {
  auto n = TagNumber(call);
  if (!n.ok()) return call.Fail(n.error());
  call.app->Read(call, [&](store::Db& db) {
    auto tag = domain::GetTag(db, *n);
    if (!tag.ok()) return call.Fail(tag.error());
    if (*tag) return call.ReplyJson(200, **tag);
    // Not used yet: say whether this office may issue it.
    Status available = domain::CheckTagAvailable(db, call.app->node().id(), *n);
    call.ReplyJson(200, json::object{{"number", *n},
                                     {"status", available.ok() ? "available" : "not-ours"},
                                     {"license", ""},
                                     {"reason", available.ok() ? "" : available.error().detail}});
  });
}

void SpoilTag(Call& call) {
  auto n = TagNumber(call);
  if (!n.ok()) return call.Fail(n.error());
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  std::string reason = r.RequiredString("reason", 200);
  if (Status s = r.Finish(); !s.ok()) return call.Fail(s.error());
  std::string actor = call.who.id();
  call.app->Write(
      call,
      [tag = *n, reason, actor](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(json::object t, domain::SpoilTag(ctx, tag, reason, actor));
        return json::value(std::move(t));
      },
      [](const json::value& t) { return Response::Json(200, t); });
}

// --- licenses
// ------------------------------------------------------------------------------------------------

void GetLicense(Call& call) {
  const std::string& number = call.params["number"];
  call.app->Read(call, [&](store::Db& db) {
    auto today = domain::CityToday(db, call.app->node().clock().NowMs());
    if (!today.ok()) return call.Fail(today.error());
    auto lic = domain::GetLicense(db, number, *today);
    if (!lic.ok()) return call.Fail(lic.error());
    if (!*lic || !MaySee(call, **lic)) return call.Fail(NotFound(fmt::format("no license {}", number)));
    call.ReplyJson(200, **lic);
  });
}

// What renewing the license today would cost and decide (?term_years=1|3, &senior_owner=true), changing
// nothing; the refusals RenewLicense would give (too early, rabies lapsed …) are answered as they are.
void RenewalQuote(Call& call) {
  const std::string& number = call.params["number"];
  auto term = call.QueryInt("term_years", 1, 1, 3);
  if (!term.ok()) return call.Fail(term.error());
  std::string_view senior = call.req.Query("senior_owner");
  if (!senior.empty() && senior != "true" && senior != "false") {
    return call.Fail(Invalid("senior_owner must be true or false", "senior_owner"));
  }
  Date today = CityToday(call);
  call.app->Read(call, [&](store::Db& db) {
    auto lic = domain::GetLicense(db, number, today);
    if (!lic.ok()) return call.Fail(lic.error());
    if (!*lic || !MaySee(call, **lic)) return call.Fail(NotFound(fmt::format("no license {}", number)));
    auto quote = domain::QuoteRenewal(
        db, {.number = number, .term_years = *term, .senior_owner = senior == "true"}, today);
    if (!quote.ok()) return call.Fail(quote.error());
    call.ReplyJson(200, quote->ToJson());
  });
}

void RenewOnline(Call& call) { PayOnlineRoute(call, domain::PaymentTarget::kLicenseRenewal); }

void LicensesOfPet(Call& call) {
  const std::string& id = call.params["id"];
  call.app->Read(call, [&](store::Db& db) {
    auto pet = domain::GetPet(db, id);
    if (!pet.ok()) return call.Fail(pet.error());
    if (!*pet || !MaySee(call, **pet)) return call.Fail(NotFound(fmt::format("no pet {}", id)));
    auto today = domain::CityToday(db, call.app->node().clock().NowMs());
    if (!today.ok()) return call.Fail(today.error());
    auto list = domain::LicensesOf(db, "pet_id", id, *today);
    if (!list.ok()) return call.Fail(list.error());
    call.ReplyJson(200, json::object{{"items", std::move(*list)}});
  });
}

void LicensesOfParty(Call& call) {
  const std::string& id = call.params["id"];
  if (call.who.IsPublicOnly() && call.who.user->party_id != id) {
    return call.Fail(NotFound(fmt::format("no party {}", id)));
  }
  call.app->Read(call, [&](store::Db& db) {
    auto today = domain::CityToday(db, call.app->node().clock().NowMs());
    if (!today.ok()) return call.Fail(today.error());
    auto list = domain::LicensesOf(db, "owner_party_id", id, *today);
    if (!list.ok()) return call.Fail(list.error());
    call.ReplyJson(200, json::object{{"items", std::move(*list)}});
  });
}

// --- the counter
// ----------------------------------------------------------------------------------------------

void Sale(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  auto sale = domain::ParseSale(*body);
  if (!sale.ok()) return call.Fail(sale.error());
  std::string clerk = call.who.id();
  call.app->Write(
      call,
      [sale = std::move(*sale), clerk](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(Date today, domain::CityToday(ctx));
        HF_ASSIGN_OR_RETURN(json::object done, domain::CounterSale(ctx, sale, today, clerk));
        return json::value(std::move(done));
      },
      [](const json::value& done) {
        const json::object& receipt = done.at("receipt").as_object();
        return Response::Created(done, fmt::format("/api/v1/receipts/{}", StringOr(receipt, "receipt")));
      });
}

void VoidLicense(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  std::string reason = r.RequiredString("reason", 500);
  const json::object* approval_member = r.Object("approval");
  if (Status s = r.Finish(); !s.ok()) return call.Fail(s.error());
  if (reason.empty()) return call.Fail(Invalid("say why the license is voided", "reason"));
  auto approval = ParseApproval(approval_member, "voiding a license");
  if (!approval.ok()) return call.Fail(approval.error());
  std::string number = call.params["number"], actor = call.who.id();
  WriteWithApproval(
      call, std::move(*approval), "void license " + number,
      [number, reason, actor](store::CommandContext& ctx,
                              const std::string& approver) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(json::object lic, domain::VoidLicense(ctx, number, reason, approver, actor));
        return json::value(std::move(lic));
      },
      [](const json::value& lic) { return Response::Json(200, lic); });
}

json::value SaleSchema() {
  json::object item =
      Obj({{"action", json::object{{"enum", json::array{"issue", "renew", "replace_tag", "transfer"}}}},
           {"pet_id", Type("string")},
           {"license", Type("string")},
           {"term_years", json::object{{"enum", json::array{1, 3}}}},
           {"tag", Type("integer")},
           {"reason", json::object{{"enum", json::array{"lost", "damaged"}}}},
           {"to_party_id", Type("string")}},
          {"action"})
          .as_object();
  json::object tender =
      Obj({{"kind", json::object{{"enum", json::array{"cash", "check", "card", "money_order"}}}},
           {"amount_cents", Type("integer")},
           {"number", Type("string")},
           {"reference", Type("string")}},
          {"kind", "amount_cents"})
          .as_object();
  json::object s =
      Obj({{"drawer_id", Type("string")},
           {"payer_party_id", Type("string")},
           {"senior_owner", Type("boolean")},
           {"items", json::object{{"type", "array"}, {"minItems", 1}, {"maxItems", 20}, {"items", item}}},
           {"tenders", json::object{{"type", "array"}, {"items", tender}}}},
          {"drawer_id", "items", "tenders"})
          .as_object();
  s["additionalProperties"] = false;
  return s;
}

json::value LicenseSchema() {
  return Obj({{"number", Type("string")},
              {"pet_id", Type("string")},
              {"owner_party_id", Type("string")},
              {"species", Type("string")},
              {"tag", Type("integer")},
              {"term_years", Type("integer")},
              {"issued_on", json::object{{"type", "string"}, {"format", "date"}}},
              {"starts_on", json::object{{"type", "string"}, {"format", "date"}}},
              {"expires_on", json::object{{"type", "string"}, {"format", "date"}}},
              {"status", json::object{{"enum", json::array{"active", "voided"}}}},
              {"state", json::object{{"enum", json::array{"active", "expired", "voided"}}}},
              {"renewals", Type("integer")},
              {"void_reason", Type("string")},
              {"updated_at", Type("integer")},
              {"event_hash", json::object{{"type", "string"},
                                          {"pattern", "^[0-9a-f]{64}$"},
                                          {"description",
                                           "SHA-256 of the event that last changed the license: "
                                           "GET /api/v1/log/inclusion proves it is in the node log"}}}});
}

json::value TagSchema() {
  return Obj({{"number", Type("integer")},
              {"status", json::object{{"enum", json::array{"available", "not-ours", "issued", "lost",
                                                           "damaged", "spoiled"}}}},
              {"license", Type("string")},
              {"reason", Type("string")}});
}

}  // namespace

void RegisterLicensingRoutes(App& app) {
  Router& r = app.router();
  r.Add({.method = "GET",
         .pattern = "/api/v1/fee-schedules",
         .roles = RoleSet::Staff(),
         .summary = "Every licensing fee schedule version, newest effective date first",
         .tag = "licensing",
         .response_schema =
             Obj({{"items", json::object{{"type", "array"}, {"items", FeeScheduleSchema(true)}}}}),
         .handler = ListSchedules});
  r.Add({.method = "GET",
         .pattern = "/api/v1/fee-schedules/current",
         .roles = RoleSet::Staff(),
         .summary = "The licensing fee schedule in effect today (or on ?date=YYYY-MM-DD)",
         .tag = "licensing",
         .response_schema = FeeScheduleSchema(true),
         .query_params = {{"date", "the day, YYYY-MM-DD (default: today)"}},
         .handler = CurrentSchedule});
  r.Add({.method = "POST",
         .pattern = "/api/v1/fee-schedules",
         .roles = {Role::kAdmin},
         .summary = "Add a fee schedule version; it applies from its effective_from date",
         .tag = "licensing",
         .request_schema = FeeScheduleSchema(false),
         .response_schema = FeeScheduleSchema(true),
         .success_status = 201,
         .handler = AddSchedule});
  r.Add({.method = "POST",
         .pattern = "/api/v1/pets",
         .roles = kCounter,
         .summary = "Register a pet to its owner",
         .tag = "licensing",
         .request_schema = PetSchema(true, true),
         .response_schema = PetSchema(false, false),
         .success_status = 201,
         .handler = CreatePet});
  r.Add({.method = "GET",
         .pattern = "/api/v1/pets/{id}",
         .roles = kPetReaders,
         .summary = "One pet with its latest rabies vaccination (a public user: only their own)",
         .tag = "licensing",
         .response_schema = PetSchema(false, false),
         .handler = GetPet});
  r.Add({.method = "PATCH",
         .pattern = "/api/v1/pets/{id}",
         .roles = kCounter,
         .summary = "Change a pet's details (only the fields given; the owner changes by license transfer)",
         .tag = "licensing",
         .request_schema = PetSchema(true, false),
         .response_schema = PetSchema(false, false),
         .handler = UpdatePet});
  r.Add({.method = "POST",
         .pattern = "/api/v1/pets/{id}/vaccinations",
         .roles = kCounter,
         .summary = "Record a rabies vaccination from its certificate",
         .tag = "licensing",
         .request_schema = VaccinationSchema(),
         .response_schema = PetSchema(false, false),
         .success_status = 201,
         .handler = Vaccinate});
  r.Add({.method = "GET",
         .pattern = "/api/v1/parties/{id}/pets",
         .roles = kPetReaders,
         .summary = "The pets a party owns (a public user: only their own)",
         .tag = "licensing",
         .response_schema =
             Obj({{"items", json::object{{"type", "array"}, {"items", PetSchema(false, false)}}}}),
         .handler = PetsOfParty});
  r.Add({.method = "POST",
         .pattern = "/api/v1/tag-ranges",
         .roles = {Role::kAdmin, Role::kSupervisor},
         .summary = "Record a range of license tags this office received",
         .tag = "licensing",
         .request_schema = Obj({{"first", Type("integer")}, {"last", Type("integer")}}, {"first", "last"}),
         .response_schema = Obj({{"id", Type("string")},
                                 {"office", Type("string")},
                                 {"first", Type("integer")},
                                 {"last", Type("integer")}}),
         .success_status = 201,
         .handler = ReceiveTags});
  r.Add({.method = "GET",
         .pattern = "/api/v1/tag-ranges",
         .roles = RoleSet::Staff(),
         .summary = "Tag ranges of every office, with how many tags of each are used",
         .tag = "licensing",
         .response_schema = Obj({{"items", json::object{{"type", "array"}}}}),
         .handler = ListTagRanges});
  r.Add({.method = "GET",
         .pattern = "/api/v1/tags/{number}",
         .roles = RoleSet::Staff(),
         .summary = "One tag: issued (and to which license), lost, damaged, spoiled, or available here",
         .tag = "licensing",
         .response_schema = TagSchema(),
         .handler = GetTag});
  r.Add(
      {.method = "POST",
       .pattern = "/api/v1/tags/{number}/spoil",
       .roles = kCounter,
       .summary = "Record a tag from this office's stock as spoiled, so it is never issued",
       .tag = "licensing",
       .request_schema = Obj({{"reason", json::object{{"type", "string"}, {"maxLength", 200}}}}, {"reason"}),
       .response_schema = TagSchema(),
       .handler = SpoilTag});
  r.Add({.method = "GET",
         .pattern = "/api/v1/licenses/{number}",
         .roles = kPetReaders,
         .summary = "One license (a public user: only their own)",
         .tag = "licensing",
         .response_schema = LicenseSchema(),
         .handler = GetLicense});
  r.Add({.method = "GET",
         .pattern = "/api/v1/licenses/{number}/renewal",
         .roles = kPetReaders,
         .summary =
             "What renewing the license today would cost and its new dates, changing nothing (a public "
             "user: only their own)",
         .tag = "licensing",
         .response_schema = Obj({{"number", Type("string")},
                                 {"pet_id", Type("string")},
                                 {"previous_expires_on", Type("string")},
                                 {"starts_on", Type("string")},
                                 {"expires_on", Type("string")},
                                 {"late", Type("boolean")},
                                 {"fees", json::object{{"type", "array"}}},
                                 {"total_cents", Type("integer")}}),
         .query_params = {{"term_years", "1 (default) or 3"}, {"senior_owner", "true or false (default)"}},
         .handler = RenewalQuote});
  r.Add({.method = "POST",
         .pattern = "/api/v1/licenses/{number}/online-renewals",
         .roles = {Role::kAdmin, Role::kSupervisor, Role::kClerk, Role::kPublic},
         .summary =
             "Renew a license for a year, paid by card (its owner online, or staff by phone); needs an "
             "Idempotency-Key and charges at most once",
         .tag = "licensing",
         .request_schema = Obj(
             {{"amount_cents", Type("integer")}, {"card_number", Type("string")}, {"expiry", Type("string")}},
             {"amount_cents", "card_number", "expiry"}),
         .response_schema = Obj({{"payment", Type("object")}, {"license", LicenseSchema()}}),
         .success_status = 201,
         .handler = RenewOnline});
  r.Add({.method = "GET",
         .pattern = "/api/v1/pets/{id}/licenses",
         .roles = kPetReaders,
         .summary = "A pet's licenses, latest expiry first",
         .tag = "licensing",
         .response_schema = Obj({{"items", json::object{{"type", "array"}, {"items", LicenseSchema()}}}}),
         .handler = LicensesOfPet});
  r.Add({.method = "GET",
         .pattern = "/api/v1/parties/{id}/licenses",
         .roles = kPetReaders,
         .summary = "The licenses a party holds, latest expiry first",
         .tag = "licensing",
         .response_schema = Obj({{"items", json::object{{"type", "array"}, {"items", LicenseSchema()}}}}),
         .handler = LicensesOfParty});
  r.Add({.method = "POST",
         .pattern = "/api/v1/counter/sales",
         .roles = kCounter,
         .summary =
             "License pets (issue, renew, replace a tag, transfer) and take the payment for all of them on "
             "one receipt, in one step",
         .tag = "licensing",
         .request_schema = SaleSchema(),
         .response_schema = Obj({{"receipt", ReceiptSchema()},
                                 {"licenses", json::object{{"type", "array"}, {"items", LicenseSchema()}}}}),
         .success_status = 201,
         .handler = Sale});
  r.Add({.method = "POST",
         .pattern = "/api/v1/licenses/{number}/void",
         .roles = kCounter,
         .summary = "Void a license, with a supervisor's approval (their own credentials)",
         .tag = "licensing",
         .request_schema = Obj({{"reason", json::object{{"type", "string"}, {"maxLength", 500}}},
                                {"approval", ApprovalSchema()}},
                               {"reason", "approval"}),
         .response_schema = LicenseSchema(),
         .handler = VoidLicense});
}

}  // namespace holdfast::http
