#include "domain/fees.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "store/series.h"

namespace holdfast::domain {
namespace {

using store::Db;
using store::StmtRef;

constexpr const char* kSpecies[] = {"dog", "cat", "ferret"};

json::object ItemJson(const FeeItem& f) {
  return {{"code", f.code}, {"description", f.description}, {"amount_cents", f.amount_cents}};
}

// Reads {"code","description","amount_cents"} at `key` of `r` into `out`; fee codes are short upper-case
// words so reports can group by them.
void ReadItem(ObjectReader& r, std::string_view key, FeeItem& out, std::string prefix) {
  const json::object* o = r.Object(key);
  if (!o) {
    if (!r.Has(key)) r.Fail(key, fmt::format("{}{} is required", prefix, key));
    return;
  }
  ObjectReader ir(*o, fmt::format("{}{}.", prefix, key));
  out.code = ir.RequiredString("code", 24);
  out.description = ir.RequiredString("description", 200);
  out.amount_cents = ir.RequiredInt("amount_cents");
  if (!IsFeeCode(out.code)) ir.Fail("code", "a fee code is 1 to 24 of A-Z, 0-9, '-' and '_'");
  if (out.amount_cents < 0 || out.amount_cents > kMaxAmountCents) {
    ir.Fail("amount_cents", fmt::format("amount_cents must be 0 to {}", kMaxAmountCents));
  }
  Status s = ir.Finish();
  if (!s.ok()) r.Fail(key, s.error().detail);
}

// Every licensing command looks up the schedule in effect; parsing and validating its stored body each time
// would cost more than the rest of the lookup. Parsed schedules are kept by their exact stored text (not by
// id: ids repeat across nodes in one process, text does not change its meaning), a few at a time, and shared
// rather than copied.
struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

Result<std::shared_ptr<const FeeSchedule>> FromStored(std::string_view id, std::string_view body) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::shared_ptr<const FeeSchedule>, TextHash, std::equal_to<>>
      parsed;
  std::shared_ptr<const FeeSchedule> found;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = parsed.find(body);
    if (it != parsed.end()) found = it->second;
  }
  if (!found) {
    auto v = ParseJson(body);
    if (!v.ok()) return Corrupt(fmt::format("fee schedule {} is not JSON", id));
    HF_ASSIGN_OR_RETURN(FeeSchedule s, ParseFeeSchedule(*v));
    s.id = std::string(id);
    found = std::make_shared<const FeeSchedule>(std::move(s));
    std::lock_guard<std::mutex> lock(mu);
    if (parsed.size() >= 64) parsed.clear();
    parsed.emplace(std::string(body), found);
  }
  if (found->id == id) return found;
  auto renamed = std::make_shared<FeeSchedule>(*found);  // the same text under another id
  renamed->id = std::string(id);
  return std::shared_ptr<const FeeSchedule>(std::move(renamed));
}

Status ApplySchedule(Db& db, const journal::StoredEvent& se, std::string_view aggregate) {
  const journal::Event& e = se.event;
  const json::object& d = e.data;
  std::string_view id = StringOr(d, "id");
  if (aggregate.starts_with("series:")) {
    return store::ApplySeriesNumber(db, aggregate, store::SeriesNumberOf(id));
  }
  const json::object& schedule = ObjectOr(d, "schedule");
  HF_ASSIGN_OR_RETURN(std::string body, Canonical(schedule));
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("INSERT OR REPLACE INTO fee_schedules VALUES(?,?,?,?,?,?,?)"));
  return s
      ->BindAll(std::string(id), std::string(StringOr(schedule, "effective_from")), e.stamp.time,
                e.stamp.tick, e.feed, e.seq, body)
      .Run();
}

}  // namespace

json::object FeeSchedule::ToJson() const {
  json::array lic;
  for (const auto& l : licenses) {
    json::object o = ItemJson(l.fee);
    o["species"] = l.species;
    o["altered"] = l.altered;
    o["term_years"] = l.term_years;
    lic.push_back(std::move(o));
  }
  return {{"effective_from", effective_from.ToString()},
          {"licenses", std::move(lic)},
          {"senior_discount_percent", senior_discount_percent},
          {"service_animals_exempt", service_animals_exempt},
          {"late_fee", ItemJson(late_fee)},
          {"replacement_tag", ItemJson(replacement_tag)},
          {"transfer", ItemJson(transfer)},
          {"renewal_window_days", renewal_window_days}};
}

Result<FeeSchedule> ParseFeeSchedule(const json::value& body) {
  ObjectReader r(body);
  FeeSchedule s;
  std::string from = r.RequiredString("effective_from", 10);
  if (!from.empty()) {
    auto d = Date::Parse(from, "effective_from");
    if (d.ok()) {
      s.effective_from = *d;
    } else {
      r.Fail("effective_from", d.error().detail);
    }
  }
  if (const json::array* lic = r.Array("licenses")) {
    for (size_t i = 0; i < lic->size(); ++i) {
      std::string at = fmt::format("licenses[{}].", i);
      if (!(*lic)[i].is_object()) {
        r.Fail("licenses", fmt::format("licenses[{}] must be an object", i));
        break;
      }
      ObjectReader lr((*lic)[i].get_object(), at);
      LicenseFee l;
      l.species = lr.RequiredString("species", 20);
      if (!l.species.empty() &&
          std::find(std::begin(kSpecies), std::end(kSpecies), l.species) == std::end(kSpecies)) {
        lr.Fail("species", "species must be dog, cat or ferret");
      }
      auto altered = lr.Bool("altered");
      if (!altered) lr.Fail("altered", fmt::format("{}altered is required (true or false)", at));
      l.altered = altered.value_or(false);
      int64_t term = lr.RequiredInt("term_years");
      if (term != 1 && term != 3) lr.Fail("term_years", "term_years must be 1 or 3");
      l.term_years = static_cast<int>(term);
      l.fee.code = lr.RequiredString("code", 24);
      if (!l.fee.code.empty() && !IsFeeCode(l.fee.code)) {
        lr.Fail("code", "a fee code is 1 to 24 of A-Z, 0-9, '-' and '_'");
      }
      l.fee.description = lr.RequiredString("description", 200);
      l.fee.amount_cents = lr.RequiredInt("amount_cents");
      if (l.fee.amount_cents < 0 || l.fee.amount_cents > kMaxAmountCents) {
        lr.Fail("amount_cents", fmt::format("amount_cents must be 0 to {}", kMaxAmountCents));
      }
      Status ls = lr.Finish();
      if (!ls.ok()) {
        r.Fail("licenses", ls.error().detail);
        break;
      }
      for (const auto& other : s.licenses) {
        if (other.species == l.species && other.altered == l.altered && other.term_years == l.term_years) {
          r.Fail("licenses", fmt::format("licenses lists {} (altered: {}, {} year) twice", l.species,
                                         l.altered, l.term_years));
        }
      }
      s.licenses.push_back(std::move(l));
    }
  } else if (!r.Has("licenses")) {
    r.Fail("licenses", "licenses is required: the license fee for each species, altered or not, and term");
  }
  auto pct = r.Int("senior_discount_percent");
  s.senior_discount_percent = static_cast<int>(pct.value_or(0));
  if (pct && (*pct < 0 || *pct > 100))
    r.Fail("senior_discount_percent", "senior_discount_percent is 0 to 100");
  s.service_animals_exempt = r.Bool("service_animals_exempt").value_or(false);
  ReadItem(r, "late_fee", s.late_fee, "");
  ReadItem(r, "replacement_tag", s.replacement_tag, "");
  ReadItem(r, "transfer", s.transfer, "");
  auto window = r.Int("renewal_window_days");
  s.renewal_window_days = static_cast<int>(window.value_or(60));
  if (window && (*window < 0 || *window > 365))
    r.Fail("renewal_window_days", "renewal_window_days is 0 to 365");
  HF_RETURN_IF_ERROR(r.Finish());
  return s;
}

void RegisterFees(store::Registry& registry) {
  registry.AddTable(
      {"fee_schedules",
       "CREATE TABLE IF NOT EXISTS fee_schedules(id TEXT PRIMARY KEY, effective_from TEXT NOT NULL, "
       "set_time INTEGER NOT NULL, set_tick INTEGER NOT NULL, set_feed TEXT NOT NULL, "
       "set_seq INTEGER NOT NULL, body TEXT NOT NULL) WITHOUT ROWID;"
       // Every fee computed looks up the schedule in effect: in this order, without sorting.
       "CREATE INDEX IF NOT EXISTS fee_schedules_effective ON fee_schedules(effective_from DESC, "
       "set_time DESC, set_tick DESC, set_feed DESC, set_seq DESC);",
       {"id"}});
  registry.AddAggregate({"fee_schedule", [](Db& db, std::string_view id) -> Status {
                           HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("DELETE FROM fee_schedules WHERE id=?"));
                           return s->Bind(1, id).Run();
                         }});
  registry.AddRule({"fees.schedule_set",
                    [](const journal::Event& e) -> std::vector<std::string> {
                      return {fmt::format("fee_schedule:{}", StringOr(e.data, "id")),
                              store::SeriesAggregate(e.feed, "fee_schedule")};
                    },
                    ApplySchedule});
}

Result<FeeSchedule> SetFeeSchedule(store::CommandContext& ctx, FeeSchedule schedule,
                                   const std::string& actor) {
  HF_ASSIGN_OR_RETURN(int64_t n, store::NextSeriesNumber(ctx.db(), ctx.node_id(), "fee_schedule"));
  schedule.id = store::SeriesId("fs", ctx.node_id(), n);
  HF_RETURN_IF_ERROR(
      ctx.Emit("fees.schedule_set", json::object{{"id", schedule.id}, {"schedule", schedule.ToJson()}}, actor)
          .status());
  return schedule;
}

Result<std::shared_ptr<const FeeSchedule>> ScheduleInEffect(Db& db, Date day) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT id, body FROM fee_schedules WHERE effective_from <= ? "
                                            "ORDER BY effective_from DESC, set_time DESC, set_tick DESC, "
                                            "set_feed DESC, set_seq DESC LIMIT 1"));
  s->Bind(1, day.ToString());
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) {
    return MakeError(
        Code::kNotFound,
        fmt::format("no fee schedule is in effect on {}: an admin must load one (holdfast fees load)",
                    day.ToString()),
        "no-fee-schedule");
  }
  return FromStored(s->TextView(0), s->TextView(1));
}

Result<std::vector<FeeSchedule>> ListFeeSchedules(Db& db) {
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare("SELECT id, body FROM fee_schedules ORDER BY effective_from DESC, "
                                 "set_time DESC, set_tick DESC, set_feed DESC, set_seq DESC"));
  std::vector<FeeSchedule> out;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    HF_ASSIGN_OR_RETURN(auto f, FromStored(s->TextView(0), s->TextView(1)));
    out.push_back(*f);
  }
  return out;
}

Result<std::vector<FeeLine>> LicenseFees(const FeeSchedule& schedule, const LicenseFeeRequest& req,
                                         const std::string& ref) {
  const LicenseFee* fee = nullptr;
  for (const auto& l : schedule.licenses) {
    if (l.species == req.species && l.altered == req.altered && l.term_years == req.term_years) fee = &l;
  }
  if (!fee) {
    return Invalid(fmt::format("the fee schedule in effect ({}) has no {}-year license for {} {}s",
                               schedule.effective_from.ToString(), req.term_years,
                               req.altered ? "altered" : "unaltered", req.species),
                   "term_years");
  }
  std::vector<FeeLine> lines{{fee->fee.code, fee->fee.description, fee->fee.amount_cents, ref}};
  if (req.service_animal && schedule.service_animals_exempt) {
    lines.push_back({"SVC-EXEMPT", "Service animal exemption", -fee->fee.amount_cents, ref});
  } else if (req.senior_owner && schedule.senior_discount_percent > 0) {
    Cents off = fee->fee.amount_cents * schedule.senior_discount_percent / 100;
    if (off > 0) {
      lines.push_back({"SENIOR", fmt::format("Senior owner discount ({}%)", schedule.senior_discount_percent),
                       -off, ref});
    }
  }
  if (req.late) {
    lines.push_back(
        {schedule.late_fee.code, schedule.late_fee.description, schedule.late_fee.amount_cents, ref});
  }
  return lines;
}

FeeSchedule ExampleFeeSchedule(Date effective_from) {
  FeeSchedule s;
  s.effective_from = effective_from;
  auto add = [&](const char* species, bool altered, int term, const char* code, Cents cents) {
    s.licenses.push_back(
        {species,
         altered,
         term,
         {code,
          fmt::format("{} license, {}, {} year{}", species == std::string("dog") ? "Dog" : "Cat",
                      altered ? "spayed/neutered" : "not spayed/neutered", term, term == 1 ? "" : "s"),
          cents}});
  };
  add("dog", true, 1, "DOG-ALT-1", 1500);
  add("dog", false, 1, "DOG-UNALT-1", 4000);
  add("dog", true, 3, "DOG-ALT-3", 4000);
  add("dog", false, 3, "DOG-UNALT-3", 11000);
  add("cat", true, 1, "CAT-ALT-1", 1000);
  add("cat", false, 1, "CAT-UNALT-1", 3000);
  s.senior_discount_percent = 50;
  s.service_animals_exempt = true;
  s.late_fee = {"LATE", "Late renewal fee", 1000};
  s.replacement_tag = {"TAG-REPL", "Replacement tag", 500};
  s.transfer = {"TRANSFER", "License transfer to a new owner", 300};
  s.renewal_window_days = 60;
  return s;
}

}  // namespace holdfast::domain
