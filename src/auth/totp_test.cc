#include "auth/totp.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace holdfast::auth {
namespace {

TEST(Totp, MatchesEveryRfc6238Vector) {
  json::value v = testing::ReadSharedJson("vectors/totp/rfc6238.json");
  ASSERT_TRUE(v.is_object());
  const auto& secrets = v.at("secrets").as_object();
  const std::pair<const char*, HmacAlgorithm> algorithms[] = {
      {"SHA1", HmacAlgorithm::kSha1}, {"SHA256", HmacAlgorithm::kSha256}, {"SHA512", HmacAlgorithm::kSha512}};
  int checked = 0;
  for (const auto& c : v.at("cases").as_array()) {
    int64_t time = c.at("time").to_number<int64_t>();
    for (const auto& [name, algorithm] : algorithms) {
      std::string secret(secrets.at(name).as_string());
      TotpParams params{algorithm, 8, 30};
      std::string expected(c.at(name).as_string());
      EXPECT_EQ(TotpCode(AsBytes(secret), time, params), expected) << name << " at " << time;
      // Authenticator apps show six digits: the last six of the eight-digit value.
      EXPECT_EQ(TotpCode(AsBytes(secret), time, {algorithm, 6, 30}), expected.substr(2));
      ++checked;
    }
  }
  EXPECT_EQ(checked, 18);
}

TEST(Totp, AcceptsOneStepOfSkewAndReportsTheStep) {
  std::string secret = "12345678901234567890";
  std::string previous = TotpCode(AsBytes(secret), 1000 * 30 - 1);
  auto step = MatchTotp(AsBytes(secret), previous, 1000 * 30 + 5);
  ASSERT_TRUE(step);
  EXPECT_EQ(*step, 999);
  EXPECT_FALSE(MatchTotp(AsBytes(secret), previous, 1002 * 30 + 5));
  EXPECT_FALSE(MatchTotp(AsBytes(secret), "12345", 1000 * 30));
}

TEST(Totp, OtpAuthUriCarriesBase32Secret) {
  Bytes secret = {'1', '2', '3', '4', '5', '6', '7', '8', '9', '0',
                  '1', '2', '3', '4', '5', '6', '7', '8', '9', '0'};
  EXPECT_EQ(OtpAuthUri("Springfield Holdfast", "ann", secret),
            "otpauth://totp/Springfield%20Holdfast:ann?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=Springfield%20Holdfast&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace holdfast::auth
