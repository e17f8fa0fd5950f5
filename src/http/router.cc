#include "http/router.h"

#include <fmt/format.h>

#include <charconv>

namespace holdfast::http {

namespace {

// "{id}" in a route's pattern.
bool IsParameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

Result<std::string> Call::QueryText(std::string_view name, size_t max_length) const {
  std::string_view text = req.Query(name);
  if (text.size() > max_length) {
    return Invalid(fmt::format("{} is longer than {} characters", name, max_length), std::string(name));
  }
  return std::string(text);
}

void Call::ReplyPage(json::array items, std::string_view next_cursor) {
  json::object body{{"items", std::move(items)}};
  if (!next_cursor.empty()) body["next_cursor"] = next_cursor;
  ReplyJson(200, body);
}

Result<int> Call::QueryInt(std::string_view name, int fallback, int min, int max) const {
  std::string_view text = req.Query(name);
  if (text.empty()) return fallback;
  int n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n < min || n > max) {
    return Invalid(fmt::format("{} must be a whole number from {} to {}", name, min, max), std::string(name));
  }
  return n;
}

Result<json::value> Call::Body() const {
  std::string_view type = req.Header("content-type");
  if (type.substr(0, type.find(';')) != "application/json") {
    return MakeError(Code::kInvalid, "send the request body as JSON with Content-Type: application/json",
                     "unsupported-media-type");
  }
  if (req.body.empty())
    return MakeError(Code::kInvalid, "the request body is empty; send a JSON object", "malformed-json");
  return ParseJson(req.body);
}

void Router::Add(Route route) {
  routes_.push_back(std::make_unique<Route>(std::move(route)));
  // The route's pattern, split once: its string views point into the Route, which never moves.
  patterns_.push_back(SplitPath(routes_.back()->pattern));
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match m;
  if (path.empty() || path[0] != '/') return m;
  auto parts = SplitPath(path);
  for (size_t r = 0; r < routes_.size(); ++r) {
    const std::vector<std::string_view>& pattern = patterns_[r];
    if (pattern.size() != parts.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < parts.size() && ok; ++i) {
      std::string_view p = pattern[i];
      ok = IsParameter(p) ? !parts[i].empty() : p == parts[i];
    }
    if (!ok) continue;
    if (routes_[r]->method != method) {
      m.path_known = true;
      continue;
    }
    for (size_t i = 0; i < parts.size(); ++i) {
      std::string_view p = pattern[i];
      if (IsParameter(p)) m.params[std::string(p.substr(1, p.size() - 2))] = std::string(parts[i]);
    }
    m.route = routes_[r].get();
    return m;
  }
  return m;
}

}  // namespace holdfast::http
