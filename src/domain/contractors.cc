#include "domain/contractors.h"

#include <fmt/format.h>

#include <algorithm>

#include "domain/parties.h"

namespace holdfast::domain {
namespace {

using store::Db;
using store::StmtRef;

constexpr std::string_view kColumns =
    "c.party_id, p.name, c.license_number, c.trade, c.license_state, c.license_expires_on, "
    "c.insurance_expires_on, c.registered_at, c.updated_at";

json::object ReadContractor(store::Stmt& s) {
  return {{"party_id", s.Text(0)},
          {"name", s.Text(1)},
          {"license_number", s.Text(2)},
          {"trade", s.Text(3)},
          {"license_state", s.Text(4)},
          {"license_expires_on", s.Text(5)},
          {"insurance_expires_on", s.Text(6)},
          {"registered_at", s.Int(7)},
          {"updated_at", s.Int(8)}};
}

bool IsTrade(std::string_view s) {
  return !s.empty() && s.size() <= 40 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::optional<Date> ReadDate(ObjectReader& r, std::string_view key, bool required) {
  std::optional<std::string> text =
      required ? std::optional<std::string>(r.RequiredString(key, 10)) : r.String(key, 10);
  if (!text || text->empty()) return std::nullopt;
  auto d = Date::Parse(*text, key);
  if (!d.ok()) {
    r.Fail(key, d.error().detail);
    return std::nullopt;
  }
  return *d;
}

Status ApplyContractor(Db& db, const journal::StoredEvent& se, std::string_view) {
  const journal::Event& e = se.event;
  const json::object& d = e.data;
  // registered_at survives updates: the update keeps the row's value, a registration sets it.
  HF_ASSIGN_OR_RETURN(
      StmtRef s,
      db.Prepare("INSERT INTO contractors VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(party_id) DO UPDATE "
                 "SET license_number=excluded.license_number, trade=excluded.trade, "
                 "license_state=excluded.license_state, "
                 "license_expires_on=excluded.license_expires_on, "
                 "insurance_expires_on=excluded.insurance_expires_on, updated_at=excluded.updated_at"));
  return s
      ->BindAll(StringOr(d, "party_id"), StringOr(d, "license_number"), StringOr(d, "trade"),
                StringOr(d, "license_state"), StringOr(d, "license_expires_on"),
                StringOr(d, "insurance_expires_on"), e.stamp.time, e.stamp.time)
      .Run();
}

json::object EventData(const std::string& party_id, const json::object& c) {
  json::object d{{"party_id", party_id}};
  for (const char* k :
       {"license_number", "trade", "license_state", "license_expires_on", "insurance_expires_on"}) {
    d[k] = c.at(k);
  }
  return d;
}

void Merge(json::object& c, const ContractorInput& in) {
  if (in.license_number) c["license_number"] = *in.license_number;
  if (in.trade) c["trade"] = *in.trade;
  if (in.license_state) c["license_state"] = *in.license_state;
  if (in.license_expires_on) c["license_expires_on"] = in.license_expires_on->ToString();
  if (in.insurance_expires_on) c["insurance_expires_on"] = in.insurance_expires_on->ToString();
}

Error Refused(std::string type, std::string detail) {
  return MakeError(Code::kInvalid, std::move(detail), std::move(type), "contractor_party_id");
}

}  // namespace

void RegisterContractors(store::Registry& registry) {
  registry.AddTable(
      {"contractors",
       "CREATE TABLE IF NOT EXISTS contractors(party_id TEXT PRIMARY KEY, license_number TEXT NOT "
       "NULL, trade TEXT NOT NULL, license_state TEXT NOT NULL, license_expires_on TEXT NOT NULL, "
       "insurance_expires_on TEXT NOT NULL, registered_at INTEGER NOT NULL, updated_at INTEGER "
       "NOT NULL) WITHOUT ROWID;",
       {"party_id"}});
  registry.AddAggregate({"contractor", [](Db& db, std::string_view id) -> Status {
                           HF_ASSIGN_OR_RETURN(StmtRef s,
                                               db.Prepare("DELETE FROM contractors WHERE party_id=?"));
                           return s->Bind(1, id).Run();
                         }});
  for (const char* type : {"contractor.registered", "contractor.updated"}) {
    registry.AddRule({type, store::OneAggregate("contractor", "party_id"), ApplyContractor});
  }
}

// A string member: required on create; on update only when given. An empty value is never valid.
static std::optional<std::string> ReadText(ObjectReader& r, std::string_view key, size_t max, bool create) {
  if (!create && !r.Has(key)) return std::nullopt;
  std::string v = r.RequiredString(key, max);
  if (v.empty()) {
    r.Fail(key, fmt::format("{} is required", key));
    return std::nullopt;
  }
  return v;
}

Result<ContractorInput> ParseContractorInput(const json::value& body, bool create) {
  ObjectReader r(body);
  ContractorInput in;
  if (create) in.party_id = ReadText(r, "party_id", 100, true);
  in.license_number = ReadText(r, "license_number", 40, create);
  in.trade = ReadText(r, "trade", 40, create);
  if (in.trade && !IsTrade(*in.trade)) {
    r.Fail("trade", "a trade is 1 to 40 of a-z, 0-9 and '_' (general, electrical, plumbing …)");
  }
  in.license_state = ReadText(r, "license_state", 2, create);
  if (in.license_state &&
      (in.license_state->size() != 2 || !std::all_of(in.license_state->begin(), in.license_state->end(),
                                                     [](char c) { return c >= 'A' && c <= 'Z'; }))) {
    r.Fail("license_state", "license_state is the two-letter state code, e.g. IL");
  }
  in.license_expires_on = ReadDate(r, "license_expires_on", create);
  in.insurance_expires_on = ReadDate(r, "insurance_expires_on", create);
  HF_RETURN_IF_ERROR(r.Finish());
  return in;
}

Result<json::object> RegisterContractor(store::CommandContext& ctx, const ContractorInput& in,
                                        const std::string& actor) {
  Db& db = ctx.db();
  const std::string& id = *in.party_id;
  HF_ASSIGN_OR_RETURN(auto party, GetParty(db, id));
  if (!party) return NotFound(fmt::format("no party {}", id));
  if (StringOr(*party, "kind") != "business") {
    return MakeError(
        Code::kInvalid,
        fmt::format("{} is a person: a contractor is a business party", StringOr(*party, "name")),
        "not-a-business", "party_id");
  }
  HF_ASSIGN_OR_RETURN(auto existing, GetContractor(db, id));
  if (existing)
    return Conflict(fmt::format("{} is a registered contractor already", id), "contractor-exists");
  json::object c;
  Merge(c, in);
  HF_RETURN_IF_ERROR(ctx.Emit("contractor.registered", EventData(id, c), actor).status());
  HF_ASSIGN_OR_RETURN(auto out, GetContractor(db, id));
  return *out;
}

Result<json::object> UpdateContractor(store::CommandContext& ctx, const std::string& party_id,
                                      const ContractorInput& in, const std::string& actor) {
  Db& db = ctx.db();
  HF_ASSIGN_OR_RETURN(auto current, GetContractor(db, party_id));
  if (!current) return NotFound(fmt::format("no contractor {}", party_id));
  json::object c = *current;
  Merge(c, in);
  HF_RETURN_IF_ERROR(ctx.Emit("contractor.updated", EventData(party_id, c), actor).status());
  HF_ASSIGN_OR_RETURN(auto out, GetContractor(db, party_id));
  return *out;
}

Result<std::optional<json::object>> GetContractor(Db& db, std::string_view party_id) {
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare(fmt::format("SELECT {} FROM contractors c JOIN parties p ON p.id=c.party_id "
                                             "WHERE c.party_id=?",
                                             kColumns)));
  s->Bind(1, party_id);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<json::object>();
  return std::optional<json::object>(ReadContractor(*s));
}

Result<json::array> ListContractors(Db& db, std::string_view trade) {
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare(fmt::format("SELECT {} FROM contractors c JOIN parties p ON p.id=c.party_id "
                                             "WHERE (?='' OR c.trade=?) ORDER BY p.name, c.party_id",
                                             kColumns)));
  s->BindAll(trade, trade);
  json::array out;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(ReadContractor(*s));
  }
  return out;
}

Status CheckContractor(Db& db, std::string_view party_id, std::string_view trade, Date today) {
  if (party_id.empty()) {
    return Refused(
        "contractor-required",
        fmt::format("this permit type needs a licensed {} contractor: give contractor_party_id", trade));
  }
  HF_ASSIGN_OR_RETURN(bool exists, PartyExists(db, party_id));
  if (!exists) return Refused("unknown-contractor", fmt::format("no party {}", party_id));
  HF_ASSIGN_OR_RETURN(auto c, GetContractor(db, party_id));
  if (!c) {
    return Refused(
        "contractor-unlicensed",
        fmt::format("{} is not a registered licensed contractor: register its license first", party_id));
  }
  std::string name(StringOr(*c, "name"));
  if (StringOr(*c, "trade") != trade) {
    return Refused("contractor-wrong-trade", fmt::format("{} is licensed for {} work; this permit needs a {} "
                                                         "contractor",
                                                         name, StringOr(*c, "trade"), trade));
  }
  std::string day = today.ToString();
  if (StringOr(*c, "license_expires_on") < day) {
    return Refused("contractor-license-expired",
                   fmt::format("{}'s contractor license {} expired on {}", name,
                               StringOr(*c, "license_number"), StringOr(*c, "license_expires_on")));
  }
  if (StringOr(*c, "insurance_expires_on") < day) {
    return Refused("contractor-insurance-expired", fmt::format("{}'s liability insurance expired on {}", name,
                                                               StringOr(*c, "insurance_expires_on")));
  }
  return Status::Ok();
}

}  // namespace holdfast::domain
