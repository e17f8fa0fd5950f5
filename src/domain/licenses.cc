#include "domain/licenses.h"

#include <fmt/format.h>

#include <algorithm>

#include "domain/cashier.h"
#include "domain/city_date.h"
#include "domain/conflicts.h"
#include "domain/fees.h"
#include "domain/incidents.h"
#include "domain/parties.h"
#include "domain/pets.h"
#include "domain/tags.h"
#include "store/journal.h"
#include "store/series.h"

namespace holdfast::domain {
namespace {

using store::Db;
using store::StmtRef;

constexpr std::string_view kColumns =
    "number, pet_id, owner_party_id, species, tag, term_years, issued_on, starts_on, expires_on, status, "
    "renewals, void_reason, updated_at, event_hash";

// What a client sees of a license's standing on `today`.
std::string_view LicenseState(std::string_view status, std::string_view expires_on, Date today) {
  if (status == "voided") return "voided";
  return expires_on < today.ToString() ? "expired" : "active";
}

json::object ReadLicense(store::Stmt& s, Date today) {
  json::object l{{"number", s.Text(0)},     {"pet_id", s.Text(1)},     {"owner_party_id", s.Text(2)},
                 {"species", s.Text(3)},    {"tag", s.Int(4)},         {"term_years", s.Int(5)},
                 {"issued_on", s.Text(6)},  {"starts_on", s.Text(7)},  {"expires_on", s.Text(8)},
                 {"status", s.Text(9)},     {"renewals", s.Int(10)},   {"void_reason", s.Text(11)},
                 {"updated_at", s.Int(12)}, {"event_hash", s.Text(13)}};
  l["state"] = LicenseState(s.TextView(9), s.TextView(8), today);
  return l;
}

json::array FeesJson(const std::vector<FeeLine>& fees) {
  json::array a;
  for (const auto& f : fees) a.push_back(f.ToJson());
  return a;
}

Status Update(Db& db, std::string_view sql, std::string_view number, auto... args) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare(sql));
  s->BindAll(args...);
  s->Bind(static_cast<int>(sizeof...(args)) + 1, number);
  return s->Run();
}

Cents FeesTotal(const json::object& d) {
  Cents total = 0;
  for (const auto& f : ArrayOr(d, "fees")) {
    if (f.is_object()) total += IntOr(f.get_object(), "amount_cents");
  }
  return total;
}

// A license event that does not take effect may still have handed a new tag over the counter: that tag is
// recorded as spoiled, so it is never issued again.
Status SpoilTagHandedOut(Db& db, const journal::Event& e, std::string_view number) {
  const bool new_tag =
      (e.type == "license.renewed" && BoolOr(e.data, "new_tag")) || e.type == "license.tag_replaced";
  if (!new_tag) return Status::Ok();
  return RecordTag(db, IntOr(e.data, "tag"), "spoiled", number, "handed out in a change that did not stand");
}

// A voided sale is undone only on the license exactly as it was when the void was decided.
bool SaleVoidApplies(std::string_view license_event_hash, const json::object& d) {
  return StringOr(d, "license_event_hash") == license_event_hash;
}

// license.sale_voided on the license row (the pet's owner is its pet: aggregate's part).
Status ApplySaleVoided(Db& db, const journal::StoredEvent& se, std::string_view aggregate,
                       std::string_view number) {
  const journal::Event& e = se.event;
  const json::object& d = e.data;
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT event_hash FROM licenses WHERE number=?"));
  s->Bind(1, number);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return Status::Ok();  // its issue is not here yet: the refold on its arrival applies this
  const std::string current = s->Text(0);
  s->Reset();
  if (!SaleVoidApplies(current, d)) {
    // The same sale voided twice (one online payment refunded at two offices cut off from each other): the
    // first void stands, and the second is no conflict.
    HF_ASSIGN_OR_RETURN(std::vector<journal::StoredEvent> events,
                        store::AggregateEvents(db, fmt::format("license:{}", number)));
    const auto place = std::make_tuple(e.stamp, std::string_view(e.feed), e.seq);
    for (const journal::StoredEvent& other : events) {
      const journal::Event& o = other.event;
      if (std::make_tuple(o.stamp, std::string_view(o.feed), o.seq) >= place) break;
      if (o.type == "license.sale_voided" && StringOr(o.data, "receipt") == StringOr(d, "receipt") &&
          StringOr(o.data, "license_event_hash") == StringOr(d, "license_event_hash")) {
        return Status::Ok();
      }
    }
    return RecordConflict(
        db, aggregate, "license-changed-after-sale", e,
        fmt::format("receipt {} was voided at {}, but license {} had changed since the sale at an office "
                    "that could not see the void: the sale is not undone; refund or void the license",
                    StringOr(d, "receipt"), e.feed, number),
        json::object{{"license", number}, {"receipt", StringOr(d, "receipt")}, {"node", e.feed}});
  }
  const std::string hash = se.HashHex();
  if (BoolOr(d, "issued_by_sale")) {
    HF_RETURN_IF_ERROR(
        Update(db,
               "UPDATE licenses SET status='voided', void_reason=?, updated_at=?, event_hash=? "
               "WHERE number=?",
               number, StringOr(d, "void_reason"), e.stamp.time, hash));
  } else {
    const json::object& r = d.at("restore").as_object();
    HF_RETURN_IF_ERROR(Update(db,
                              "UPDATE licenses SET owner_party_id=?, tag=?, term_years=?, starts_on=?, "
                              "expires_on=?, renewals=?, status=?, void_reason=?, updated_at=?, event_hash=? "
                              "WHERE number=?",
                              number, StringOr(r, "owner_party_id"), IntOr(r, "tag"), IntOr(r, "term_years"),
                              StringOr(r, "starts_on"), StringOr(r, "expires_on"), IntOr(r, "renewals"),
                              StringOr(r, "status"), StringOr(r, "void_reason"), e.stamp.time, hash));
  }
  for (const auto& tag : ArrayOr(d, "spoiled_tags")) {
    if (!tag.is_int64()) continue;
    HF_RETURN_IF_ERROR(
        RecordTag(db, tag.get_int64(), "spoiled", number, "handed out in a sale that was voided"));
  }
  return Status::Ok();
}

// The conflict rules of the license aggregate (DESIGN §5), for an event folding onto a license that is
// `status` and runs to `expires_on`. Answers true when the event does not take effect:
// - anything but a void, on a voided license: it is not applied, and its fees are due back;
// - a renewal decided on an older expiry than the license now has (the license was renewed elsewhere
//   meanwhile): not applied, its fees are due back;
// - a void decided on an older expiry (a renewal it did not see): the void stands, the renewal's fees are due
//   back.
Result<bool> CheckConcurrent(Db& db, const journal::Event& e, std::string_view aggregate,
                             std::string_view number, std::string_view status, std::string_view expires_on) {
  const json::object& d = e.data;
  json::object detail{{"license", number},
                      {"event", e.type},
                      {"node", e.feed},
                      {"by", e.actor},
                      {"license_expires_on", expires_on}};
  if (status == "voided") {
    if (e.type == "license.voided") return true;  // voided twice: the first void stands, nothing differs
    detail["refund_due_cents"] = FeesTotal(d);
    HF_RETURN_IF_ERROR(
        RecordConflict(db, aggregate, "license-changed-after-void", e,
                       fmt::format("{} at {} on license {}, which was voided: not applied; refund its fees",
                                   e.type, e.feed, number),
                       std::move(detail)));
    HF_RETURN_IF_ERROR(SpoilTagHandedOut(db, e, number));
    return true;
  }
  std::string_view seen = StringOr(d, e.type == "license.renewed" ? "previous_expires_on" : "expires_on");
  if (seen.empty() || seen == expires_on) return false;
  if (e.type == "license.renewed") {
    detail["decided_on_expiry"] = seen;
    detail["refund_due_cents"] = FeesTotal(d);
    HF_RETURN_IF_ERROR(RecordConflict(
        db, aggregate, "license-renewed-twice", e,
        fmt::format(
            "license {} was renewed again at {} after a renewal it did not know of: the second renewal "
            "is not applied; refund its fees",
            number, e.feed),
        std::move(detail)));
    HF_RETURN_IF_ERROR(SpoilTagHandedOut(db, e, number));
    return true;
  }
  if (e.type == "license.voided") {
    detail["decided_on_expiry"] = seen;
    HF_RETURN_IF_ERROR(RecordConflict(
        db, aggregate, "license-voided-after-renewal", e,
        fmt::format(
            "license {} was voided at {} without knowing of its renewal to {}: the void stands; refund "
            "the renewal",
            number, e.feed, expires_on),
        std::move(detail)));
  }
  return false;
}

Status ApplyLicense(Db& db, const journal::StoredEvent& se, std::string_view aggregate) {
  const journal::Event& e = se.event;
  const json::object& d = e.data;
  std::string_view number = StringOr(d, "number");
  if (aggregate.starts_with("series:")) {
    return store::ApplySeriesNumber(db, aggregate, store::SeriesNumberOf(number));
  }
  if (aggregate.starts_with("pet:") && e.type == "license.sale_voided") {
    // The owner goes back only if the pet still belongs to whom the voided sale transferred it.
    const json::object& owner = d.at("pet_owner").as_object();
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("UPDATE pets SET owner_party_id=?, updated_at=? WHERE id=? AND "
                                              "owner_party_id=?"));
    return s->BindAll(StringOr(owner, "to"), e.stamp.time, StringOr(d, "pet_id"), StringOr(owner, "from"))
        .Run();
  }
  if (aggregate.starts_with("pet:")) {  // issue and transfer decide who owns the pet
    std::string_view owner =
        e.type == "license.issued" ? StringOr(d, "owner_party_id") : StringOr(d, "to_party_id");
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("UPDATE pets SET owner_party_id=?, updated_at=? WHERE id=?"));
    return s->BindAll(owner, e.stamp.time, StringOr(d, "pet_id")).Run();
  }
  const std::string& type = e.type;
  if (type == "license.sale_voided") return ApplySaleVoided(db, se, aggregate, number);
  if (type != "license.issued") {
    // Decisions made at offices that could not see each other: the fold decides which one stands.
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT status, expires_on FROM licenses WHERE number=?"));
    s->Bind(1, number);
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return Status::Ok();  // its issue is not here yet: the refold on its arrival applies this
    const std::string status = s->Text(0), expires_on = s->Text(1);
    s->Reset();
    HF_ASSIGN_OR_RETURN(bool lost, CheckConcurrent(db, e, aggregate, number, status, expires_on));
    if (lost) return Status::Ok();
  }
  // Every change that takes effect stamps the license with its time and its event's hash.
  const std::string hash = se.HashHex();
  if (type == "license.issued") {
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("INSERT OR REPLACE INTO licenses VALUES(?,?,?,?,?,?,?,?,?,"
                                              "'active',0,'',?,?)"));
    HF_RETURN_IF_ERROR(s->BindAll(number, StringOr(d, "pet_id"), StringOr(d, "owner_party_id"),
                                  StringOr(d, "species"), IntOr(d, "tag"), IntOr(d, "term_years"),
                                  StringOr(d, "starts_on"), StringOr(d, "starts_on"),
                                  StringOr(d, "expires_on"), e.stamp.time, hash)
                           .Run());
    return RecordTag(db, IntOr(d, "tag"), "issued", number, "");
  }
  if (type == "license.renewed") {
    HF_RETURN_IF_ERROR(Update(db,
                              "UPDATE licenses SET tag=?, term_years=?, starts_on=?, expires_on=?, "
                              "renewals=renewals+1, updated_at=?, event_hash=? WHERE number=?",
                              number, IntOr(d, "tag"), IntOr(d, "term_years"), StringOr(d, "starts_on"),
                              StringOr(d, "expires_on"), e.stamp.time, hash));
    // A renewal that keeps its tag leaves the tag's record as it is.
    if (!BoolOr(d, "new_tag")) return Status::Ok();
    return RecordTag(db, IntOr(d, "tag"), "issued", number, "");
  }
  if (type == "license.tag_replaced") {
    HF_RETURN_IF_ERROR(RecordTag(db, IntOr(d, "old_tag"), StringOr(d, "reason"), number, ""));
    HF_RETURN_IF_ERROR(RecordTag(db, IntOr(d, "tag"), "issued", number, ""));
    return Update(db, "UPDATE licenses SET tag=?, updated_at=?, event_hash=? WHERE number=?", number,
                  IntOr(d, "tag"), e.stamp.time, hash);
  }
  if (type == "license.transferred") {
    return Update(db, "UPDATE licenses SET owner_party_id=?, updated_at=?, event_hash=? WHERE number=?",
                  number, StringOr(d, "to_party_id"), e.stamp.time, hash);
  }
  if (type == "license.voided") {
    return Update(db,
                  "UPDATE licenses SET status='voided', void_reason=?, updated_at=?, event_hash=? "
                  "WHERE number=?",
                  number, StringOr(d, "reason"), e.stamp.time, hash);
  }
  return Status::Ok();
}

std::vector<std::string> LicenseAggregates(const journal::Event& e) {
  std::vector<std::string> out{fmt::format("license:{}", StringOr(e.data, "number"))};
  if (e.type == "license.issued") out.push_back(store::SeriesAggregate(e.feed, "license"));
  if (e.type == "license.issued" || e.type == "license.transferred" ||
      (e.type == "license.sale_voided" && e.data.if_contains("pet_owner") &&
       e.data.at("pet_owner").is_object())) {
    out.push_back(fmt::format("pet:{}", StringOr(e.data, "pet_id")));
  }
  return out;
}

Error Refused(std::string type, std::string detail, std::string field = {}) {
  return MakeError(Code::kInvalid, std::move(detail), std::move(type), std::move(field));
}

// The last day of a term of `term_years` from `starts`, within the pet's rabies vaccination.
Result<Date> TermEnd(const json::object& pet, Date starts, int term_years, Date today) {
  std::string name(StringOr(pet, "name"));
  const json::value* rabies = pet.if_contains("rabies");
  if (!rabies || !rabies->is_object()) {
    return Refused("rabies-missing",
                   fmt::format("{} has no rabies vaccination on record: record the certificate first", name));
  }
  HF_ASSIGN_OR_RETURN(Date rabies_expires, Date::Parse(StringOr(rabies->get_object(), "expires_on")));
  if (rabies_expires <= today) {
    return Refused("rabies-expired",
                   fmt::format("{}'s rabies vaccination expired on {}: a license needs a current vaccination",
                               name, rabies_expires.ToString()));
  }
  Date end = starts.AddYears(term_years);
  if (end > rabies_expires) {
    if (term_years > 1) {
      return Refused(
          "rabies-too-short",
          fmt::format("{}'s rabies vaccination expires on {}, before the end of a {}-year term ({}): "
                      "choose a 1-year term or record the new vaccination",
                      name, rabies_expires.ToString(), term_years, end.ToString()),
          "term_years");
    }
    end = rabies_expires;  // a 1-year license ends with the vaccination
  }
  if (end <= starts) {
    return Refused(
        "rabies-expired",
        fmt::format("{}'s rabies vaccination ends on {}, when this license term would begin: record "
                    "the new vaccination first",
                    name, rabies_expires.ToString()));
  }
  return end;
}

Status CheckTerm(int term_years) {
  if (term_years != 1 && term_years != 3) return Invalid("term_years must be 1 or 3", "term_years");
  return Status::Ok();
}

Result<json::object> Pet(Db& db, std::string_view pet_id) {
  HF_ASSIGN_OR_RETURN(auto pet, GetPet(db, pet_id));
  if (!pet) return NotFound(fmt::format("no pet {}", pet_id));
  return std::move(*pet);
}

// The license row, refused when voided.
Result<json::object> Live(Db& db, std::string_view number, Date today) {
  HF_ASSIGN_OR_RETURN(auto lic, GetLicense(db, number, today));
  if (!lic) return NotFound(fmt::format("no license {}", number));
  if (StringOr(*lic, "status") == "voided") {
    return Conflict(fmt::format("license {} was voided", number), "license-voided");
  }
  return std::move(*lic);
}

LicenseFeeRequest FeeRequestFor(const json::object& pet, int term_years, bool senior, bool late) {
  return {.species = std::string(StringOr(pet, "species")),
          .altered = BoolOr(pet, "altered"),
          .service_animal = BoolOr(pet, "service_animal"),
          .senior_owner = senior,
          .term_years = term_years,
          .late = late};
}

// The license as ApplyLicense and ReadLicense leave it after `se`, the newest event of its aggregate,
// starting from `lic`, the row as the command read it (empty for an issue). Commands answer with it instead
// of reading the row back; LicensesTest.EveryCommandAnswersTheLicenseAsStored keeps the two in step.
json::object LicenseAfter(json::object lic, const journal::StoredEvent& se, Date today) {
  const journal::Event& e = se.event;
  const json::object& d = e.data;
  if (e.type == "license.issued") {
    lic = json::object{{"number", d.at("number")},
                       {"pet_id", d.at("pet_id")},
                       {"owner_party_id", d.at("owner_party_id")},
                       {"species", d.at("species")},
                       {"tag", d.at("tag")},
                       {"term_years", d.at("term_years")},
                       {"issued_on", d.at("starts_on")},
                       {"starts_on", d.at("starts_on")},
                       {"expires_on", d.at("expires_on")},
                       {"status", "active"},
                       {"renewals", 0},
                       {"void_reason", ""}};
  } else if (e.type == "license.renewed") {
    for (const char* k : {"tag", "term_years", "starts_on", "expires_on"}) lic[k] = d.at(k);
    lic["renewals"] = IntOr(lic, "renewals") + 1;
  } else if (e.type == "license.tag_replaced") {
    lic["tag"] = d.at("tag");
  } else if (e.type == "license.transferred") {
    lic["owner_party_id"] = d.at("to_party_id");
  } else if (e.type == "license.voided") {
    lic["status"] = "voided";
    lic["void_reason"] = d.at("reason");
  } else if (e.type == "license.sale_voided") {
    if (!SaleVoidApplies(StringOr(lic, "event_hash"), d)) return lic;
    if (BoolOr(d, "issued_by_sale")) {
      lic["status"] = "voided";
      lic["void_reason"] = d.at("void_reason");
    } else {
      for (const auto& [k, v] : d.at("restore").as_object()) lic[k] = v;
    }
  }
  lic["updated_at"] = e.stamp.time;
  lic["event_hash"] = se.HashHex();
  lic["state"] = LicenseState(StringOr(lic, "status"), StringOr(lic, "expires_on"), today);
  return lic;
}

// Emits the license event and answers the license as it now stands with the fees it charged.
Result<LicenseCharge> Charge(store::CommandContext& ctx, std::string type, json::object data,
                             json::object before, Date today, std::vector<FeeLine> fees,
                             const std::string& actor) {
  HF_ASSIGN_OR_RETURN(journal::StoredEvent e, ctx.Emit(std::move(type), std::move(data), actor));
  return LicenseCharge{LicenseAfter(std::move(before), e, today), std::move(fees)};
}

// The tags a license event handed over the counter.
std::optional<int64_t> TagHandedOut(const journal::Event& e) {
  if (e.type == "license.issued" || e.type == "license.tag_replaced" ||
      (e.type == "license.renewed" && BoolOr(e.data, "new_tag"))) {
    return IntOr(e.data, "tag");
  }
  return std::nullopt;
}

// The PaidItemsReversal of licenses: undoes, license by license, the changes the payment taken back paid for.
Status ReverseLicenseSale(store::CommandContext& ctx, const ReversedPayment& voided,
                          const std::string& actor) {
  Db& db = ctx.db();
  HF_ASSIGN_OR_RETURN(const Date today, CityToday(ctx));
  for (const PaidItem& item : voided.items) {
    const std::string& number = item.ref;
    HF_ASSIGN_OR_RETURN(auto current, GetLicense(db, number, today));
    if (!current) continue;  // not a license of this city: nothing of it to undo
    HF_ASSIGN_OR_RETURN(std::vector<journal::StoredEvent> events,
                        store::AggregateEvents(db, fmt::format("license:{}", number)));
    size_t first = events.size();
    std::vector<std::string_view> undone;  // receipts of sales of this license voided already
    for (size_t i = 0; i < events.size(); ++i) {
      std::string_view receipt = StringOr(events[i].event.data, "receipt");
      if (receipt == voided.receipt && first == events.size()) first = i;
      if (events[i].event.type == "license.sale_voided") undone.push_back(receipt);
    }
    if (first == events.size()) {
      return Conflict(fmt::format("license {} on {} was changed before receipts were recorded on license "
                                  "changes: void the license{}",
                                  number, voided.described, voided.Otherwise()),
                      "sale-not-reversible");
    }
    json::object before, after;
    json::array reverses, spoiled;
    for (size_t i = 0; i < events.size(); ++i) {
      const journal::Event& e = events[i].event;
      std::string_view receipt = StringOr(e.data, "receipt");
      const bool of_sale = receipt == voided.receipt;
      // A later sale that was voided itself has left the license as this one did.
      const bool undone_since = std::find(undone.begin(), undone.end(), receipt) != undone.end();
      if (i >= first && !of_sale && !undone_since) {
        return Conflict(fmt::format("license {} changed after the sale on {} ({} at {}): undo that change "
                                    "first{}",
                                    number, voided.described, e.type, e.feed, voided.Otherwise()),
                        "license-changed-since-sale");
      }
      after = LicenseAfter(std::move(after), events[i], today);
      if (i + 1 == first) before = after;
      if (i >= first && of_sale) {
        reverses.push_back(json::value(events[i].HashHex()));
        if (auto tag = TagHandedOut(e)) spoiled.push_back(*tag);
      }
    }
    // The rules of a fold this replay does not follow (changes from offices that could not see each other)
    // may have left the license otherwise: then the sale is not undone here.
    if (StringOr(after, "event_hash") != StringOr(*current, "event_hash") ||
        StringOr(after, "expires_on") != StringOr(*current, "expires_on")) {
      return Conflict(fmt::format("license {} holds changes made at offices that could not see each other: "
                                  "resolve its conflicts, then void the license{}",
                                  number, voided.Otherwise()),
                      "sale-not-reversible");
    }
    const bool issued_by_sale = events[first].event.type == "license.issued";
    json::object data{{"number", number},
                      {"receipt", voided.receipt},
                      {"reason", voided.reason},
                      {"approved_by", voided.approved_by},
                      {"reverses", std::move(reverses)},
                      {"license_event_hash", StringOr(*current, "event_hash")},
                      {"issued_by_sale", issued_by_sale},
                      {"restore", nullptr},
                      {"spoiled_tags", std::move(spoiled)},
                      {"pet_id", StringOr(*current, "pet_id")},
                      {"pet_owner", nullptr}};
    if (issued_by_sale) {
      data["void_reason"] = fmt::format("the sale on {} was taken back: {}", voided.described, voided.reason);
    } else {
      json::object restore;
      for (const char* k : {"owner_party_id", "tag", "term_years", "starts_on", "expires_on", "renewals",
                            "status", "void_reason"}) {
        restore[k] = before.at(k);
      }
      if (StringOr(before, "owner_party_id") != StringOr(*current, "owner_party_id")) {
        data["pet_owner"] = json::object{{"from", StringOr(*current, "owner_party_id")},
                                         {"to", StringOr(before, "owner_party_id")}};
      }
      data["restore"] = std::move(restore);
    }
    HF_RETURN_IF_ERROR(ctx.Emit("license.sale_voided", std::move(data), actor).status());
  }
  return Status::Ok();
}

}  // namespace

void RegisterLicenses(store::Registry& registry) {
  registry.AddTable(
      {"licenses",
       "CREATE TABLE IF NOT EXISTS licenses(number TEXT PRIMARY KEY, pet_id TEXT NOT NULL, "
       "owner_party_id TEXT NOT NULL, species TEXT NOT NULL, tag INTEGER NOT NULL, term_years INTEGER NOT "
       "NULL, "
       "issued_on TEXT NOT NULL, starts_on TEXT NOT NULL, expires_on TEXT NOT NULL, status TEXT NOT NULL, "
       "renewals INTEGER NOT NULL, void_reason TEXT NOT NULL, updated_at INTEGER NOT NULL, event_hash TEXT "
       "NOT "
       "NULL) WITHOUT ROWID;"
       "CREATE INDEX IF NOT EXISTS licenses_pet ON licenses(pet_id);"
       "CREATE INDEX IF NOT EXISTS licenses_owner ON licenses(owner_party_id);",
       {"number"}});
  registry.AddAggregate({"license", [](Db& db, std::string_view number) -> Status {
                           HF_ASSIGN_OR_RETURN(StmtRef a, db.Prepare("DELETE FROM licenses WHERE number=?"));
                           HF_RETURN_IF_ERROR(a->Bind(1, number).Run());
                           HF_ASSIGN_OR_RETURN(StmtRef b, db.Prepare("DELETE FROM tags WHERE license=?"));
                           HF_RETURN_IF_ERROR(b->Bind(1, number).Run());
                           return ClearConflicts(db, fmt::format("license:{}", number));
                         }});
  for (const char* type : {"license.issued", "license.renewed", "license.tag_replaced", "license.transferred",
                           "license.voided", "license.sale_voided"}) {
    registry.AddRule({type, LicenseAggregates, ApplyLicense});
  }
  RegisterPaidItemsReversal("L-", ReverseLicenseSale, {"license-changed-since-sale", "sale-not-reversible"});
}

Result<LicenseCharge> IssueLicense(store::CommandContext& ctx, const IssueRequest& req, Date today,
                                   const std::string& actor) {
  Db& db = ctx.db();
  HF_RETURN_IF_ERROR(CheckTerm(req.term_years));
  HF_ASSIGN_OR_RETURN(json::object pet, Pet(db, req.pet_id));
  {
    HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT number, expires_on FROM licenses WHERE pet_id=? AND "
                                              "status='active' AND expires_on >= ? LIMIT 1"));
    s->BindAll(req.pet_id, today.ToString());
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (row) {
      return Conflict(fmt::format("{} already has license {} until {}: renew it instead",
                                  StringOr(pet, "name"), s->Text(0), s->Text(1)),
                      "already-licensed");
    }
  }
  HF_ASSIGN_OR_RETURN(Date expires, TermEnd(pet, today, req.term_years, today));
  HF_RETURN_IF_ERROR(CheckTagAvailable(db, ctx.node_id(), req.tag));
  HF_ASSIGN_OR_RETURN(auto schedule_ptr, ScheduleInEffect(db, today));
  const FeeSchedule& schedule = *schedule_ptr;
  HF_ASSIGN_OR_RETURN(int64_t n, store::NextSeriesNumber(db, ctx.node_id(), "license"));
  std::string number = store::SeriesId("L", ctx.node_id(), n);
  HF_ASSIGN_OR_RETURN(
      std::vector<FeeLine> fees,
      LicenseFees(schedule, FeeRequestFor(pet, req.term_years, req.senior_owner, false), number));
  json::object data{{"number", number},
                    {"pet_id", req.pet_id},
                    {"owner_party_id", StringOr(pet, "owner_party_id")},
                    {"species", StringOr(pet, "species")},
                    {"tag", req.tag},
                    {"term_years", req.term_years},
                    {"starts_on", today.ToString()},
                    {"expires_on", expires.ToString()},
                    {"fees", FeesJson(fees)}};
  if (!req.receipt.empty()) data["receipt"] = req.receipt;
  return Charge(ctx, "license.issued", std::move(data), json::object{}, today, std::move(fees), actor);
}

Result<RenewalQuote> QuoteRenewal(Db& db, const RenewRequest& req, Date today) {
  HF_RETURN_IF_ERROR(CheckTerm(req.term_years));
  HF_ASSIGN_OR_RETURN(json::object lic, Live(db, req.number, today));
  HF_ASSIGN_OR_RETURN(json::object pet, Pet(db, StringOr(lic, "pet_id")));
  HF_ASSIGN_OR_RETURN(auto schedule_ptr, ScheduleInEffect(db, today));
  const FeeSchedule& schedule = *schedule_ptr;
  HF_ASSIGN_OR_RETURN(Date expires_on, Date::Parse(StringOr(lic, "expires_on")));
  Date opens = expires_on.AddDays(-schedule.renewal_window_days);
  if (today < opens) {
    return Conflict(fmt::format("license {} already runs to {}; renewals open on {}", req.number,
                                expires_on.ToString(), opens.ToString()),
                    "renewal-too-early");
  }
  // An expiry inside an incident affecting licenses moves past its grace period (domain/incidents.h): no late
  // fee until then, and the new term still starts at the old expiry.
  HF_ASSIGN_OR_RETURN(IncidentRules incidents, IncidentRulesFor(db, "licenses"));
  const std::optional<Date> due = incidents.EffectiveDue(expires_on);
  RenewalQuote q;
  q.late = due && today > *due;
  q.previous_expires_on = expires_on;
  q.starts_on = q.late ? today : expires_on;
  HF_ASSIGN_OR_RETURN(q.expires_on, TermEnd(pet, q.starts_on, req.term_years, today));
  HF_ASSIGN_OR_RETURN(
      q.fees,
      LicenseFees(schedule, FeeRequestFor(pet, req.term_years, req.senior_owner, q.late), req.number));
  q.license = std::move(lic);
  return q;
}

Cents RenewalQuote::Total() const {
  Cents total = 0;
  for (const auto& f : fees) total += f.amount_cents;
  return total;
}

json::object RenewalQuote::ToJson() const {
  return json::object{{"number", StringOr(license, "number")},
                      {"pet_id", StringOr(license, "pet_id")},
                      {"previous_expires_on", previous_expires_on.ToString()},
                      {"starts_on", starts_on.ToString()},
                      {"expires_on", expires_on.ToString()},
                      {"late", late},
                      {"fees", FeesJson(fees)},
                      {"total_cents", Total()}};
}

Result<LicenseCharge> RenewLicense(store::CommandContext& ctx, const RenewRequest& req, Date today,
                                   const std::string& actor) {
  Db& db = ctx.db();
  HF_ASSIGN_OR_RETURN(RenewalQuote q, QuoteRenewal(db, req, today));
  int64_t tag = IntOr(q.license, "tag");
  const bool new_tag = req.tag != 0 && req.tag != tag;
  if (new_tag) {
    HF_RETURN_IF_ERROR(CheckTagAvailable(db, ctx.node_id(), req.tag));
    tag = req.tag;
  }
  json::object data{{"number", req.number},
                    {"tag", tag},
                    {"new_tag", new_tag},
                    {"term_years", req.term_years},
                    {"previous_expires_on", q.previous_expires_on.ToString()},
                    {"starts_on", q.starts_on.ToString()},
                    {"expires_on", q.expires_on.ToString()},
                    {"late", q.late},
                    {"fees", FeesJson(q.fees)}};
  if (!req.receipt.empty()) data["receipt"] = req.receipt;
  return Charge(ctx, "license.renewed", std::move(data), std::move(q.license), today, std::move(q.fees),
                actor);
}

Result<LicenseCharge> ReplaceTag(store::CommandContext& ctx, const ReplaceTagRequest& req, Date today,
                                 const std::string& actor) {
  Db& db = ctx.db();
  if (req.reason != "lost" && req.reason != "damaged")
    return Invalid("reason must be lost or damaged", "reason");
  HF_ASSIGN_OR_RETURN(json::object lic, Live(db, req.number, today));
  HF_RETURN_IF_ERROR(CheckTagAvailable(db, ctx.node_id(), req.tag));
  HF_ASSIGN_OR_RETURN(auto schedule_ptr, ScheduleInEffect(db, today));
  const FeeSchedule& schedule = *schedule_ptr;
  std::vector<FeeLine> fees{{schedule.replacement_tag.code, schedule.replacement_tag.description,
                             schedule.replacement_tag.amount_cents, req.number}};
  json::object data{{"number", req.number},
                    {"old_tag", IntOr(lic, "tag")},
                    {"tag", req.tag},
                    {"reason", req.reason},
                    {"fees", FeesJson(fees)}};
  if (!req.receipt.empty()) data["receipt"] = req.receipt;
  return Charge(ctx, "license.tag_replaced", std::move(data), std::move(lic), today, std::move(fees), actor);
}

Result<LicenseCharge> TransferLicense(store::CommandContext& ctx, const TransferRequest& req, Date today,
                                      const std::string& actor) {
  Db& db = ctx.db();
  HF_ASSIGN_OR_RETURN(json::object lic, Live(db, req.number, today));
  if (StringOr(lic, "owner_party_id") == req.to_party_id) {
    return Invalid(fmt::format("license {} already belongs to {}", req.number, req.to_party_id),
                   "to_party_id");
  }
  HF_ASSIGN_OR_RETURN(bool found, PartyExists(db, req.to_party_id));
  if (!found) return NotFound(fmt::format("no party {} to transfer the license to", req.to_party_id));
  HF_ASSIGN_OR_RETURN(auto schedule_ptr, ScheduleInEffect(db, today));
  const FeeSchedule& schedule = *schedule_ptr;
  std::vector<FeeLine> fees{
      {schedule.transfer.code, schedule.transfer.description, schedule.transfer.amount_cents, req.number}};
  json::object data{{"number", req.number},
                    {"pet_id", StringOr(lic, "pet_id")},
                    {"from_party_id", StringOr(lic, "owner_party_id")},
                    {"to_party_id", req.to_party_id},
                    {"fees", FeesJson(fees)}};
  if (!req.receipt.empty()) data["receipt"] = req.receipt;
  return Charge(ctx, "license.transferred", std::move(data), std::move(lic), today, std::move(fees), actor);
}

Result<json::object> VoidLicense(store::CommandContext& ctx, const std::string& number,
                                 const std::string& reason, const std::string& approved_by,
                                 const std::string& actor) {
  if (reason.empty()) return Invalid("say why the license is voided", "reason");
  HF_ASSIGN_OR_RETURN(Date today, CityToday(ctx));
  HF_ASSIGN_OR_RETURN(json::object lic, Live(ctx.db(), number, today));
  HF_ASSIGN_OR_RETURN(journal::StoredEvent e,
                      ctx.Emit("license.voided",
                               json::object{{"number", number},
                                            {"reason", reason},
                                            {"approved_by", approved_by},
                                            {"expires_on", StringOr(lic, "expires_on")}},
                               actor));
  return LicenseAfter(std::move(lic), e, today);
}

Result<std::optional<json::object>> GetLicense(Db& db, std::string_view number, Date today) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare(fmt::format("SELECT {} FROM licenses WHERE number=?", kColumns)));
  s->Bind(1, number);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<json::object>();
  return std::optional<json::object>(ReadLicense(*s, today));
}

Result<json::array> LicensesOf(Db& db, std::string_view column, std::string_view value, Date today) {
  if (column != "pet_id" && column != "owner_party_id")
    return Internal("licenses are listed by pet or owner");
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare(fmt::format("SELECT {} FROM licenses WHERE {}=? ORDER BY "
                                                        "expires_on DESC, number",
                                                        kColumns, column)));
  s->Bind(1, value);
  json::array out;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(ReadLicense(*s, today));
  }
  return out;
}

}  // namespace holdfast::domain
