// An inspector's day in route order: the nearest-neighbour tour from a start point.
//
// Coordinates are micro-degrees (DESIGN §4: integers only), latitude −90e6..90e6, longitude −180e6..180e6.
// Distance is the haversine great-circle distance on a sphere of radius 6,371,008.8 m (the mean Earth
// radius).
//
// Order (OrderRoute): from the start point, repeatedly visit the unvisited located stop nearest to the
// current position; of stops at equal distance (compared as whole millimetres, so floating-point noise cannot
// decide), the one earlier in the input. Stops without coordinates, or with coordinates out of range, follow
// in their input order. The result is a permutation of the input: every stop appears exactly once. O(n²),
// meant for a day's few dozen stops.
#ifndef HOLDFAST_DOMAIN_ROUTE_H_
#define HOLDFAST_DOMAIN_ROUTE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace holdfast::domain {

struct GeoPoint {
  int64_t lat_micro = 0;  // micro-degrees north
  int64_t lon_micro = 0;  // micro-degrees east

  bool Valid() const;
};

struct RouteStop {
  std::string id;
  std::optional<GeoPoint> location;  // nullopt when the address has no coordinates
};

// Great-circle distance in metres.
double HaversineMetres(const GeoPoint& a, const GeoPoint& b);

// The stops' ids in route order from `start` (see above).
std::vector<std::string> OrderRoute(const GeoPoint& start, std::span<const RouteStop> stops);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_ROUTE_H_
