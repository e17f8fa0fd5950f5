// Building blocks for the JSON Schemas of the OpenAPI document (http/openapi.h): each route names its request
// and response bodies with these.
#ifndef HOLDFAST_HTTP_SCHEMA_H_
#define HOLDFAST_HTTP_SCHEMA_H_

#include "base/json.h"

namespace holdfast::http::schema {

// An object with `properties`; `required` names the members that must be present; `closed` refuses others.
inline json::value Obj(json::object properties, json::array required = {}, bool closed = false) {
  json::object s{{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) s["required"] = std::move(required);
  if (closed) s["additionalProperties"] = false;
  return s;
}
inline json::value Type(const char* t) { return json::object{{"type", t}}; }
inline json::value Str(int max) { return json::object{{"type", "string"}, {"maxLength", max}}; }
inline json::value DateType() { return json::object{{"type", "string"}, {"format", "date"}}; }
inline json::value NullableDate() {
  return json::object{{"type", json::array{"string", "null"}}, {"format", "date"}};
}
inline json::value NullableInt() { return json::object{{"type", json::array{"integer", "null"}}}; }
inline json::value ArrayOf(json::value items) {
  return json::object{{"type", "array"}, {"items", std::move(items)}};
}
// A postal address as requests write it: {line1, line2?, city, state, zip}.
inline json::value PostalAddress() {
  return Obj(
      {{"line1", Str(100)}, {"line2", Str(100)}, {"city", Str(100)}, {"state", Str(2)}, {"zip", Str(10)}},
      {"line1", "city", "state", "zip"}, true);
}
inline json::value Enum(json::array values) { return json::object{{"enum", std::move(values)}}; }

}  // namespace holdfast::http::schema

#endif  // HOLDFAST_HTTP_SCHEMA_H_
