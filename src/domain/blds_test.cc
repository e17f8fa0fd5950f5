#include "domain/blds.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "test_support.h"

namespace holdfast::domain {
namespace {

using testing::SharedPath;

class BldsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = BldsSpec::Load(SharedPath("vectors/blds/fields.json"));
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    spec_ = *loaded;
  }

  static BldsRow Permit() {
    return {{"PermitNum", "BLD-central-12"},
            {"Description", "New single-family house, 2 storeys"},
            {"AppliedDate", "2026-01-05"},
            {"IssuedDate", "2026-01-09"},
            {"StatusCurrent", "issued"},
            {"OriginalAddress1", "12 Main St"},
            {"OriginalCity", "Springfield"},
            {"OriginalState", "MO"},
            {"OriginalZip", "65801"},
            {"StatusCurrentMapped", "Permit Issued"},
            {"WorkClassMapped", "New"},
            {"PermitTypeMapped", "Building"},
            {"PermitClassMapped", "Residential"},
            {"TotalSqFt", "2400"},
            {"Latitude", "37.208957"},
            {"Longitude", "-93.292299"},
            {"EstProjectCost", "350000.00"},
            {"Fee", "182500"}};
  }
  static BldsRow Inspection() {
    return {{"PermitNum", "BLD-central-12"},
            {"InspType", "footing"},
            {"InspTypeMapped", "Footings & Forms"},
            {"Result", "pass"},
            {"ResultMapped", "Passed"},
            {"ScheduledDate", "2026-01-12"},
            {"InspectedDate", "2026-01-12"},
            {"InspectionNotes", "Rebar ok"},
            {"Inspector", "insp-a"}};
  }

  std::vector<BldsProblem> Problems(BldsDataset d, std::vector<BldsRow> rows) {
    return ValidateRows(spec_, d, rows);
  }
  // The (row, field) of each problem, with the message naming both.
  std::vector<std::pair<size_t, std::string>> Where(BldsDataset d, std::vector<BldsRow> rows) {
    std::vector<std::pair<size_t, std::string>> out;
    for (const BldsProblem& p : Problems(d, rows)) {
      EXPECT_NE(p.message.find(fmt::format("row {}", p.row)), std::string::npos) << p.message;
      EXPECT_NE(p.message.find(p.field), std::string::npos) << p.message;
      out.emplace_back(p.row, p.field);
    }
    return out;
  }

  BldsSpec spec_;
};

using Found = std::vector<std::pair<size_t, std::string>>;

TEST_F(BldsTest, TheSharedSpecIsRead) {
  EXPECT_EQ(spec_.permits.required.front(), "PermitNum");
  EXPECT_EQ(spec_.permits.at_least_one_of.size(), 2u);
  EXPECT_EQ(spec_.permits.required_if_held, std::vector<std::string>{"OriginalAddress2"});
  EXPECT_EQ(spec_.inspections.at_least_one_of.size(), 1u);
  EXPECT_EQ(spec_.permits.types.at("Latitude"), "NUMERIC");
  EXPECT_EQ(spec_.inspections.mapped_values.at("ResultMapped").size(), 5u);
}

TEST_F(BldsTest, ValidRowsPass) {
  EXPECT_TRUE(Problems(BldsDataset::kPermits, {Permit()}).empty());
  EXPECT_TRUE(Problems(BldsDataset::kInspections, {Inspection()}).empty());
  // Either side of each either-or rule is enough.
  BldsRow applied_only = Permit();
  applied_only.erase("IssuedDate");
  applied_only.erase("StatusCurrent");
  applied_only["CompletedDate"] = "2026-06-30";
  EXPECT_TRUE(Problems(BldsDataset::kPermits, {applied_only}).empty());
  BldsRow scheduled_only = Inspection();
  scheduled_only.erase("InspectedDate");
  EXPECT_TRUE(Problems(BldsDataset::kInspections, {scheduled_only}).empty());
  EXPECT_TRUE(CheckRows(spec_, BldsDataset::kPermits, {Permit(), applied_only}).ok());
}

TEST_F(BldsTest, EachRuleViolatedIsReportedNamingTheRowAndField) {
  BldsRow no_num = Permit();
  no_num.erase("PermitNum");
  BldsRow no_dates = Permit();
  no_dates.erase("AppliedDate");
  no_dates["IssuedDate"] = "";  // empty counts as absent
  BldsRow no_status = Permit();
  no_status.erase("StatusCurrent");
  BldsRow bad_mapped = Permit();
  bad_mapped["StatusCurrentMapped"] = "permit issued";  // allowed values are exact
  bad_mapped["PermitTypeMapped"] = "Sign";
  BldsRow bad_dates = Permit();
  bad_dates["AppliedDate"] = "01/05/2026";
  bad_dates["ExpiresDate"] = "2026-02-30";
  BldsRow bad_types = Permit();
  bad_types["TotalSqFt"] = "2400.5";
  bad_types["Latitude"] = "37,2";
  bad_types["ExtraFields"] = "{not json";
  bad_types["Colour"] = "red";

  EXPECT_EQ(
      Where(BldsDataset::kPermits, {Permit(), no_num, no_dates, no_status, bad_mapped, bad_dates, bad_types}),
      (Found{{1, "PermitNum"},
             {2, "AppliedDate"},
             {3, "CompletedDate"},
             {4, "PermitTypeMapped"},
             {4, "StatusCurrentMapped"},
             {5, "AppliedDate"},
             {5, "ExpiresDate"},
             {6, "Colour"},
             {6, "ExtraFields"},
             {6, "Latitude"},
             {6, "TotalSqFt"}}));
  auto problems = Problems(BldsDataset::kPermits, {no_dates});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].permit_num, "BLD-central-12");
  EXPECT_EQ(problems[0].message,
            "row 0 (PermitNum BLD-central-12): needs at least one of AppliedDate or IssuedDate");

  BldsRow insp_bad = Inspection();
  insp_bad.erase("ScheduledDate");
  insp_bad.erase("InspectedDate");
  insp_bad["ResultMapped"] = "Failed";
  insp_bad["InspTypeMapped"] = "Footing";
  insp_bad.erase("InspType");
  EXPECT_EQ(Where(BldsDataset::kInspections, {Inspection(), insp_bad}),
            (Found{{1, "InspType"}, {1, "ScheduledDate"}, {1, "InspTypeMapped"}, {1, "ResultMapped"}}));

  Status first = CheckRows(spec_, BldsDataset::kInspections, {Inspection(), insp_bad});
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().Type(), "blds-invalid");
  EXPECT_EQ(first.error().field, "InspType");
  EXPECT_NE(first.error().detail.find("and 3 more"), std::string::npos) << first.error().detail;
}

TEST_F(BldsTest, CsvHasTheSpecsColumnOrderAndQuotesWhatNeedsIt) {
  BldsRow p = Permit();
  p["Description"] = "Deck, \"wraparound\"\nrear";
  p["ContractorEmail"] = "build@example.com";
  p["Fee"] = "182500";
  std::string csv = WriteCsv(spec_, BldsDataset::kPermits, {p});
  std::vector<std::string> columns = BldsColumns(spec_, BldsDataset::kPermits, {p});
  // Required, recommended, then only the optional fields held: Fee before ContractorEmail, as in the spec.
  ASSERT_EQ(columns.size(), spec_.permits.required.size() + spec_.permits.recommended.size() + 2);
  EXPECT_EQ(columns.front(), "PermitNum");
  EXPECT_EQ(columns[spec_.permits.required.size()], "Jurisdiction");
  EXPECT_EQ(columns[columns.size() - 2], "Fee");
  EXPECT_EQ(columns.back(), "ContractorEmail");
  std::string header;
  for (const std::string& c : columns) header += (header.empty() ? "" : ",") + c;
  ASSERT_EQ(csv.substr(0, header.size() + 2), header + "\r\n");
  const std::string line = csv.substr(header.size() + 2);
  EXPECT_TRUE(
      line.starts_with("BLD-central-12,\"Deck, \"\"wraparound\"\"\nrear\",2026-01-05,2026-01-09,,issued,"))
      << line;
  EXPECT_TRUE(line.ends_with(",182500,build@example.com\r\n")) << line;
  EXPECT_EQ(CsvValue("plain"), "plain");
  EXPECT_EQ(CsvValue("a\rb"), "\"a\rb\"");
  // Just a header for no rows, with no optional columns.
  EXPECT_EQ(WriteCsv(spec_, BldsDataset::kInspections, {}),
            "PermitNum,InspType,InspTypeMapped,Result,ResultMapped,ScheduledDate,InspectedDate,"
            "InspectionNotes\r\n");
}

TEST_F(BldsTest, JsonIsAnArrayOfObjectsInColumnOrder) {
  std::string out = WriteJson(spec_, BldsDataset::kInspections, {Inspection(), {{"PermitNum", "X"}}});
  EXPECT_EQ(
      out,
      R"([{"PermitNum":"BLD-central-12","InspType":"footing","InspTypeMapped":"Footings & Forms",)"
      R"("Result":"pass","ResultMapped":"Passed","ScheduledDate":"2026-01-12","InspectedDate":"2026-01-12",)"
      R"("InspectionNotes":"Rebar ok","Inspector":"insp-a"},{"PermitNum":"X"}])");
}

TEST_F(BldsTest, MappingHelpersAnswerAllowedValuesOnly) {
  EXPECT_EQ(*MapStatusCurrent(spec_, "in_review"), "In Review");
  EXPECT_EQ(*MapStatusCurrent(spec_, "Permit Issued"), "Permit Issued");
  EXPECT_EQ(*MapStatusCurrent(spec_, "fees assessed"), "Fees/Payment");
  EXPECT_EQ(*MapStatusCurrent(spec_, "expired"), "Permit Cancelled");
  EXPECT_EQ(*MapStatusCurrent(spec_, "finaled"), "Permit Finaled");
  auto hold = MapStatusCurrent(spec_, "hold");
  ASSERT_FALSE(hold.ok());
  EXPECT_EQ(hold.error().Type(), "no-blds-mapping");
  EXPECT_NE(hold.error().detail.find("HoldDate"), std::string::npos);

  EXPECT_EQ(*MapWorkClass(spec_, "new"), "New");
  EXPECT_EQ(*MapWorkClass(spec_, "Alteration"), "Existing");
  EXPECT_EQ(*MapPermitClass(spec_, "commercial"), "Non-Residential");
  EXPECT_EQ(*MapPermitClass(spec_, "non-residential"), "Non-Residential");
  EXPECT_EQ(*MapPermitType(spec_, "pool"), "Pool/Spa");
  EXPECT_EQ(*MapPermitType(spec_, "electrical"), "Electrical");
  EXPECT_EQ(*MapContractorTrade(spec_, "HVAC"), "Mechanical");
  EXPECT_EQ(*MapContractorTrade(spec_, "general"), "General");
  EXPECT_EQ(*MapInspectionResult(spec_, "fail"), "Rejected");
  EXPECT_EQ(*MapInspectionResult(spec_, "partial"), "Partial");
  EXPECT_EQ(*MapInspectionResult(spec_, "no access"), "Rejected");
  EXPECT_EQ(*MapInspectionResult(spec_, "cancelled"), "Cancelled");
  EXPECT_EQ(*MapInspectionType(spec_, "footing"), "Footings & Forms");
  EXPECT_EQ(*MapInspectionType(spec_, "rough_frame"), "Rough Frame");
  EXPECT_EQ(*MapInspectionType(spec_, "building-final"), "Building Final");

  auto none = MapPermitType(spec_, "sign");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().Type(), "no-blds-mapping");
  EXPECT_EQ(none.error().field, "PermitTypeMapped");

  // Every mapped value a helper gives passes validation.
  BldsRow p = Permit();
  p["StatusCurrentMapped"] = *MapStatusCurrent(spec_, "applied");
  p["ContractorTradeMapped"] = *MapContractorTrade(spec_, "plumber");
  EXPECT_TRUE(Problems(BldsDataset::kPermits, {p}).empty());
}

TEST_F(BldsTest, ASynonymTheSpecNoLongerAllowsIsAnErrorNotABadRow) {
  json::value v = testing::ReadSharedJson("vectors/blds/fields.json");
  json::array& results = v.as_object()
                             .at("inspections")
                             .as_object()
                             .at("mapped_values")
                             .as_object()
                             .at("ResultMapped")
                             .as_array();
  results.erase(results.begin());  // drop "Passed"
  auto spec = BldsSpec::FromJson(v);
  ASSERT_TRUE(spec.ok());
  auto r = MapInspectionResult(*spec, "pass");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kCorrupt);
}

TEST_F(BldsTest, AnUnknownRuleInTheSpecIsRefused) {
  json::value v = testing::ReadSharedJson("vectors/blds/fields.json");
  v.as_object()
      .at("permits")
      .as_object()
      .at("required_rules")
      .as_array()
      .emplace_back("PIN whenever it is a Tuesday");
  auto spec = BldsSpec::FromJson(v);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.error().field, "permits.required_rules");
  EXPECT_FALSE(BldsSpec::FromJson(json::object{}).ok());
}

}  // namespace
}  // namespace holdfast::domain
