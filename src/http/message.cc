#include "http/message.h"

#include <fmt/format.h>

namespace holdfast::http {

std::string_view Request::Header(std::string_view lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string_view() : std::string_view(it->second);
}

std::string_view Request::Query(std::string_view name) const {
  auto it = query.find(name);
  return it == query.end() ? std::string_view() : std::string_view(it->second);
}

std::string Request::Cookie(std::string_view name) const {
  std::string_view all = Header("cookie");
  while (!all.empty()) {
    size_t semi = all.find(';');
    std::string_view part = all.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
    if (semi == std::string_view::npos) break;
    all.remove_prefix(semi + 1);
  }
  return "";
}

Response Response::Json(int status, const json::value& body) {
  return Response{status, "application/json", json::serialize(body), {}};
}

Response Response::Created(const json::value& body, std::string location) {
  Response r = Json(201, body);
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

Response Response::Text(int status, std::string body, std::string content_type) {
  return Response{status, std::move(content_type), std::move(body), {}};
}

int StatusFor(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalid:
      return 422;
    case Code::kNotFound:
      return 404;
    case Code::kConflict:
      return 409;
    case Code::kUnauthorized:
      return 401;
    case Code::kForbidden:
      return 403;
    case Code::kLocked:
      return 423;
    case Code::kTooLarge:
      return 413;
    case Code::kUnavailable:
      return 503;
    case Code::kIo:
    case Code::kCorrupt:
    case Code::kInternal:
      return 500;
  }
  return 500;
}

namespace {
std::string_view Title(int status) {
  switch (status) {
    case 400:
      return "Bad request";
    case 401:
      return "Sign-in required";
    case 402:
      return "Payment declined";
    case 403:
      return "Not allowed";
    case 404:
      return "Not found";
    case 405:
      return "Method not allowed";
    case 408:
      return "Request timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Request too large";
    case 415:
      return "Unsupported media type";
    case 422:
      return "Invalid request";
    case 423:
      return "Locked";
    case 431:
      return "Request headers too large";
    case 503:
      return "Service unavailable";
    default:
      return status >= 500 ? "Server error" : "Request refused";
  }
}
}  // namespace

Response Response::Problem(const Error& error, std::string_view instance) {
  return Problem(error, instance, json::object{});
}

Response Response::Problem(const Error& error, std::string_view instance, const json::object& extensions) {
  int status = StatusFor(error.code);
  // Malformed JSON is a syntax error (400); other invalid input is well-formed but unacceptable (422).
  if (error.type == "malformed-json" || error.type == "bad-request") status = 400;
  if (error.type == "method-not-allowed") status = 405;
  if (error.type == "unsupported-media-type") status = 415;
  if (error.type == "request-timeout") status = 408;
  if (error.type == "headers-too-large") status = 431;
  if (error.type == "card-declined") status = 402;
  json::object p{{"type", fmt::format("https://holdfast.city/problems/{}", error.Type())},
                 {"title", Title(status)},
                 {"status", status},
                 {"detail", error.detail}};
  if (!error.field.empty()) p["field"] = error.field;
  if (!instance.empty()) p["instance"] = instance;
  for (const auto& [k, v] : extensions) {
    if (!p.contains(k)) p[k] = v;
  }
  Response r{status, "application/problem+json", json::serialize(p), {}};
  return r;
}

}  // namespace holdfast::http
