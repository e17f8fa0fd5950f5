// What the cashiering routes (routes_cashier.cc) share with other routes that answer a receipt.
#ifndef HOLDFAST_HTTP_ROUTES_CASHIER_H_
#define HOLDFAST_HTTP_ROUTES_CASHIER_H_

#include "base/json.h"

namespace holdfast::http {

// The JSON Schema of a receipt as the API answers it (domain::GetReceipt), for OpenAPI response schemas.
json::value ReceiptSchema();

}  // namespace holdfast::http

#endif  // HOLDFAST_HTTP_ROUTES_CASHIER_H_
