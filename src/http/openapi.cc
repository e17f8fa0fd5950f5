#include "http/openapi.h"

#include <fmt/format.h>

namespace holdfast::http {
namespace {

json::value ProblemSchema() {
  return json::parse(R"({"type":"object","required":["type","title","status","detail"],"properties":{
    "type":{"type":"string","format":"uri"},"title":{"type":"string"},"status":{"type":"integer"},
    "detail":{"type":"string"},"field":{"type":"string"},"instance":{"type":"string"}}})");
}

json::object ProblemResponse(std::string description) {
  return json::object{
      {"description", std::move(description)},
      {"content",
       json::object{{"application/problem+json",
                     json::object{{"schema", json::object{{"$ref", "#/components/schemas/Problem"}}}}}}}};
}

}  // namespace

json::value OpenApiDocument(const Router& router) {
  json::object paths;
  for (const auto& r : router.routes()) {
    json::object op;
    op["summary"] = r->summary;
    op["tags"] = json::array{json::value(r->tag)};
    op["operationId"] = fmt::format("{} {}", r->method, r->pattern);
    if (r->peer) {
      op["security"] = json::array{json::object{{"node-signature", json::array{}}}};
      op["x-roles"] = json::array{json::value("enrolled node")};
    } else if (r->anyone) {
      op["security"] = json::array{json::object{}};
      op["x-roles"] = json::array{json::value("anyone")};
    } else {
      op["security"] =
          json::array{json::object{{"bearer", json::array{}}}, json::object{{"cookie", json::array{}}}};
      op["x-roles"] = r->roles.ToJson();
    }
    json::array parameters;
    for (size_t open = r->pattern.find('{'); open != std::string::npos;
         open = r->pattern.find('{', open + 1)) {
      size_t close = r->pattern.find('}', open);
      parameters.push_back(json::object{{"name", r->pattern.substr(open + 1, close - open - 1)},
                                        {"in", "path"},
                                        {"required", true},
                                        {"schema", json::object{{"type", "string"}}}});
    }
    for (const auto& [name, description] : r->query_params) {
      parameters.push_back(json::object{{"name", name},
                                        {"in", "query"},
                                        {"description", description},
                                        {"schema", json::object{{"type", "string"}}}});
    }
    bool writes = r->method != "GET";
    if (writes && !r->anyone && !r->peer) {
      parameters.push_back(
          json::object{{"name", "Idempotency-Key"},
                       {"in", "header"},
                       {"description",
                        "A retried request with the same key gets the first answer instead of running again"},
                       {"schema", json::object{{"type", "string"}, {"maxLength", 200}}}});
    }
    if (!parameters.empty()) op["parameters"] = std::move(parameters);
    if (!r->request_schema.is_null()) {
      op["requestBody"] = json::object{
          {"required", true},
          {"content", json::object{{"application/json", json::object{{"schema", r->request_schema}}}}}};
    }
    json::object responses;
    const std::string& content_type = r->content_type;
    json::object ok{{"description", "Success"}};
    if (!r->response_schema.is_null()) {
      ok["content"] = json::object{{content_type, json::object{{"schema", r->response_schema}}}};
    }
    if (!r->alternate_content_type.empty()) {
      json::value& content = ok["content"];
      if (!content.is_object()) content = json::object{};
      content.as_object()[r->alternate_content_type] =
          json::object{{"schema", json::object{{"type", "string"}}}};
    }
    responses[std::to_string(r->success_status)] = std::move(ok);
    if (writes || !r->request_schema.is_null()) {
      responses["400"] = ProblemResponse("Malformed JSON");
      responses["422"] = ProblemResponse("Invalid input: a field is missing, unknown or of the wrong type");
    }
    if (!r->anyone) {
      responses["401"] = ProblemResponse("Not signed in");
      responses["403"] = ProblemResponse("Signed in without a role this operation admits");
    }
    if (r->pattern.find('{') != std::string::npos) responses["404"] = ProblemResponse("No such record");
    if (writes) responses["409"] = ProblemResponse("Conflicts with the current state");
    responses["503"] = ProblemResponse("The node cannot serve this now");
    op["responses"] = std::move(responses);
    std::string method = r->method;
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    json::value& path = paths[r->pattern];
    if (!path.is_object()) path = json::object{};
    path.as_object()[method] = std::move(op);
  }
  return json::object{
      {"openapi", "3.1.0"},
      {"info", json::object{{"title", "Holdfast node API"},
                            {"version", "1"},
                            {"description",
                             "The JSON API of one Holdfast node. Errors are application/problem+json "
                             "(RFC 9457). Writes accept an Idempotency-Key header."}}},
      {"paths", std::move(paths)},
      {"components",
       json::object{
           {"schemas", json::object{{"Problem", ProblemSchema()}}},
           {"securitySchemes",
            json::object{
                {"bearer", json::object{{"type", "http"}, {"scheme", "bearer"}}},
                {"cookie", json::object{{"type", "apiKey"}, {"in", "cookie"}, {"name", "holdfast_session"}}},
                {"node-signature", json::object{{"type", "apiKey"},
                                                {"in", "header"},
                                                {"name", "Holdfast-Signature"},
                                                {"description",
                                                 "Node-to-node requests: Holdfast-Node, Holdfast-Date "
                                                 "and an Ed25519 signature by the node's key (see "
                                                 "docs/sync.md)"}}}}}}}};
}

}  // namespace holdfast::http
