#include "domain/permit_types.h"

#include <fmt/format.h>

#include <algorithm>

#include "store/series.h"

namespace holdfast::domain {
namespace {

using store::Db;
using store::StmtRef;

constexpr std::string_view kDefaultCatalog =
#include "domain/permit_types_default.inc"
    ;

// Type, trade and inspection codes: 1 to 40 of a-z, 0-9 and '_'.
bool IsWordCode(std::string_view s) {
  if (s.empty() || s.size() > 40) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

// (amount × numerator) / denominator rounded half up; every operand is ≥ 0 and small enough (amounts ≤
// kMaxAmountCents, numerators ≤ 10^6) that the product stays far inside int64.
Cents RoundHalfUp(Cents amount, int64_t numerator, int64_t denominator) {
  return (amount * numerator + denominator / 2) / denominator;
}

Cents ReadAmount(ObjectReader& r, std::string_view key, bool required = false) {
  std::optional<int64_t> v = required ? std::optional<int64_t>(r.RequiredInt(key)) : r.Int(key);
  if (v && (*v < 0 || *v > kMaxAmountCents)) {
    r.Fail(key, fmt::format("{} must be 0 to {}", key, kMaxAmountCents));
  }
  return v.value_or(0);
}

// Parses element `i` of an array member as an object with `parse`; the first error is recorded on `r`.
template <typename F>
void EachObject(ObjectReader& r, const json::array& a, std::string_view key, const std::string& prefix,
                F&& parse) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_object()) {
      r.Fail(key, fmt::format("{}{}[{}] must be an object", prefix, key, i));
      return;
    }
    ObjectReader ir(a[i].get_object(), fmt::format("{}{}[{}].", prefix, key, i));
    parse(ir);
    Status s = ir.Finish();
    if (!s.ok()) {
      r.Fail(key, s.error().detail);
      return;
    }
  }
}

PermitFeeRules ParseFees(ObjectReader& r, const std::string& prefix) {
  PermitFeeRules f;
  f.code = r.RequiredString("code", 24);
  if (!f.code.empty() && !IsFeeCode(f.code)) r.Fail("code", "a fee code is 1 to 24 of A-Z, 0-9, '-' and '_'");
  f.description = r.RequiredString("description", 200);
  f.flat_cents = ReadAmount(r, "flat_cents");
  f.per_square_foot_cents = ReadAmount(r, "per_square_foot_cents");
  f.minimum_cents = ReadAmount(r, "minimum_cents");
  f.reinspection_cents = ReadAmount(r, "reinspection_cents");
  if (const json::array* tiers = r.Array("valuation_tiers")) {
    EachObject(r, *tiers, "valuation_tiers", prefix, [&](ObjectReader& tr) {
      ValuationTier t;
      if (tr.Has("up_to_cents")) t.up_to_cents = ReadAmount(tr, "up_to_cents", true);
      t.amount_cents = ReadAmount(tr, "amount_cents");
      t.rate_per_thousand_cents = ReadAmount(tr, "rate_per_thousand_cents");
      if (t.rate_per_thousand_cents > 100000) {
        tr.Fail("rate_per_thousand_cents", "rate_per_thousand_cents is at most 100000 (100%)");
      }
      f.valuation_tiers.push_back(t);
    });
    for (size_t i = 0; i < f.valuation_tiers.size(); ++i) {
      const auto& t = f.valuation_tiers[i];
      bool last = i + 1 == f.valuation_tiers.size();
      if (!t.up_to_cents && !last) {
        r.Fail("valuation_tiers",
               fmt::format("{}valuation_tiers[{}]: only the last tier may leave up_to_cents "
                           "out",
                           prefix, i));
      }
      if (i > 0 && t.up_to_cents && f.valuation_tiers[i - 1].up_to_cents &&
          *t.up_to_cents <= *f.valuation_tiers[i - 1].up_to_cents) {
        r.Fail("valuation_tiers",
               fmt::format("{}valuation_tiers[{}]: up_to_cents must rise from tier to tier", prefix, i));
      }
    }
  }
  if (const json::array* sur = r.Array("surcharges")) {
    EachObject(r, *sur, "surcharges", prefix, [&](ObjectReader& sr) {
      Surcharge s;
      s.code = sr.RequiredString("code", 24);
      if (!s.code.empty() && !IsFeeCode(s.code))
        sr.Fail("code", "a fee code is 1 to 24 of A-Z, 0-9, '-' and '_'");
      s.description = sr.RequiredString("description", 200);
      s.basis_points = sr.RequiredInt("basis_points");
      if (s.basis_points < 0 || s.basis_points > 10000) {
        sr.Fail("basis_points", "basis_points is 0 to 10000 (100%)");
      }
      f.surcharges.push_back(std::move(s));
    });
  }
  return f;
}

json::object FeesJson(const PermitFeeRules& f) {
  json::array tiers, sur;
  for (const auto& t : f.valuation_tiers) {
    json::object o{{"amount_cents", t.amount_cents}, {"rate_per_thousand_cents", t.rate_per_thousand_cents}};
    if (t.up_to_cents) o["up_to_cents"] = *t.up_to_cents;
    tiers.push_back(std::move(o));
  }
  for (const auto& s : f.surcharges) {
    sur.push_back(
        json::object{{"code", s.code}, {"description", s.description}, {"basis_points", s.basis_points}});
  }
  return {{"code", f.code},
          {"description", f.description},
          {"flat_cents", f.flat_cents},
          {"valuation_tiers", std::move(tiers)},
          {"per_square_foot_cents", f.per_square_foot_cents},
          {"minimum_cents", f.minimum_cents},
          {"surcharges", std::move(sur)},
          {"reinspection_cents", f.reinspection_cents}};
}

Status ApplyCatalog(Db& db, const journal::StoredEvent& se, std::string_view aggregate) {
  const journal::Event& e = se.event;
  std::string_view id = StringOr(e.data, "id");
  if (aggregate.starts_with("series:")) {
    return store::ApplySeriesNumber(db, aggregate, store::SeriesNumberOf(id));
  }
  const json::object& catalog = ObjectOr(e.data, "catalog");
  HF_ASSIGN_OR_RETURN(std::string body, Canonical(catalog));
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare("INSERT OR REPLACE INTO permit_type_versions VALUES(?,?,?,?,?,?,?)"));
  return s
      ->BindAll(std::string(id), std::string(StringOr(catalog, "effective_from")), e.stamp.time, e.stamp.tick,
                e.feed, e.seq, body)
      .Run();
}

Result<PermitCatalog> FromStored(std::string_view id, std::string_view body) {
  auto v = ParseJson(body);
  if (!v.ok()) return Corrupt(fmt::format("permit type version {} is not JSON", id));
  HF_ASSIGN_OR_RETURN(PermitCatalog c, ParsePermitCatalog(*v));
  c.id = std::string(id);
  return c;
}

constexpr std::string_view kOrder =
    "ORDER BY effective_from DESC, set_time DESC, set_tick DESC, set_feed DESC, set_seq DESC";

}  // namespace

const PermitType* PermitCatalog::Find(std::string_view code) const {
  for (const auto& t : types) {
    if (t.code == code) return &t;
  }
  return nullptr;
}

json::object PermitTypeJson(const PermitType& t) {
  json::array insp;
  for (const auto& i : t.inspections) insp.push_back(json::value(i));
  return {{"code", t.code},
          {"name", t.name},
          {"contractor_trade", t.contractor_trade},
          {"inspections", std::move(insp)},
          {"fees", FeesJson(t.fees)}};
}

json::object PermitCatalog::ToJson() const {
  json::array t;
  for (const auto& type : types) t.push_back(PermitTypeJson(type));
  return {
      {"effective_from", effective_from.ToString()}, {"expiry_days", expiry_days}, {"types", std::move(t)}};
}

Result<PermitCatalog> ParsePermitCatalog(const json::value& body) {
  ObjectReader r(body);
  PermitCatalog c;
  std::string from = r.RequiredString("effective_from", 10);
  if (!from.empty()) {
    auto d = Date::Parse(from, "effective_from");
    if (d.ok()) {
      c.effective_from = *d;
    } else {
      r.Fail("effective_from", d.error().detail);
    }
  }
  auto expiry = r.Int("expiry_days");
  c.expiry_days = static_cast<int>(expiry.value_or(180));
  if (expiry && (*expiry < 1 || *expiry > 3650)) r.Fail("expiry_days", "expiry_days is 1 to 3650");
  if (const json::array* types = r.Array("types")) {
    EachObject(r, *types, "types", "", [&](ObjectReader& tr) {
      PermitType t;
      t.code = tr.RequiredString("code", 40);
      if (!t.code.empty() && !IsWordCode(t.code))
        tr.Fail("code", "a permit type code is 1 to 40 of a-z, 0-9 and '_'");
      t.name = tr.RequiredString("name", 100);
      t.contractor_trade = tr.String("contractor_trade", 40).value_or("");
      if (!t.contractor_trade.empty() && !IsWordCode(t.contractor_trade)) {
        tr.Fail("contractor_trade", "a trade is 1 to 40 of a-z, 0-9 and '_'");
      }
      if (const json::array* insp = tr.Array("inspections")) {
        for (const auto& i : *insp) {
          if (!i.is_string() || !IsWordCode(i.get_string())) {
            tr.Fail("inspections", "inspections are codes of 1 to 40 of a-z, 0-9 and '_'");
            break;
          }
          std::string code(i.get_string());
          if (std::find(t.inspections.begin(), t.inspections.end(), code) != t.inspections.end()) {
            tr.Fail("inspections", fmt::format("inspection {} is listed twice", code));
          }
          t.inspections.push_back(std::move(code));
        }
      }
      if (t.inspections.empty())
        tr.Fail("inspections", "inspections must list at least the final inspection");
      if (const json::object* fees = tr.Object("fees")) {
        std::string prefix = fmt::format("types[{}].fees.", c.types.size());
        ObjectReader fr(*fees, prefix);
        t.fees = ParseFees(fr, prefix);
        Status fs = fr.Finish();
        if (!fs.ok()) tr.Fail("fees", fs.error().detail);
      } else if (!tr.Has("fees")) {
        tr.Fail("fees", "fees is required");
      }
      for (const auto& other : c.types) {
        if (other.code == t.code) tr.Fail("code", fmt::format("permit type {} is listed twice", t.code));
      }
      c.types.push_back(std::move(t));
    });
  } else if (!r.Has("types")) {
    r.Fail("types", "types is required: the permit types the city issues");
  }
  HF_RETURN_IF_ERROR(r.Finish());
  return c;
}

void RegisterPermitTypes(store::Registry& registry) {
  registry.AddTable(
      {"permit_type_versions",
       "CREATE TABLE IF NOT EXISTS permit_type_versions(id TEXT PRIMARY KEY, effective_from TEXT "
       "NOT NULL, set_time INTEGER NOT NULL, set_tick INTEGER NOT NULL, set_feed TEXT NOT NULL, "
       "set_seq INTEGER NOT NULL, body TEXT NOT NULL) WITHOUT ROWID;"
       "CREATE INDEX IF NOT EXISTS permit_type_versions_effective ON permit_type_versions("
       "effective_from DESC, set_time DESC, set_tick DESC, set_feed DESC, set_seq DESC);",
       {"id"}});
  registry.AddAggregate({"permit_types", [](Db& db, std::string_view id) -> Status {
                           HF_ASSIGN_OR_RETURN(StmtRef s,
                                               db.Prepare("DELETE FROM permit_type_versions WHERE id=?"));
                           return s->Bind(1, id).Run();
                         }});
  registry.AddRule({"permit_types.set",
                    [](const journal::Event& e) -> std::vector<std::string> {
                      return {fmt::format("permit_types:{}", StringOr(e.data, "id")),
                              store::SeriesAggregate(e.feed, "permit_types")};
                    },
                    ApplyCatalog});
}

Result<PermitCatalog> SetPermitCatalog(store::CommandContext& ctx, PermitCatalog catalog,
                                       const std::string& actor) {
  HF_ASSIGN_OR_RETURN(int64_t n, store::NextSeriesNumber(ctx.db(), ctx.node_id(), "permit_types"));
  catalog.id = store::SeriesId("pt", ctx.node_id(), n);
  HF_RETURN_IF_ERROR(
      ctx.Emit("permit_types.set", json::object{{"id", catalog.id}, {"catalog", catalog.ToJson()}}, actor)
          .status());
  return catalog;
}

Result<std::shared_ptr<const PermitCatalog>> CatalogInEffect(Db& db, Date day) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare(fmt::format(
                                     "SELECT id, body FROM permit_type_versions WHERE effective_from <= ? {} "
                                     "LIMIT 1",
                                     kOrder)));
  s->Bind(1, day.ToString());
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) {
    return MakeError(Code::kNotFound,
                     fmt::format("no permit types are in effect on {}: an admin must load them (holdfast "
                                 "permit-types load)",
                                 day.ToString()),
                     "no-permit-types");
  }
  HF_ASSIGN_OR_RETURN(PermitCatalog c, FromStored(s->TextView(0), s->TextView(1)));
  return std::shared_ptr<const PermitCatalog>(std::make_shared<PermitCatalog>(std::move(c)));
}

Result<std::vector<PermitCatalog>> ListPermitCatalogs(Db& db) {
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare(fmt::format("SELECT id, body FROM permit_type_versions {}", kOrder)));
  std::vector<PermitCatalog> out;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    HF_ASSIGN_OR_RETURN(PermitCatalog c, FromStored(s->TextView(0), s->TextView(1)));
    out.push_back(std::move(c));
  }
  return out;
}

Result<PermitFees> FeesFor(const PermitFeeRules& rules, Cents valuation_cents, int64_t square_feet,
                           const std::string& ref) {
  if (valuation_cents < 0) return Invalid("valuation_cents must be 0 or more", "valuation_cents");
  if (square_feet < 0) return Invalid("square_feet must be 0 or more", "square_feet");
  Cents valuation_part = 0;
  if (!rules.valuation_tiers.empty()) {
    Cents floor = 0;
    const ValuationTier* tier = nullptr;
    for (const auto& t : rules.valuation_tiers) {
      if (!t.up_to_cents || valuation_cents <= *t.up_to_cents) {
        tier = &t;
        break;
      }
      floor = *t.up_to_cents;
    }
    if (!tier) {
      return Invalid(fmt::format("no valuation tier of {} covers a valuation of {}", rules.code,
                                 FormatCents(valuation_cents)),
                     "valuation_cents");
    }
    valuation_part =
        tier->amount_cents + RoundHalfUp(valuation_cents - floor, tier->rate_per_thousand_cents, 100'000);
  }
  Cents area_part = rules.per_square_foot_cents * square_feet;
  Cents base = rules.flat_cents + valuation_part + area_part;
  bool minimum_applied = base < rules.minimum_cents;
  if (minimum_applied) base = rules.minimum_cents;
  if (base > kMaxAmountCents) {
    return Invalid(fmt::format("the fee of {} would exceed {}", rules.code, FormatCents(kMaxAmountCents)),
                   "valuation_cents");
  }
  PermitFees out;
  out.lines.push_back({rules.code, rules.description, base, ref});
  for (const auto& s : rules.surcharges) {
    Cents amount = RoundHalfUp(base, s.basis_points, 10'000);
    if (amount != 0) out.lines.push_back({s.code, s.description, amount, ref});
  }
  out.basis = json::object{{"flat_cents", rules.flat_cents},
                           {"valuation_part_cents", valuation_part},
                           {"square_feet_part_cents", area_part},
                           {"minimum_applied", minimum_applied}};
  return out;
}

std::string_view DefaultPermitCatalogText() { return kDefaultCatalog; }

Result<PermitCatalog> DefaultPermitCatalog(Date effective_from) {
  HF_ASSIGN_OR_RETURN(json::value v, ParseJson(kDefaultCatalog));
  HF_ASSIGN_OR_RETURN(PermitCatalog c, ParsePermitCatalog(v));
  c.effective_from = effective_from;
  return c;
}

}  // namespace holdfast::domain
