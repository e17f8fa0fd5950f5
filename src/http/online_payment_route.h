// The handler the online card payment routes share: a utility account paid by its holder
// (/api/v1/utility/accounts/{number}/online-payments) and a permit's fees paid by its applicant or contractor
// (/api/v1/permits/{number}/online-payments) and a pet license's renewal paid by its owner
// (/api/v1/licenses/{number}/online-renewals). domain/online_payments.h says how a payment is kept from being
// lost or made twice.
#ifndef HOLDFAST_HTTP_ONLINE_PAYMENT_ROUTE_H_
#define HOLDFAST_HTTP_ONLINE_PAYMENT_ROUTE_H_

#include "domain/online_payments.h"
#include "http/router.h"

namespace holdfast::http {

// Reads {amount_cents, card_number, expiry} and the Idempotency-Key header, charges the card on a call-out
// thread and answers: 201 {payment, account | permit | license} when approved; 402 "card-declined" with the
// decline code; 503 with Retry-After while the outcome is not known (the same request again finishes it); 503
// "payments-offline" when the node has no gateway; the refusals of domain::PayOnline.
void PayOnlineRoute(Call& call, domain::PaymentTarget target);

}  // namespace holdfast::http

#endif  // HOLDFAST_HTTP_ONLINE_PAYMENT_ROUTE_H_
