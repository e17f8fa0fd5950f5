// The OpenAPI 3.1 document, generated from the routes themselves so that it lists every route exactly as
// served.
#ifndef HOLDFAST_HTTP_OPENAPI_H_
#define HOLDFAST_HTTP_OPENAPI_H_

#include "base/json.h"
#include "http/router.h"

namespace holdfast::http {

json::value OpenApiDocument(const Router& router);

}  // namespace holdfast::http

#endif  // HOLDFAST_HTTP_OPENAPI_H_
