// Routes: each names its method, path pattern, who may call it, and what it takes and gives (for the OpenAPI
// document). Deny by default: a route admits only the roles it lists, unless it is explicitly public.
#ifndef HOLDFAST_HTTP_ROUTER_H_
#define HOLDFAST_HTTP_ROUTER_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/roles.h"
#include "auth/users.h"
#include "base/json.h"
#include "http/message.h"

namespace holdfast::http {

class App;

// Who is calling: nobody, or a signed-in user.
struct Principal {
  std::shared_ptr<const auth::User> user;  // as of the request's sign-in check
  std::string token;                       // the session token used, if any
  std::string peer;                        // on node-to-node routes: the calling node, its signature checked
  bool signed_in() const { return user != nullptr; }
  const std::string& id() const {
    static const std::string kNobody = "anonymous";
    return user ? user->id : kNobody;
  }
  // True when the caller's only role is `public`: such callers see only records they are party to.
  bool IsPublicOnly() const { return user && !user->IsStaff(); }
};

struct Call;
using RouteHandler = std::function<void(Call&)>;

struct RouteMetrics {
  static constexpr double kBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                        0.05,   0.1,   0.25,   0.5,   1,    2.5};
  std::atomic<int64_t> by_class[6] = {};  // index: status / 100
  std::atomic<int64_t> buckets[std::size(kBuckets) + 1] = {};
  std::atomic<int64_t> micros_total{0};
};

struct Route {
  std::string method;
  std::string pattern;  // "/api/v1/parties/{id}"
  bool anyone = false;  // no sign-in needed
  bool peer = false;    // only for other enrolled nodes of the city, each request signed (sync/peer_auth.h)
  auth::RoleSet roles;  // otherwise: at least one of these
  bool allowed_before_password_change = false;
  std::string summary;
  std::string tag;
  json::value request_schema;                     // null: no body
  json::value response_schema;                    // the success body
  std::string content_type = "application/json";  // of the success body
  std::string alternate_content_type;  // the success body can also come in this form (e.g. "text/csv")
  int success_status = 200;
  std::vector<std::pair<std::string, std::string>> query_params;  // name, description
  RouteHandler handler;
  std::shared_ptr<RouteMetrics> metrics = std::make_shared<RouteMetrics>();
};

// One request being answered. Handlers answer through Reply/Fail exactly once, from any thread. A handler
// that answers later keeps the call alive with shared_from_this().
struct Call : std::enable_shared_from_this<Call> {
  Request req;
  Principal who;
  std::map<std::string, std::string, std::less<>> params;  // from the path pattern
  const Route* route = nullptr;
  App* app = nullptr;
  Responder respond;

  void Reply(Response r) { respond(std::move(r)); }
  void ReplyJson(int status, const json::value& body) { respond(Response::Json(status, body)); }
  void Fail(const Error& e) { respond(Response::Problem(e, req.path)); }
  // Answers a record read by id: 200 with it, 404 "no <what>" when there is none, or the read's error.
  void ReplyFound(const Result<std::optional<json::object>>& found, std::string_view what) {
    if (!found.ok()) return Fail(found.error());
    if (!*found) return Fail(NotFound("no " + std::string(what)));
    ReplyJson(200, **found);
  }
  // The parsed JSON body, or an error (malformed, wrong content type, missing).
  Result<json::value> Body() const;
  // Query parameter `name` as a whole number from `min` to `max`; `fallback` when absent.
  Result<int> QueryInt(std::string_view name, int fallback, int min, int max) const;
  // Query parameter `name` as text of at most `max_length` bytes ("" when absent).
  Result<std::string> QueryText(std::string_view name, size_t max_length) const;
  // Answers 200 with one page of a list: {items, next_cursor} (next_cursor only while more remain).
  void ReplyPage(json::array items, std::string_view next_cursor);
};

class Router {
 public:
  void Add(Route route);
  struct Match {
    const Route* route = nullptr;
    std::map<std::string, std::string, std::less<>> params;
    bool path_known = false;  // some route has this path, with another method
  };
  Match Find(std::string_view method, std::string_view path) const;
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  std::vector<std::unique_ptr<Route>> routes_;
  std::vector<std::vector<std::string_view>> patterns_;  // each route's pattern, split into segments
};

// The segments of a path after its leading '/': "/a/b" -> {"a", "b"}; empty segments are kept ("/a/" -> {"a",
// ""}).
std::vector<std::string_view> SplitPath(std::string_view path);

}  // namespace holdfast::http

#endif  // HOLDFAST_HTTP_ROUTER_H_
