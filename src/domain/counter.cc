#include "domain/counter.h"

#include <fmt/format.h>

namespace holdfast::domain {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

int TermOf(ObjectReader& r) {
  auto term = r.Int("term_years");
  if (!term) return 1;
  if (*term != 1 && *term != 3) r.Fail("term_years", "term_years must be 1 or 3");
  return static_cast<int>(*term);
}

int64_t TagOf(ObjectReader& r, bool required) {
  auto tag = required ? std::optional<int64_t>(r.RequiredInt("tag")) : r.Int("tag");
  if (tag && (*tag < 1 || *tag > kMaxTagNumber))
    r.Fail("tag", fmt::format("a tag number is 1 to {}", kMaxTagNumber));
  return tag.value_or(0);
}

// Prefixes an item's error with its place in the sale.
Error AtItem(size_t i, Error e) {
  e.detail = fmt::format("items[{}]: {}", i, e.detail);
  e.field = e.field.empty() ? fmt::format("items[{}]", i) : fmt::format("items[{}].{}", i, e.field);
  return e;
}

}  // namespace

Result<Sale> ParseSale(const json::value& body) {
  ObjectReader r(body);
  Sale sale;
  sale.drawer_id = r.RequiredString("drawer_id", 100);
  sale.payer_party_id = r.String("payer_party_id", 100).value_or("");
  sale.senior_owner = r.Bool("senior_owner").value_or(false);
  const json::array* items = r.Array("items");
  if (!items && !r.Has("items")) r.Fail("items", "items is required: what the sale pays for");
  const json::array* tenders = r.Array("tenders");
  if (!tenders && !r.Has("tenders")) r.Fail("tenders", "tenders is required: how the sale is paid");
  HF_RETURN_IF_ERROR(r.Finish());
  if (!items || items->empty()) return Invalid("a sale needs at least one item", "items");
  if (items->size() > 20) return Invalid("at most 20 items in one sale", "items");
  for (size_t i = 0; i < items->size(); ++i) {
    std::string at = fmt::format("items[{}].", i);
    if (!(*items)[i].is_object()) return Invalid(fmt::format("items[{}] must be an object", i), "items");
    ObjectReader ir((*items)[i].get_object(), at);
    std::string action = ir.RequiredString("action", 20);
    if (action == "issue") {
      IssueRequest q;
      q.pet_id = ir.RequiredString("pet_id", 100);
      q.term_years = TermOf(ir);
      q.tag = TagOf(ir, true);
      q.senior_owner = sale.senior_owner;
      sale.items.emplace_back(q);
    } else if (action == "renew") {
      RenewRequest q;
      q.number = ir.RequiredString("license", 100);
      q.term_years = TermOf(ir);
      q.tag = TagOf(ir, false);
      q.senior_owner = sale.senior_owner;
      sale.items.emplace_back(q);
    } else if (action == "replace_tag") {
      ReplaceTagRequest q;
      q.number = ir.RequiredString("license", 100);
      q.tag = TagOf(ir, true);
      q.reason = ir.RequiredString("reason", 20);
      sale.items.emplace_back(q);
    } else if (action == "transfer") {
      TransferRequest q;
      q.number = ir.RequiredString("license", 100);
      q.to_party_id = ir.RequiredString("to_party_id", 100);
      sale.items.emplace_back(q);
    } else if (!action.empty()) {
      ir.Fail("action", "action must be issue, renew, replace_tag or transfer");
    }
    HF_RETURN_IF_ERROR(ir.Finish());
  }
  if (!tenders) return Invalid("tenders is required: how the sale is paid", "tenders");
  HF_ASSIGN_OR_RETURN(sale.tenders, ParseTenders(json::value(*tenders)));
  return sale;
}

Result<json::object> CounterSale(store::CommandContext& ctx, const Sale& sale, Date today,
                                 const std::string& clerk) {
  PaymentRequest payment;
  payment.drawer_id = sale.drawer_id;
  payment.payer_party_id = sale.payer_party_id;
  payment.tenders = sale.tenders;
  payment.clerk = clerk;
  // Each license change names the receipt paying for it, so that voiding the receipt can undo it.
  HF_ASSIGN_OR_RETURN(payment.receipt, NextReceiptNumber(ctx));
  const std::string& receipt_number = payment.receipt;
  json::array licenses;
  for (size_t i = 0; i < sale.items.size(); ++i) {
    Result<LicenseCharge> charge = std::visit(
        [&](auto request) {
          request.receipt = receipt_number;
          return std::visit(
              Overloaded{[&](const IssueRequest& q) { return IssueLicense(ctx, q, today, clerk); },
                         [&](const RenewRequest& q) { return RenewLicense(ctx, q, today, clerk); },
                         [&](const ReplaceTagRequest& q) { return ReplaceTag(ctx, q, today, clerk); },
                         [&](const TransferRequest& q) { return TransferLicense(ctx, q, today, clerk); }},
              SaleItem(std::move(request)));
        },
        sale.items[i]);
    if (!charge.ok()) return AtItem(i, charge.error());
    if (payment.payer_party_id.empty()) payment.payer_party_id = StringOr(charge->license, "owner_party_id");
    for (auto& fee : charge->fees) payment.items.push_back(std::move(fee));
    licenses.push_back(std::move(charge->license));
  }
  HF_ASSIGN_OR_RETURN(json::object receipt, TakePayment(ctx, payment, clerk));
  return json::object{{"receipt", std::move(receipt)}, {"licenses", std::move(licenses)}};
}

}  // namespace holdfast::domain
