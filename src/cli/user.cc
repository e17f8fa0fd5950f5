// holdfast user add|list|passwd|reset-totp: manage accounts on a stopped node (a running node: use the API).
#include <fmt/format.h>

#include "auth/password.h"
#include "auth/users.h"
#include "cli/verbs.h"
#include "domain/registry.h"

namespace holdfast::cli {

int WithNode(const std::string& dir,
             const std::function<Result<json::value>(store::CommandContext&)>& command,
             const std::function<void(const json::value&)>& print) {
  auto node = store::Node::Open(dir, domain::NodeRegistry());
  if (!node.ok()) return ReportError(node.error());
  auto r = (*node)->writer().Execute(command);
  if (!r.ok()) return ReportError(r.error());
  print(*r);
  return kExitOk;
}

namespace {

Result<auth::User> UserNamed(store::CommandContext& ctx, const std::string& username) {
  HF_ASSIGN_OR_RETURN(auto u, auth::FindUserByName(ctx.db(), username));
  if (!u) return NotFound(fmt::format("no user named {:?} (see `holdfast user list`)", username));
  return *u;
}

}  // namespace

void AddUserVerb(CLI::App& app, Run* run) {
  CLI::App* user = app.add_subcommand("user", "Manage user accounts on a stopped node");
  user->require_subcommand(1);
  struct Args {
    std::string data, username, roles, display_name;
  };
  auto args = std::make_shared<Args>();

  CLI::App* add = user->add_subcommand("add", "Create a user; prints a one-time password");
  add->add_option("--data", args->data, "The node's data directory")->required();
  add->add_option("--username", args->username, "Login name: lower-case letters, digits, '.', '_', '-'")
      ->required();
  add->add_option("--roles", args->roles,
                  "Comma-separated roles: admin, supervisor, clerk, permit_tech, inspector, auditor, public")
      ->required();
  add->add_option("--display-name", args->display_name, "Full name shown in the console");
  add->callback([args, run] {
    *run = [args] {
      auto roles = auth::ParseRoleList(args->roles);
      if (!roles.ok()) return ReportError(roles.error());
      std::string password = auth::GeneratePassword();
      auto hash = auth::HashPassword(password);
      if (!hash.ok()) return ReportError(hash.error());
      auth::NewUser nu{args->username, args->display_name, *roles, *hash, true, ""};
      return WithNode(
          args->data,
          [&](store::CommandContext& ctx) -> Result<json::value> {
            HF_ASSIGN_OR_RETURN(auth::User u, auth::CreateUser(ctx, nu, "system"));
            return json::value(u.ToJson());
          },
          [&](const json::value& u) {
            fmt::print("Created user {} ({}) with roles {}.\n", args->username, StringOr(u.as_object(), "id"),
                       roles->Joined());
            fmt::print("username: {}\npassword: {}\n(one-time: a new password is chosen at first sign-in)\n",
                       args->username, password);
          });
    };
  });

  CLI::App* list = user->add_subcommand("list", "List user accounts");
  list->add_option("--data", args->data, "The node's data directory")->required();
  list->callback([args, run] {
    *run = [args] {
      return WithNode(
          args->data,
          [](store::CommandContext& ctx) -> Result<json::value> {
            HF_ASSIGN_OR_RETURN(auto users, auth::ListUsers(ctx.db()));
            json::array a;
            for (const auto& u : users) a.push_back(u.ToJson());
            return json::value(std::move(a));
          },
          [](const json::value& users) {
            fmt::print("{:<20} {:<18} {:<30} {:<5} {}\n", "USERNAME", "ID", "ROLES", "TOTP", "STATE");
            for (const auto& v : users.as_array()) {
              const json::object& u = v.as_object();
              std::vector<std::string> roles;
              for (const auto& r : ArrayOr(u, "roles")) roles.emplace_back(r.as_string());
              std::string state = BoolOr(u, "disabled")               ? "disabled"
                                  : BoolOr(u, "must_change_password") ? "must change password"
                                                                      : "active";
              fmt::print("{:<20} {:<18} {:<30} {:<5} {}\n", StringOr(u, "username"), StringOr(u, "id"),
                         fmt::format("{}", fmt::join(roles, ",")), BoolOr(u, "totp_enrolled") ? "yes" : "no",
                         state);
            }
          });
    };
  });

  CLI::App* passwd =
      user->add_subcommand("passwd", "Give a user a new one-time password (ends their sessions)");
  passwd->add_option("--data", args->data, "The node's data directory")->required();
  passwd->add_option("--username", args->username, "Whose password")->required();
  passwd->callback([args, run] {
    *run = [args] {
      std::string password = auth::GeneratePassword();
      auto hash = auth::HashPassword(password);
      if (!hash.ok()) return ReportError(hash.error());
      return WithNode(
          args->data,
          [&](store::CommandContext& ctx) -> Result<json::value> {
            HF_ASSIGN_OR_RETURN(auth::User u, UserNamed(ctx, args->username));
            HF_RETURN_IF_ERROR(auth::SetPassword(ctx, u.id, *hash, true, "system"));
            return json::value(nullptr);
          },
          [&](const json::value&) {
            fmt::print("username: {}\npassword: {}\n(one-time: a new password is chosen at next sign-in)\n",
                       args->username, password);
          });
    };
  });

  CLI::App* reset =
      user->add_subcommand("reset-totp", "Remove a user's authenticator enrollment (lost phone)");
  reset->add_option("--data", args->data, "The node's data directory")->required();
  reset->add_option("--username", args->username, "Whose enrollment")->required();
  reset->callback([args, run] {
    *run = [args] {
      return WithNode(
          args->data,
          [&](store::CommandContext& ctx) -> Result<json::value> {
            HF_ASSIGN_OR_RETURN(auth::User u, UserNamed(ctx, args->username));
            HF_RETURN_IF_ERROR(auth::ResetTotp(ctx, u.id, "system"));
            return json::value(nullptr);
          },
          [&](const json::value&) {
            fmt::print(
                "Removed the authenticator of {}; they sign in with their password and enroll again.\n",
                args->username);
          });
    };
  });
}

}  // namespace holdfast::cli
