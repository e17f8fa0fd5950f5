#include "domain/route.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace holdfast::domain {
namespace {

constexpr double kEarthRadiusMetres = 6371008.8;

double Radians(int64_t micro_degrees) {
  return static_cast<double>(micro_degrees) / 1e6 * std::numbers::pi / 180.0;
}

}  // namespace

bool GeoPoint::Valid() const {
  return lat_micro >= -90'000'000 && lat_micro <= 90'000'000 && lon_micro >= -180'000'000 &&
         lon_micro <= 180'000'000;
}

double HaversineMetres(const GeoPoint& a, const GeoPoint& b) {
  const double lat1 = Radians(a.lat_micro), lat2 = Radians(b.lat_micro);
  const double dlat = lat2 - lat1;
  const double dlon = Radians(b.lon_micro) - Radians(a.lon_micro);
  const double s = std::sin(dlat / 2), t = std::sin(dlon / 2);
  const double h = std::min(1.0, s * s + std::cos(lat1) * std::cos(lat2) * t * t);
  return 2 * kEarthRadiusMetres * std::asin(std::sqrt(h));
}

std::vector<std::string> OrderRoute(const GeoPoint& start, std::span<const RouteStop> stops) {
  std::vector<size_t> located, unlocated;
  for (size_t i = 0; i < stops.size(); ++i) {
    (stops[i].location && stops[i].location->Valid() ? located : unlocated).push_back(i);
  }
  std::vector<std::string> order;
  order.reserve(stops.size());
  std::vector<bool> visited(stops.size(), false);
  GeoPoint here = start;
  for (size_t n = 0; n < located.size(); ++n) {
    size_t best = 0;
    int64_t best_mm = -1;
    for (size_t i : located) {  // ascending input order, so a strict < keeps the earlier stop on a tie
      if (visited[i]) continue;
      const int64_t mm = std::llround(HaversineMetres(here, *stops[i].location) * 1000.0);
      if (best_mm < 0 || mm < best_mm) {
        best = i;
        best_mm = mm;
      }
    }
    visited[best] = true;
    order.push_back(stops[best].id);
    here = *stops[best].location;
  }
  for (size_t i : unlocated) order.push_back(stops[i].id);
  return order;
}

}  // namespace holdfast::domain
