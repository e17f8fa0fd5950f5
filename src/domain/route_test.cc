#include "domain/route.h"

#include <gtest/gtest.h>

#include <cmath>

namespace holdfast::domain {
namespace {

using Ids = std::vector<std::string>;

GeoPoint P(double lat, double lon) {
  return {static_cast<int64_t>(std::llround(lat * 1e6)), static_cast<int64_t>(std::llround(lon * 1e6))};
}

TEST(RouteTest, HaversineMatchesKnownDistances) {
  // One degree of latitude along a meridian: 111,195 m on the mean-radius sphere.
  EXPECT_NEAR(HaversineMetres(P(0, 0), P(1, 0)), 111195.08, 0.5);
  // Kansas City, MO to St. Louis: about 382 km.
  EXPECT_NEAR(HaversineMetres(P(39.0997, -94.5786), P(38.6270, -90.1994)) / 1000, 382.0, 2.0);
  EXPECT_EQ(HaversineMetres(P(39.1, -94.5), P(39.1, -94.5)), 0.0);
  // Antipodes: half the circumference, without NaN.
  EXPECT_NEAR(HaversineMetres(P(0, 0), P(0, 180)), 6371008.8 * 3.14159265358979, 1.0);
}

TEST(RouteTest, StopsAreVisitedNearestFirstFromTheStart) {
  // Along a street running east: the start at 0, stops at 3, 1, 2 and 10 (hundredths of a degree).
  std::vector<RouteStop> stops = {
      {"c", P(39.10, -94.47)}, {"a", P(39.10, -94.49)}, {"b", P(39.10, -94.48)}, {"far", P(39.10, -94.40)}};
  EXPECT_EQ(OrderRoute(P(39.10, -94.50), stops), (Ids{"a", "b", "c", "far"}));
  // From the far end the order reverses.
  EXPECT_EQ(OrderRoute(P(39.10, -94.30), stops), (Ids{"far", "c", "b", "a"}));
}

TEST(RouteTest, NearestNeighbourFollowsTheCurrentPositionNotTheStart) {
  // From the start, x is nearest; from x, z (near x) comes before y (nearer the start than z is).
  std::vector<RouteStop> stops = {{"y", P(39.0, -94.02)}, {"z", P(39.0, -93.97)}, {"x", P(39.0, -93.99)}};
  EXPECT_EQ(OrderRoute(P(39.0, -94.0), stops), (Ids{"x", "z", "y"}));
}

TEST(RouteTest, TiesGoToTheEarlierStopAndStopsWithoutCoordinatesGoLast) {
  // n and s are the same distance from the start; duplicates at one address stay in input order.
  std::vector<RouteStop> stops = {{"nowhere-1", std::nullopt},  {"s", P(38.99, -94.0)},
                                  {"n", P(39.01, -94.0)},       {"bad", GeoPoint{95'000'000, 0}},
                                  {"n-again", P(39.01, -94.0)}, {"nowhere-2", std::nullopt}};
  EXPECT_EQ(OrderRoute(P(39.0, -94.0), stops), (Ids{"s", "n", "n-again", "nowhere-1", "bad", "nowhere-2"}));
  std::swap(stops[1], stops[2]);
  EXPECT_EQ(OrderRoute(P(39.0, -94.0), stops), (Ids{"n", "n-again", "s", "nowhere-1", "bad", "nowhere-2"}));
}

TEST(RouteTest, EmptyAndUnlocatedDaysKeepTheirOrder) {
  EXPECT_TRUE(OrderRoute(P(0, 0), {}).empty());
  std::vector<RouteStop> stops = {{"b", std::nullopt}, {"a", std::nullopt}};
  EXPECT_EQ(OrderRoute(P(0, 0), stops), (Ids{"b", "a"}));
}

}  // namespace
}  // namespace holdfast::domain
