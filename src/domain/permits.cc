#include "domain/permits.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "base/cursor.h"
#include "base/text.h"
#include "domain/contractors.h"
#include "domain/inspections.h"
#include "domain/parties.h"
#include "domain/permit_types.h"
#include "domain/refusals.h"
#include "store/series.h"

namespace holdfast::domain {
namespace {

using store::Db;
using store::StmtRef;

constexpr std::string_view kColumns =
    "number, type_code, type_name, catalog_id, status, held, hold_reason, work_class, description, "
    "valuation_cents, square_feet, address_line1, address_line2, address_city, address_state, address_zip, "
    "parcel_pin, latitude, longitude, applicant_party_id, contractor_party_id, applied_on, issued_on, "
    "finaled_on, expires_on, closed_on, close_reason, expiry_days, fees_json, fees_total_cents, paid_cents, "
    "receipts_json, inspections_json, passed_json, reinspection_cents, updated_at, event_hash";

bool Closed(std::string_view status) {
  return status == "cancelled" || status == "voided" || status == "expired" || status == "finaled";
}

json::value NullableText(store::Stmt& s, int col) {
  if (s.IsNull(col)) return nullptr;
  return json::value(s.Text(col));
}
json::value NullableInt(store::Stmt& s, int col) {
  if (s.IsNull(col)) return nullptr;
  return json::value(s.Int(col));
}

json::value ParseStored(std::string_view text) {
  auto v = ParseJson(text);
  return v.ok() ? *v : json::value(json::array{});
}

json::object ReadPermit(store::Stmt& s) {
  json::object p{{"number", s.Text(0)},
                 {"type_code", s.Text(1)},
                 {"type_name", s.Text(2)},
                 {"catalog_id", s.Text(3)},
                 {"status", s.Text(4)},
                 {"held", s.Int(5) != 0},
                 {"hold_reason", s.Text(6)},
                 {"work_class", s.Text(7)},
                 {"description", s.Text(8)},
                 {"valuation_cents", s.Int(9)},
                 {"square_feet", s.Int(10)},
                 {"address", json::object{{"line1", s.Text(11)},
                                          {"line2", s.Text(12)},
                                          {"city", s.Text(13)},
                                          {"state", s.Text(14)},
                                          {"zip", s.Text(15)}}},
                 {"parcel_pin", s.Text(16)},
                 {"latitude_microdegrees", NullableInt(s, 17)},
                 {"longitude_microdegrees", NullableInt(s, 18)},
                 {"applicant_party_id", s.Text(19)},
                 {"contractor_party_id", s.Text(20)},
                 {"applied_on", s.Text(21)},
                 {"issued_on", NullableText(s, 22)},
                 {"finaled_on", NullableText(s, 23)},
                 {"expires_on", NullableText(s, 24)},
                 {"closed_on", NullableText(s, 25)},
                 {"close_reason", s.Text(26)},
                 {"expiry_days", s.Int(27)},
                 {"fees", ParseStored(s.TextView(28))},
                 {"fees_total_cents", s.Int(29)},
                 {"paid_cents", s.Int(30)},
                 {"due_cents", s.Int(29) - s.Int(30)},
                 {"receipts", ParseStored(s.TextView(31))}};
  // The sequence with the day each passed.
  json::value passed = ParseStored(s.TextView(33));
  json::array seq;
  json::value stored_codes = ParseStored(s.TextView(32));
  if (!stored_codes.is_array()) stored_codes = json::array{};
  const json::array& codes = stored_codes.as_array();
  for (size_t i = 0; i < codes.size(); ++i) {
    json::object item{{"type", codes[i]}, {"final", i + 1 == codes.size()}, {"passed_on", nullptr}};
    if (passed.is_object()) {
      if (const json::value* on = passed.as_object().if_contains(codes[i].as_string()))
        item["passed_on"] = *on;
    }
    seq.push_back(std::move(item));
  }
  p["inspections"] = std::move(seq);
  p["reinspection_cents"] = s.Int(34);
  p["updated_at"] = s.Int(35);
  p["event_hash"] = s.Text(36);
  return p;
}

Status ApplyPermit(Db& db, const journal::StoredEvent& se, std::string_view aggregate) {
  const journal::Event& e = se.event;
  const json::object& d = e.data;
  std::string_view number = StringOr(d, "number");
  if (aggregate.starts_with("series:")) {
    return store::ApplySeriesNumber(db, aggregate, store::SeriesNumberOf(number));
  }
  const std::string hash = se.HashHex();
  if (e.type == "permit.applied") {
    const json::object& a = ObjectOr(d, "address");
    HF_ASSIGN_OR_RETURN(std::string fees, Canonical(d.at("fees")));
    HF_ASSIGN_OR_RETURN(std::string inspections, Canonical(d.at("inspections")));
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare(fmt::format("INSERT OR REPLACE INTO permits({}) VALUES(?,?,?,?,"
                                                          "'applied',0,'',?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL,"
                                                          "NULL,NULL,NULL,'',?,?,?,0,'[]',?,'{{}}',?,?,?)",
                                                          kColumns)));
    s->BindAll(number, StringOr(d, "type_code"), StringOr(d, "type_name"), StringOr(d, "catalog_id"),
               StringOr(d, "work_class"), StringOr(d, "description"), IntOr(d, "valuation_cents"),
               IntOr(d, "square_feet"), StringOr(a, "line1"), StringOr(a, "line2"), StringOr(a, "city"),
               StringOr(a, "state"), StringOr(a, "zip"), StringOr(d, "parcel_pin"));
    s->BindIntOrNull(15, IntIf(d, "latitude_microdegrees"));
    s->BindIntOrNull(16, IntIf(d, "longitude_microdegrees"));
    s->Bind(17, StringOr(d, "applicant_party_id"));
    s->Bind(18, StringOr(d, "contractor_party_id"));
    s->Bind(19, StringOr(d, "applied_on"));
    s->Bind(20, IntOr(d, "expiry_days"));
    s->Bind(21, fees);
    s->Bind(22, IntOr(d, "fees_total_cents"));
    s->Bind(23, inspections);
    s->Bind(24, IntOr(d, "reinspection_cents"));
    s->Bind(25, e.stamp.time);
    s->Bind(26, hash);
    return s->Run();
  }
  HF_ASSIGN_OR_RETURN(StmtRef q,
                      db.Prepare("SELECT status, receipts_json, passed_json FROM permits WHERE number=?"));
  q->Bind(1, number);
  HF_ASSIGN_OR_RETURN(bool row, q->Step());
  if (!row) return Status::Ok();  // its application is not here yet: the refold on its arrival applies this
  const std::string status = q->Text(0), receipts = q->Text(1), passed = q->Text(2);
  q->Reset();
  if (status == "voided" || (Closed(status) && e.type != "permit.voided")) return Status::Ok();
  auto stamp = [&](std::string_view set, auto... args) {
    return db.Run(fmt::format("UPDATE permits SET {}, updated_at=?, event_hash=? WHERE number=?", set),
                  args..., e.stamp.time, hash, number);
  };
  if (e.type == "permit.paid") {
    json::value list = ParseStored(receipts);
    list.as_array().push_back(json::value(StringOr(d, "receipt")));
    HF_ASSIGN_OR_RETURN(std::string text, Canonical(list));
    return stamp(
        "paid_cents=paid_cents+?, receipts_json=?, status=CASE WHEN status='applied' THEN 'in_review' "
        "ELSE status END",
        IntOr(d, "amount_cents"), text);
  }
  if (e.type == "permit.payment_voided") {
    json::array kept;
    const json::value stored = ParseStored(receipts);
    for (const auto& r : stored.as_array()) {
      if (!(r.is_string() && r.get_string() == StringOr(d, "receipt"))) kept.push_back(r);
    }
    // Taken back twice (two offices cut off from each other refunding one online payment): once.
    if (kept.size() == stored.as_array().size()) return Status::Ok();
    HF_ASSIGN_OR_RETURN(std::string text, Canonical(json::value(std::move(kept))));
    return stamp(
        "paid_cents=paid_cents-?, receipts_json=?, status=CASE WHEN status='in_review' AND "
        "paid_cents-?1 < fees_total_cents THEN 'applied' ELSE status END",
        IntOr(d, "amount_cents"), text);
  }
  if (e.type == "permit.fee_assessed") {
    HF_ASSIGN_OR_RETURN(StmtRef f, db.Prepare("SELECT fees_json FROM permits WHERE number=?"));
    f->Bind(1, number);
    HF_ASSIGN_OR_RETURN(bool found, f->Step());
    if (!found) return Status::Ok();
    json::value fees = ParseStored(f->TextView(0));
    f->Reset();
    const json::object& line = ObjectOr(d, "line");
    fees.as_array().push_back(line);
    HF_ASSIGN_OR_RETURN(std::string text, Canonical(fees));
    return stamp("fees_json=?, fees_total_cents=fees_total_cents+?", text, IntOr(line, "amount_cents"));
  }
  if (e.type == "permit.issued") {
    return stamp("status='issued', issued_on=?, expires_on=?", StringOr(d, "issued_on"),
                 StringOr(d, "expires_on"));
  }
  if (e.type == "permit.hold_placed") return stamp("held=1, hold_reason=?", StringOr(d, "reason"));
  if (e.type == "permit.hold_released") return stamp("held=0, hold_reason=''");
  if (e.type == "permit.cancelled") {
    return stamp("status='cancelled', closed_on=?, close_reason=?", StringOr(d, "cancelled_on"),
                 StringOr(d, "reason"));
  }
  if (e.type == "permit.voided") {
    return stamp("status='voided', closed_on=?, close_reason=?", StringOr(d, "voided_on"),
                 StringOr(d, "reason"));
  }
  if (e.type == "permit.expired") {
    return stamp("status='expired', closed_on=?, close_reason='no passed inspection in time'",
                 StringOr(d, "expired_on"));
  }
  if (e.type == "permit.inspection_passed") {
    json::value map = ParseStored(passed);
    if (!map.is_object()) map = json::object{};
    map.as_object()[StringOr(d, "inspection_type")] = StringOr(d, "passed_on");
    HF_ASSIGN_OR_RETURN(std::string text, Canonical(map));
    if (BoolOr(d, "final")) {
      return stamp("passed_json=?, status='finaled', finaled_on=?, closed_on=?", text,
                   StringOr(d, "passed_on"), StringOr(d, "passed_on"));
    }
    return stamp("passed_json=?, status='inspections', expires_on=?", text, StringOr(d, "expires_on"));
  }
  return Status::Ok();
}

std::vector<std::string> PermitAggregates(const journal::Event& e) {
  std::vector<std::string> out{fmt::format("permit:{}", StringOr(e.data, "number"))};
  if (e.type == "permit.applied") out.push_back(store::SeriesAggregate(e.feed, "permit"));
  return out;
}

Result<json::object> Existing(Db& db, std::string_view number) {
  HF_ASSIGN_OR_RETURN(auto p, GetPermit(db, number));
  if (!p) return NotFound(fmt::format("no permit {}", number));
  return *p;
}

Result<json::object> Open(Db& db, std::string_view number) {
  HF_ASSIGN_OR_RETURN(json::object p, Existing(db, number));
  std::string_view status = StringOr(p, "status");
  if (Closed(status)) {
    return Refused(Code::kConflict, "permit-closed", fmt::format("permit {} is {}", number, status));
  }
  return p;
}

// Emits `type` for the permit and answers the permit as it now stands.
Result<json::object> Record(store::CommandContext& ctx, std::string type, json::object data,
                            const std::string& actor) {
  std::string number(StringOr(data, "number"));
  HF_RETURN_IF_ERROR(ctx.Emit(std::move(type), std::move(data), actor).status());
  return Existing(ctx.db(), number);
}

// The PaidItemsReversal of permits: a voided receipt no longer pays the permit's fees. A permit issued since
// keeps its fees paid (the void is refused: refund instead); a closed one keeps its record as it is.
Status ReversePermitPayment(store::CommandContext& ctx, const ReversedPayment& reversed,
                            const std::string& actor) {
  for (const PaidItem& item : reversed.items) {
    const std::string& number = item.ref;
    HF_ASSIGN_OR_RETURN(auto permit, GetPermit(ctx.db(), number));
    if (!permit) continue;
    bool paid_by_it = false;
    for (const auto& r : ArrayOr(*permit, "receipts")) {
      if (r.is_string() && r.get_string() == reversed.receipt) paid_by_it = true;
    }
    if (!paid_by_it) continue;
    std::string_view status = StringOr(*permit, "status");
    if (status != "applied" && status != "in_review") {
      if (Closed(status)) continue;
      return Refused(Code::kConflict, "permit-issued",
                     fmt::format("permit {} was issued after {} paid its fees: void the permit first{}",
                                 number, reversed.described, reversed.Otherwise()));
    }
    HF_RETURN_IF_ERROR(Record(ctx, "permit.payment_voided",
                              json::object{{"number", number},
                                           {"receipt", reversed.receipt},
                                           {"amount_cents", item.amount_cents},
                                           {"reason", reversed.reason},
                                           {"approved_by", reversed.approved_by}},
                              actor)
                           .status());
  }
  return Status::Ok();
}

}  // namespace

void RegisterPermits(store::Registry& registry) {
  registry.AddTable(
      {"permits",
       "CREATE TABLE IF NOT EXISTS permits(number TEXT PRIMARY KEY, type_code TEXT NOT NULL, type_name TEXT "
       "NOT "
       "NULL, catalog_id TEXT NOT NULL, status TEXT NOT NULL, held INTEGER NOT NULL, hold_reason TEXT NOT "
       "NULL, "
       "work_class TEXT NOT NULL, description TEXT NOT NULL, valuation_cents INTEGER NOT NULL, square_feet "
       "INTEGER NOT NULL, address_line1 TEXT NOT NULL, address_line2 TEXT NOT NULL, address_city TEXT NOT "
       "NULL, "
       "address_state TEXT NOT NULL, address_zip TEXT NOT NULL, parcel_pin TEXT NOT NULL, latitude INTEGER, "
       "longitude INTEGER, applicant_party_id TEXT NOT NULL, contractor_party_id TEXT NOT NULL, applied_on "
       "TEXT "
       "NOT NULL, issued_on TEXT, finaled_on TEXT, expires_on TEXT, closed_on TEXT, close_reason TEXT NOT "
       "NULL, "
       "expiry_days INTEGER NOT NULL, fees_json TEXT NOT NULL, fees_total_cents INTEGER NOT NULL, paid_cents "
       "INTEGER NOT NULL, receipts_json TEXT NOT NULL, inspections_json TEXT NOT NULL, passed_json TEXT NOT "
       "NULL, reinspection_cents INTEGER NOT NULL, updated_at INTEGER NOT NULL, event_hash TEXT NOT NULL) "
       "WITHOUT ROWID;"
       "CREATE INDEX IF NOT EXISTS permits_status ON permits(status, expires_on);"
       "CREATE INDEX IF NOT EXISTS permits_applicant ON permits(applicant_party_id);"
       "CREATE INDEX IF NOT EXISTS permits_contractor ON permits(contractor_party_id);",
       {"number"}});
  registry.AddAggregate({"permit", [](Db& db, std::string_view number) -> Status {
                           return db.Run("DELETE FROM permits WHERE number=?", number);
                         }});
  for (const char* type : {"permit.applied", "permit.paid", "permit.issued", "permit.hold_placed",
                           "permit.hold_released", "permit.cancelled", "permit.voided", "permit.expired",
                           "permit.inspection_passed", "permit.payment_voided", "permit.fee_assessed"}) {
    registry.AddRule({type, PermitAggregates, ApplyPermit});
  }
  RegisterPaidItemsReversal("BP-", ReversePermitPayment, {"permit-issued"});
}

Result<PermitApplication> ParsePermitApplication(const json::value& body) {
  ObjectReader r(body);
  PermitApplication a;
  a.type_code = r.RequiredString("permit_type", 40);
  a.work_class = r.RequiredString("work_class", 20);
  if (!a.work_class.empty() && a.work_class != "new" && a.work_class != "existing") {
    r.Fail("work_class", "work_class must be new or existing");
  }
  a.description = r.RequiredString("description", 2000);
  a.valuation_cents = r.RequiredInt("valuation_cents");
  if (r.Has("valuation_cents") && (a.valuation_cents < 0 || a.valuation_cents > kMaxAmountCents)) {
    r.Fail("valuation_cents", fmt::format("valuation_cents must be 0 to {}", kMaxAmountCents));
  }
  a.square_feet = r.Int("square_feet").value_or(0);
  if (a.square_feet < 0 || a.square_feet > 100'000'000)
    r.Fail("square_feet", "square_feet must be 0 or more");
  if (const json::object* addr = r.Object("address")) {
    ObjectReader ar(*addr, "address.");
    a.line1 = ar.RequiredString("line1", 100);
    a.line2 = ar.String("line2", 100).value_or("");
    a.city = ar.RequiredString("city", 100);
    a.state = ar.RequiredString("state", 2);
    a.zip = ar.RequiredString("zip", 10);
    Status s = ar.Finish();
    if (!s.ok()) r.Fail("address", s.error().detail);
  } else if (!r.Has("address")) {
    r.Fail("address", "address is required: line1, line2, city, state, zip of the work site");
  }
  a.parcel_pin = r.RequiredString("parcel_pin", 40);
  a.latitude_microdegrees = r.Int("latitude_microdegrees");
  a.longitude_microdegrees = r.Int("longitude_microdegrees");
  if (a.latitude_microdegrees && std::abs(*a.latitude_microdegrees) > 90'000'000) {
    r.Fail("latitude_microdegrees", "latitude_microdegrees is -90000000 to 90000000");
  }
  if (a.longitude_microdegrees && std::abs(*a.longitude_microdegrees) > 180'000'000) {
    r.Fail("longitude_microdegrees", "longitude_microdegrees is -180000000 to 180000000");
  }
  if (a.latitude_microdegrees.has_value() != a.longitude_microdegrees.has_value()) {
    r.Fail("latitude_microdegrees", "give both latitude_microdegrees and longitude_microdegrees, or neither");
  }
  a.applicant_party_id = r.RequiredString("applicant_party_id", 100);
  a.contractor_party_id = r.String("contractor_party_id", 100).value_or("");
  HF_RETURN_IF_ERROR(r.Finish());
  return a;
}

Result<json::object> ApplyForPermit(store::CommandContext& ctx, const PermitApplication& a, Date today,
                                    const std::string& actor) {
  Db& db = ctx.db();
  if (a.valuation_cents < 0) return Invalid("valuation_cents must be 0 or more", "valuation_cents");
  HF_ASSIGN_OR_RETURN(auto catalog, CatalogInEffect(db, today));
  const PermitType* type = catalog->Find(a.type_code);
  if (!type) {
    std::string known;
    for (const auto& t : catalog->types) known += (known.empty() ? "" : ", ") + t.code;
    return Refused(Code::kInvalid, "unknown-permit-type",
                   fmt::format("no permit type {:?} in the permit types in effect ({})", a.type_code, known),
                   "permit_type");
  }
  HF_ASSIGN_OR_RETURN(bool applicant, PartyExists(db, a.applicant_party_id));
  if (!applicant) {
    return Refused(Code::kInvalid, "unknown-applicant", fmt::format("no party {}", a.applicant_party_id),
                   "applicant_party_id");
  }
  if (type->requires_contractor()) {
    HF_RETURN_IF_ERROR(CheckContractor(db, a.contractor_party_id, type->contractor_trade, today));
  } else if (!a.contractor_party_id.empty()) {
    HF_ASSIGN_OR_RETURN(bool known, PartyExists(db, a.contractor_party_id));
    if (!known) {
      return Refused(Code::kInvalid, "unknown-contractor", fmt::format("no party {}", a.contractor_party_id),
                     "contractor_party_id");
    }
  }
  HF_ASSIGN_OR_RETURN(int64_t n, store::NextSeriesNumber(db, ctx.node_id(), "permit"));
  std::string number = store::SeriesId("BP", ctx.node_id(), n);
  HF_ASSIGN_OR_RETURN(PermitFees fees, FeesFor(type->fees, a.valuation_cents, a.square_feet, number));
  json::array lines, inspections;
  Cents total = 0;
  for (const auto& f : fees.lines) {
    lines.push_back(f.ToJson());
    total += f.amount_cents;
  }
  for (const auto& i : type->inspections) inspections.push_back(json::value(i));
  json::object data{
      {"number", number},
      {"type_code", type->code},
      {"type_name", type->name},
      {"catalog_id", catalog->id},
      {"work_class", a.work_class},
      {"description", a.description},
      {"valuation_cents", a.valuation_cents},
      {"square_feet", a.square_feet},
      {"address",
       json::object{
           {"line1", a.line1}, {"line2", a.line2}, {"city", a.city}, {"state", a.state}, {"zip", a.zip}}},
      {"parcel_pin", a.parcel_pin},
      {"applicant_party_id", a.applicant_party_id},
      {"contractor_party_id", a.contractor_party_id},
      {"applied_on", today.ToString()},
      {"inspections", std::move(inspections)},
      {"reinspection_cents", type->fees.reinspection_cents},
      {"expiry_days", catalog->expiry_days},
      {"fees", std::move(lines)},
      {"fees_total_cents", total},
      {"fee_basis", fees.basis}};
  if (a.latitude_microdegrees) data["latitude_microdegrees"] = *a.latitude_microdegrees;
  if (a.longitude_microdegrees) data["longitude_microdegrees"] = *a.longitude_microdegrees;
  return Record(ctx, "permit.applied", std::move(data), actor);
}

Result<json::object> PayPermit(store::CommandContext& ctx, const PermitPayment& pay, Date,
                               const std::string& clerk) {
  HF_ASSIGN_OR_RETURN(json::object p, Open(ctx.db(), pay.number));
  Cents due = IntOr(p, "due_cents");
  if (due <= 0) {
    return Refused(Code::kConflict, "permit-paid", fmt::format("permit {} has nothing due", pay.number));
  }
  PaymentRequest payment;
  payment.drawer_id = pay.drawer_id;
  payment.payer_party_id =
      pay.payer_party_id.empty() ? std::string(StringOr(p, "applicant_party_id")) : pay.payer_party_id;
  payment.tenders = pay.tenders;
  payment.clerk = clerk;
  // Payments take whole lines in order: the lines the paid amount covers are paid, the rest are due.
  Cents covered = IntOr(p, "paid_cents");
  for (const auto& f : ArrayOr(p, "fees")) {
    const json::object& o = f.as_object();
    if (covered >= IntOr(o, "amount_cents")) {
      covered -= IntOr(o, "amount_cents");
      continue;
    }
    payment.items.push_back({std::string(StringOr(o, "code")), std::string(StringOr(o, "description")),
                             IntOr(o, "amount_cents"), pay.number});
  }
  HF_ASSIGN_OR_RETURN(json::object receipt, TakePayment(ctx, payment, clerk));
  HF_ASSIGN_OR_RETURN(json::object permit,
                      Record(ctx, "permit.paid",
                             json::object{{"number", pay.number},
                                          {"receipt", StringOr(receipt, "receipt")},
                                          {"amount_cents", IntOr(receipt, "total_cents")}},
                             clerk));
  return json::object{{"receipt", std::move(receipt)}, {"permit", std::move(permit)}};
}

Result<json::object> ApplyOnlinePermitPayment(store::CommandContext& ctx, const std::string& number,
                                              const std::string& payment_id, Cents amount_cents,
                                              const std::string& reference, const std::string& actor) {
  HF_ASSIGN_OR_RETURN(json::object p, Existing(ctx.db(), number));
  for (const auto& r : ArrayOr(p, "receipts")) {
    if (r.is_string() && r.get_string() == payment_id) {
      return Refused(Code::kConflict, "payment-applied",
                     fmt::format("payment {} is on permit {} already", payment_id, number));
    }
  }
  return Record(ctx, "permit.paid",
                json::object{{"number", number},
                             {"receipt", payment_id},
                             {"amount_cents", amount_cents},
                             {"channel", "online"},
                             {"reference", reference}},
                actor);
}

bool IsPermitParty(const json::object& permit, std::string_view party_id) {
  return !party_id.empty() && (StringOr(permit, "applicant_party_id") == party_id ||
                               StringOr(permit, "contractor_party_id") == party_id);
}

Result<json::object> IssuePermit(store::CommandContext& ctx, const std::string& number, Date today,
                                 const std::string& actor) {
  Db& db = ctx.db();
  HF_ASSIGN_OR_RETURN(json::object p, Open(db, number));
  std::string_view status = StringOr(p, "status");
  if (IntOr(p, "due_cents") > 0) {
    return Refused(Code::kConflict, "permit-unpaid",
                   fmt::format("permit {} has {} in fees due: take the payment before issuing it", number,
                               FormatCents(IntOr(p, "due_cents"))));
  }
  if (status != "in_review") {
    return Refused(Code::kConflict, "permit-issued", fmt::format("permit {} is {} already", number, status));
  }
  if (BoolOr(p, "held")) {
    return Refused(Code::kConflict, "permit-on-hold",
                   fmt::format("permit {} is on hold: {}", number, StringOr(p, "hold_reason")));
  }
  if (!StringOr(p, "contractor_party_id").empty()) {
    // The trade the permit needs is the one its type needed when applied for: re-read from the contractor
    // record only whether the license and insurance are still valid today.
    HF_ASSIGN_OR_RETURN(auto c, GetContractor(db, StringOr(p, "contractor_party_id")));
    if (c)
      HF_RETURN_IF_ERROR(
          CheckContractor(db, StringOr(p, "contractor_party_id"), StringOr(*c, "trade"), today));
  }
  return Record(ctx, "permit.issued",
                json::object{{"number", number},
                             {"issued_on", today.ToString()},
                             {"expires_on", today.AddDays(IntOr(p, "expiry_days")).ToString()}},
                actor);
}

Result<json::object> PlaceHold(store::CommandContext& ctx, const std::string& number,
                               const std::string& reason, Date, const std::string& actor) {
  HF_RETURN_IF_ERROR(NeedReason(reason));
  HF_ASSIGN_OR_RETURN(json::object p, Open(ctx.db(), number));
  if (BoolOr(p, "held"))
    return Refused(Code::kConflict, "permit-on-hold", fmt::format("permit {} is on hold already", number));
  return Record(ctx, "permit.hold_placed", json::object{{"number", number}, {"reason", reason}}, actor);
}

Result<json::object> ReleaseHold(store::CommandContext& ctx, const std::string& number,
                                 const std::string& reason, Date, const std::string& actor) {
  HF_RETURN_IF_ERROR(NeedReason(reason));
  HF_ASSIGN_OR_RETURN(json::object p, Open(ctx.db(), number));
  if (!BoolOr(p, "held"))
    return Refused(Code::kConflict, "permit-not-held", fmt::format("permit {} is not on hold", number));
  return Record(ctx, "permit.hold_released", json::object{{"number", number}, {"reason", reason}}, actor);
}

Result<json::object> CancelPermit(store::CommandContext& ctx, const std::string& number,
                                  const std::string& reason, Date today, const std::string& actor) {
  HF_RETURN_IF_ERROR(NeedReason(reason));
  HF_RETURN_IF_ERROR(Open(ctx.db(), number).status());
  return Record(ctx, "permit.cancelled",
                json::object{{"number", number}, {"reason", reason}, {"cancelled_on", today.ToString()}},
                actor);
}

Result<json::object> VoidPermit(store::CommandContext& ctx, const std::string& number,
                                const std::string& reason, Date today, const std::string& approved_by,
                                const std::string& actor) {
  HF_RETURN_IF_ERROR(NeedReason(reason));
  HF_ASSIGN_OR_RETURN(json::object p, Existing(ctx.db(), number));
  if (StringOr(p, "status") == "voided") {
    return Refused(Code::kConflict, "permit-closed", fmt::format("permit {} is voided already", number));
  }
  return Record(ctx, "permit.voided",
                json::object{{"number", number},
                             {"reason", reason},
                             {"voided_on", today.ToString()},
                             {"approved_by", approved_by}},
                actor);
}

Result<std::vector<std::string>> ExpirePermits(store::CommandContext& ctx, Date today,
                                               const std::string& actor) {
  std::vector<std::string> due;
  {
    HF_ASSIGN_OR_RETURN(StmtRef s,
                        ctx.db().Prepare("SELECT number FROM permits WHERE status IN ('issued', "
                                         "'inspections') AND held=0 AND expires_on < ? ORDER BY number"));
    s->Bind(1, today.ToString());
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      due.push_back(s->Text(0));
    }
  }
  for (const auto& number : due) {
    HF_RETURN_IF_ERROR(
        ctx.Emit("permit.expired", json::object{{"number", number}, {"expired_on", today.ToString()}}, actor)
            .status());
  }
  return due;
}

Result<json::object> RecordInspectionPassed(store::CommandContext& ctx, const std::string& number,
                                            const std::string& inspection_type, Date passed_on,
                                            const std::string& inspection_id, const std::string& actor) {
  HF_ASSIGN_OR_RETURN(json::object p, Open(ctx.db(), number));
  std::string_view status = StringOr(p, "status");
  if (status != "issued" && status != "inspections") {
    return Refused(Code::kConflict, "permit-not-issued",
                   fmt::format("permit {} is {}: inspections pass only on an issued permit", number, status));
  }
  const json::array& seq = ArrayOr(p, "inspections");
  bool found = false, final = false;
  for (size_t i = 0; i < seq.size(); ++i) {
    const json::object& item = seq[i].as_object();
    if (StringOr(item, "type") != inspection_type) continue;
    found = true;
    final = i + 1 == seq.size();
    if (!item.at("passed_on").is_null()) {
      return Refused(Code::kConflict, "inspection-passed",
                     fmt::format("{} passed on permit {} already", inspection_type, number));
    }
  }
  if (!found) {
    return Refused(Code::kInvalid, "unknown-inspection-type",
                   fmt::format("permit {} has no {} inspection in its sequence", number, inspection_type),
                   "inspection_type");
  }
  if (final) {
    std::string missing;
    for (size_t i = 0; i + 1 < seq.size(); ++i) {
      const json::object& item = seq[i].as_object();
      if (item.at("passed_on").is_null())
        missing += (missing.empty() ? "" : ", ") + std::string(StringOr(item, "type"));
    }
    if (!missing.empty()) {
      return Refused(
          Code::kConflict, "inspections-outstanding",
          fmt::format("the final inspection of permit {} needs these to pass first: {}", number, missing));
    }
  }
  return Record(ctx, "permit.inspection_passed",
                json::object{{"number", number},
                             {"inspection_type", inspection_type},
                             {"passed_on", passed_on.ToString()},
                             {"final", final},
                             {"expires_on", passed_on.AddDays(IntOr(p, "expiry_days")).ToString()},
                             {"inspection_id", inspection_id}},
                actor);
}

Result<json::object> AssessPermitFee(store::CommandContext& ctx, const std::string& number,
                                     const FeeLine& line, const std::string& inspection_id,
                                     const std::string& actor) {
  HF_RETURN_IF_ERROR(Open(ctx.db(), number).status());
  if (line.amount_cents <= 0 || !IsFeeCode(line.code)) {
    return Internal(fmt::format("fee line {} of {} is not a fee", line.code, line.amount_cents));
  }
  return Record(ctx, "permit.fee_assessed",
                json::object{{"number", number}, {"line", line.ToJson()}, {"inspection_id", inspection_id}},
                actor);
}

Result<std::optional<json::object>> GetPermit(Db& db, std::string_view number) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare(fmt::format("SELECT {} FROM permits WHERE number=?", kColumns)));
  s->Bind(1, number);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<json::object>();
  return std::optional<json::object>(ReadPermit(*s));
}

Result<std::optional<json::object>> PublicPermit(Db& db, std::string_view number) {
  HF_ASSIGN_OR_RETURN(auto p, GetPermit(db, number));
  if (!p) return std::optional<json::object>();
  json::object out;
  for (const char* k : {"number", "type_code", "type_name", "status", "work_class", "description", "address",
                        "parcel_pin", "latitude_microdegrees", "longitude_microdegrees", "applied_on",
                        "issued_on", "finaled_on", "expires_on"}) {
    out[k] = p->at(k);
  }
  out["est_project_cost_cents"] = p->at("valuation_cents");
  out["contractor"] = nullptr;
  if (std::string_view c = StringOr(*p, "contractor_party_id"); !c.empty()) {
    HF_ASSIGN_OR_RETURN(auto con, GetContractor(db, c));
    if (con) {
      out["contractor"] = json::object{{"name", con->at("name")},
                                       {"license_number", con->at("license_number")},
                                       {"trade", con->at("trade")},
                                       {"license_state", con->at("license_state")}};
    }
  }
  HF_ASSIGN_OR_RETURN(out["inspections"], PublicInspections(db, number));
  return std::optional<json::object>(std::move(out));
}

Result<PermitPage> ListPermits(Db& db, const PermitQuery& q) {
  // Cursor: the applied_on and number of the last permit of the page.
  std::string after_day, after_number;
  if (!q.after.empty()) {
    HF_ASSIGN_OR_RETURN(std::tie(after_day, after_number), DecodeCursor(q.after));
  }
  HF_ASSIGN_OR_RETURN(
      StmtRef s,
      db.Prepare(fmt::format(
          "SELECT {} FROM permits WHERE (?1='' OR status=?1) AND (?2='' OR applicant_party_id=?2 OR "
          "contractor_party_id=?2) AND (?3='' OR number LIKE ?4 ESCAPE '\\' OR address_line1 LIKE ?4 ESCAPE "
          "'\\' OR description LIKE ?4 ESCAPE '\\' OR parcel_pin LIKE ?4 ESCAPE '\\' OR type_name LIKE ?4 "
          "ESCAPE '\\') AND (?5='' OR (applied_on, number) < (?5, ?6)) ORDER BY applied_on DESC, number DESC "
          "LIMIT ?7",
          kColumns)));
  s->BindAll(q.status, q.party_id, q.text, "%" + EscapeLike(q.text) + "%", after_day, after_number,
             static_cast<int64_t>(q.limit) + 1);
  PermitPage page;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    if (static_cast<int64_t>(page.items.size()) == q.limit) {
      const json::object& last = page.items.back().as_object();
      page.next_cursor = EncodeCursor(StringOr(last, "applied_on"), StringOr(last, "number"));
      break;
    }
    page.items.push_back(ReadPermit(*s));
  }
  return page;
}

}  // namespace holdfast::domain
