// Passwords: Argon2id hashes in libsodium's self-describing string form
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash), so the cost can rise later without breaking stored hashes.
#ifndef HOLDFAST_AUTH_PASSWORD_H_
#define HOLDFAST_AUTH_PASSWORD_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace holdfast::auth {

inline constexpr size_t kMinPasswordLength = 12;
inline constexpr size_t kMaxPasswordLength = 256;

// Refuses passwords that are too short or too long, with a message for the person choosing one.
Status CheckPasswordPolicy(std::string_view password);

// Hashes with Argon2id at libsodium's interactive cost (64 MiB, 2 passes): tens of milliseconds, so callers
// run it off the writer thread and off the network threads.
Result<std::string> HashPassword(std::string_view password);

// Constant-time verification against a stored hash. False for a malformed hash.
bool VerifyPassword(std::string_view stored_hash, std::string_view password);

// A random password for people to type once: 20 characters from an alphabet without look-alikes.
std::string GeneratePassword();

}  // namespace holdfast::auth

#endif  // HOLDFAST_AUTH_PASSWORD_H_
