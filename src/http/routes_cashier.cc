// Routes: cashiering — drawers, counter payments, receipts, voids and refunds. Clerks, supervisors and admins
// work drawers and take payments; voids and refunds also need a supervisor's approval (http/approval.h);
// auditors read drawers, reports and receipts; a public user sees only receipts they paid.
#include "http/routes_cashier.h"
#include "http/schema.h"

#include <fmt/format.h>

#include "domain/cashier.h"
#include "domain/city_date.h"
#include "http/app.h"
#include "http/approval.h"

namespace holdfast::http {
namespace {

using namespace schema;  // NOLINT: the schema building blocks read as a language

using auth::Role;
using auth::RoleSet;

const RoleSet kCounter = {Role::kAdmin, Role::kSupervisor, Role::kClerk};
const RoleSet kCashReaders = {Role::kAdmin, Role::kSupervisor, Role::kClerk, Role::kAuditor};
const RoleSet kSupervisors = {Role::kAdmin, Role::kSupervisor};
const RoleSet kReceiptReaders = {Role::kAdmin, Role::kSupervisor, Role::kClerk, Role::kAuditor,
                                 Role::kPublic};

// Supervisors and admins may work another clerk's drawer (close it, void from it).
bool Supervises(const Call& call) {
  return call.who.user->roles.Intersects(RoleSet{Role::kSupervisor, Role::kAdmin});
}

// --- schemas
// ------------------------------------------------------------------------------------------------

json::value Cents() { return json::object{{"type", "integer"}, {"description", "integer cents"}}; }
json::value TenderKind() {
  return json::object{{"enum", json::array{"cash", "check", "card", "money_order"}}};
}

json::value ItemSchema() {
  return Obj({{"code", json::object{{"type", "string"}, {"pattern", "^[A-Z0-9_-]{1,24}$"}}},
              {"description", json::object{{"type", "string"}, {"maxLength", 200}}},
              {"amount_cents", Cents()},
              {"ref", json::object{{"type", "string"}, {"maxLength", 100}}}},
             {"code", "description", "amount_cents"}, true);
}

json::value TenderSchema() {
  return Obj({{"kind", TenderKind()},
              {"amount_cents", json::object{{"type", "integer"}, {"minimum", 1}}},
              {"number", json::object{{"type", "string"},
                                      {"maxLength", 40},
                                      {"description", "check or money order number (required for those)"}}},
              {"reference", json::object{{"type", "string"},
                                         {"maxLength", 100},
                                         {"description", "card terminal reference (required for card)"}}}},
             {"kind", "amount_cents"}, true);
}

json::value RefundSchema() {
  return Obj({{"id", Type("string")},
              {"receipt", Type("string")},
              {"drawer_id", Type("string")},
              {"amount_cents", Cents()},
              {"tender_kind", TenderKind()},
              {"reason", Type("string")},
              {"approved_by", Type("string")},
              {"clerk", Type("string")},
              {"refunded_at", Type("integer")}});
}

}  // namespace

json::value ReceiptSchema() {
  return Obj(
      {{"receipt", Type("string")},
       {"drawer_id", Type("string")},
       {"payer_party_id", Type("string")},
       {"clerk", Type("string")},
       {"items", ArrayOf(ItemSchema())},
       {"total_cents", Cents()},
       {"tenders", ArrayOf(TenderSchema())},
       {"change_cents", Cents()},
       {"status", json::object{{"enum", json::array{"paid", "partly-refunded", "refunded", "voided",
                                                    "check-returned"}}}},
       {"refunded_cents", Cents()},
       {"refundable_cents", Cents()},
       {"refunds", ArrayOf(RefundSchema())},
       {"void", json::object{{"type", json::array{"object", "null"}},
                             {"properties", json::object{{"reason", Type("string")},
                                                         {"approved_by", Type("string")},
                                                         {"voided_by", Type("string")},
                                                         {"voided_at", Type("integer")}}}}},
       {"returned_check", json::object{{"type", json::array{"object", "null"}},
                                       {"description", "the receipt's check, returned unpaid by the bank"},
                                       {"properties", json::object{{"reason", Type("string")},
                                                                   {"returned_by", Type("string")},
                                                                   {"returned_at", Type("integer")},
                                                                   {"returned_on", Type("string")},
                                                                   {"reversed", Type("boolean")},
                                                                   {"not_reversed", Type("string")}}}}},
       {"taken_at", Type("integer")},
       {"event_hash", json::object{{"type", "string"},
                                   {"pattern", "^[0-9a-f]{64}$"},
                                   {"description",
                                    "SHA-256 of the payment.taken event that created the receipt: "
                                    "GET /api/v1/verify/receipt/{number} proves it is in the node log"}}}});
}

namespace {

json::value DrawerSchema() {
  return Obj({{"id", Type("string")},
              {"node", Type("string")},
              {"clerk", Type("string")},
              {"float_cents", Cents()},
              {"opened_on", json::object{{"type", "string"}, {"format", "date"}}},
              {"opened_at", Type("integer")},
              {"status", json::object{{"enum", json::array{"open", "closed"}}}},
              {"closed_at", NullableInt()},
              {"closed_by", Type("string")},
              {"expected_cash_cents", NullableInt()},
              {"counted_cash_cents", NullableInt()},
              {"over_short_cents", NullableInt()}});
}

json::value CountSchema(bool output) {
  json::object p{
      {"denomination_cents",
       json::object{{"enum", json::array{10000, 5000, 2000, 1000, 500, 200, 100, 50, 25, 10, 5, 1}}}},
      {"form", json::object{{"enum", json::array{"bill", "coin"}},
                            {"description", "default: bill for 100 and up, coin below"}}},
      {"count", json::object{{"type", "integer"}, {"minimum", 0}}}};
  if (output) {
    p["amount_cents"] = Cents();
    return Obj(std::move(p));
  }
  return Obj(std::move(p), {"denomination_cents", "count"}, true);
}

json::value ReportSchema() {
  json::value count_total = Obj({{"count", Type("integer")}, {"total_cents", Cents()}});
  return Obj(
      {{"drawer", DrawerSchema()},
       {"float_cents", Cents()},
       {"receipts", count_total},
       {"voids", count_total},
       {"refunds", count_total},
       {"net_cents", Cents()},
       {"by_tender", ArrayOf(Obj({{"kind", TenderKind()},
                                  {"count", Type("integer")},
                                  {"received_cents", Cents()},
                                  {"refund_count", Type("integer")},
                                  {"refunded_cents", Cents()},
                                  {"net_cents", Cents()}}))},
       {"by_fee_code",
        ArrayOf(Obj({{"code", Type("string")}, {"count", Type("integer")}, {"amount_cents", Cents()}}))},
       {"cash", Obj({{"float_cents", Cents()},
                     {"tendered_cents", Cents()},
                     {"change_cents", Cents()},
                     {"refunded_cents", Cents()},
                     {"expected_cents", Cents()}})},
       {"expected_cash_cents", NullableInt()},
       {"counted_cash_cents", NullableInt()},
       {"over_short_cents", NullableInt()},
       {"counted", ArrayOf(CountSchema(true))}});
}

// --- drawers
// ------------------------------------------------------------------------------------------------

void OpenDrawer(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  domain::OpenDrawerRequest request;
  request.float_cents = r.RequiredInt("float_cents");
  Status s = r.Finish();
  if (!s.ok()) return call.Fail(s.error());
  std::string actor = call.who.id();
  request.clerk = actor;
  call.app->Write(
      call,
      [request, actor](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(json::object d, domain::OpenDrawer(ctx, request, actor));
        return json::value(std::move(d));
      },
      [](const json::value& d) {
        return Response::Created(d, fmt::format("/api/v1/drawers/{}", StringOr(d.as_object(), "id")));
      });
}

void GetDrawer(Call& call) {
  const std::string& id = call.params["id"];
  call.app->Read(call, [&](store::Db& db) { call.ReplyFound(domain::GetDrawer(db, id), "drawer " + id); });
}

void ListDrawers(Call& call) {
  domain::DrawerQuery q;
  q.status = std::string(call.req.Query("status"));
  if (!q.status.empty() && q.status != "open" && q.status != "closed") {
    return call.Fail(Invalid("status must be open or closed", "status"));
  }
  q.clerk = std::string(call.req.Query("clerk"));
  if (q.clerk == "me") q.clerk = call.who.id();
  auto limit = call.QueryInt("limit", q.limit, 1, 500);
  if (!limit.ok()) return call.Fail(limit.error());
  q.limit = *limit;
  q.after = std::string(call.req.Query("cursor"));
  call.app->Read(call, [&](store::Db& db) {
    auto page = domain::ListDrawers(db, q);
    if (!page.ok()) return call.Fail(page.error());
    call.ReplyJson(200, json::object{{"items", std::move(page->items)}, {"next_cursor", page->next_cursor}});
  });
}

void CloseDrawer(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  const json::array* counted = r.Array("counted");
  if (!counted) {
    r.Fail("counted", "counted is required: [{denomination_cents, count}] for the cash in the drawer");
  }
  Status s = r.Finish();
  if (!s.ok()) return call.Fail(s.error());
  auto counts = domain::ParseCashCounts(*counted);
  if (!counts.ok()) return call.Fail(counts.error());
  domain::CloseDrawerRequest request{call.params["id"], std::move(*counts), Supervises(call)};
  std::string actor = call.who.id();
  call.app->Write(
      call,
      [request = std::move(request), actor](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(json::object report, domain::CloseDrawer(ctx, request, actor));
        return json::value(std::move(report));
      },
      [](const json::value& report) { return Response::Json(200, report); });
}

void Report(Call& call) {
  const std::string& id = call.params["id"];
  std::string_view format = call.req.Query("format");
  if (!format.empty() && format != "json" && format != "csv") {
    return call.Fail(Invalid("format must be json or csv", "format"));
  }
  call.app->Read(call, [&](store::Db& db) {
    auto report = domain::DrawerReport(db, id);
    if (!report.ok()) return call.Fail(report.error());
    if (!*report) return call.Fail(NotFound(fmt::format("no drawer {}", id)));
    if (format != "csv") return call.ReplyJson(200, **report);
    Response r = Response::Text(200, domain::DrawerReportCsv(**report), "text/csv; charset=utf-8");
    r.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"drawer-{}.csv\"", id));
    call.Reply(std::move(r));
  });
}

// --- payments and receipts
// ----------------------------------------------------------------------------------

void TakePayment(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  domain::PaymentRequest request;
  request.drawer_id = r.RequiredString("drawer_id", 100);
  request.payer_party_id = r.String("payer_party_id", 100).value_or("");
  const json::array* items = r.Array("items");
  if (!items) r.Fail("items", "items is required: [{code, description, amount_cents}]");
  const json::array* tenders = r.Array("tenders");
  if (!tenders) r.Fail("tenders", "tenders is required: [{kind, amount_cents, …}]");
  Status s = r.Finish();
  if (!s.ok()) return call.Fail(s.error());
  auto lines = domain::ParseFeeLines(*items);
  if (!lines.ok()) return call.Fail(lines.error());
  auto parsed = domain::ParseTenders(*tenders);
  if (!parsed.ok()) return call.Fail(parsed.error());
  request.items = std::move(*lines);
  request.tenders = std::move(*parsed);
  std::string actor = call.who.id();
  request.clerk = actor;
  call.app->Write(
      call,
      [request = std::move(request), actor](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(json::object receipt, domain::TakePayment(ctx, request, actor));
        return json::value(std::move(receipt));
      },
      [](const json::value& receipt) {
        return Response::Created(
            receipt, fmt::format("/api/v1/receipts/{}", StringOr(receipt.as_object(), "receipt")));
      });
}

void GetReceipt(Call& call) {
  const std::string& number = call.params["number"];
  call.app->Read(call, [&](store::Db& db) {
    auto receipt = domain::GetReceipt(db, number);
    if (!receipt.ok()) return call.Fail(receipt.error());
    // A public user sees only the receipts they paid; others do not learn a receipt exists.
    bool visible = *receipt && (!call.who.IsPublicOnly() ||
                                (!call.who.user->party_id.empty() &&
                                 StringOr(**receipt, "payer_party_id") == call.who.user->party_id));
    if (!visible) return call.Fail(NotFound(fmt::format("no receipt {}", number)));
    call.ReplyJson(200, **receipt);
  });
}

void VoidReceipt(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  domain::VoidRequest request;
  request.receipt = call.params["number"];
  request.reason = r.RequiredString("reason", 500);
  const json::object* approval_member = r.Object("approval");
  Status s = r.Finish();
  if (!s.ok()) return call.Fail(s.error());
  auto approval = ParseApproval(approval_member, "a void");
  if (!approval.ok()) return call.Fail(approval.error());
  request.any_drawer = Supervises(call);
  std::string actor = call.who.id();
  std::string purpose = fmt::format("void {}", request.receipt);
  WriteWithApproval(
      call, std::move(*approval), std::move(purpose),
      [request, actor](store::CommandContext& ctx, const std::string& approver) -> Result<json::value> {
        domain::VoidRequest approved = request;
        approved.approved_by = approver;
        HF_ASSIGN_OR_RETURN(json::object receipt, domain::VoidPayment(ctx, approved, actor));
        return json::value(std::move(receipt));
      },
      [](const json::value& receipt) { return Response::Json(200, receipt); });
}

void RefundReceipt(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  domain::RefundRequest request;
  request.receipt = call.params["number"];
  request.amount_cents = r.RequiredInt("amount_cents");
  request.drawer_id = r.RequiredString("drawer_id", 100);
  request.tender_kind = r.RequiredString("tender_kind", 20);
  request.reason = r.RequiredString("reason", 500);
  const json::object* approval_member = r.Object("approval");
  Status s = r.Finish();
  if (!s.ok()) return call.Fail(s.error());
  auto approval = ParseApproval(approval_member, "a refund");
  if (!approval.ok()) return call.Fail(approval.error());
  std::string actor = call.who.id();
  std::string purpose =
      fmt::format("refund {} of {}", domain::FormatCents(request.amount_cents), request.receipt);
  WriteWithApproval(
      call, std::move(*approval), std::move(purpose),
      [request, actor](store::CommandContext& ctx, const std::string& approver) -> Result<json::value> {
        domain::RefundRequest approved = request;
        approved.approved_by = approver;
        HF_ASSIGN_OR_RETURN(json::object refund, domain::RefundPayment(ctx, approved, actor));
        return json::value(std::move(refund));
      },
      [](const json::value& answer) {
        const json::object& refund = ObjectOr(answer.as_object(), "refund");
        return Response::Created(answer, fmt::format("/api/v1/receipts/{}", StringOr(refund, "receipt")));
      });
}

void ReturnedChecks(Call& call) {
  const int64_t now = call.app->node().clock().NowMs();
  std::string from(call.req.Query("from")), to(call.req.Query("to"));
  call.app->Read(call, [&](store::Db& db) {
    auto today = domain::CityToday(db, now);
    if (!today.ok()) return call.Fail(today.error());
    auto last = to.empty() ? Result<Date>(*today) : Date::Parse(to, "to");
    if (!last.ok()) return call.Fail(last.error());
    auto first = from.empty() ? Result<Date>(last->AddDays(-29)) : Date::Parse(from, "from");
    if (!first.ok()) return call.Fail(first.error());
    if (*first > *last || last->days() - first->days() > 366) {
      return call.Fail(Invalid("from must come before to, at most 366 days before it", "from"));
    }
    auto list = domain::ReturnedChecks(db, *first, *last);
    if (!list.ok()) return call.Fail(list.error());
    call.ReplyJson(200, *list);
  });
}

void ReturnedCheck(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  domain::ReturnedCheckRequest request;
  request.receipt = call.params["number"];
  request.reason = r.RequiredString("reason", 500);
  if (Status s = r.Finish(); !s.ok()) return call.Fail(s.error());
  std::string actor = call.who.id();
  call.app->Write(
      call,
      [request, actor](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(json::object receipt, domain::RecordReturnedCheck(ctx, request, actor));
        return json::value(std::move(receipt));
      },
      [](const json::value& receipt) { return Response::Json(200, receipt); });
}

}  // namespace

void RegisterCashierRoutes(App& app) {
  Router& r = app.router();
  r.Add({.method = "POST",
         .pattern = "/api/v1/drawers",
         .roles = kCounter,
         .summary = "Open a cash drawer for yourself with its starting float (one open drawer per clerk)",
         .tag = "cashiering",
         .request_schema =
             Obj({{"float_cents", json::object{{"type", "integer"}, {"minimum", 0}}}}, {"float_cents"}, true),
         .response_schema = DrawerSchema(),
         .success_status = 201,
         .handler = OpenDrawer});
  r.Add({.method = "GET",
         .pattern = "/api/v1/drawers",
         .roles = kCashReaders,
         .summary = "Drawers, most recently opened first, by status and clerk",
         .tag = "cashiering",
         .response_schema = Obj({{"items", ArrayOf(DrawerSchema())}, {"next_cursor", Type("string")}}),
         .query_params = {{"status", "open or closed (default: both)"},
                          {"clerk", "a clerk's user id, or me"},
                          {"limit", "1 to 500 (default 50)"},
                          {"cursor", "next_cursor of the previous page"}},
         .handler = ListDrawers});
  r.Add({.method = "GET",
         .pattern = "/api/v1/drawers/{id}",
         .roles = kCashReaders,
         .summary = "One drawer, with the cash it should hold now (or as recorded at its close)",
         .tag = "cashiering",
         .response_schema = DrawerSchema(),
         .handler = GetDrawer});
  r.Add({.method = "POST",
         .pattern = "/api/v1/drawers/{id}/close",
         .roles = kCounter,
         .summary = "Close your drawer with the cash counted by denomination; answers the close-out report "
                    "with over/short (a supervisor or admin may close another clerk's drawer)",
         .tag = "cashiering",
         .request_schema = Obj({{"counted", ArrayOf(CountSchema(false))}}, {"counted"}, true),
         .response_schema = ReportSchema(),
         .handler = CloseDrawer});
  r.Add({.method = "GET",
         .pattern = "/api/v1/drawers/{id}/report",
         .roles = kCashReaders,
         .summary = "A drawer's close-out report: totals by tender kind and by fee code, voids, refunds, "
                    "float, expected and counted cash, over/short (?format=csv: text/csv, one figure a row)",
         .tag = "cashiering",
         .response_schema = ReportSchema(),
         .alternate_content_type = "text/csv",
         .query_params = {{"format", "json (default) or csv"}},
         .handler = Report});
  r.Add({.method = "POST",
         .pattern = "/api/v1/payments",
         .roles = kCounter,
         .summary = "Take a counter payment into your open drawer: items (fees typed at the counter) paid by "
                    "one or more tenders; answers the receipt",
         .tag = "cashiering",
         .request_schema =
             Obj({{"drawer_id", Type("string")},
                  {"payer_party_id", Type("string")},
                  {"items", json::object{{"type", "array"}, {"minItems", 1}, {"items", ItemSchema()}}},
                  {"tenders", ArrayOf(TenderSchema())}},
                 {"drawer_id", "items", "tenders"}, true),
         .response_schema = ReceiptSchema(),
         .success_status = 201,
         .handler = TakePayment});
  r.Add({.method = "GET",
         .pattern = "/api/v1/receipts/{number}",
         .roles = kReceiptReaders,
         .summary =
             "One receipt with its items, tenders, refunds and void (a public user: only receipts they "
             "paid)",
         .tag = "cashiering",
         .response_schema = ReceiptSchema(),
         .handler = GetReceipt});
  r.Add({.method = "POST",
         .pattern = "/api/v1/receipts/{number}/void",
         .roles = kCounter,
         .summary = "Void a whole payment while its drawer is open, with a supervisor's approval (their own "
                    "credentials); answers the receipt",
         .tag = "cashiering",
         .request_schema = Obj({{"reason", json::object{{"type", "string"}, {"maxLength", 500}}},
                                {"approval", ApprovalSchema()}},
                               {"reason", "approval"}, true),
         .response_schema = ReceiptSchema(),
         .handler = VoidReceipt});
  r.Add({.method = "POST",
         .pattern = "/api/v1/receipts/{number}/refunds",
         .roles = kCounter,
         .summary = "Refund part or all of a payment from your open drawer, in cash or back to a non-cash "
                    "kind it was paid with, with a supervisor's approval; answers the refund and the receipt",
         .tag = "cashiering",
         .request_schema = Obj({{"amount_cents", json::object{{"type", "integer"}, {"minimum", 1}}},
                                {"drawer_id", Type("string")},
                                {"tender_kind", TenderKind()},
                                {"reason", json::object{{"type", "string"}, {"maxLength", 500}}},
                                {"approval", ApprovalSchema()}},
                               {"amount_cents", "drawer_id", "tender_kind", "reason", "approval"}, true),
         .response_schema = Obj({{"refund", RefundSchema()}, {"receipt", ReceiptSchema()}}),
         .success_status = 201,
         .handler = RefundReceipt});
  r.Add({.method = "POST",
         .pattern = "/api/v1/receipts/{number}/returned-check",
         .roles = kSupervisors,
         .summary =
             "Record that the bank returned a receipt's check unpaid (any time after, drawer open or "
             "closed): what it paid for is owed again, the drawer's figures stay as deposited. When that "
             "cannot be taken back (a permit issued since), the return is recorded without it "
             "(returned_check.reversed false, with the reason) and queued as a conflict",
         .tag = "cashiering",
         .request_schema =
             Obj({{"reason", json::object{{"type", "string"}, {"maxLength", 500}}}}, {"reason"}, true),
         .response_schema = ReceiptSchema(),
         .handler = ReturnedCheck});
  r.Add({.method = "GET",
         .pattern = "/api/v1/returned-checks",
         .roles = kCashReaders,
         .summary = "The checks returned unpaid, by the day they were recorded (?from, ?to: YYYY-MM-DD, by "
                    "default the 30 days to today), with their count and total",
         .tag = "cashiering",
         .response_schema = Obj({{"from", Type("string")},
                                 {"to", Type("string")},
                                 {"items", ArrayOf(Type("object"))},
                                 {"count", Type("integer")},
                                 {"total_cents", Cents()}}),
         .query_params = {{"from", "first day, YYYY-MM-DD (default: 29 days before to, 30 days in all)"},
                          {"to", "last day, YYYY-MM-DD (default: today in the city)"}},
         .handler = ReturnedChecks});
}

}  // namespace holdfast::http
