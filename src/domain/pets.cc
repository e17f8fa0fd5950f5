#include "domain/pets.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/text.h"
#include "domain/parties.h"
#include "store/series.h"

namespace holdfast::domain {
namespace {

using store::Db;
using store::StmtRef;

constexpr const char* kSpecies[] = {"dog", "cat", "ferret"};
constexpr const char* kSexes[] = {"male", "female", "unknown"};
// The fields an update may change, in the order of the pets table after id, owner and species.
constexpr const char* kFields[] = {"name",       "breed", "sex",       "altered",
                                   "birth_date", "color", "microchip", "service_animal"};

bool OneOf(std::string_view v, const auto& list) {
  return std::find(std::begin(list), std::end(list), v) != std::end(list);
}

constexpr std::string_view kPetColumns =
    "id, owner_party_id, species, name, breed, sex, altered, birth_date, color, microchip, service_animal, "
    "rabies_certificate, rabies_veterinarian, rabies_given_on, rabies_expires_on, created_at, updated_at";

json::object ReadPet(store::Stmt& s) {
  json::object p{{"id", s.Text(0)},
                 {"owner_party_id", s.Text(1)},
                 {"species", s.Text(2)},
                 {"name", s.Text(3)},
                 {"breed", s.Text(4)},
                 {"sex", s.Text(5)},
                 {"altered", s.Int(6) != 0},
                 {"birth_date", s.Text(7)},
                 {"color", s.Text(8)},
                 {"microchip", s.Text(9)},
                 {"service_animal", s.Int(10) != 0}};
  if (s.Text(14).empty()) {
    p["rabies"] = nullptr;
  } else {
    p["rabies"] = json::object{{"certificate", s.Text(11)},
                               {"veterinarian", s.Text(12)},
                               {"given_on", s.Text(13)},
                               {"expires_on", s.Text(14)}};
  }
  p["created_at"] = s.Int(15);
  p["updated_at"] = s.Int(16);
  return p;
}

// Sets one pet field from an event value (strings and booleans as the event holds them).
Status SetField(Db& db, std::string_view id, std::string_view field, const json::value& v, int64_t time) {
  if (!OneOf(field, kFields)) return Status::Ok();  // a field this version does not know: ignored
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare(fmt::format("UPDATE pets SET {}=?, updated_at=? WHERE id=?", field)));
  if (v.is_bool()) {
    s->Bind(1, int64_t{v.get_bool() ? 1 : 0});
  } else {
    s->Bind(1, v.is_string() ? std::string_view(v.get_string()) : std::string_view());
  }
  return s->Bind(2, time).Bind(3, id).Run();
}

Status ApplyPet(Db& db, const journal::StoredEvent& se, std::string_view aggregate) {
  const journal::Event& e = se.event;
  const json::object& d = e.data;
  if (aggregate.starts_with("series:")) {
    return store::ApplySeriesNumber(db, aggregate, store::SeriesNumberOf(StringOr(d, "id")));
  }
  if (e.type == "pet.registered") {
    HF_ASSIGN_OR_RETURN(
        StmtRef s, db.Prepare("INSERT OR REPLACE INTO pets VALUES(?,?,?,?,?,?,?,?,?,?,?,'','','','',?,?)"));
    return s
        ->BindAll(StringOr(d, "id"), StringOr(d, "owner_party_id"), StringOr(d, "species"),
                  StringOr(d, "name"), StringOr(d, "breed"), StringOr(d, "sex"),
                  int64_t{BoolOr(d, "altered") ? 1 : 0}, StringOr(d, "birth_date"), StringOr(d, "color"),
                  StringOr(d, "microchip"), int64_t{BoolOr(d, "service_animal") ? 1 : 0}, e.stamp.time,
                  e.stamp.time)
        .Run();
  }
  if (e.type == "pet.updated") {
    std::string_view id = StringOr(d, "id");
    for (const auto& kv : ObjectOr(d, "changes")) {
      HF_RETURN_IF_ERROR(SetField(db, id, kv.key(), kv.value(), e.stamp.time));
    }
    return Status::Ok();
  }
  if (e.type == "pet.vaccinated") {
    // The vaccination that runs longest is the one that counts; a record of an older one changes nothing.
    HF_ASSIGN_OR_RETURN(StmtRef s,
                        db.Prepare("UPDATE pets SET rabies_certificate=?1, rabies_veterinarian=?2, "
                                   "rabies_given_on=?3, rabies_expires_on=?4, updated_at=?5 "
                                   "WHERE id=?6 AND rabies_expires_on <= ?4"));
    return s
        ->BindAll(StringOr(d, "certificate"), StringOr(d, "veterinarian"), StringOr(d, "given_on"),
                  StringOr(d, "expires_on"), e.stamp.time, StringOr(d, "pet_id"))
        .Run();
  }
  return Status::Ok();
}

std::string PetAggregate(std::string_view id) { return fmt::format("pet:{}", id); }

}  // namespace

void RegisterPets(store::Registry& registry) {
  registry.AddTable(
      {"pets",
       "CREATE TABLE IF NOT EXISTS pets(id TEXT PRIMARY KEY, owner_party_id TEXT NOT NULL, species TEXT NOT "
       "NULL, "
       "name TEXT NOT NULL, breed TEXT NOT NULL, sex TEXT NOT NULL, altered INTEGER NOT NULL, "
       "birth_date TEXT NOT NULL, color TEXT NOT NULL, microchip TEXT NOT NULL, service_animal INTEGER NOT "
       "NULL, "
       "rabies_certificate TEXT NOT NULL, rabies_veterinarian TEXT NOT NULL, rabies_given_on TEXT NOT NULL, "
       "rabies_expires_on TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) WITHOUT "
       "ROWID;"
       "CREATE INDEX IF NOT EXISTS pets_owner ON pets(owner_party_id, name);",
       {"id"}});
  registry.AddAggregate({"pet", [](Db& db, std::string_view id) -> Status {
                           HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("DELETE FROM pets WHERE id=?"));
                           return s->Bind(1, id).Run();
                         }});
  registry.AddRule({"pet.registered",
                    [](const journal::Event& e) -> std::vector<std::string> {
                      return {PetAggregate(StringOr(e.data, "id")), store::SeriesAggregate(e.feed, "pet")};
                    },
                    ApplyPet});
  registry.AddRule({"pet.updated",
                    [](const journal::Event& e) -> std::vector<std::string> {
                      return {PetAggregate(StringOr(e.data, "id"))};
                    },
                    ApplyPet});
  registry.AddRule({"pet.vaccinated",
                    [](const journal::Event& e) -> std::vector<std::string> {
                      return {PetAggregate(StringOr(e.data, "pet_id"))};
                    },
                    ApplyPet});
}

Result<PetInput> ParsePetInput(const json::value& body, bool create) {
  ObjectReader r(body);
  PetInput in;
  in.owner_party_id = r.String("owner_party_id", 100);
  if (create && !in.owner_party_id)
    r.Fail("owner_party_id", "owner_party_id is required: the owner's party id");
  if (!create && in.owner_party_id) {
    r.Fail("owner_party_id", "a pet changes owner by a license transfer, not by an edit");
  }
  in.species = r.String("species", 20);
  if (create && !in.species) r.Fail("species", "species is required: dog, cat or ferret");
  if (!create && in.species) r.Fail("species", "a pet's species cannot be changed");
  if (in.species && !OneOf(*in.species, kSpecies)) r.Fail("species", "species must be dog, cat or ferret");
  in.name = r.String("name", 100);
  if (create && !in.name) r.Fail("name", "name is required");
  if (in.name && (in.name->empty() || HasControl(*in.name))) {
    r.Fail("name", "name must not be blank or contain control characters");
  }
  in.breed = r.String("breed", 100);
  in.sex = r.String("sex", 10);
  if (in.sex && !OneOf(*in.sex, kSexes)) r.Fail("sex", "sex must be male, female or unknown");
  in.altered = r.Bool("altered");
  if (create && !in.altered) r.Fail("altered", "altered is required: true if spayed or neutered");
  in.birth_date = r.String("birth_date", 10);
  if (in.birth_date && !in.birth_date->empty()) {
    auto d = Date::Parse(*in.birth_date, "birth_date");
    if (!d.ok()) r.Fail("birth_date", d.error().detail);
  }
  in.color = r.String("color", 100);
  in.microchip = r.String("microchip", 40);
  if (in.microchip && !std::all_of(in.microchip->begin(), in.microchip->end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
      })) {
    r.Fail("microchip", "a microchip number has only letters and digits");
  }
  in.service_animal = r.Bool("service_animal");
  if (const json::object* rabies = r.Object("rabies")) {
    if (!create) {
      r.Fail("rabies", "record a vaccination with POST /api/v1/pets/{id}/vaccinations");
    } else {
      auto v = ParseVaccination(*rabies);
      if (v.ok()) {
        in.rabies = *v;
      } else {
        r.Fail("rabies", "rabies." + v.error().detail);
      }
    }
  }
  for (const auto& [field, value] : {std::pair{"breed", &in.breed}, std::pair{"color", &in.color}}) {
    if (*value && HasControl(**value))
      r.Fail(field, fmt::format("{} must not contain control characters", field));
  }
  HF_RETURN_IF_ERROR(r.Finish());
  if (!create && !in.name && !in.breed && !in.sex && !in.altered && !in.birth_date && !in.color &&
      !in.microchip && !in.service_animal) {
    return Invalid(
        "nothing to change: give at least one of name, breed, sex, altered, birth_date, color, "
        "microchip, service_animal");
  }
  return in;
}

Result<Vaccination> ParseVaccination(const json::value& body) {
  ObjectReader r(body);
  Vaccination v;
  v.certificate = r.RequiredString("certificate", 60);
  v.veterinarian = r.RequiredString("veterinarian", 200);
  std::string given = r.RequiredString("given_on", 10);
  std::string expires = r.RequiredString("expires_on", 10);
  HF_RETURN_IF_ERROR(r.Finish());
  if (v.certificate.empty()) return Invalid("certificate must not be blank", "certificate");
  HF_ASSIGN_OR_RETURN(v.given_on, Date::Parse(given, "given_on"));
  HF_ASSIGN_OR_RETURN(v.expires_on, Date::Parse(expires, "expires_on"));
  if (v.expires_on <= v.given_on) return Invalid("expires_on must be after given_on", "expires_on");
  if (v.expires_on > v.given_on.AddYears(4)) {
    return Invalid("a rabies vaccination lasts at most 3 years (4 with a grace year); check expires_on",
                   "expires_on");
  }
  return v;
}

Result<json::object> RegisterPet(store::CommandContext& ctx, const PetInput& in, const std::string& actor) {
  HF_ASSIGN_OR_RETURN(bool owner_exists, PartyExists(ctx.db(), *in.owner_party_id));
  if (!owner_exists) return NotFound(fmt::format("no party {} to own the pet", *in.owner_party_id));
  HF_ASSIGN_OR_RETURN(int64_t n, store::NextSeriesNumber(ctx.db(), ctx.node_id(), "pet"));
  std::string id = store::SeriesId("pet", ctx.node_id(), n);
  json::object d{{"id", id},
                 {"owner_party_id", *in.owner_party_id},
                 {"species", *in.species},
                 {"name", *in.name},
                 {"breed", in.breed.value_or("")},
                 {"sex", in.sex.value_or("unknown")},
                 {"altered", *in.altered},
                 {"birth_date", in.birth_date.value_or("")},
                 {"color", in.color.value_or("")},
                 {"microchip", in.microchip.value_or("")},
                 {"service_animal", in.service_animal.value_or(false)}};
  HF_RETURN_IF_ERROR(ctx.Emit("pet.registered", std::move(d), actor).status());
  if (in.rabies) return RecordVaccination(ctx, id, *in.rabies, actor);
  HF_ASSIGN_OR_RETURN(auto p, GetPet(ctx.db(), id));
  return *p;
}

Result<json::object> UpdatePet(store::CommandContext& ctx, const std::string& id, const PetInput& in,
                               const std::string& actor) {
  HF_ASSIGN_OR_RETURN(auto current, GetPet(ctx.db(), id));
  if (!current) return NotFound(fmt::format("no pet {}", id));
  json::object changes;
  auto set = [&](const char* field, const auto& value) {
    if (value && current->at(field) != json::value(*value)) changes[field] = *value;
  };
  set("name", in.name);
  set("breed", in.breed);
  set("sex", in.sex);
  set("altered", in.altered);
  set("birth_date", in.birth_date);
  set("color", in.color);
  set("microchip", in.microchip);
  set("service_animal", in.service_animal);
  if (changes.empty()) return *current;
  HF_RETURN_IF_ERROR(
      ctx.Emit("pet.updated", json::object{{"id", id}, {"changes", std::move(changes)}}, actor).status());
  HF_ASSIGN_OR_RETURN(auto p, GetPet(ctx.db(), id));
  return *p;
}

Result<json::object> RecordVaccination(store::CommandContext& ctx, const std::string& pet_id,
                                       const Vaccination& v, const std::string& actor) {
  HF_ASSIGN_OR_RETURN(auto current, GetPet(ctx.db(), pet_id));
  if (!current) return NotFound(fmt::format("no pet {}", pet_id));
  HF_RETURN_IF_ERROR(ctx.Emit("pet.vaccinated",
                              json::object{{"pet_id", pet_id},
                                           {"certificate", v.certificate},
                                           {"veterinarian", v.veterinarian},
                                           {"given_on", v.given_on.ToString()},
                                           {"expires_on", v.expires_on.ToString()}},
                              actor)
                         .status());
  HF_ASSIGN_OR_RETURN(auto p, GetPet(ctx.db(), pet_id));
  return *p;
}

Result<std::optional<json::object>> GetPet(Db& db, std::string_view id) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare(fmt::format("SELECT {} FROM pets WHERE id=?", kPetColumns)));
  s->Bind(1, id);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<json::object>();
  return std::optional<json::object>(ReadPet(*s));
}

Result<json::array> PetsOfOwner(Db& db, std::string_view party_id) {
  HF_ASSIGN_OR_RETURN(
      StmtRef s,
      db.Prepare(fmt::format("SELECT {} FROM pets WHERE owner_party_id=? ORDER BY name, id", kPetColumns)));
  s->Bind(1, party_id);
  json::array out;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(ReadPet(*s));
  }
  return out;
}

}  // namespace holdfast::domain
