// Routes: utility accounts, bills, payments at a counter, adjustments, late fees and the shut-off list; and
// incidents, with the public status the portal's banner reads. Clerks open accounts and take payments;
// supervisors import bills, adjust, run the late-fee job and declare and end incidents; admins set the
// late-fee rules; a public user sees only the accounts of their own party; anyone reads the public status.
#include <fmt/format.h>

#include "domain/cashier.h"
#include "domain/incidents.h"
#include "domain/online_payments.h"
#include "domain/utilities.h"
#include "http/app.h"
#include "http/online_payment_route.h"
#include "http/routes_cashier.h"
#include "http/schema.h"

namespace holdfast::http {
namespace {

using namespace schema;  // NOLINT: the schema building blocks read as a language

using auth::Role;
using auth::RoleSet;

const RoleSet kCounter = {Role::kAdmin, Role::kSupervisor, Role::kClerk};
const RoleSet kSupervisors = {Role::kAdmin, Role::kSupervisor};
const RoleSet kAccountReaders = {Role::kAdmin, Role::kSupervisor, Role::kClerk, Role::kAuditor,
                                 Role::kPublic};

json::value AccountSchema() {
  json::object row =
      Obj({{"id", Type("string")},
           {"kind", Enum(json::array{"bill", "late_fee", "payment", "reversal", "adjustment"})},
           {"amount_cents", Type("integer")},
           {"period", Type("string")},
           {"due_on", Type("string")},
           {"effective_due_on", json::object{{"type", json::array{"string", "null"}}}},
           {"unpaid_cents", Type("integer")},
           {"bill_id", Type("string")},
           {"receipt", Type("string")},
           {"channel", Type("string")},
           {"reference", Type("string")},
           {"note", Type("string")},
           {"on", DateType()}})
          .as_object();
  return Obj({{"number", Type("string")},
              {"customer_party_id", Type("string")},
              {"customer_name", Type("string")},
              {"service_address", PostalAddress()},
              {"status", Enum(json::array{"open", "closed"})},
              {"opened_on", DateType()},
              {"closed_on", NullableDate()},
              {"balance_cents", Type("integer")},
              {"past_due_cents", Type("integer")},
              {"oldest_past_due_on", NullableDate()},
              {"ledger", ArrayOf(row)}});
}

json::value SettingsSchema() {
  return Obj({{"late_fee_cents", Type("integer")},
              {"late_fee_basis_points", Type("integer")},
              {"grace_days", Type("integer")},
              {"shutoff_days", Type("integer")}},
             {}, true);
}

json::value IncidentSchema() {
  return Obj({{"id", Type("string")},
              {"started_on", DateType()},
              {"ended_on", NullableDate()},
              {"protected_through", NullableDate()},
              {"active", Type("boolean")},
              {"in_effect", Type("boolean")},
              {"services", ArrayOf(Enum(json::array{"utilities", "licenses", "permits"}))},
              {"notice", Type("string")},
              {"grace_days", Type("integer")}});
}

// A public user may read only the accounts of their own party.
bool MayRead(const Call& call, const json::object& account) {
  if (!call.who.IsPublicOnly()) return true;
  return !call.who.user->party_id.empty() &&
         StringOr(account, "customer_party_id") == call.who.user->party_id;
}

void Answer(Call& call, int status, std::function<Result<json::value>(store::CommandContext&)> command) {
  call.app->Write(call, std::move(command),
                  [status](const json::value& v) { return Response::Json(status, v); });
}

template <typename F>
auto AsValue(F f) {
  return [f = std::move(f)](store::CommandContext& ctx) -> Result<json::value> {
    HF_ASSIGN_OR_RETURN(auto out, f(ctx));
    return json::value(std::move(out));
  };
}

// --- settings
// -----------------------------------------------------------------------------------------------

void GetSettings(Call& call) {
  call.app->Read(call, [&](store::Db& db) {
    auto s = domain::CurrentUtilitySettings(db);
    if (!s.ok()) return call.Fail(s.error());
    call.ReplyJson(200, s->ToJson());
  });
}

void PutSettings(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  auto s = domain::ParseUtilitySettings(*body);
  if (!s.ok()) return call.Fail(s.error());
  std::string actor = call.who.id();
  Answer(call, 200, AsValue([s = *s, actor](store::CommandContext& ctx) {
           return domain::SetUtilitySettings(ctx, s, actor);
         }));
}

// --- accounts
// -----------------------------------------------------------------------------------------------

void OpenAccount(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  auto in = domain::ParseAccountInput(*body);
  if (!in.ok()) return call.Fail(in.error());
  std::string actor = call.who.id();
  Date today = CityToday(call);
  call.app->Write(call, AsValue([in = std::move(*in), actor, today](store::CommandContext& ctx) {
                    return domain::OpenAccount(ctx, in, today, actor);
                  }),
                  [](const json::value& a) {
                    return Response::Created(
                        a, fmt::format("/api/v1/utility/accounts/{}", StringOr(a.as_object(), "number")));
                  });
}

void GetAccount(Call& call) {
  const std::string& number = call.params["number"];
  Date today = CityToday(call);
  call.app->Read(call, [&](store::Db& db) {
    auto a = domain::GetAccount(db, number, today);
    if (!a.ok()) return call.Fail(a.error());
    // A public user learns nothing of accounts that are not theirs, not even that they exist.
    if (!*a || !MayRead(call, **a)) return call.Fail(NotFound(fmt::format("no utility account {}", number)));
    call.ReplyJson(200, **a);
  });
}

void ListAccounts(Call& call) {
  domain::AccountQuery q;
  q.party_id = std::string(call.req.Query("party_id"));
  q.q = std::string(call.req.Query("q"));
  if (call.who.IsPublicOnly()) {
    if (call.who.user->party_id.empty()) return call.ReplyJson(200, json::object{{"items", json::array{}}});
    q.party_id = call.who.user->party_id;
  }
  auto limit = call.QueryInt("limit", q.limit, 1, 500);
  if (!limit.ok()) return call.Fail(limit.error());
  q.limit = *limit;
  call.app->Read(call, [&](store::Db& db) {
    auto list = domain::ListAccounts(db, q);
    if (!list.ok()) return call.Fail(list.error());
    call.ReplyJson(200, json::object{{"items", std::move(*list)}});
  });
}

void ImportBills(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  std::string file_name = r.RequiredString("file_name", 200);
  std::string csv = r.RequiredString("csv", 50'000'000);
  if (Status s = r.Finish(); !s.ok()) return call.Fail(s.error());
  std::string actor = call.who.id();
  Date today = CityToday(call);
  Answer(call, 201, AsValue([csv = std::move(csv), file_name, actor, today](store::CommandContext& ctx) {
           return domain::ImportBills(ctx, csv, file_name, today, actor);
         }));
}

void ImportLockbox(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  std::string file_name = r.RequiredString("file_name", 200);
  std::string content = r.RequiredString("content", 50'000'000);
  if (Status s = r.Finish(); !s.ok()) return call.Fail(s.error());
  std::string actor = call.who.id();
  Date today = CityToday(call);
  Answer(call, 201,
         AsValue([content = std::move(content), file_name, actor, today](store::CommandContext& ctx) {
           return domain::ImportLockbox(ctx, content, file_name, today, actor);
         }));
}

void ListExceptions(Call& call) {
  std::string status(call.req.Query("status"));
  if (status.empty()) status = "open";
  if (status == "all") status.clear();
  call.app->Read(call, [&](store::Db& db) {
    auto list = domain::ListLockboxExceptions(db, status);
    if (!list.ok()) return call.Fail(list.error());
    call.ReplyJson(200, json::object{{"items", std::move(*list)}});
  });
}

void ResolveException(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  std::string resolution = r.RequiredString("resolution", 20);
  std::string account = r.String("account", 20).value_or("");
  std::string note = r.String("note", 500).value_or("");
  if (Status s = r.Finish(); !s.ok()) return call.Fail(s.error());
  std::string actor = call.who.id(), id = call.params["id"];
  Date today = CityToday(call);
  Answer(call, 200, AsValue([id, resolution, account, note, actor, today](store::CommandContext& ctx) {
           return domain::ResolveLockboxException(ctx, id, resolution, account, note, today, actor);
         }));
}

void Pay(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  domain::UtilityCounterPayment p;
  p.number = call.params["number"];
  p.drawer_id = r.RequiredString("drawer_id", 100);
  p.payer_party_id = r.String("payer_party_id", 100).value_or("");
  p.amount_cents = r.RequiredInt("amount_cents");
  const json::array* tenders = r.Array("tenders");
  if (!tenders && !r.Has("tenders")) r.Fail("tenders", "tenders is required: how the payment is made");
  if (Status s = r.Finish(); !s.ok()) return call.Fail(s.error());
  auto parsed = domain::ParseTenders(json::value(*tenders));
  if (!parsed.ok()) return call.Fail(parsed.error());
  p.tenders = std::move(*parsed);
  std::string clerk = call.who.id();
  Date today = CityToday(call);
  call.app->Write(
      call, AsValue([p = std::move(p), clerk, today](store::CommandContext& ctx) {
        return domain::PayAtCounter(ctx, p, today, clerk);
      }),
      [](const json::value& done) {
        return Response::Created(
            done, fmt::format("/api/v1/receipts/{}", StringOr(done.at("receipt").as_object(), "receipt")));
      });
}

// The card is charged off the network and writer threads (http/online_payment_route.h).
void PayOnline(Call& call) { PayOnlineRoute(call, domain::PaymentTarget::kUtilityAccount); }

void ListOnlinePayments(Call& call) {
  std::string status(call.req.Query("status"));
  std::string number(call.req.Query("number"));
  if (!status.empty() && status != "pending" && status != "approved" && status != "declined" &&
      status != "abandoned" && status != "unapplied" && status != "refunded") {
    return call.Fail(
        Invalid("status is pending, approved, declined, abandoned, unapplied or refunded", "status"));
  }
  auto limit = call.QueryInt("limit", 100, 1, 1000);
  if (!limit.ok()) return call.Fail(limit.error());
  call.app->Read(call, [&](store::Db& db) {
    auto list = domain::ListOnlinePayments(db, status, number, *limit);
    if (!list.ok()) return call.Fail(list.error());
    call.ReplyJson(200, json::object{{"items", std::move(*list)}});
  });
}

// The processor is asked on a call-out thread (it may take seconds to answer), never on a network or writer
// thread.
void RefundOnline(Call& call) {
  App& app = *call.app;
  domain::PaymentGateway* gateway = app.gateway();
  if (!gateway) {
    return call.Fail(
        MakeError(Code::kUnavailable,
                  "the card processor is not reachable from this office now: refund from an office "
                  "that reaches it, or try again later",
                  "payments-offline"));
  }
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  std::string reason = r.RequiredString("reason", 500);
  if (Status s = r.Finish(); !s.ok()) return call.Fail(s.error());
  std::string id = call.params["id"], actor = call.who.id();
  Date today = CityToday(call);
  auto keep = call.shared_from_this();
  app.CallOut([keep, &app, gateway, id, reason, actor, today] {
    Call& c = *keep;
    auto db = app.node().Read();
    if (!db.ok()) return c.Fail(db.error());
    auto refunded = domain::RefundOnline(**db, app.node().writer(), *gateway, id, reason, today, actor);
    if (!refunded.ok()) return c.Fail(refunded.error());
    c.ReplyJson(200, *refunded);
  });
}

void Adjust(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  int64_t amount = r.RequiredInt("amount_cents");
  std::string reason = r.RequiredString("reason", 500);
  if (Status s = r.Finish(); !s.ok()) return call.Fail(s.error());
  std::string actor = call.who.id(), number = call.params["number"];
  Date today = CityToday(call);
  Answer(call, 200, AsValue([number, amount, reason, actor, today](store::CommandContext& ctx) {
           return domain::AdjustAccount(ctx, number, amount, reason, today, actor, actor);
         }));
}

void ReturnLockboxPayment(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  std::string payment_id = r.RequiredString("payment_id", 100);
  std::string reason = r.RequiredString("reason", 500);
  if (Status s = r.Finish(); !s.ok()) return call.Fail(s.error());
  std::string actor = call.who.id(), number = call.params["number"];
  Answer(call, 200, AsValue([number, payment_id, reason, actor](store::CommandContext& ctx) {
           return domain::ReturnLockboxPayment(ctx, number, payment_id, reason, actor);
         }));
}

void AssessLateFees(Call& call) {
  std::string actor = call.who.id();
  Date today = CityToday(call);
  Answer(call, 200, [actor, today](store::CommandContext& ctx) -> Result<json::value> {
    HF_ASSIGN_OR_RETURN(json::array fees, domain::AssessLateFees(ctx, today, actor));
    return json::value(json::object{{"date", today.ToString()}, {"assessed", std::move(fees)}});
  });
}

void Shutoff(Call& call) {
  Date today = CityToday(call);
  call.app->Read(call, [&](store::Db& db) {
    auto list = domain::ShutoffList(db, today);
    if (!list.ok()) return call.Fail(list.error());
    call.ReplyJson(200, *list);
  });
}

// --- incidents
// ------------------------------------------------------------------------------------------------

void ListIncidents(Call& call) {
  Date today = CityToday(call);
  call.app->Read(call, [&](store::Db& db) {
    auto all = domain::ListIncidents(db);
    if (!all.ok()) return call.Fail(all.error());
    json::array items;
    for (const auto& i : *all) items.push_back(i.ToJson(today));
    call.ReplyJson(200, json::object{{"items", std::move(items)}});
  });
}

void Declare(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  auto d = domain::ParseIncidentDeclaration(*body);
  if (!d.ok()) return call.Fail(d.error());
  std::string actor = call.who.id();
  Date today = CityToday(call);
  call.app->Write(call, AsValue([d = std::move(*d), actor, today](store::CommandContext& ctx) {
                    return domain::DeclareIncident(ctx, d, today, actor);
                  }),
                  [](const json::value& i) {
                    return Response::Created(
                        i, fmt::format("/api/v1/incidents/{}", StringOr(i.as_object(), "id")));
                  });
}

void End(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  std::optional<Date> ended_on;
  if (auto text = r.String("ended_on", 10)) {
    auto d = Date::Parse(*text, "ended_on");
    if (!d.ok()) return call.Fail(d.error());
    ended_on = *d;
  }
  if (Status s = r.Finish(); !s.ok()) return call.Fail(s.error());
  std::string actor = call.who.id(), id = call.params["id"];
  Date today = CityToday(call);
  Answer(call, 200, AsValue([id, ended_on, actor, today](store::CommandContext& ctx) {
           return domain::EndIncident(ctx, id, ended_on, today, actor);
         }));
}

void PublicStatus(Call& call) {
  Date today = CityToday(call);
  call.app->Read(call, [&](store::Db& db) {
    auto s = domain::PublicStatus(db, today);
    if (!s.ok()) return call.Fail(s.error());
    (*s)["city"] = call.app->node().city();
    call.ReplyJson(200, *s);
  });
}

}  // namespace

void RegisterUtilityRoutes(App& app) {
  Router& r = app.router();
  r.Add({.method = "GET",
         .pattern = "/api/v1/utility/settings",
         .roles = RoleSet::Staff(),
         .summary = "The late-fee and shut-off rules",
         .tag = "utilities",
         .response_schema = SettingsSchema(),
         .handler = GetSettings});
  r.Add({.method = "PUT",
         .pattern = "/api/v1/utility/settings",
         .roles = {Role::kAdmin},
         .summary = "Set the late-fee and shut-off rules (fees already assessed stay as they are)",
         .tag = "utilities",
         .request_schema = SettingsSchema(),
         .response_schema = SettingsSchema(),
         .handler = PutSettings});
  r.Add({.method = "POST",
         .pattern = "/api/v1/utility/accounts",
         .roles = kCounter,
         .summary = "Open a utility account for a customer at a service address",
         .tag = "utilities",
         .request_schema =
             Obj({{"number", Str(20)}, {"customer_party_id", Str(100)}, {"service_address", PostalAddress()}},
                 {"number", "customer_party_id", "service_address"}, true),
         .response_schema = AccountSchema(),
         .success_status = 201,
         .handler = OpenAccount});
  r.Add({.method = "GET",
         .pattern = "/api/v1/utility/accounts",
         .roles = kAccountReaders,
         .summary =
             "Utility accounts by number (of one customer ?party_id, or matching ?q); a public user sees "
             "their own",
         .tag = "utilities",
         .response_schema = Obj({{"items", ArrayOf(Type("object"))}}),
         .query_params =
             {{"party_id", "only this customer's accounts"},
              {"q", "an account number prefix, or part of the service address or of the customer's name"},
              {"limit", "at most this many, 1 to 500 (default 50)"}},
         .handler = ListAccounts});
  r.Add({.method = "GET",
         .pattern = "/api/v1/utility/accounts/{number}",
         .roles = kAccountReaders,
         .summary = "An account with its balance, what is past due, and its full history",
         .tag = "utilities",
         .response_schema = AccountSchema(),
         .handler = GetAccount});
  r.Add(
      {.method = "POST",
       .pattern = "/api/v1/utility/bills/import",
       .roles = kSupervisors,
       .summary =
           "Post the bills of a billing-run file (CSV account,period,amount,due_date), all or nothing, "
           "never twice",
       .tag = "utilities",
       .request_schema = Obj({{"file_name", Str(200)}, {"csv", Type("string")}}, {"file_name", "csv"}, true),
       .response_schema =
           Obj({{"import_id", Type("string")}, {"bills", Type("integer")}, {"total_cents", Type("integer")}}),
       .success_status = 201,
       .handler = ImportBills});
  r.Add({.method = "POST",
         .pattern = "/api/v1/utility/lockbox/import",
         .roles = kCounter,
         .summary =
             "Apply a bank lockbox file (CSV or BAI2, docs/utilities.md), all or nothing, never twice; items "
             "that match no open account go to the exceptions queue",
         .tag = "utilities",
         .request_schema =
             Obj({{"file_name", Str(200)}, {"content", Type("string")}}, {"file_name", "content"}, true),
         .response_schema = Obj({{"import_id", Type("string")},
                                 {"file_id", Type("string")},
                                 {"deposit_date", DateType()},
                                 {"items", Type("integer")},
                                 {"total_cents", Type("integer")},
                                 {"applied", Type("integer")},
                                 {"applied_cents", Type("integer")},
                                 {"exceptions", ArrayOf(Type("object"))},
                                 {"amount_differs", ArrayOf(Type("object"))}}),
         .success_status = 201,
         .handler = ImportLockbox});
  r.Add({.method = "GET",
         .pattern = "/api/v1/utility/lockbox/exceptions",
         .roles = kCounter,
         .summary = "Lockbox items waiting for a clerk (?status=open, the default; resolved; all)",
         .tag = "utilities",
         .response_schema = Obj({{"items", ArrayOf(Type("object"))}}),
         .query_params = {{"status", "open (default), resolved or all"}},
         .handler = ListExceptions});
  r.Add({.method = "POST",
         .pattern = "/api/v1/utility/lockbox/exceptions/{id}/resolve",
         .roles = kCounter,
         .summary = "Resolve a lockbox item: applied to an account, or returned to the payer with a note",
         .tag = "utilities",
         .request_schema = Obj({{"resolution", Enum(json::array{"applied", "returned"})},
                                {"account", Str(20)},
                                {"note", Str(500)}},
                               {"resolution"}, true),
         .response_schema = Type("object"),
         .handler = ResolveException});
  r.Add({.method = "POST",
         .pattern = "/api/v1/utility/accounts/{number}/payments",
         .roles = kCounter,
         .summary = "Take a payment on an account at the clerk's open drawer, on one receipt",
         .tag = "utilities",
         .request_schema = Obj({{"drawer_id", Type("string")},
                                {"payer_party_id", Type("string")},
                                {"amount_cents", Type("integer")},
                                {"tenders", ArrayOf(Type("object"))}},
                               {"drawer_id", "amount_cents", "tenders"}, true),
         .response_schema = Obj({{"receipt", ReceiptSchema()}, {"account", AccountSchema()}}),
         .success_status = 201,
         .handler = Pay});
  r.Add({.method = "POST",
         .pattern = "/api/v1/utility/accounts/{number}/online-payments",
         .roles = {Role::kAdmin, Role::kSupervisor, Role::kClerk, Role::kPublic},
         .summary =
             "Pay an account by card through the city's payment gateway (the account holder online, or "
             "staff taking it by phone). Needs an Idempotency-Key: a retry with the same key never charges "
             "twice. 402 when the card is declined; 503 with Retry-After when the processor did not answer "
             "(send the same request again)",
         .tag = "utilities",
         .request_schema =
             Obj({{"amount_cents", Type("integer")}, {"card_number", Str(19)}, {"expiry", Str(5)}},
                 {"amount_cents", "card_number", "expiry"}, true),
         .response_schema = Obj({{"payment", Type("object")}, {"account", AccountSchema()}}),
         .success_status = 201,
         .handler = PayOnline});
  r.Add({.method = "GET",
         .pattern = "/api/v1/utility/online-payments",
         .roles = {Role::kAdmin, Role::kSupervisor, Role::kClerk, Role::kAuditor},
         .summary = "Online card payments, newest first: by ?status (pending ones wait on the processor) and "
                    "of one account, permit or license (?number)",
         .tag = "utilities",
         .response_schema = Obj({{"items", ArrayOf(Type("object"))}}),
         .query_params = {{"status", "pending, approved, declined, abandoned, unapplied or refunded"},
                          {"number", "only the payments of this account, permit or license"},
                          {"limit", "at most this many, 1 to 1000 (default 100)"}},
         .handler = ListOnlinePayments});
  r.Add({.method = "POST",
         .pattern = "/api/v1/utility/online-payments/{id}/refund",
         .roles = kSupervisors,
         .summary =
             "Refund an online charge to the card through the card processor, with the reason: one that "
             "could not be applied (status unapplied), or an applied one (approved), which is also taken "
             "back off what it paid for (the account owes it again, the permit's fees are due again, the "
             "license renewal is undone; 409 before any refund when that has changed since). Asking again "
             "never refunds twice; 409 not-refundable for a charge not taken; 503 when the processor did "
             "not answer (nothing changed: ask again)",
         .tag = "utilities",
         .request_schema = Obj({{"reason", Str(500)}}, {"reason"}, true),
         .response_schema = Type("object"),
         .handler = RefundOnline});
  r.Add({.method = "POST",
         .pattern = "/api/v1/utility/accounts/{number}/adjustments",
         .roles = kSupervisors,
         .summary = "Adjust an account (positive charges, negative credits), with the reason",
         .tag = "utilities",
         .request_schema =
             Obj({{"amount_cents", Type("integer")}, {"reason", Str(500)}}, {"amount_cents", "reason"}, true),
         .response_schema = AccountSchema(),
         .handler = Adjust});
  r.Add({.method = "POST",
         .pattern = "/api/v1/utility/accounts/{number}/returned-payments",
         .roles = kSupervisors,
         .summary =
             "Record a lockbox check the bank returned unpaid: its payment is reversed and the account "
             "owes the amount again (a counter payment's check is returned on its receipt)",
         .tag = "utilities",
         .request_schema =
             Obj({{"payment_id", Str(100)}, {"reason", Str(500)}}, {"payment_id", "reason"}, true),
         .response_schema = AccountSchema(),
         .handler = ReturnLockboxPayment});
  r.Add({.method = "POST",
         .pattern = "/api/v1/utility/late-fees/assess",
         .roles = kSupervisors,
         .summary =
             "Run the daily late-fee job now (the node also runs it every day); none while an incident "
             "protects the day",
         .tag = "utilities",
         .response_schema = Obj({{"date", DateType()}, {"assessed", ArrayOf(Type("object"))}}),
         .handler = AssessLateFees});
  r.Add(
      {.method = "GET",
       .pattern = "/api/v1/utility/shutoff-list",
       .roles = {Role::kAdmin, Role::kSupervisor, Role::kAuditor},
       .summary = "Accounts past due by the shut-off days or more; empty while an incident protects the day",
       .tag = "utilities",
       .response_schema = Obj({{"date", DateType()},
                               {"shutoff_days", Type("integer")},
                               {"protected_by_incident", Type("boolean")},
                               {"items", ArrayOf(Type("object"))}}),
       .handler = Shutoff});
  r.Add({.method = "GET",
         .pattern = "/api/v1/incidents",
         .roles = RoleSet::Staff(),
         .summary = "Every incident, newest first",
         .tag = "incidents",
         .response_schema = Obj({{"items", ArrayOf(IncidentSchema())}}),
         .handler = ListIncidents});
  r.Add({.method = "POST",
         .pattern = "/api/v1/incidents",
         .roles = kSupervisors,
         .summary =
             "Declare an incident: late fees stop and due dates move for the services it affects, until "
             "its grace period after it ends",
         .tag = "incidents",
         .request_schema = Obj({{"started_on", DateType()},
                                {"services", ArrayOf(Enum(json::array{"utilities", "licenses", "permits"}))},
                                {"notice", Str(2000)},
                                {"grace_days", Type("integer")}},
                               {"services", "notice"}, true),
         .response_schema = IncidentSchema(),
         .success_status = 201,
         .handler = Declare});
  r.Add({.method = "POST",
         .pattern = "/api/v1/incidents/{id}/end",
         .roles = kSupervisors,
         .summary = "End an incident (today, or on ended_on); its grace period starts",
         .tag = "incidents",
         .request_schema = Obj({{"ended_on", DateType()}}, {}, true),
         .response_schema = IncidentSchema(),
         .handler = End});
  r.Add({.method = "GET",
         .pattern = "/api/v1/public/status",
         .anyone = true,
         .summary = "Anyone: the incidents in effect today and their notices, for the portal's banner",
         .tag = "incidents",
         .response_schema = Obj({{"date", DateType()},
                                 {"city", Type("string")},
                                 {"incident_in_effect", Type("boolean")},
                                 {"incidents", ArrayOf(Type("object"))}}),
         .handler = PublicStatus});
}

}  // namespace holdfast::http
