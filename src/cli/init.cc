// holdfast init: found a city on its first node.
#include <fmt/format.h>

#include <optional>

#include "auth/password.h"
#include "auth/users.h"
#include "base/timezone.h"
#include "cli/verbs.h"
#include "domain/city.h"
#include "domain/registry.h"
#include "journal/event.h"
#include "vault/object.h"

namespace holdfast::cli {

int ReportError(const Error& e) {
  fmt::print(stderr, "holdfast: error: {}\n", e.detail);
  return kExitUsage;
}

Result<InitResult> InitNode(const std::string& dir, const std::string& city, const std::string& node_id,
                            const std::string& admin_username, const std::string& time_zone) {
  if (!journal::IsValidNodeId(node_id)) {
    return Invalid(
        fmt::format("{:?} is not a node id: use 1 to 64 lower-case letters, digits and '-'", node_id));
  }
  if (city.empty() || city.size() > 100 || city.find('\n') != std::string::npos) {
    return Invalid("the city name must be 1 to 100 characters on one line");
  }
  HF_RETURN_IF_ERROR(auth::CheckUsername(admin_username));
  std::optional<TimeZone> zone;
  if (!time_zone.empty()) {
    HF_ASSIGN_OR_RETURN(zone, TimeZone::Resolve(time_zone, "--time-zone"));
  }
  const store::Registry& registry = domain::NodeRegistry();
  KeyPair city_key = GenerateSigningKey();
  KeyPair node_key = GenerateSigningKey();
  HF_RETURN_IF_ERROR(store::Node::Create(dir, city, node_id, registry, node_key));
  store::DataPaths paths(dir);
  HF_RETURN_IF_ERROR(
      WriteFileAtomic(paths.city_pub(), store::EncodePublicKey(store::kCityPubLabel, city_key.public_key)));
  HF_RETURN_IF_ERROR(WriteFileAtomic(
      paths.city_key(), store::EncodeSecretKey(store::kCityKeyLabel, city_key.secret_key), 0600));
  HF_RETURN_IF_ERROR(vault::CreateKeyFile(paths.vault_key()));
  InitResult result{admin_username, auth::GeneratePassword()};
  HF_ASSIGN_OR_RETURN(std::string hash, auth::HashPassword(result.admin_password));
  HF_ASSIGN_OR_RETURN(auto node, store::Node::Open(dir, registry));
  auto founded = node->writer().Execute([&](store::CommandContext& ctx) -> Result<json::value> {
    HF_RETURN_IF_ERROR(domain::FoundCity(ctx, city, city_key, node_key.public_key));
    if (zone) HF_RETURN_IF_ERROR(domain::SetCityTimeZone(ctx, *zone, time_zone, "system").status());
    auth::NewUser admin{admin_username, "Administrator", auth::RoleSet{auth::Role::kAdmin}, hash, true, ""};
    HF_RETURN_IF_ERROR(auth::CreateUser(ctx, admin, "system").status());
    return json::value(nullptr);
  });
  HF_RETURN_IF_ERROR(founded.status());
  return result;
}

void AddInitVerb(CLI::App& app, Run* run) {
  struct Args {
    std::string data, city, node = "central", admin = "admin", time_zone;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("init",
                                     "Found a city on its first node: the city key, the node key and a "
                                     "first administrator with a one-time password");
  cmd->add_option("--data", args->data, "Data directory to create")->required();
  cmd->add_option("--city", args->city, "The city's name, e.g. \"Springfield\"")->required();
  cmd->add_option("--node", args->node, "This node's id: lower-case letters, digits and '-'")
      ->capture_default_str();
  cmd->add_option("--admin", args->admin, "Username of the first administrator")->capture_default_str();
  cmd->add_option("--time-zone", args->time_zone,
                  "The city's time zone, which every local date of its records is taken in: a tz database "
                  "name (America/Chicago) or a POSIX rule (CST6CDT,M3.2.0,M11.1.0). Without it, UTC until an "
                  "administrator sets it (PUT /api/v1/city/time-zone)");
  cmd->callback([args, run] {
    *run = [args] {
      auto r = InitNode(args->data, args->city, args->node, args->admin, args->time_zone);
      if (!r.ok()) return ReportError(r.error());
      store::DataPaths paths(args->data);
      fmt::print("Created node {} of {} in {}.\n\n", args->node, args->city, args->data);
      fmt::print(
          "The city key is in {}.\n"
          "  Copy it to offline storage (for example a USB stick kept in a safe), then delete it here.\n"
          "  It is needed only to enroll new office nodes; anyone holding it can enroll a node.\n\n",
          paths.city_key());
      fmt::print(
          "The backup key is in {}.\n"
          "  Restoring from a vault needs it. Print it with `holdfast vault recovery-sheet --data {}` and "
          "keep\n"
          "  the sheet offline (a safe, not this server): if this machine is lost, so is its copy of the "
          "key.\n\n",
          paths.vault_key(), args->data);
      if (args->time_zone.empty()) {
        fmt::print(
            "No time zone given: the city's dates (license terms, due dates, drawer days) are UTC's until "
            "an\n"
            "  administrator sets one (PUT /api/v1/city/time-zone {{\"time_zone\": "
            "\"America/Chicago\"}}).\n\n");
      }
      fmt::print("First administrator (the password works once: you choose a new one at first sign-in):\n");
      fmt::print("username: {}\npassword: {}\n", r->admin_username, r->admin_password);
      fmt::print("\nNext: holdfast serve --data {} --listen 127.0.0.1:8080\n", args->data);
      return kExitOk;
    };
  });
}

}  // namespace holdfast::cli
