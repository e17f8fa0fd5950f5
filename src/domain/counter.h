// The animal-control counter: one sale licenses one or more pets (issue, renew, replace a tag, transfer) and
// takes the payment for all of them on one receipt, as a single command — the licenses and the payment are
// recorded together or not at all.
//
// A sale, as the API takes it (POST /api/v1/counter/sales):
//   {"drawer_id": "d-central-1", "payer_party_id": "p-central-4", "senior_owner": false,
//    "items": [{"action": "renew", "license": "L-central-3", "term_years": 1, "tag": 1043},
//              {"action": "issue", "pet_id": "pet-central-9", "term_years": 1, "tag": 1044},
//              {"action": "replace_tag", "license": "L-central-5", "tag": 1045, "reason": "lost"},
//              {"action": "transfer", "license": "L-central-6", "to_party_id": "p-central-7"}],
//    "tenders": [{"kind": "check", "amount_cents": 5500, "number": "1234"}]}
// "tag" on a renewal is optional (the license keeps its tag). The answer is the receipt and every license as
// it now stands.
#ifndef HOLDFAST_DOMAIN_COUNTER_H_
#define HOLDFAST_DOMAIN_COUNTER_H_

#include <string>
#include <variant>
#include <vector>

#include "base/date.h"
#include "base/json.h"
#include "domain/cashier.h"
#include "domain/licenses.h"
#include "domain/tags.h"
#include "store/writer.h"

namespace holdfast::domain {

using SaleItem = std::variant<IssueRequest, RenewRequest, ReplaceTagRequest, TransferRequest>;

struct Sale {
  std::string drawer_id;
  std::string payer_party_id;
  bool senior_owner = false;
  std::vector<SaleItem> items;
  std::vector<Tender> tenders;
};

// Validates a sale request body; errors name the field ("items[1].tag").
Result<Sale> ParseSale(const json::value& body);

// Runs every item, then takes the payment for all their fees. `clerk` is the signed-in user, who must own the
// drawer. Any failure (an item refused, a tender short) fails the whole sale, naming the item.
Result<json::object> CounterSale(store::CommandContext& ctx, const Sale& sale, Date today,
                                 const std::string& clerk);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_COUNTER_H_
