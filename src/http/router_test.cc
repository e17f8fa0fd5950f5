#include "http/router.h"

#include <gtest/gtest.h>

namespace holdfast::http {
namespace {

Route MakeRoute(std::string method, std::string pattern) {
  Route r;
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  return r;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(MakeRoute("GET", "/api/v1/parties"));
    router_.Add(MakeRoute("POST", "/api/v1/parties"));
    router_.Add(MakeRoute("GET", "/api/v1/parties/{id}"));
    router_.Add(MakeRoute("GET", "/api/v1/permits/{number}/inspections/{id}"));
    router_.Add(MakeRoute("GET", "/api/v1/permits/current"));
  }
  Router router_;
};

TEST_F(RouterTest, FindsTheRouteOfAMethodAndPathWithItsParameters) {
  Router::Match m = router_.Find("GET", "/api/v1/permits/BP-2026-7/inspections/ins-3");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/permits/{number}/inspections/{id}");
  EXPECT_EQ(m.params.at("number"), "BP-2026-7");
  EXPECT_EQ(m.params.at("id"), "ins-3");

  m = router_.Find("POST", "/api/v1/parties");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method, "POST");
  EXPECT_TRUE(m.params.empty());
}

TEST_F(RouterTest, AKnownPathWithAnotherMethodIsToldApartFromAnUnknownPath) {
  Router::Match m = router_.Find("DELETE", "/api/v1/parties/p-1");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_known);  // answered 405, not 404
  EXPECT_TRUE(m.params.empty());

  m = router_.Find("GET", "/api/v1/nothing-here");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_FALSE(m.path_known);
}

TEST_F(RouterTest, AnEmptySegmentNeverFillsAParameterAndSegmentsMustAllMatch) {
  EXPECT_EQ(router_.Find("GET", "/api/v1/parties/").route, nullptr);
  EXPECT_EQ(router_.Find("GET", "/api/v1/parties/p-1/extra").route, nullptr);
  EXPECT_EQ(router_.Find("GET", "/api/v2/parties").route, nullptr);
  EXPECT_EQ(router_.Find("GET", "api/v1/parties").route, nullptr);
  EXPECT_EQ(router_.Find("GET", "").route, nullptr);
}

TEST_F(RouterTest, TheFirstRouteAddedThatMatchesWins) {
  Router more;
  more.Add(MakeRoute("GET", "/a/{x}"));
  more.Add(MakeRoute("GET", "/a/b"));
  Router::Match m = more.Find("GET", "/a/b");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/a/{x}");
  EXPECT_EQ(m.params.at("x"), "b");
}

}  // namespace
}  // namespace holdfast::http
