#include "auth/roles.h"

#include <fmt/format.h>

namespace holdfast::auth {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kSupervisor:
      return "supervisor";
    case Role::kClerk:
      return "clerk";
    case Role::kPermitTech:
      return "permit_tech";
    case Role::kInspector:
      return "inspector";
    case Role::kAuditor:
      return "auditor";
    case Role::kPublic:
      return "public";
  }
  return "?";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r : kAllRoles) {
    if (RoleName(r) == name) return r;
  }
  return std::nullopt;
}

std::vector<std::string> RoleSet::Names() const {
  std::vector<std::string> out;
  for (Role r : kAllRoles) {
    if (Has(r)) out.emplace_back(RoleName(r));
  }
  return out;
}

std::string RoleSet::Joined() const { return fmt::format("{}", fmt::join(Names(), ",")); }

json::array RoleSet::ToJson() const {
  json::array a;
  for (const auto& n : Names()) a.emplace_back(n);
  return a;
}

Result<RoleSet> ParseRoleArray(const json::array& names) {
  RoleSet set;
  if (names.empty()) return Invalid("at least one role is required", "roles");
  for (const auto& v : names) {
    if (!v.is_string()) return Invalid("roles must be strings", "roles");
    auto r = ParseRole(v.get_string());
    if (!r) {
      return Invalid(
          fmt::format("unknown role {:?}; roles are admin, supervisor, clerk, permit_tech, inspector, "
                      "auditor, public",
                      std::string(v.get_string())),
          "roles");
    }
    if (set.Has(*r)) return Invalid(fmt::format("role {} is listed twice", RoleName(*r)), "roles");
    set.Add(*r);
  }
  return set;
}

Result<RoleSet> ParseRoleList(std::string_view joined) {
  json::array a;
  size_t start = 0;
  while (start <= joined.size()) {
    size_t comma = joined.find(',', start);
    if (comma == std::string_view::npos) comma = joined.size();
    auto part = joined.substr(start, comma - start);
    if (!part.empty()) a.emplace_back(part);
    start = comma + 1;
  }
  return ParseRoleArray(a);
}

}  // namespace holdfast::auth
