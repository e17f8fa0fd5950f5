// Roles (DESIGN §10). A user holds a set of roles; every route names the roles it admits.
#ifndef HOLDFAST_AUTH_ROLES_H_
#define HOLDFAST_AUTH_ROLES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace holdfast::auth {

enum class Role : uint32_t { kAdmin, kSupervisor, kClerk, kPermitTech, kInspector, kAuditor, kPublic };
inline constexpr Role kAllRoles[] = {Role::kAdmin,     Role::kSupervisor, Role::kClerk, Role::kPermitTech,
                                     Role::kInspector, Role::kAuditor,    Role::kPublic};

std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

class RoleSet {
 public:
  constexpr RoleSet() = default;
  constexpr RoleSet(std::initializer_list<Role> roles) {
    for (Role r : roles) bits_ |= Bit(r);
  }
  static constexpr RoleSet Staff() {
    return {Role::kAdmin,      Role::kSupervisor, Role::kClerk,
            Role::kPermitTech, Role::kInspector,  Role::kAuditor};
  }
  constexpr bool Has(Role r) const { return bits_ & Bit(r); }
  constexpr bool Intersects(RoleSet o) const { return bits_ & o.bits_; }
  constexpr bool empty() const { return bits_ == 0; }
  void Add(Role r) { bits_ |= Bit(r); }
  bool operator==(const RoleSet&) const = default;
  // Names in the order of kAllRoles.
  std::vector<std::string> Names() const;
  std::string Joined() const;  // "admin,clerk"
  json::array ToJson() const;

 private:
  static constexpr uint32_t Bit(Role r) { return uint32_t{1} << static_cast<uint32_t>(r); }
  uint32_t bits_ = 0;
};

// Parses a JSON array of role names; at least one, no unknown names, no duplicates.
Result<RoleSet> ParseRoleArray(const json::array& names);
// Parses "admin,clerk" (as stored and as typed on the command line).
Result<RoleSet> ParseRoleList(std::string_view joined);

}  // namespace holdfast::auth

#endif  // HOLDFAST_AUTH_ROLES_H_
