// `holdfast export blds` on a node whose permits went through the desk over the HTTP API: a residential fence
// permit issued, failed at its final inspection and passed at the second, which finals it; a commercial
// building permit applied for and not paid; a fence permit issued, its inspection cancelled, then the permit
// cancelled; a fence permit issued and held. The real binary writes the four files; the test reads them back
// with its own CSV reader and a JSON parser and checks them against shared/vectors/blds/fields.json (every
// required field and either-or rule, every *Mapped value allowed, dates YYYY-MM-DD) and against what the API
// says of each permit.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "base/files.h"
#include "base/timezone.h"
#include "domain/blds.h"
#include "domain/calendar.h"
#include "permit_fixture.h"

namespace holdfast::testing {
namespace {

using domain::BldsDataset;
using domain::BldsRow;

constexpr const char* kChicago = "CST6CDT,M3.2.0,M11.1.0";

// An RFC 4180 reader: records end CRLF (a lone LF is accepted too), fields are separated by commas, a quoted
// field may hold commas, CR, LF and doubled double quotes. Fails the test on a malformed quote.
std::vector<std::vector<std::string>> ReadCsv(std::string_view text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        quoted = false;
      }
      continue;
    }
    if (c == '"') {
      EXPECT_TRUE(field.empty() && !was_quoted) << "a quote inside an unquoted field at byte " << i;
      quoted = was_quoted = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      was_quoted = false;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r') {
        EXPECT_TRUE(i + 1 < text.size() && text[i + 1] == '\n') << "a CR not followed by LF at byte " << i;
        ++i;
      }
      record.push_back(std::move(field));
      field.clear();
      was_quoted = false;
      records.push_back(std::move(record));
      record.clear();
    } else {
      field += c;
    }
  }
  EXPECT_FALSE(quoted) << "the file ends inside a quoted field";
  if (!field.empty() || !record.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

// The CSV's rows as field → value, empty values left out (an empty value is an absent field).
std::vector<BldsRow> CsvRows(const std::string& text, std::vector<std::string>* header = nullptr) {
  auto records = ReadCsv(text);
  std::vector<BldsRow> rows;
  if (records.empty()) {
    ADD_FAILURE() << "no header row";
    return rows;
  }
  if (header) *header = records[0];
  for (size_t r = 1; r < records.size(); ++r) {
    EXPECT_EQ(records[r].size(), records[0].size()) << "record " << r << " has another number of fields";
    BldsRow row;
    for (size_t c = 0; c < records[r].size() && c < records[0].size(); ++c) {
      if (!records[r][c].empty()) row[records[0][c]] = records[r][c];
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// The JSON file's rows: an array of objects whose every value is a string.
std::vector<BldsRow> JsonRows(const std::string& text) {
  std::vector<BldsRow> rows;
  auto parsed = ParseJson(text, 8);
  EXPECT_TRUE(parsed.ok()) << text;
  if (!parsed.ok() || !parsed->is_array()) {
    ADD_FAILURE() << "not a JSON array";
    return rows;
  }
  for (const json::value& v : parsed->as_array()) {
    EXPECT_TRUE(v.is_object());
    if (!v.is_object()) continue;
    BldsRow row;
    for (const auto& [k, value] : v.as_object()) {
      EXPECT_TRUE(value.is_string()) << k << " is not a string";
      if (value.is_string()) row[std::string(k)] = std::string(value.as_string());
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string Problems(const std::vector<domain::BldsProblem>& problems) {
  std::string out;
  for (const auto& p : problems) out += p.message + "\n";
  return out;
}

std::string Get(const BldsRow& row, const std::string& field) {
  auto it = row.find(field);
  return it == row.end() ? "" : it->second;
}

class BldsExportTest : public PermitDeskTest {
 protected:
  void SetUp() override {
    PermitDeskTest::SetUp();
    auto spec = domain::BldsSpec::Load(SharedPath("vectors/blds/fields.json"));
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    spec_ = *spec;
    inspector_token_ = UserToken(admin_, "ira", json::array{"inspector"}, &inspector_);
    auto zone = TimeZone::Parse(kChicago);
    ASSERT_TRUE(zone.ok());
    zone_ = *zone;
    // A Monday a month or more back: the test's days stay before the real clock, so sign-ins stay valid.
    Date day = Date::FromUnixMs(SystemClock::Get().NowMs()).AddDays(-30);
    while (domain::WeekdayOf(day) != domain::Weekday::kMonday) day = day.AddDays(-1);
    monday_ = day;
    Answer drawer = Call("POST", "/api/v1/drawers", R"({"float_cents":5000})", clerk_);
    ASSERT_EQ(drawer.status, 201);
    drawer_ = drawer.Str("id");
    json::object settings{
        {"calendar", json::object{{"cutoff", "15:00"}, {"time_zone", kChicago}, {"holidays", json::array{}}}},
        {"areas", json::array{json::object{{"name", "central"}, {"zips", json::array{"62701"}}}}},
        {"inspectors", json::array{json::object{{"id", inspector_},
                                                {"name", "Ira Moss"},
                                                {"areas", json::array{"central"}},
                                                {"capacity_per_window", 4}}}},
        {"am", "08:00-12:00"},
        {"pm", "13:00-17:00"}};
    Answer set = Call("PUT", "/api/v1/inspection-settings", json::serialize(settings), admin_);
    ASSERT_EQ(set.status, 200) << json::serialize(set.body);
  }

  // Sets the node clock to `minute` past local midnight of `day` in Chicago.
  void At(Date day, int minute) {
    auto ms = zone_.ToUnixMs(CivilTime{day, int64_t{minute} * 60'000});
    ASSERT_TRUE(ms.ok());
    clock_.Set(*ms);
  }

  // A fence permit (no contractor) applied for, paid and issued at the current clock.
  std::string IssuedFence(const std::string& description) {
    json::object application = Application("fence", 500'000, "");
    application["description"] = description;
    Answer applied = Apply(application);
    EXPECT_EQ(applied.status, 201) << json::serialize(applied.body);
    const std::string number = applied.Str("number");
    Answer paid = Call(
        "POST", "/api/v1/permits/" + number + "/payments",
        json::serialize(json::object{
            {"drawer_id", drawer_},
            {"tenders", json::array{json::object{{"kind", "check"},
                                                 {"amount_cents", applied.body.at("due_cents").as_int64()},
                                                 {"number", "101"}}}}}),
        clerk_);
    EXPECT_EQ(paid.status, 201) << json::serialize(paid.body);
    Answer issued = Call("POST", "/api/v1/permits/" + number + "/issue", {}, tech_);
    EXPECT_EQ(issued.status, 200) << json::serialize(issued.body);
    return number;
  }

  Answer Request(const std::string& number, const std::string& type) {
    return Call("POST", "/api/v1/permits/" + number + "/inspections",
                json::serialize(json::object{{"inspection_type", type}}), tech_);
  }

  Answer Result(const std::string& id, json::object body) {
    return Call("POST", "/api/v1/inspections/" + id + "/result", json::serialize(body), inspector_token_);
  }

  domain::BldsSpec spec_;
  std::string inspector_, inspector_token_, drawer_;
  TimeZone zone_;
  Date monday_;
};

TEST_F(BldsExportTest, PermitsAndInspectionsMatchTheSpecAndTheRecord) {
  At(monday_, 9 * 60);
  // The finaled permit: its final fails on Tuesday, passes on Wednesday.
  const std::string finaled = IssuedFence("Residential fence, cedar, six feet, rear yard");
  Answer first = Request(finaled, "fence_final");
  ASSERT_EQ(first.status, 201) << json::serialize(first.body);
  const Date first_day = Date::Parse(first.Str("day")).value();
  At(first_day, 10 * 60);
  Answer failed = Result(first.Str("id"), {{"result", "fail"},
                                           {"comments", "Post spacing over eight feet, gate latch missing"}});
  ASSERT_EQ(failed.status, 200) << json::serialize(failed.body);
  Answer second = Request(finaled, "fence_final");
  ASSERT_EQ(second.status, 201) << json::serialize(second.body);
  const Date second_day = Date::Parse(second.Str("day")).value();
  At(second_day, 10 * 60);
  Answer passed = Result(second.Str("id"), {{"result", "pass"}});
  ASSERT_EQ(passed.status, 200) << json::serialize(passed.body);
  EXPECT_EQ(passed.Str("permit_status"), "finaled");

  // The applied permit: a commercial building, never paid.
  json::object commercial = Application("building", 25'000'000, builder_);
  commercial["description"] = "Commercial office fit-out, \"Suite 200\", second floor";
  Answer applied = Apply(commercial);
  ASSERT_EQ(applied.status, 201) << json::serialize(applied.body);
  const std::string unpaid = applied.Str("number");

  // The cancelled permit: issued, its inspection booked and cancelled, then the permit cancelled.
  const std::string cancelled = IssuedFence("Fence along the alley");
  Answer booked = Request(cancelled, "fence_final");
  ASSERT_EQ(booked.status, 201) << json::serialize(booked.body);
  ASSERT_EQ(
      Call("POST", "/api/v1/inspections/" + booked.Str("id") + "/cancel", R"({"reason":"owner away"})", tech_)
          .status,
      200);
  ASSERT_EQ(Call("POST", "/api/v1/permits/" + cancelled + "/cancel", R"({"reason":"owner withdrew"})", tech_)
                .status,
            200);

  // A held permit: issued, then held.
  const std::string held = IssuedFence("Fence on the side lot line");
  ASSERT_EQ(Call("POST", "/api/v1/permits/" + held + "/hold", R"({"reason":"survey dispute"})", tech_).status,
            200);

  std::map<std::string, json::object> record;
  for (const std::string& n : {finaled, unpaid, cancelled, held}) {
    Answer p = Call("GET", "/api/v1/permits/" + n, {}, tech_);
    ASSERT_EQ(p.status, 200);
    record[n] = p.body.as_object();
  }
  auto text = [&](const std::string& number, const char* key) {
    const json::value& v = record[number].at(key);
    return v.is_string() ? std::string(v.as_string()) : std::string();
  };

  // A running node holds its data directory: the export refuses it and writes nothing.
  TempDir out_dir;
  const std::string out = out_dir.Sub("blds");
  RunResult busy = RunHoldfast({"export", "blds", "--data", dir_.path(), "--out", out});
  EXPECT_EQ(busy.exit_code, 2) << busy.Describe();
  EXPECT_NE(busy.err.find("in use"), std::string::npos) << busy.Describe();
  EXPECT_FALSE(FileExists(out + "/permits.csv"));

  Stop();
  RunResult r = RunHoldfast({"export", "blds", "--data", dir_.path(), "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  for (const char* f : {"permits.csv", "permits.json", "inspections.csv", "inspections.json"}) {
    EXPECT_NE(r.out.find(out + "/" + f), std::string::npos) << r.out;
  }
  EXPECT_NE(r.out.find("4 permits, 3 inspections"), std::string::npos) << r.out;

  auto read = [&](const std::string& name) {
    auto text = ReadFile(out + "/" + name);
    EXPECT_TRUE(text.ok()) << name;
    return text.ok() ? *text : std::string();
  };
  const std::string permits_csv = read("permits.csv"), inspections_csv = read("inspections.csv");
  std::vector<std::string> header;
  const std::vector<BldsRow> permits = CsvRows(permits_csv, &header);
  const std::vector<BldsRow> inspections = CsvRows(inspections_csv);
  // The CSV and the JSON hold the same rows, and both pass the spec.
  EXPECT_EQ(JsonRows(read("permits.json")), permits);
  EXPECT_EQ(JsonRows(read("inspections.json")), inspections);
  EXPECT_EQ(Problems(domain::ValidateRows(spec_, BldsDataset::kPermits, permits)), "");
  EXPECT_EQ(Problems(domain::ValidateRows(spec_, BldsDataset::kInspections, inspections)), "");
  // Columns: every required field, then every recommended one, in the spec's order.
  std::vector<std::string> leading = spec_.permits.required;
  leading.insert(leading.end(), spec_.permits.recommended.begin(), spec_.permits.recommended.end());
  ASSERT_GE(header.size(), leading.size());
  EXPECT_EQ(std::vector<std::string>(header.begin(), header.begin() + leading.size()), leading);
  EXPECT_NE(permits_csv.find("\r\n"), std::string::npos);
  // Beyond ValidateRows: every required field of every row is filled, except those its rules relax.
  for (const BldsRow& row : permits) {
    for (const char* f : {"PermitNum", "Description", "AppliedDate", "StatusCurrent", "OriginalAddress1",
                          "OriginalCity", "OriginalState", "OriginalZip"}) {
      EXPECT_FALSE(Get(row, f).empty()) << Get(row, "PermitNum") << " " << f;
    }
  }

  std::map<std::string, BldsRow> by_number;
  for (const BldsRow& row : permits) by_number[Get(row, "PermitNum")] = row;
  ASSERT_EQ(by_number.size(), 4u);
  ASSERT_EQ(permits.size(), 4u);
  EXPECT_EQ(Get(permits[0], "PermitNum"), finaled) << "oldest application first";

  const BldsRow& f = by_number[finaled];
  EXPECT_EQ(Get(f, "CompletedDate"), text(finaled, "finaled_on"));
  EXPECT_EQ(Get(f, "CompletedDate"), second_day.ToString());
  EXPECT_EQ(Get(f, "StatusDate"), second_day.ToString());
  EXPECT_EQ(Get(f, "AppliedDate"), monday_.ToString());
  EXPECT_EQ(Get(f, "AppliedDate"), text(finaled, "applied_on"));
  EXPECT_EQ(Get(f, "IssuedDate"), text(finaled, "issued_on"));
  EXPECT_EQ(Get(f, "ExpiresDate"), "") << "a finaled permit no longer expires";
  EXPECT_EQ(Get(f, "StatusCurrent"), "finaled");
  EXPECT_EQ(Get(f, "StatusCurrentMapped"), "Permit Finaled");
  EXPECT_EQ(Get(f, "PermitType"), "fence");
  EXPECT_EQ(Get(f, "PermitTypeMapped"), "Fence");
  EXPECT_EQ(Get(f, "WorkClassMapped"), "New");
  EXPECT_EQ(Get(f, "PermitClass"), "residential");
  EXPECT_EQ(Get(f, "PermitClassMapped"), "Residential");
  EXPECT_EQ(Get(f, "Description"), "Residential fence, cedar, six feet, rear yard");
  EXPECT_EQ(Get(f, "OriginalAddress1"), "742 Evergreen Terrace");
  EXPECT_EQ(Get(f, "OriginalAddress2"), "");
  EXPECT_EQ(Get(f, "OriginalCity"), "Springfield");
  EXPECT_EQ(Get(f, "OriginalState"), "IL");
  EXPECT_EQ(Get(f, "OriginalZip"), "62701");
  EXPECT_EQ(Get(f, "Jurisdiction"), "Springfield");
  EXPECT_EQ(Get(f, "Latitude"), "39.781721");
  EXPECT_EQ(Get(f, "Longitude"), "-89.650148");
  EXPECT_EQ(Get(f, "PIN"), "14-22-301-011");
  EXPECT_EQ(Get(f, "TotalSqFt"), "2000");
  EXPECT_EQ(Get(f, "EstProjectCost"), "5000.00");
  // The fence fee, 50.00 dollars: Fee is an INTEGER in the spec, so whole dollars.
  EXPECT_EQ(record[finaled].at("fees_total_cents").as_int64(), 5000);
  EXPECT_EQ(Get(f, "Fee"), "50");
  EXPECT_EQ(Get(f, "ContractorCompanyName"), "");

  const BldsRow& u = by_number[unpaid];
  EXPECT_EQ(Get(u, "StatusCurrent"), "applied");
  EXPECT_EQ(Get(u, "StatusCurrentMapped"), "Application Accepted");
  EXPECT_EQ(Get(u, "IssuedDate"), "");
  EXPECT_EQ(Get(u, "CompletedDate"), "");
  EXPECT_EQ(Get(u, "AppliedDate"), second_day.ToString());
  EXPECT_EQ(Get(u, "Description"), "Commercial office fit-out, \"Suite 200\", second floor");
  EXPECT_NE(permits_csv.find(R"("Commercial office fit-out, ""Suite 200"", second floor")"),
            std::string::npos);
  EXPECT_EQ(Get(u, "PermitClass"), "commercial");
  EXPECT_EQ(Get(u, "PermitClassMapped"), "Non-Residential");
  EXPECT_EQ(Get(u, "PermitTypeMapped"), "Building");
  EXPECT_EQ(Get(u, "EstProjectCost"), "250000.00");
  EXPECT_EQ(Get(u, "ContractorCompanyName"), "Oak Street Builders");
  EXPECT_EQ(Get(u, "ContractorLicNum"), "GC-" + builder_);
  EXPECT_EQ(Get(u, "ContractorTrade"), "general");
  EXPECT_EQ(Get(u, "ContractorTradeMapped"), "General");
  const int64_t unpaid_fees = record[unpaid].at("fees_total_cents").as_int64();
  EXPECT_EQ(Get(u, "Fee"), std::to_string((unpaid_fees + 50) / 100));
  auto extra = ParseJson(Get(u, "ExtraFields"));
  ASSERT_TRUE(extra.ok());
  EXPECT_EQ(extra->at("fees_total_cents").as_int64(), unpaid_fees);
  EXPECT_EQ(extra->at("fees_paid_cents").as_int64(), 0);

  const BldsRow& c = by_number[cancelled];
  EXPECT_EQ(Get(c, "StatusCurrent"), "cancelled");
  EXPECT_EQ(Get(c, "StatusCurrentMapped"), "Permit Cancelled");
  EXPECT_EQ(Get(c, "VoidDate"), text(cancelled, "closed_on"));
  EXPECT_FALSE(Get(c, "VoidDate").empty());
  EXPECT_EQ(Get(c, "StatusDate"), Get(c, "VoidDate"));
  EXPECT_EQ(Get(c, "CompletedDate"), "");
  EXPECT_EQ(Get(c, "ExpiresDate"), "");
  EXPECT_EQ(Get(c, "PermitClassMapped"), "") << "the description names no class";

  // BLDS has no status for a hold: the city's status says it, the mapped one stays empty.
  const BldsRow& h = by_number[held];
  EXPECT_EQ(Get(h, "StatusCurrent"), "issued (on hold)");
  EXPECT_EQ(Get(h, "StatusCurrentMapped"), "");
  EXPECT_EQ(Get(h, "ExpiresDate"), text(held, "expires_on"));
  EXPECT_FALSE(Get(h, "ExpiresDate").empty());
  EXPECT_EQ(Get(h, "StatusDate"), text(held, "issued_on"));

  // Inspections: the finaled permit's failed and passed finals, the cancelled permit's cancelled one.
  ASSERT_EQ(inspections.size(), 3u);
  const BldsRow& i0 = inspections[0];
  const BldsRow& i1 = inspections[1];
  const BldsRow& i2 = inspections[2];
  EXPECT_EQ(Get(i0, "PermitNum"), finaled);
  EXPECT_EQ(Get(i0, "InspType"), "fence_final");
  EXPECT_EQ(Get(i0, "InspTypeMapped"), "Fence Final");
  EXPECT_EQ(Get(i0, "Result"), "fail");
  EXPECT_EQ(Get(i0, "ResultMapped"), "Rejected");
  EXPECT_EQ(Get(i0, "ScheduledDate"), first_day.ToString());
  EXPECT_EQ(Get(i0, "InspectedDate"), first_day.ToString());
  EXPECT_EQ(Get(i0, "RequestDate"), monday_.ToString());
  EXPECT_EQ(Get(i0, "RequestTime"), "09:00");
  EXPECT_EQ(Get(i0, "Final"), "Yes");
  EXPECT_EQ(Get(i0, "ReInspection"), "Yes");
  EXPECT_EQ(Get(i0, "Inspector"), "Ira Moss");
  EXPECT_EQ(Get(i1, "PermitNum"), finaled);
  EXPECT_EQ(Get(i1, "Result"), "pass");
  EXPECT_EQ(Get(i1, "ResultMapped"), "Passed");
  EXPECT_EQ(Get(i1, "InspectedDate"), Get(f, "CompletedDate"));
  EXPECT_EQ(Get(i1, "ReInspection"), "No");
  EXPECT_EQ(Get(i2, "PermitNum"), cancelled);
  EXPECT_EQ(Get(i2, "Result"), "cancelled");
  EXPECT_EQ(Get(i2, "ResultMapped"), "Cancelled");
  EXPECT_EQ(Get(i2, "InspectedDate"), "");
  EXPECT_FALSE(Get(i2, "ScheduledDate").empty());
  const std::set<std::string> allowed(spec_.inspections.mapped_values.at("ResultMapped").begin(),
                                      spec_.inspections.mapped_values.at("ResultMapped").end());
  for (const BldsRow& row : inspections) EXPECT_TRUE(allowed.count(Get(row, "ResultMapped")));
  // The inspector's comments are not public.
  EXPECT_EQ(inspections_csv.find("Post spacing"), std::string::npos);
  EXPECT_EQ(read("inspections.json").find("Post spacing"), std::string::npos);
}

// The spec alone: no node needed.
class BldsExportSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto spec = domain::BldsSpec::Load(SharedPath("vectors/blds/fields.json"));
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    spec_ = *spec;
  }
  domain::BldsSpec spec_;
};

TEST_F(BldsExportSpecTest, EveryDefaultPermitTypeAndInspectionHasABldsValue) {
  auto catalog = domain::DefaultPermitCatalog(Date::FromCivil(2020, 1, 1));
  ASSERT_TRUE(catalog.ok());
  for (const auto& type : catalog->types) {
    EXPECT_TRUE(domain::MapPermitType(spec_, type.code).ok()) << type.code;
    for (const std::string& inspection : type.inspections) {
      auto mapped = domain::MapInspectionType(spec_, inspection);
      EXPECT_TRUE(mapped.ok()) << type.code << ": " << inspection;
    }
  }
}

TEST_F(BldsExportSpecTest, TheBuiltInSpecIsTheSharedOne) {
  auto shared = ReadFile(SharedPath("vectors/blds/fields.json"));
  ASSERT_TRUE(shared.ok());
  EXPECT_EQ(domain::BuiltInBldsSpecText(), *shared)
      << "data/blds_fields.json has drifted from shared/vectors/blds/fields.json";
  EXPECT_TRUE(domain::BuiltInBldsSpec().ok());
}

TEST_F(BldsExportTest, UsageErrorsExitTwoAndHelpDescribesTheFiles) {
  Stop();
  RunResult no_out = RunHoldfast({"export", "blds", "--data", dir_.path()});
  EXPECT_EQ(no_out.exit_code, 2) << no_out.Describe();
  EXPECT_NE(no_out.err.find("--out"), std::string::npos) << no_out.Describe();

  TempDir out;
  RunResult no_node = RunHoldfast({"export", "blds", "--data", out.Sub("nowhere"), "--out", out.Sub("x")});
  EXPECT_EQ(no_node.exit_code, 2) << no_node.Describe();
  EXPECT_NE(no_node.err.find("no node database"), std::string::npos) << no_node.Describe();
  EXPECT_FALSE(FileExists(out.Sub("x")));

  RunResult help = RunHoldfast({"export", "blds", "--help"});
  EXPECT_EQ(help.exit_code, 0) << help.Describe();
  for (const char* word : {"--data", "--out", "permits.csv", "inspections.json", "BLDS"}) {
    EXPECT_NE(help.out.find(word), std::string::npos) << word << "\n" << help.out;
  }
}

}  // namespace
}  // namespace holdfast::testing
