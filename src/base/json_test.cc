#include "base/json.h"

#include <gtest/gtest.h>

namespace holdfast {
namespace {

TEST(CanonicalJson, SortsKeysByUtf16AndEscapesMinimally) {
  auto v = ParseJson(R"({"b":1,"a":"x\u0001\n\"/\u00e9","\ud83d\ude00":2,"\ue000":3,"c":[true,null,-5]})");
  ASSERT_TRUE(v.ok());
  auto s = Canonical(*v);
  ASSERT_TRUE(s.ok());
  // U+1F600 is the surrogate pair D83D DE00, which sorts before U+E000 in UTF-16 order.
  EXPECT_EQ(*s,
            "{\"a\":\"x\\u0001\\n\\\"/\xc3\xa9\",\"b\":1,\"c\":[true,null,-5],\"\xf0\x9f\x98\x80\":2,"
            "\"\xee\x80\x80\":3}");
}

TEST(CanonicalJson, RejectsFractionsAndUnsafeIntegers) {
  EXPECT_FALSE(Canonical(*ParseJson("1.5")).ok());
  EXPECT_FALSE(Canonical(*ParseJson("9007199254740992")).ok());
  EXPECT_TRUE(Canonical(*ParseJson("9007199254740991")).ok());
  EXPECT_FALSE(Canonical(*ParseJson("-9007199254740992")).ok());
}

TEST(CanonicalJson, ParseCanonicalRejectsNonCanonicalBytes) {
  EXPECT_TRUE(ParseCanonical(R"({"a":1,"b":2})").ok());
  EXPECT_FALSE(ParseCanonical(R"({"b":2,"a":1})").ok());
  EXPECT_FALSE(ParseCanonical(R"({"a": 1})").ok());
  EXPECT_FALSE(ParseCanonical("{\"a\":\"\\u0041\"}").ok());
}

TEST(ParseJson, ReportsPositionOfSyntaxErrors) {
  auto r = ParseJson(R"({"a": })");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, "malformed-json");
  EXPECT_FALSE(ParseJson("{} x").ok());
  EXPECT_FALSE(ParseJson(std::string(100, '[')).ok());
}

TEST(ObjectReader, RejectsUnknownFieldsAndWrongTypes) {
  auto v = *ParseJson(R"({"name":"Ann","age":"x","extra":1})");
  ObjectReader r(v);
  EXPECT_EQ(r.RequiredString("name"), "Ann");
  EXPECT_FALSE(r.Int("age"));
  Status s = r.Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "age");

  ObjectReader r2(v);
  r2.String("name");
  r2.String("age");
  Status s2 = r2.Finish();
  ASSERT_FALSE(s2.ok());
  EXPECT_EQ(s2.error().type, "unknown-field");
  EXPECT_EQ(s2.error().field, "extra");
}

}  // namespace
}  // namespace holdfast
