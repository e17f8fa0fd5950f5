// HTTP requests and responses as the application sees them, independent of the server library, and the
// problem+json error format (RFC 9457).
#ifndef HOLDFAST_HTTP_MESSAGE_H_
#define HOLDFAST_HTTP_MESSAGE_H_

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace holdfast::http {

struct Request {
  std::string method;  // upper case
  std::string target;  // as received
  std::string path;    // percent-decoded path without the query
  std::map<std::string, std::string, std::less<>> query;
  std::map<std::string, std::string, std::less<>> headers;  // names lower case
  std::string body;
  std::string remote;

  std::string_view Header(std::string_view lower_name) const;
  std::string_view Query(std::string_view name) const;
  // The value of one cookie from the Cookie header, or "".
  std::string Cookie(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response Json(int status, const json::value& body);
  // 201 with the new resource and its Location.
  static Response Created(const json::value& body, std::string location);
  static Response Text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
  // An application/problem+json answer: type "https://holdfast.city/problems/<slug>", title, status, detail,
  // and the field at fault (as "field") when known.
  static Response Problem(const Error& error, std::string_view instance = {});
  // With members of its own beside the standard ones (RFC 9457 extensions), e.g. a declined card's code.
  static Response Problem(const Error& error, std::string_view instance, const json::object& extensions);
};

// The HTTP status for an error code.
int StatusFor(Code code);

// Sends the answer to a request. Thread-safe; call exactly once.
using Responder = std::function<void(Response)>;
using Handler = std::function<void(Request&&, Responder)>;

}  // namespace holdfast::http

#endif  // HOLDFAST_HTTP_MESSAGE_H_
