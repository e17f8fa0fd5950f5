#include "domain/blds.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <utility>

#include "base/date.h"
#include "base/files.h"

namespace holdfast::domain {
namespace {

constexpr std::string_view kBuiltInSpec =
#include "domain/blds_fields.inc"
    ;

constexpr std::string_view kAtLeastOne = "at least one of ";
constexpr std::string_view kOnlyWhere = " only where the system of record has it";

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Result<std::vector<std::string>> Names(const json::object& o, std::string_view key, const std::string& at) {
  std::vector<std::string> out;
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_array())
    return Invalid(fmt::format("{}{} must be an array of names", at, key), at + std::string(key));
  for (const json::value& n : v->get_array()) {
    if (!n.is_string() || n.get_string().empty()) {
      return Invalid(fmt::format("{}{} must hold only non-empty names", at, key), at + std::string(key));
    }
    out.emplace_back(n.get_string());
  }
  return out;
}

Result<BldsDatasetSpec> ParseDataset(const json::value* v, const std::string& name) {
  const std::string at = name + ".";
  if (!v || !v->is_object()) return Invalid(name + " must be an object", name);
  const json::object& o = v->get_object();
  BldsDatasetSpec d;
  HF_ASSIGN_OR_RETURN(d.required, Names(o, "required", at));
  HF_ASSIGN_OR_RETURN(d.recommended, Names(o, "recommended", at));
  HF_ASSIGN_OR_RETURN(d.optional, Names(o, "optional", at));
  std::set<std::string_view> seen;
  for (const auto* list : {&d.required, &d.recommended, &d.optional}) {
    for (const std::string& f : *list) {
      if (!seen.insert(f).second) return Invalid(fmt::format("{}: {} is listed twice", name, f), name);
    }
  }
  auto required_has = [&](std::string_view f) {
    return std::find(d.required.begin(), d.required.end(), f) != d.required.end();
  };
  if (o.contains("required_rules")) {
    HF_ASSIGN_OR_RETURN(std::vector<std::string> rules, Names(o, "required_rules", at));
    for (const std::string& rule : rules) {
      const std::string field = at + "required_rules";
      std::vector<std::string> fields;
      if (rule.starts_with(kAtLeastOne)) {
        std::string_view rest = std::string_view(rule).substr(kAtLeastOne.size());
        while (!rest.empty()) {
          size_t comma = rest.find(", ");
          fields.emplace_back(rest.substr(0, comma));
          rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 2);
        }
        if (fields.size() < 2)
          return Invalid(fmt::format("{}: rule {:?} names fewer than two fields", name, rule), field);
        d.at_least_one_of.push_back(fields);
      } else if (EndsWith(rule, kOnlyWhere)) {
        fields.emplace_back(rule.substr(0, rule.size() - kOnlyWhere.size()));
        d.required_if_held.push_back(fields[0]);
      } else {
        return Invalid(fmt::format("{}: the rule {:?} is not understood", name, rule), field);
      }
      for (const std::string& f : fields) {
        if (!required_has(f)) {
          return Invalid(fmt::format("{}: rule {:?} names {}, which is not a required field", name, rule, f),
                         field);
        }
      }
    }
  }
  if (const json::value* types = o.if_contains("types")) {
    if (!types->is_object()) return Invalid(at + "types must be an object", at + "types");
    for (const auto& [field, type] : types->get_object()) {
      if (!type.is_string() ||
          (type.get_string() != "INTEGER" && type.get_string() != "NUMERIC" && type.get_string() != "JSON")) {
        return Invalid(fmt::format("{}types.{} must be INTEGER, NUMERIC or JSON", at, std::string(field)),
                       at + "types");
      }
      if (!seen.count(field))
        return Invalid(fmt::format("{}types names unknown field {}", at, std::string(field)), at + "types");
      d.types.emplace(std::string(field), std::string(type.get_string()));
    }
  }
  if (const json::value* mapped = o.if_contains("mapped_values")) {
    if (!mapped->is_object()) return Invalid(at + "mapped_values must be an object", at + "mapped_values");
    for (const auto& [field, values] : mapped->get_object()) {
      const std::string f(field);
      if (!seen.count(f)) {
        return Invalid(fmt::format("{}mapped_values names unknown field {}", at, f), at + "mapped_values");
      }
      HF_ASSIGN_OR_RETURN(d.mapped_values[f], Names(mapped->get_object(), field, at + "mapped_values."));
    }
  }
  return d;
}

bool IsInteger(std::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  return !s.empty() && s.size() <= 18 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// An optional sign, digits, and optionally a point followed by digits: "-94.5786", "250000", "0.5".
bool IsDecimal(std::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  size_t point = s.find('.');
  std::string_view whole = s.substr(0, point);
  auto digits = [](std::string_view d) {
    return !d.empty() && std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return digits(whole) && (point == std::string_view::npos || digits(s.substr(point + 1)));
}

bool Present(const BldsRow& row, std::string_view field) {
  auto it = row.find(field);
  return it != row.end() && !it->second.empty();
}

std::string Normalize(std::string_view word) {
  std::string out;
  bool gap = false;
  for (char c : word) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      if (gap && !out.empty()) out += '_';
      out += c;
      gap = false;
    } else {
      gap = true;
    }
  }
  return out;
}

using Synonyms = std::vector<std::pair<std::vector<std::string_view>, std::string_view>>;

Result<std::string> MapWord(const BldsSpec& spec, BldsDataset dataset, std::string_view field,
                            std::string_view word, const Synonyms& synonyms) {
  const BldsDatasetSpec& d = spec.Of(dataset);
  auto allowed = d.mapped_values.find(field);
  if (allowed == d.mapped_values.end()) {
    return Corrupt(fmt::format("the BLDS spec lists no values for {}", field));
  }
  const std::string w = Normalize(word);
  for (const std::string& v : allowed->second) {
    if (Normalize(v) == w) return v;
  }
  for (const auto& [words, target] : synonyms) {
    if (std::find(words.begin(), words.end(), w) == words.end()) continue;
    if (std::find(allowed->second.begin(), allowed->second.end(), target) == allowed->second.end()) {
      return Corrupt(fmt::format("{:?} is no longer an allowed value of {} in the BLDS spec", target, field));
    }
    return std::string(target);
  }
  return MakeError(Code::kNotFound, fmt::format("{:?} has no {} value in BLDS", std::string(word), field),
                   "no-blds-mapping", std::string(field));
}

}  // namespace

std::string_view BldsDatasetName(BldsDataset dataset) {
  return dataset == BldsDataset::kPermits ? "permits" : "inspections";
}

bool BldsDatasetSpec::Knows(std::string_view field) const {
  for (const auto* list : {&required, &recommended, &optional}) {
    if (std::find(list->begin(), list->end(), field) != list->end()) return true;
  }
  return false;
}

Result<BldsSpec> BldsSpec::FromJson(const json::value& v) {
  if (!v.is_object()) return Invalid("the BLDS spec must be a JSON object");
  BldsSpec spec;
  HF_ASSIGN_OR_RETURN(spec.permits, ParseDataset(v.get_object().if_contains("permits"), "permits"));
  HF_ASSIGN_OR_RETURN(spec.inspections,
                      ParseDataset(v.get_object().if_contains("inspections"), "inspections"));
  return spec;
}

Result<BldsSpec> BldsSpec::Load(const std::string& path) {
  HF_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto v = ParseJson(text, 64);
  if (!v.ok()) return Invalid(fmt::format("{}: {}", path, v.error().detail));
  return FromJson(*v);
}

std::string_view BuiltInBldsSpecText() { return kBuiltInSpec; }

Result<BldsSpec> BuiltInBldsSpec() {
  auto v = ParseJson(kBuiltInSpec, 64);
  if (!v.ok()) return Corrupt(fmt::format("the built-in BLDS spec: {}", v.error().detail));
  return BldsSpec::FromJson(*v);
}

std::vector<BldsProblem> ValidateRows(const BldsSpec& spec, BldsDataset dataset,
                                      const std::vector<BldsRow>& rows) {
  const BldsDatasetSpec& d = spec.Of(dataset);
  std::set<std::string_view> relaxed(d.required_if_held.begin(), d.required_if_held.end());
  for (const auto& group : d.at_least_one_of) relaxed.insert(group.begin(), group.end());
  std::vector<BldsProblem> problems;
  for (size_t i = 0; i < rows.size(); ++i) {
    const BldsRow& row = rows[i];
    auto pn = row.find("PermitNum");
    const std::string permit_num = pn == row.end() ? std::string() : pn->second;
    const std::string where =
        permit_num.empty() ? fmt::format("row {}", i) : fmt::format("row {} (PermitNum {})", i, permit_num);
    auto add = [&](std::string field, std::string message) {
      problems.push_back({i, permit_num, field, fmt::format("{}: {}", where, message)});
    };
    for (const std::string& f : d.required) {
      if (!relaxed.count(f) && !Present(row, f)) add(f, fmt::format("required field {} is missing", f));
    }
    for (const auto& group : d.at_least_one_of) {
      if (std::none_of(group.begin(), group.end(), [&](const std::string& f) { return Present(row, f); })) {
        std::string names;
        for (const std::string& f : group) names += (names.empty() ? "" : " or ") + f;
        add(group[0], fmt::format("needs at least one of {}", names));
      }
    }
    for (const auto& [field, value] : row) {
      if (!d.Knows(field)) {
        add(field, fmt::format("{} is not a field of the BLDS {} dataset", field, BldsDatasetName(dataset)));
        continue;
      }
      if (value.empty()) continue;
      auto allowed = d.mapped_values.find(field);
      if (allowed != d.mapped_values.end()) {
        if (std::find(allowed->second.begin(), allowed->second.end(), value) == allowed->second.end()) {
          add(field, fmt::format("{} {:?} is not one of its allowed values", field, value));
        }
      } else if (EndsWith(field, "Mapped")) {
        add(field, fmt::format("{} has no allowed values in the spec", field));
      }
      if (EndsWith(field, "Date") && !Date::Parse(value).ok()) {
        add(field, fmt::format("{} {:?} is not a date written YYYY-MM-DD", field, value));
      }
      auto type = d.types.find(field);
      if (type != d.types.end()) {
        const std::string& t = type->second;
        bool ok = t == "INTEGER"   ? IsInteger(value)
                  : t == "NUMERIC" ? IsDecimal(value)
                                   : ParseJson(value).ok();
        if (!ok) add(field, fmt::format("{} {:?} is not {}", field, value, t));
      }
    }
  }
  return problems;
}

Status CheckRows(const BldsSpec& spec, BldsDataset dataset, const std::vector<BldsRow>& rows) {
  auto problems = ValidateRows(spec, dataset, rows);
  if (problems.empty()) return Status::Ok();
  const BldsProblem& p = problems.front();
  std::string detail = p.message;
  if (problems.size() > 1) detail += fmt::format(" (and {} more problems)", problems.size() - 1);
  return MakeError(Code::kInvalid, std::move(detail), "blds-invalid", p.field);
}

std::vector<std::string> BldsColumns(const BldsSpec& spec, BldsDataset dataset,
                                     const std::vector<BldsRow>& rows) {
  const BldsDatasetSpec& d = spec.Of(dataset);
  std::vector<std::string> columns = d.required;
  columns.insert(columns.end(), d.recommended.begin(), d.recommended.end());
  for (const std::string& f : d.optional) {
    if (std::any_of(rows.begin(), rows.end(), [&](const BldsRow& r) { return Present(r, f); })) {
      columns.push_back(f);
    }
  }
  return columns;
}

std::string CsvValue(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string WriteCsv(const BldsSpec& spec, BldsDataset dataset, const std::vector<BldsRow>& rows) {
  const std::vector<std::string> columns = BldsColumns(spec, dataset, rows);
  std::string out;
  for (size_t c = 0; c < columns.size(); ++c) out += (c ? "," : "") + CsvValue(columns[c]);
  out += "\r\n";
  for (const BldsRow& row : rows) {
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c) out += ',';
      auto it = row.find(columns[c]);
      if (it != row.end()) out += CsvValue(it->second);
    }
    out += "\r\n";
  }
  return out;
}

std::string WriteJson(const BldsSpec& spec, BldsDataset dataset, const std::vector<BldsRow>& rows) {
  const std::vector<std::string> columns = BldsColumns(spec, dataset, rows);
  json::array out;
  for (const BldsRow& row : rows) {
    json::object o;
    for (const std::string& c : columns) {
      if (Present(row, c)) o[c] = row.find(c)->second;
    }
    out.push_back(std::move(o));
  }
  return json::serialize(out);
}

Result<std::string> MapStatusCurrent(const BldsSpec& spec, std::string_view status) {
  if (Normalize(status) == "hold" || Normalize(status) == "on_hold") {
    return MakeError(
        Code::kNotFound,
        "BLDS has no status for a permit on hold: leave StatusCurrentMapped empty and set HoldDate",
        "no-blds-mapping", "StatusCurrentMapped");
  }
  static const Synonyms kSynonyms = {
      {{"applied", "application", "submitted"}, "Application Accepted"},
      {{"fees_assessed", "awaiting_payment", "paid", "fees"}, "Fees/Payment"},
      {{"in_review", "review"}, "In Review"},
      {{"issued"}, "Permit Issued"},
      {{"inspection", "inspections"}, "Inspection Phase"},
      {{"finaled", "final", "closed"}, "Permit Finaled"},
      {{"cancelled", "canceled", "void", "voided", "expired", "withdrawn"}, "Permit Cancelled"},
  };
  return MapWord(spec, BldsDataset::kPermits, "StatusCurrentMapped", status, kSynonyms);
}

Result<std::string> MapWorkClass(const BldsSpec& spec, std::string_view work_class) {
  static const Synonyms kSynonyms = {
      {{"addition", "alteration", "remodel", "repair", "renovation"}, "Existing"},
  };
  return MapWord(spec, BldsDataset::kPermits, "WorkClassMapped", work_class, kSynonyms);
}

Result<std::string> MapPermitClass(const BldsSpec& spec, std::string_view permit_class) {
  static const Synonyms kSynonyms = {
      {{"commercial", "nonresidential", "industrial"}, "Non-Residential"},
  };
  return MapWord(spec, BldsDataset::kPermits, "PermitClassMapped", permit_class, kSynonyms);
}

Result<std::string> MapPermitType(const BldsSpec& spec, std::string_view permit_type) {
  static const Synonyms kSynonyms = {
      {{"demo"}, "Demolition"},
      {{"pool", "spa"}, "Pool/Spa"},
      {{"roofing"}, "Roof"},
  };
  return MapWord(spec, BldsDataset::kPermits, "PermitTypeMapped", permit_type, kSynonyms);
}

Result<std::string> MapContractorTrade(const BldsSpec& spec, std::string_view trade) {
  static const Synonyms kSynonyms = {
      {{"building", "general_contractor"}, "General"},
      {{"electrician"}, "Electrical"},
      {{"hvac"}, "Mechanical"},
      {{"plumber"}, "Plumbing"},
      {{"architect"}, "Architecture"},
      {{"engineer"}, "Engineering"},
      {{"mason"}, "Masonry"},
  };
  return MapWord(spec, BldsDataset::kPermits, "ContractorTradeMapped", trade, kSynonyms);
}

Result<std::string> MapInspectionResult(const BldsSpec& spec, std::string_view result) {
  static const Synonyms kSynonyms = {
      {{"pass", "approved"}, "Passed"},
      {{"fail", "failed", "no_access"}, "Rejected"},
      {{"canceled"}, "Cancelled"},
  };
  return MapWord(spec, BldsDataset::kInspections, "ResultMapped", result, kSynonyms);
}

Result<std::string> MapInspectionType(const BldsSpec& spec, std::string_view inspection_type) {
  static const Synonyms kSynonyms = {
      {{"footing", "footings"}, "Footings & Forms"},
      {{"framing"}, "Frame"},
      {{"rough_electrical", "rough_plumbing", "rough_mechanical"}, "Rough In"},
      {{"final", "demolition_final", "pool_final"}, "Building Final"},
      {{"insulation", "drywall", "pre_demolition"}, "Progress Check"},
      {{"underground_plumbing"}, "Ground Work"},
      {{"roof_sheathing"}, "Roof Deck"},
      {{"pool_steel"}, "Footings & Forms"},
      {{"pool_electrical_bonding"}, "Grounding"},
      {{"pool_barrier"}, "Fence Final"},
  };
  return MapWord(spec, BldsDataset::kInspections, "InspTypeMapped", inspection_type, kSynonyms);
}

}  // namespace holdfast::domain
