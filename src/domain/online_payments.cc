#include "domain/online_payments.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/bytes.h"
#include "base/crypto.h"
#include "domain/licenses.h"
#include "domain/permits.h"
#include "domain/refusals.h"
#include "domain/utilities.h"

namespace holdfast::domain {
namespace {

using store::Db;
using store::StmtRef;

constexpr std::string_view kColumns =
    "id, number, amount_cents, card_last4, payer, status, reference, authorization_code, decline_code, "
    "message, started_on, settled_on, started_at, target, refund_reference, refunded_on";

json::object RowJson(const store::Stmt& s) {
  return json::object{{"id", s.Text(0)},
                      {"number", s.Text(1)},
                      {"amount_cents", s.Int(2)},
                      {"card_last4", s.Text(3)},
                      {"payer", s.Text(4)},
                      {"status", s.Text(5)},
                      {"reference", s.Text(6)},
                      {"authorization_code", s.Text(7)},
                      {"decline_code", s.Text(8)},
                      {"message", s.Text(9)},
                      {"started_on", s.Text(10)},
                      {"settled_on", s.IsNull(11) ? json::value(nullptr) : json::value(s.Text(11))},
                      {"started_at", s.Int(12)},
                      {"target", s.Text(13)},
                      {"refund_reference", s.Text(14)},
                      {"refunded_on", s.IsNull(15) ? json::value(nullptr) : json::value(s.Text(15))}};
}

// Every row a `SELECT kColumns …` statement gives.
Result<json::array> Rows(store::Stmt& s) {
  json::array out;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(RowJson(s));
  }
  return out;
}

Error Abandoned(std::string_view id) {
  return Refused(Code::kConflict, "payment-abandoned",
                 fmt::format("payment {} was given up: the card processor never received it, so nothing was "
                             "charged. Pay again with a new Idempotency-Key.",
                             id));
}

Result<std::optional<json::object>> FindAttempt(Db& db, std::string_view id) {
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare(fmt::format("SELECT {} FROM utility_online_payments WHERE id=?", kColumns)));
  s->Bind(1, id);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<json::object>();
  return std::optional<json::object>(RowJson(*s));
}

Status ApplyOnlinePayment(Db& db, const journal::StoredEvent& se, std::string_view) {
  const journal::Event& e = se.event;
  const json::object& d = e.data;
  if (e.type.ends_with(".online_payment_started")) {
    std::string_view target = std::string_view(e.type).substr(0, e.type.find('.'));
    return db.Run(
        "INSERT OR IGNORE INTO utility_online_payments(id, number, amount_cents, card_last4, payer, status, "
        "reference, authorization_code, decline_code, message, started_on, settled_on, started_at, "
        "updated_at, event_hash, target, refund_reference, refunded_on) "
        "VALUES(?,?,?,?,?,'pending','','','','',?,NULL,?,?,?,?,'',NULL)",
        StringOr(d, "id"), StringOr(d, "number"), IntOr(d, "amount_cents"), StringOr(d, "card_last4"),
        StringOr(d, "payer"), StringOr(d, "started_on"), e.stamp.time, e.stamp.time, se.HashHex(), target);
  }
  if (e.type.ends_with(".online_payment_unapplied")) {
    // An applied charge taken back off what it paid for, to be refunded; its reason becomes `message`.
    return db.Run(
        "UPDATE utility_online_payments SET status='unapplied', message=?, updated_at=?, event_hash=? "
        "WHERE id=? AND status='approved'",
        StringOr(d, "reason"), e.stamp.time, se.HashHex(), StringOr(d, "id"));
  }
  if (e.type.ends_with(".online_payment_refunded")) {
    // Only an unapplied charge is refunded (one never applied, or one taken back in the refund's own
    // command); the refund's reason replaces `message`.
    return db.Run(
        "UPDATE utility_online_payments SET status='refunded', refund_reference=?, refunded_on=?, message=?, "
        "updated_at=?, event_hash=? WHERE id=? AND status='unapplied'",
        StringOr(d, "refund_reference"), StringOr(d, "refunded_on"), StringOr(d, "reason"), e.stamp.time,
        se.HashHex(), StringOr(d, "id"));
  }
  // The first settlement stands, but a charge ("approved" or "unapplied") replaces "abandoned": the money
  // was taken.
  return db.Run(
      "UPDATE utility_online_payments SET status=?, reference=?, authorization_code=?, decline_code=?, "
      "message=?, settled_on=?, updated_at=?, event_hash=? WHERE id=? AND (status='pending' OR "
      "(status='abandoned' AND ? IN ('approved','unapplied')))",
      StringOr(d, "outcome"), StringOr(d, "reference"), StringOr(d, "authorization_code"),
      StringOr(d, "decline_code"), StringOr(d, "message"), StringOr(d, "settled_on"), e.stamp.time,
      se.HashHex(), StringOr(d, "id"), StringOr(d, "outcome"));
}

std::string AttemptId(const OnlinePaymentRequest& r) {
  return "OP-" + Hex(Sha256(fmt::format("{}\n{}", r.payer, r.idempotency_key))).substr(0, 24);
}

// What a charge pays, by PaymentTarget, for the card statement.
constexpr const char* kChargeSubject[] = {"Utility account", "Permit", "Renewal of license"};

// A renewal paid online: a year, the current tag, the standard fee; `receipt` is the attempt paying for it.
RenewRequest OnlineRenewal(const std::string& number, const std::string& receipt) {
  return RenewRequest{.number = number, .term_years = 1, .tag = 0, .senior_owner = false, .receipt = receipt};
}

std::string LastFour(const std::string& card) { return card.size() >= 4 ? card.substr(card.size() - 4) : ""; }

// Step 1: the attempt, new or found again. Answers {payment}.
// Why a new payment of `r` cannot start (a closed account, a permit with nothing due …), or Ok. A public
// user learns nothing of accounts and permits that are not theirs, not even that they exist: 404.
Status CheckTarget(Db& db, const OnlinePaymentRequest& r, Date today, bool* exists) {
  *exists = false;
  if (r.target == PaymentTarget::kLicenseRenewal) {
    HF_ASSIGN_OR_RETURN(auto lic, GetLicense(db, r.number, today));
    if (!lic || (r.public_user &&
                 (r.payer_party_id.empty() || StringOr(*lic, "owner_party_id") != r.payer_party_id))) {
      return NotFound(fmt::format("no license {}", r.number));
    }
    *exists = true;
    HF_ASSIGN_OR_RETURN(RenewalQuote q, QuoteRenewal(db, OnlineRenewal(r.number, ""), today));
    Cents due = q.Total();
    if (r.amount_cents != due) {
      return Refused(
          Code::kInvalid, "amount-not-due",
          fmt::format("renewing license {} for a year costs {}: pay that amount", r.number, FormatCents(due)),
          "amount_cents");
    }
    return Status::Ok();
  }
  if (r.target == PaymentTarget::kPermit) {
    HF_ASSIGN_OR_RETURN(auto permit, GetPermit(db, r.number));
    if (!permit || (r.public_user && !IsPermitParty(*permit, r.payer_party_id))) {
      return NotFound(fmt::format("no permit {}", r.number));
    }
    *exists = true;
    std::string_view status = StringOr(*permit, "status");
    if (status == "cancelled" || status == "voided" || status == "expired" || status == "finaled") {
      return Refused(Code::kConflict, "permit-closed", fmt::format("permit {} is {}", r.number, status));
    }
    Cents due = IntOr(*permit, "due_cents");
    if (due <= 0) {
      return Refused(Code::kConflict, "permit-paid", fmt::format("permit {} has nothing due", r.number));
    }
    if (r.amount_cents != due) {
      return Refused(Code::kInvalid, "amount-not-due",
                     fmt::format("permit {} has {} due: pay that amount", r.number, FormatCents(due)),
                     "amount_cents");
    }
    return Status::Ok();
  }
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare("SELECT customer_party_id, status FROM utility_accounts WHERE number=?"));
  s->Bind(1, r.number);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row || (r.public_user && (r.payer_party_id.empty() || s->Text(0) != r.payer_party_id))) {
    return NotFound(fmt::format("no utility account {}", r.number));
  }
  *exists = true;
  bool open = s->Text(1) == "open";
  s->Reset();
  if (!open) {
    return MakeError(Code::kConflict, fmt::format("utility account {} is closed", r.number),
                     "account-closed");
  }
  return Status::Ok();
}

Result<json::object> Begin(store::CommandContext& ctx, const OnlinePaymentRequest& r, Date today) {
  Db& db = ctx.db();
  bool exists = false;
  Status can_start = CheckTarget(db, r, today, &exists);
  if (!exists) return can_start.error();
  std::string id = AttemptId(r);
  HF_ASSIGN_OR_RETURN(auto found, FindAttempt(db, id));
  if (found) {
    if (StringOr(*found, "target") != TargetName(r.target) || StringOr(*found, "number") != r.number ||
        IntOr(*found, "amount_cents") != r.amount_cents ||
        StringOr(*found, "card_last4") != LastFour(r.card_number)) {
      return MakeError(Code::kInvalid,
                       "this Idempotency-Key was used already for another payment (account or permit, amount "
                       "or card); use a new key for a new payment",
                       "idempotency-key-reused", "Idempotency-Key");
    }
    if (StringOr(*found, "status") == "abandoned") return Abandoned(id);
    return *found;
  }
  HF_RETURN_IF_ERROR(can_start);
  HF_RETURN_IF_ERROR(ctx.Emit(fmt::format("{}.online_payment_started", TargetName(r.target)),
                              json::object{{"id", id},
                                           {"number", r.number},
                                           {"amount_cents", r.amount_cents},
                                           {"card_last4", LastFour(r.card_number)},
                                           {"payer", r.payer},
                                           {"started_on", today.ToString()}},
                              r.payer)
                         .status());
  HF_ASSIGN_OR_RETURN(auto made, FindAttempt(db, id));
  if (!made) return Internal(fmt::format("online payment {} was not recorded", id));
  return *made;
}

// Applies an approved charge of `attempt`: renews the license, pays the permit's fees or the account.
Status ApplyApproved(store::CommandContext& ctx, const json::object& attempt, const std::string& id,
                     const ChargeResult* result, Date today, const std::string& actor) {
  std::string number(StringOr(attempt, "number"));
  std::string_view target = StringOr(attempt, "target");
  std::string reference = result ? result->reference : "";
  if (target == TargetName(PaymentTarget::kLicenseRenewal)) {
    return RenewLicense(ctx, OnlineRenewal(number, id), today, actor).status();
  }
  if (target == TargetName(PaymentTarget::kPermit)) {
    return ApplyOnlinePermitPayment(ctx, number, id, IntOr(attempt, "amount_cents"), reference, actor)
        .status();
  }
  return ApplyPayment(ctx, number, id, IntOr(attempt, "amount_cents"), "online", id, reference, today, actor)
      .status();
}

// Step 3: records the outcome (and applies an approved payment), unless the attempt is settled already: a
// payment settled twice (the payer's retry and the reconciler at once) keeps its first outcome. Answers the
// attempt as it stands.
Result<json::object> Settle(store::CommandContext& ctx, const std::string& id, const std::string& outcome,
                            const ChargeResult* result, Date today, const std::string& actor) {
  Db& db = ctx.db();
  HF_ASSIGN_OR_RETURN(auto attempt, FindAttempt(db, id));
  if (!attempt) return NotFound(fmt::format("no online payment {}", id));
  std::string status(StringOr(*attempt, "status"));
  bool settles = status == "pending" || (status == "abandoned" && outcome == "approved");
  if (!settles) return *attempt;
  std::string number(StringOr(*attempt, "number"));
  std::string target(StringOr(*attempt, "target"));
  std::string message(result ? result->message : "the card processor never received this payment");
  std::string settled_as = outcome;
  if (outcome == "approved") {
    // The payment is applied first. What changed since the attempt began (the license renewed at the
    // counter, the permit paid or closed, the account closed) can refuse it; the charge is then recorded as
    // "unapplied", for the office to refund or apply by hand, rather than left pending for ever.
    const int64_t changes_before = db.TotalChanges();
    Status applied = ApplyApproved(ctx, *attempt, id, result, today, actor);
    if (!applied.ok()) {
      const Code code = applied.error().code;
      if (db.TotalChanges() != changes_before ||
          (code != Code::kConflict && code != Code::kInvalid && code != Code::kNotFound)) {
        return applied.error();  // failed midway, or not a refusal: the writer undoes the command
      }
      settled_as = "unapplied";
      message = applied.error().detail;
    }
  }
  json::object data{{"id", id},
                    {"number", number},
                    {"outcome", settled_as},
                    {"reference", result ? result->reference : ""},
                    {"authorization_code", result ? result->authorization_code : ""},
                    {"decline_code", result ? result->decline_code : ""},
                    {"message", message},
                    {"settled_on", today.ToString()}};
  HF_RETURN_IF_ERROR(ctx.Emit(target + ".online_payment_settled", std::move(data), actor).status());
  HF_ASSIGN_OR_RETURN(auto after, FindAttempt(db, id));
  if (!after) return Internal(fmt::format("online payment {} vanished", id));
  return *after;
}

// {payment, account | permit}: the attempt, and for an approved one the account or the permit as it stands
// after the payment.
Result<json::value> WithAccount(Db& db, json::object attempt, Date today) {
  json::object out{{"payment", attempt}};
  if (StringOr(attempt, "status") == "approved") {
    if (StringOr(attempt, "target") == TargetName(PaymentTarget::kLicenseRenewal)) {
      HF_ASSIGN_OR_RETURN(auto l, GetLicense(db, StringOr(attempt, "number"), today));
      if (l) out["license"] = std::move(*l);
    } else if (StringOr(attempt, "target") == TargetName(PaymentTarget::kPermit)) {
      HF_ASSIGN_OR_RETURN(auto p, GetPermit(db, StringOr(attempt, "number")));
      if (p) out["permit"] = std::move(*p);
    } else {
      HF_ASSIGN_OR_RETURN(auto a, GetAccount(db, StringOr(attempt, "number"), today));
      if (a) out["account"] = std::move(*a);
    }
  }
  return json::value(std::move(out));
}

Result<json::value> SettleOn(store::Writer& writer, const std::string& id, const std::string& outcome,
                             const ChargeResult* result, Date today, const std::string& actor) {
  std::optional<ChargeResult> copy;
  if (result) copy = *result;
  return writer.Execute([id, outcome, copy, today, actor](store::CommandContext& ctx) -> Result<json::value> {
    HF_ASSIGN_OR_RETURN(json::object a, Settle(ctx, id, outcome, copy ? &*copy : nullptr, today, actor));
    return WithAccount(ctx.db(), std::move(a), today);
  });
}

// The outcome the payer sees, from {payment, account}.
OnlinePaymentOutcome Outcome(const json::value& packed) {
  OnlinePaymentOutcome out;
  const json::object& o = packed.as_object();
  json::object attempt = o.at("payment").as_object();
  out.status = std::string(StringOr(attempt, "status"));
  if (const json::value* account = o.if_contains("account")) out.account = account->as_object();
  if (const json::value* permit = o.if_contains("permit")) out.permit = permit->as_object();
  if (const json::value* license = o.if_contains("license")) out.license = license->as_object();
  if (out.status == "abandoned") out.error = Abandoned(StringOr(attempt, "id"));
  if (out.status == "unapplied") {
    out.error = Refused(
        Code::kConflict, "payment-unapplied",
        fmt::format(
            "the card was charged {} (payment {}) but the payment could not be applied: {}. It will not "
            "be charged again; the office will refund it or apply it by hand. Quote {} when you ask.",
            FormatCents(IntOr(attempt, "amount_cents")), StringOr(attempt, "id"),
            StringOr(attempt, "message"), StringOr(attempt, "id")));
  }
  out.payment = std::move(attempt);
  return out;
}

}  // namespace

void RegisterOnlinePayments(store::Registry& registry) {
  registry.AddTable(
      {"utility_online_payments",
       "CREATE TABLE IF NOT EXISTS utility_online_payments(id TEXT PRIMARY KEY, number TEXT NOT NULL, "
       "amount_cents INTEGER NOT NULL, card_last4 TEXT NOT NULL, payer TEXT NOT NULL, status TEXT NOT NULL, "
       "reference TEXT NOT NULL, authorization_code TEXT NOT NULL, decline_code TEXT NOT NULL, message TEXT "
       "NOT NULL, started_on TEXT NOT NULL, settled_on TEXT, started_at INTEGER NOT NULL, updated_at "
       "INTEGER NOT NULL, event_hash TEXT NOT NULL, target TEXT NOT NULL, refund_reference TEXT NOT NULL, "
       "refunded_on TEXT) WITHOUT ROWID;"
       "CREATE INDEX IF NOT EXISTS utility_online_payments_status ON utility_online_payments(status, "
       "started_at);"
       "CREATE INDEX IF NOT EXISTS utility_online_payments_number ON utility_online_payments(number, "
       "started_at);",
       {"id"}});
  registry.AddAggregate({"online-payment", [](Db& db, std::string_view id) -> Status {
                           return db.Run("DELETE FROM utility_online_payments WHERE id=?", id);
                         }});
  for (const char* type :
       {"utility.online_payment_started", "utility.online_payment_settled", "permit.online_payment_started",
        "permit.online_payment_settled", "license.online_payment_started", "license.online_payment_settled",
        "utility.online_payment_refunded", "permit.online_payment_refunded",
        "license.online_payment_refunded", "utility.online_payment_unapplied",
        "permit.online_payment_unapplied", "license.online_payment_unapplied"}) {
    registry.AddRule({type, store::OneAggregate("online-payment"), ApplyOnlinePayment});
  }
}

std::string_view TargetName(PaymentTarget target) {
  switch (target) {
    case PaymentTarget::kPermit:
      return "permit";
    case PaymentTarget::kLicenseRenewal:
      return "license";
    case PaymentTarget::kUtilityAccount:
      break;
  }
  return "utility";
}

Status ValidateOnlinePayment(const OnlinePaymentRequest& r) {
  HF_RETURN_IF_ERROR(ValidateIdempotencyKey(r.idempotency_key, "Idempotency-Key"));
  CardCharge charge{r.idempotency_key, r.amount_cents, r.card_number, r.expiry, ""};
  return ValidateCharge(charge);
}

Result<OnlinePaymentOutcome> PayOnline(store::Writer& writer, PaymentGateway& gateway,
                                       const OnlinePaymentRequest& r, Date today) {
  HF_RETURN_IF_ERROR(ValidateOnlinePayment(r));
  HF_ASSIGN_OR_RETURN(json::value begun,
                      writer.Execute([r, today](store::CommandContext& ctx) -> Result<json::value> {
                        HF_ASSIGN_OR_RETURN(json::object a, Begin(ctx, r, today));
                        return WithAccount(ctx.db(), std::move(a), today);
                      }));
  json::object attempt = begun.at("payment").as_object();
  if (StringOr(attempt, "status") != "pending") return Outcome(begun);

  std::string id(StringOr(attempt, "id"));
  CardCharge charge{
      id, r.amount_cents, r.card_number, r.expiry,
      fmt::format("{} {}, online payment {}", kChargeSubject[static_cast<int>(r.target)], r.number, id)};
  Result<ChargeResult> charged = gateway.Charge(charge);
  std::optional<ChargeResult> decided;
  if (charged.ok()) {
    decided = *charged;
  } else if (charged.error().code == Code::kUnavailable) {
    // No answer: the card may or may not have been charged. The gateway knows, by the same key.
    Result<std::optional<ChargeResult>> looked = gateway.Lookup(id);
    if (looked.ok() && *looked) {
      decided = **looked;
    } else {
      OnlinePaymentOutcome out;
      out.status = "pending";
      out.payment = std::move(attempt);
      out.error = MakeError(
          Code::kUnavailable,
          looked.ok() ? "the card processor did not answer and has no record of this payment, so nothing "
                        "was charged. Send the same payment again with the same Idempotency-Key; it will "
                        "be charged at most once."
                      : "the card processor did not answer, so it is not known yet whether the card was "
                        "charged. Send the same payment again with the same Idempotency-Key to finish it: "
                        "it will never be charged twice. The office also checks it within minutes.",
          charged.error().type.empty() ? "gateway-unavailable" : charged.error().type);
      return out;
    }
  } else {
    return charged.error();
  }
  std::string outcome(OutcomeName(decided->outcome));
  HF_ASSIGN_OR_RETURN(json::value settled, SettleOn(writer, id, outcome, &*decided, today, r.payer));
  return Outcome(settled);
}

Result<json::object> ReconcileOnlinePayments(Db& db, store::Writer& writer, PaymentGateway& gateway,
                                             int64_t now_ms, int64_t min_age_ms, Date today) {
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare(fmt::format("SELECT {} FROM utility_online_payments WHERE "
                                             "status='pending' AND started_at<=? ORDER BY started_at",
                                             kColumns)));
  s->Bind(1, now_ms - min_age_ms);
  HF_ASSIGN_OR_RETURN(json::array pending, Rows(*s));
  s->Reset();
  int64_t checked = 0, approved = 0, declined = 0, abandoned = 0, unapplied = 0, still = 0;
  json::array failed;
  for (const auto& v : pending) {
    const json::object& a = v.as_object();
    std::string id(StringOr(a, "id"));
    ++checked;
    Result<std::optional<ChargeResult>> looked = gateway.Lookup(id);
    if (!looked.ok()) {
      ++still;
      continue;
    }
    std::string outcome;
    if (*looked) {
      outcome = std::string(OutcomeName((*looked)->outcome));
    } else if (now_ms - IntOr(a, "started_at") >= kAbandonAfterMs) {
      outcome = "abandoned";
    } else {
      ++still;
      continue;
    }
    Result<json::value> settled =
        SettleOn(writer, id, outcome, *looked ? &**looked : nullptr, today, "system");
    if (!settled.ok()) {
      // Left pending, and the others are still settled: one attempt that cannot be settled must not hold
      // back every attempt started after it.
      failed.push_back(json::object{{"id", id}, {"detail", settled.error().detail}});
      continue;
    }
    std::string now(StringOr(settled->at("payment").as_object(), "status"));
    if (now == "approved") ++approved;
    if (now == "declined") ++declined;
    if (now == "abandoned") ++abandoned;
    if (now == "unapplied") ++unapplied;
  }
  return json::object{{"checked", checked},         {"approved", approved},   {"declined", declined},
                      {"abandoned", abandoned},     {"unapplied", unapplied}, {"still_pending", still},
                      {"failed", std::move(failed)}};
}

namespace {

// Takes approved charge `attempt` back off what it paid for, inside `ctx`'s command: the account owes it
// again, the permit's fees are due again, the renewal is undone (only the record when `reverse` is false);
// the charge is then "unapplied".
Status TakeBack(store::CommandContext& ctx, const json::object& attempt, const std::string& reason,
                Date today, const std::string& actor, bool reverse = true) {
  const std::string id(StringOr(attempt, "id"));
  const std::string number(StringOr(attempt, "number"));
  const std::string target(StringOr(attempt, "target"));
  const Cents amount = IntOr(attempt, "amount_cents");
  if (reverse) {
    HF_RETURN_IF_ERROR(ReversePaidItems(
        ctx,
        {.receipt = id,
         .described = "online payment " + id,
         .instead = "",
         .items = {{target == TargetName(PaymentTarget::kUtilityAccount) ? AccountItemRef(number) : number,
                    amount}},
         .reason = reason,
         .approved_by = actor},
        actor));
  }
  return ctx
      .Emit(target + ".online_payment_unapplied",
            json::object{{"id", id},
                         {"number", number},
                         {"amount_cents", amount},
                         {"reason", reason},
                         {"unapplied_on", today.ToString()}},
            actor)
      .status();
}

// The type of the error that ends a command run only to see whether it would succeed (and so changes
// nothing).
constexpr std::string_view kCheckedOnly = "checked-only";

}  // namespace

Result<json::object> RefundOnline(Db& db, store::Writer& writer, PaymentGateway& gateway,
                                  const std::string& id, const std::string& reason, Date today,
                                  const std::string& actor) {
  if (reason.empty()) return Invalid("say why the charge is refunded", "reason");
  HF_ASSIGN_OR_RETURN(auto attempt, FindAttempt(db, id));
  if (!attempt) return NotFound(fmt::format("no online payment {}", id));
  const std::string status(StringOr(*attempt, "status"));
  if (status == "refunded") return *attempt;  // a retry: refunded once
  auto not_refundable = [id](std::string_view now) {
    return Refused(
        Code::kConflict, "not-refundable",
        fmt::format("online payment {} is {}: only a charge that was taken (approved or unapplied) "
                    "is refunded",
                    id, now));
  };
  if (status != "unapplied" && status != "approved") return not_refundable(status);
  if (status == "approved") {
    // Before the card is refunded, what the charge paid for must be able to give it back: tried in a command
    // that then changes nothing. So a refusal (the permit issued on it since) leaves the charge applied and
    // the card charged, and a refund the processor refuses leaves everything as it was.
    Result<json::value> check = writer.Execute([&](store::CommandContext& ctx) -> Result<json::value> {
      HF_ASSIGN_OR_RETURN(auto now, FindAttempt(ctx.db(), id));
      if (now && StringOr(*now, "status") == "approved") {
        HF_RETURN_IF_ERROR(TakeBack(ctx, *now, reason, today, actor));
      }
      return MakeError(Code::kConflict, "only checked", std::string(kCheckedOnly));
    });
    if (!check.ok() && check.error().type != kCheckedOnly) return check.error();
  }

  // The processor refunds at most once per key, whoever asks and however often.
  const std::string reference(StringOr(*attempt, "reference"));
  Result<ChargeResult> refund = gateway.Refund(reference, id + "-refund");
  std::string refund_reference;
  std::string note = reason;
  if (refund.ok()) {
    if (!refund->approved()) {
      return Refused(
          Code::kConflict, "refund-declined",
          fmt::format("the card processor would not refund charge {} of payment {}: {}; nothing "
                      "changed",
                      reference, id, refund->message.empty() ? "no reason given" : refund->message));
    }
    refund_reference = refund->reference;
  } else if (refund.error().code == Code::kConflict && refund.error().type == "already-refunded") {
    // Refunded outside Holdfast (at the processor's own site): recorded, so it leaves the list.
    note = fmt::format("{} (the card processor had already refunded this charge)", reason);
  } else if (refund.error().code == Code::kUnavailable) {
    return MakeError(
        Code::kUnavailable,
        fmt::format("the card processor did not answer, so payment {} is not refunded and nothing "
                    "changed. Ask again: the card is refunded at most once.",
                    id),
        refund.error().type.empty() ? "gateway-unavailable" : refund.error().type);
  } else {
    return Refused(
        Code::kConflict, "refund-declined",
        fmt::format("the card processor refused to refund charge {} of payment {}: {}; nothing changed",
                    reference, id, refund.error().detail));
  }

  // The card is refunded: recorded, with an applied charge taken back in the same command. If what it paid
  // for changed since the check and refuses, the refund, made, is recorded all the same with the charge only
  // marked unapplied, and the supervisor told what still counts the payment.
  std::string changed;
  Result<json::value> done = writer.Execute([&](store::CommandContext& ctx) -> Result<json::value> {
    HF_ASSIGN_OR_RETURN(auto now, FindAttempt(ctx.db(), id));
    if (!now) return NotFound(fmt::format("no online payment {}", id));
    std::string now_status(StringOr(*now, "status"));
    if (now_status == "refunded") return json::value(std::move(*now));
    if (now_status == "approved") {
      Status taken = ctx.Attempt([&] { return TakeBack(ctx, *now, reason, today, actor); });
      if (!taken.ok()) {
        if (!IsReversalRefusal(taken.error())) return taken.error();
        changed = taken.error().detail;
        HF_RETURN_IF_ERROR(TakeBack(ctx, *now, reason, today, actor, /*reverse=*/false));
      }
      now_status = "unapplied";
    }
    if (now_status != "unapplied") return not_refundable(now_status);
    json::object data{{"id", id},
                      {"number", StringOr(*now, "number")},
                      {"amount_cents", IntOr(*now, "amount_cents")},
                      {"refund_reference", refund_reference},
                      {"reason", note},
                      {"refunded_on", today.ToString()}};
    HF_RETURN_IF_ERROR(
        ctx.Emit(std::string(StringOr(*now, "target")) + ".online_payment_refunded", std::move(data), actor)
            .status());
    HF_ASSIGN_OR_RETURN(auto after, FindAttempt(ctx.db(), id));
    if (!after) return Internal(fmt::format("online payment {} vanished", id));
    return json::value(std::move(*after));
  });
  if (!done.ok()) return done.error();
  if (!changed.empty()) {
    return Refused(Code::kConflict, "refunded-still-applied",
                   fmt::format("the card was refunded ({}), but the payment still counts on {} {}, which "
                               "changed meanwhile: {}. Take it off there by hand.",
                               StringOr(done->as_object(), "refund_reference"), StringOr(*attempt, "target"),
                               StringOr(*attempt, "number"), changed));
  }
  return done->as_object();
}

Result<json::array> ListOnlinePayments(Db& db, const std::string& status, const std::string& number,
                                       int limit) {
  // Only the filters given, so that an index serves each (number's, status's, both).
  std::vector<std::string_view> where, values;
  if (!number.empty()) where.push_back("number=?"), values.push_back(number);
  if (!status.empty()) where.push_back("status=?"), values.push_back(status);
  HF_ASSIGN_OR_RETURN(
      StmtRef s,
      db.Prepare(fmt::format("SELECT {} FROM utility_online_payments WHERE {} ORDER BY "
                             "started_at DESC, id LIMIT ?",
                             kColumns, where.empty() ? "1" : fmt::format("{}", fmt::join(where, " AND ")))));
  int i = 0;
  for (std::string_view v : values) s->Bind(++i, v);
  s->Bind(++i, int64_t{limit});
  return Rows(*s);
}

}  // namespace holdfast::domain
