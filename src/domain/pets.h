// Pets: the animals licenses are for, each owned by a party, with their latest rabies vaccination.
//
// Events:
//   pet.registered  {id, owner_party_id, species, name, breed, sex, altered, birth_date, color, microchip,
//                    service_animal}
//   pet.updated     {id, changes}        changes: any of name, breed, sex, altered, birth_date, color,
//                                        microchip, service_animal, each to its new value
//   pet.vaccinated  {pet_id, certificate, veterinarian, given_on, expires_on}
//   species: "dog" | "cat" | "ferret"; sex: "male" | "female" | "unknown"; dates "YYYY-MM-DD" or "".
//
// Aggregate pet:<id>. Fold: the registered row, each update's fields applied in canonical order (the later
// edit of a field wins), the vaccination with the latest expiry kept. Ownership moves with license
// transfers (domain/licenses.h), which also belong to the pet's aggregate.
#ifndef HOLDFAST_DOMAIN_PETS_H_
#define HOLDFAST_DOMAIN_PETS_H_

#include <optional>
#include <string>

#include "base/date.h"
#include "base/json.h"
#include "store/registry.h"
#include "store/writer.h"

namespace holdfast::domain {

void RegisterPets(store::Registry& registry);

struct Vaccination {
  std::string certificate;
  std::string veterinarian;
  Date given_on;
  Date expires_on;
};
Result<Vaccination> ParseVaccination(const json::value& body);

struct PetInput {
  std::optional<std::string> owner_party_id;
  std::optional<std::string> species;
  std::optional<std::string> name;
  std::optional<std::string> breed;
  std::optional<std::string> sex;
  std::optional<bool> altered;
  std::optional<std::string> birth_date;
  std::optional<std::string> color;
  std::optional<std::string> microchip;
  std::optional<bool> service_animal;
  std::optional<Vaccination> rabies;  // create only: the certificate shown at registration
};
// Validates a request body. `create` requires owner_party_id, species, name and altered, and may carry the
// rabies certificate ("rabies": {certificate, veterinarian, given_on, expires_on}); an update may not change
// the owner (a license transfer does) or the species.
Result<PetInput> ParsePetInput(const json::value& body, bool create);

Result<json::object> RegisterPet(store::CommandContext& ctx, const PetInput& input, const std::string& actor);
Result<json::object> UpdatePet(store::CommandContext& ctx, const std::string& id, const PetInput& input,
                               const std::string& actor);
Result<json::object> RecordVaccination(store::CommandContext& ctx, const std::string& pet_id,
                                       const Vaccination& v, const std::string& actor);

// The pet as stored: its fields, owner, and "rabies": {certificate, veterinarian, given_on, expires_on} or
// null.
Result<std::optional<json::object>> GetPet(store::Db& db, std::string_view id);
// The pets a party owns, by name.
Result<json::array> PetsOfOwner(store::Db& db, std::string_view party_id);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_PETS_H_
