#include "domain/blds_export.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "domain/contractors.h"
#include "domain/inspections.h"
#include "domain/permits.h"

namespace holdfast::domain {
namespace {

using store::Db;
using store::StmtRef;

// Cents as dollars with two decimals: 304200 → "3042.00".
std::string Dollars(int64_t cents) {
  const char* sign = cents < 0 ? "-" : "";
  uint64_t magnitude = cents < 0 ? 0 - static_cast<uint64_t>(cents) : static_cast<uint64_t>(cents);
  return fmt::format("{}{}.{:02}", sign, magnitude / 100, magnitude % 100);
}

// Micro-degrees as degrees with six decimals: -89650148 → "-89.650148".
std::string Degrees(int64_t microdegrees) {
  const char* sign = microdegrees < 0 ? "-" : "";
  uint64_t magnitude =
      microdegrees < 0 ? 0 - static_cast<uint64_t>(microdegrees) : static_cast<uint64_t>(microdegrees);
  return fmt::format("{}{}.{:06}", sign, magnitude / 1'000'000, magnitude % 1'000'000);
}

std::string TextOf(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The words of `text`, lower-cased: runs of a-z and 0-9.
std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words(1);
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      words.back() += c;
    } else if (!words.back().empty()) {
      words.emplace_back();
    }
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

// The class word a description holds (see the header): "residential", "commercial", "industrial",
// "nonresidential" or "non-residential"; "" when it names none, or both kinds.
std::string ClassWord(std::string_view description) {
  const std::vector<std::string> words = Words(description);
  std::string residential, other;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "commercial" || w == "industrial" || w == "nonresidential") {
      if (other.empty()) other = w;
    } else if (w == "non" && i + 1 < words.size() && words[i + 1] == "residential") {
      if (other.empty()) other = "non-residential";
      ++i;
    } else if (w == "residential") {
      residential = w;
    }
  }
  if (!residential.empty() && !other.empty()) return "";
  return residential.empty() ? other : residential;
}

// The error of a mapping, naming where it happened.
Error Naming(Error e, const std::string& where) {
  e.detail = fmt::format("{}: {}", where, e.detail);
  return e;
}

// Sets `mapped` from `map(word)`; a recommended field whose word has no BLDS value stays empty.
Status SetRecommendedMapped(BldsRow& row, const std::string& field, const std::string& word,
                            const Result<std::string>& mapped, const std::string& where) {
  if (word.empty()) return Status::Ok();
  if (mapped.ok()) {
    row[field] = *mapped;
    return Status::Ok();
  }
  if (mapped.error().Type() == "no-blds-mapping") return Status::Ok();
  return Naming(mapped.error(), where);
}

Result<std::string> CityName(Db& db) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT name FROM city ORDER BY name LIMIT 1"));
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  return row ? s->Text(0) : std::string();
}

std::string StatusDate(const json::object& p, std::string_view status) {
  if (status == "applied") return TextOf(p, "applied_on");
  if (status == "issued") return TextOf(p, "issued_on");
  if (status == "finaled") return TextOf(p, "finaled_on");
  if (status == "cancelled" || status == "voided" || status == "expired") return TextOf(p, "closed_on");
  if (status == "inspections") {
    std::string latest;
    if (const json::value* seq = p.if_contains("inspections"); seq && seq->is_array()) {
      for (const json::value& i : seq->get_array()) {
        if (i.is_object()) latest = std::max(latest, TextOf(i.get_object(), "passed_on"));
      }
    }
    return latest;
  }
  return "";
}

class Exporter {
 public:
  Exporter(Db& db, const BldsSpec& spec) : db_(db), spec_(spec) {}

  Result<BldsExport> Run() {
    HF_ASSIGN_OR_RETURN(jurisdiction_, CityName(db_));
    auto settings = CurrentInspectionSettings(db_);
    if (settings.ok()) {
      for (const InspectorInfo& i : settings->inspectors) inspector_names_[i.slots.id] = i.name;
    } else if (settings.error().Type() != "inspections-not-configured") {
      return settings.error();
    }
    PermitQuery query;
    query.limit = std::numeric_limits<int>::max();
    HF_ASSIGN_OR_RETURN(PermitPage page, ListPermits(db_, query));
    json::array& permits = page.items;
    std::reverse(permits.begin(), permits.end());  // oldest application first
    BldsExport out;
    for (const json::value& v : permits) {
      const json::object& p = v.as_object();
      HF_ASSIGN_OR_RETURN(BldsRow row, PermitRow(p));
      out.permits.push_back(std::move(row));
      HF_RETURN_IF_ERROR(AddInspectionRows(p, out.inspections));
    }
    HF_RETURN_IF_ERROR(CheckRows(spec_, BldsDataset::kPermits, out.permits));
    HF_RETURN_IF_ERROR(CheckRows(spec_, BldsDataset::kInspections, out.inspections));
    return out;
  }

 private:
  Result<BldsRow> PermitRow(const json::object& p) {
    const std::string number = TextOf(p, "number");
    const std::string where = fmt::format("permit {}", number);
    const std::string status = TextOf(p, "status");
    const bool held = p.contains("held") && p.at("held").is_bool() && p.at("held").get_bool();
    BldsRow row;
    row["PermitNum"] = number;
    row["Description"] = TextOf(p, "description");
    row["AppliedDate"] = TextOf(p, "applied_on");
    row["IssuedDate"] = TextOf(p, "issued_on");
    row["CompletedDate"] = TextOf(p, "finaled_on");
    row["StatusCurrent"] = held ? status + " (on hold)" : status;
    if (!held) {
      HF_RETURN_IF_ERROR(
          SetRecommendedMapped(row, "StatusCurrentMapped", status, MapStatusCurrent(spec_, status), where));
    }
    row["StatusDate"] = StatusDate(p, status);
    if (const json::value* a = p.if_contains("address"); a && a->is_object()) {
      const json::object& address = a->get_object();
      row["OriginalAddress1"] = TextOf(address, "line1");
      row["OriginalAddress2"] = TextOf(address, "line2");
      row["OriginalCity"] = TextOf(address, "city");
      row["OriginalState"] = TextOf(address, "state");
      row["OriginalZip"] = TextOf(address, "zip");
    }
    row["Jurisdiction"] = jurisdiction_;

    const std::string type_code = TextOf(p, "type_code");
    row["PermitType"] = type_code;
    row["PermitTypeDesc"] = TextOf(p, "type_name");
    HF_RETURN_IF_ERROR(
        SetRecommendedMapped(row, "PermitTypeMapped", type_code, MapPermitType(spec_, type_code), where));
    const std::string work_class = TextOf(p, "work_class");
    row["WorkClass"] = work_class;
    HF_RETURN_IF_ERROR(
        SetRecommendedMapped(row, "WorkClassMapped", work_class, MapWorkClass(spec_, work_class), where));
    const std::string class_word = ClassWord(row["Description"]);
    if (!class_word.empty()) {
      row["PermitClass"] = class_word;
      HF_RETURN_IF_ERROR(SetRecommendedMapped(row, "PermitClassMapped", class_word,
                                              MapPermitClass(spec_, class_word), where));
    }

    if (int64_t valuation = IntOr(p, "valuation_cents"); valuation > 0)
      row["EstProjectCost"] = Dollars(valuation);
    if (int64_t square_feet = IntOr(p, "square_feet"); square_feet > 0) {
      row["TotalSqFt"] = std::to_string(square_feet);
    }
    const json::value* lat = p.if_contains("latitude_microdegrees");
    const json::value* lon = p.if_contains("longitude_microdegrees");
    if (lat && lon && lat->is_int64() && lon->is_int64()) {
      row["Latitude"] = Degrees(lat->get_int64());
      row["Longitude"] = Degrees(lon->get_int64());
    }
    row["PIN"] = TextOf(p, "parcel_pin");

    if (const std::string party = TextOf(p, "contractor_party_id"); !party.empty()) {
      HF_ASSIGN_OR_RETURN(const json::object* c, Contractor(party));
      if (c) {
        const std::string trade = TextOf(*c, "trade");
        row["ContractorCompanyName"] = TextOf(*c, "name");
        row["ContractorLicNum"] = TextOf(*c, "license_number");
        row["ContractorStateLic"] = TextOf(*c, "license_number");
        row["ContractorTrade"] = trade;
        HF_RETURN_IF_ERROR(SetRecommendedMapped(row, "ContractorTradeMapped", trade,
                                                MapContractorTrade(spec_, trade), where));
      }
    }

    const int64_t fees = IntOr(p, "fees_total_cents");
    row["Fee"] = std::to_string((std::max<int64_t>(fees, 0) + 50) / 100);  // whole dollars, half up
    if (status == "issued" || status == "inspections" || status == "expired") {
      row["ExpiresDate"] = TextOf(p, "expires_on");
    }
    if (status == "cancelled" || status == "voided") row["VoidDate"] = TextOf(p, "closed_on");
    row["ExtraFields"] = json::serialize(
        json::object{{"fees_total_cents", fees}, {"fees_paid_cents", IntOr(p, "paid_cents")}});
    return row;
  }

  Status AddInspectionRows(const json::object& p, std::vector<BldsRow>& rows) {
    const std::string number = TextOf(p, "number");
    std::map<std::string, bool, std::less<>> final_of;
    if (const json::value* seq = p.if_contains("inspections"); seq && seq->is_array()) {
      for (const json::value& i : seq->get_array()) {
        if (!i.is_object()) continue;
        const json::value* f = i.get_object().if_contains("final");
        final_of[TextOf(i.get_object(), "type")] = f && f->is_bool() && f->get_bool();
      }
    }
    InspectionQuery query;
    query.permit = number;
    query.limit = std::numeric_limits<int>::max();
    HF_ASSIGN_OR_RETURN(json::array inspections, ListInspections(db_, query));
    for (const json::value& v : inspections) {
      const json::object& i = v.as_object();
      const std::string status = TextOf(i, "status");
      std::string result = TextOf(i, "result");
      if (result.empty() && status == "cancelled") result = "cancelled";
      if (result.empty()) continue;  // not yet inspected: scheduled, or waiting for a new slot
      const std::string id = TextOf(i, "id");
      const std::string where = fmt::format("permit {}, inspection {}", number, id);
      const std::string type = TextOf(i, "type");
      BldsRow row;
      row["PermitNum"] = number;
      row["InspType"] = type;
      auto type_mapped = MapInspectionType(spec_, type);
      if (!type_mapped.ok()) return Naming(type_mapped.error(), where);
      row["InspTypeMapped"] = *type_mapped;
      row["Result"] = result;
      auto result_mapped = MapInspectionResult(spec_, result);
      if (!result_mapped.ok()) return Naming(result_mapped.error(), where);
      row["ResultMapped"] = *result_mapped;
      row["ScheduledDate"] = TextOf(i, "day");
      row["InspectedDate"] = TextOf(i, "inspected_on");
      const std::string requested_at = TextOf(i, "requested_at");
      if (size_t t = requested_at.find('T'); t != std::string::npos) {
        row["RequestDate"] = requested_at.substr(0, t);
        row["RequestTime"] = requested_at.substr(t + 1);
      }
      auto final = final_of.find(type);
      if (final != final_of.end()) row["Final"] = final->second ? "Yes" : "No";
      if (*result_mapped == "Rejected" || *result_mapped == "Partial") {
        row["ReInspection"] = "Yes";
      } else if (*result_mapped == "Passed") {
        row["ReInspection"] = "No";
      }
      if (auto name = inspector_names_.find(TextOf(i, "inspector")); name != inspector_names_.end()) {
        row["Inspector"] = name->second;
      }
      row["ExtraFields"] =
          json::serialize(json::object{{"inspection_id", id}, {"attempt", IntOr(i, "attempt")}});
      rows.push_back(std::move(row));
    }
    return Status::Ok();
  }

  // The contractor of `party_id` (null when it is not registered), read once per export.
  Result<const json::object*> Contractor(const std::string& party_id) {
    auto it = contractors_.find(party_id);
    if (it == contractors_.end()) {
      HF_ASSIGN_OR_RETURN(std::optional<json::object> c, GetContractor(db_, party_id));
      it = contractors_.emplace(party_id, std::move(c)).first;
    }
    return it->second ? &*it->second : nullptr;
  }

  Db& db_;
  const BldsSpec& spec_;
  std::string jurisdiction_;
  std::map<std::string, std::string, std::less<>> inspector_names_;
  std::map<std::string, std::optional<json::object>, std::less<>> contractors_;
};

}  // namespace

Result<BldsExport> BuildBldsExport(Db& db, const BldsSpec& spec) { return Exporter(db, spec).Run(); }

}  // namespace holdfast::domain
