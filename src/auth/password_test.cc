#include "auth/password.h"

#include <gtest/gtest.h>

namespace holdfast::auth {
namespace {

TEST(Password, Argon2idHashVerifiesOnlyTheRightPassword) {
  auto hash = HashPassword("correct horse battery");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse battery"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horse batterz"));
  EXPECT_FALSE(VerifyPassword("not a hash", "correct horse battery"));
  EXPECT_NE(*HashPassword("correct horse battery"), *hash);  // salted
}

TEST(Password, PolicyRefusesShortPasswords) {
  EXPECT_FALSE(CheckPasswordPolicy("short").ok());
  EXPECT_EQ(CheckPasswordPolicy("short").error().type, "weak-password");
  EXPECT_TRUE(CheckPasswordPolicy(GeneratePassword()).ok());
}

}  // namespace
}  // namespace holdfast::auth
