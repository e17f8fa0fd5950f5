#include <gtest/gtest.h>

#include "base/crypto.h"
#include "vault/object.h"
#include "vault/pack.h"

namespace holdfast::vault {
namespace {

TEST(VaultObjectTest, OpensWhatItSealedAndNothingElse) {
  Bytes key = GenerateKey();
  std::string payload(300000, 'x');
  for (size_t i = 0; i < payload.size(); i += 7) payload[i] = static_cast<char>('a' + i % 26);
  auto sealed = SealObject(key, "pack", payload);
  ASSERT_TRUE(sealed.ok());
  EXPECT_LT(sealed->size(), payload.size());  // compressed
  EXPECT_EQ(sealed->find("xxxxxxxx"), std::string::npos);
  auto opened = OpenObject(key, "pack", *sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, payload);
  // Two seals of one payload differ (a fresh header each time), so the name says nothing of the content.
  EXPECT_NE(ObjectName(*SealObject(key, "pack", payload)), ObjectName(*sealed));

  EXPECT_FALSE(OpenObject(GenerateKey(), "pack", *sealed).ok());  // another key
  EXPECT_FALSE(OpenObject(key, "keys", *sealed).ok());            // another kind
  std::string flipped = *sealed;
  flipped[flipped.size() / 2] ^= 1;
  auto bad = OpenObject(key, "pack", flipped);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().detail.find("does not decrypt"), std::string::npos) << bad.error().detail;
  auto cut = OpenObject(key, "pack", std::string_view(*sealed).substr(0, sealed->size() - 40));
  ASSERT_FALSE(cut.ok());
  auto empty = SealObject(key, "keys", "");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*OpenObject(key, "keys", *empty), "");
}

TEST(VaultKeyTest, ReadsEveryWrittenFormAndCatchesATypo) {
  Bytes key = GenerateKey();
  EXPECT_EQ(*ParseKey(EncodeKeyFile(key)), key);
  std::string recovery = RecoveryString(key);
  EXPECT_TRUE(recovery.starts_with("HOLDFAST-VAULT-KEY-V1:"));
  EXPECT_EQ(recovery.find_first_of("abcdef"), std::string::npos);  // QR alphanumeric: upper case only
  EXPECT_EQ(*ParseKey(recovery), key);
  // Typed from the sheet in groups, with line breaks.
  std::string hex = Hex(key), typed;
  for (size_t i = 0; i < hex.size(); i += 4) typed += hex.substr(i, 4) + (i % 32 == 28 ? "\n" : " ");
  EXPECT_EQ(*ParseKey(typed), key);
  // One mistyped digit in the recovery string fails its check.
  std::string typo = recovery;
  size_t at = std::string("HOLDFAST-VAULT-KEY-V1:").size() + 5;
  typo[at] = typo[at] == '0' ? '1' : '0';
  auto bad = ParseKey(typo);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().detail.find("mistyped"), std::string::npos) << bad.error().detail;
  EXPECT_FALSE(ParseKey("12 34").ok());
  EXPECT_FALSE(ParseKey("not a key at all").ok());
}

TEST(VaultPackTest, RoundTripsAndRefusesCutBytes) {
  Pack pack;
  pack.first = 42;
  pack.events = {R"({"a":1})", std::string(1000, 'e'), ""};
  journal::Seal seal{"office-1", 7, Hex(Sha256(std::string("x"))), RandomBytes(64)};
  pack.seals.push_back(seal);
  std::string bytes = EncodePack(pack);
  auto back = DecodePack(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->first, 42);
  EXPECT_EQ(back->events, pack.events);
  ASSERT_EQ(back->seals.size(), 1u);
  EXPECT_EQ(back->seals[0].feed, "office-1");
  EXPECT_EQ(back->seals[0].seq, 7);
  EXPECT_EQ(back->seals[0].hash, seal.hash);
  EXPECT_EQ(back->seals[0].signature, seal.signature);
  for (size_t cut : {size_t{0}, size_t{10}, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_FALSE(DecodePack(std::string_view(bytes).substr(0, cut)).ok()) << cut;
  }
  EXPECT_FALSE(DecodePack(bytes + "x").ok());
}

}  // namespace
}  // namespace holdfast::vault
