// holdfast demo: a demo city with sample staff and parties, served at once.
#include <fmt/format.h>

#include "auth/password.h"
#include "auth/users.h"
#include "cli/verbs.h"
#include "domain/cashier.h"
#include "domain/city_date.h"
#include "domain/contractors.h"
#include "domain/fees.h"
#include "domain/inspections.h"
#include "domain/licenses.h"
#include "domain/parties.h"
#include "domain/permit_types.h"
#include "domain/permits.h"
#include "domain/pets.h"
#include "domain/registry.h"
#include "domain/tags.h"
#include "domain/utilities.h"
#include "http/gateway_client.h"
#include "http/test_gateway.h"
#include "http/vault_service.h"
#include "store/journal.h"

namespace holdfast::cli {
namespace {

struct DemoUser {
  const char* username;
  const char* display_name;
  const char* roles;
  int party = -1;  // a public user's party: its index in kDemoParties
};

// The mark, in the node's local meta table, of a data directory this verb made: it serves no other, since it
// takes card payments through a test processor that moves no money.
constexpr std::string_view kDemoMark = "demo_city";

// Ok when `dir`'s node is a demo city this verb made; read without opening the node, which could change it.
Status CheckDemoNode(const std::string& dir) {
  HF_ASSIGN_OR_RETURN(auto db, store::Db::Open(store::DataPaths(dir).db(), store::OpenMode::kReadOnly));
  HF_ASSIGN_OR_RETURN(std::optional<std::string> mark, store::GetMeta(*db, kDemoMark));
  if (mark) return Status::Ok();
  return Invalid(fmt::format(
      "{} holds a node that `holdfast demo` did not make, and the demo serves only its own demo city (its "
      "card payments go to a test processor that moves no money). Serve this node with `holdfast serve "
      "--data {}`, or give the demo a directory of its own (--data NEWDIR; delete an old demo directory to "
      "make it anew).",
      dir, dir));
}

// Demo sign-ins: the password of each is "<username>-demo-pass". Demo data only: never on a real node.
constexpr DemoUser kDemoUsers[] = {
    {"admin", "Avery Admin", "admin"},
    {"clerk", "Casey Clerk", "clerk"},
    {"supervisor", "Sam Supervisor", "supervisor,clerk"},
    {"permits", "Pat Permit-Tech", "permit_tech"},
    {"inspector", "Indra Inspector", "inspector"},
    {"auditor", "Audrey Auditor", "auditor"},
    {"resident", "Maria Gonzalez", "public", 0},  // the first demo party: her own water account and pets
    // Prairie Builders LLC, the licensed general contractor: its permits, their fees and inspections.
    {"contractor", "Prairie Builders LLC", "public", 10},
};

std::string DemoPassword(std::string_view username) { return fmt::format("{}-demo-pass", username); }

struct DemoParty {
  const char* kind;
  const char* name;
  const char* email;
  const char* phone;
  const char* line1;
};

constexpr DemoParty kDemoParties[] = {
    {"person", "Maria Gonzalez", "maria.gonzalez@example.org", "555-0101", "12 Elm Street"},
    {"person", "James Carter", "jcarter@example.org", "555-0102", "48 Oak Avenue"},
    {"person", "Aisha Rahman", "aisha.rahman@example.org", "555-0103", "7 Birch Lane"},
    {"person", "Tom O'Neill", "tom.oneill@example.org", "555-0104", "301 Maple Drive"},
    {"person", "Linh Nguyen", "linh.nguyen@example.org", "555-0105", "90 Cedar Court"},
    {"person", "Robert Johnson", "rjohnson@example.org", "555-0106", "15 Pine Road"},
    {"person", "Grace Kim", "grace.kim@example.org", "555-0107", "222 Willow Way"},
    {"person", "Dmitri Volkov", "dvolkov@example.org", "555-0108", "5 Spruce Street"},
    {"person", "Fatima Al-Sayed", "fatima.alsayed@example.org", "555-0109", "63 Aspen Place"},
    {"person", "Henry Wallace", "hwallace@example.org", "555-0110", "18 Chestnut Street"},
    {"business", "Prairie Builders LLC", "office@prairiebuilders.example.com", "555-0201",
     "400 Industrial Pkwy"},
    {"business", "Bright Spark Electric", "jobs@brightspark.example.com", "555-0202", "77 Commerce Drive"},
    {"business", "Clearwater Plumbing Co.", "dispatch@clearwater.example.com", "555-0203", "12 Water Street"},
    {"business", "Summit Roofing", "info@summitroofing.example.com", "555-0204", "950 Ridge Road"},
    {"business", "Main Street Bakery", "hello@mainstbakery.example.com", "555-0205", "101 Main Street"},
};

// Pets of the first demo parties: {owner index, species, name, breed, sex, altered, months until rabies
// expiry}. A negative expiry is a vaccination that has lapsed, so the counter has a renewal to refuse.
struct DemoPet {
  int owner;
  const char* species;
  const char* name;
  const char* breed;
  const char* sex;
  bool altered;
  int rabies_months_left;
};

constexpr DemoPet kDemoPets[] = {
    {0, "dog", "Biscuit", "Golden Retriever", "female", true, 20},
    {0, "dog", "Tango", "Border Collie", "male", false, 8},
    {1, "dog", "Duke", "Boxer", "male", true, -2},
    {2, "cat", "Mochi", "Domestic Shorthair", "female", true, 30},
    {4, "dog", "Pepper", "Labrador Retriever", "female", false, 14},
};

// The inspection settings: Chicago time (the city's clock for every local date, domain/city_date.h), a 15:00
// cutoff, the demo inspector covering the city.
Status SetDemoInspectionSettings(store::CommandContext& ctx) {
  HF_ASSIGN_OR_RETURN(auto inspector, auth::FindUserByName(ctx.db(), "inspector"));
  if (!inspector) return Internal("the demo inspector is missing");
  HF_ASSIGN_OR_RETURN(
      domain::InspectionSettings settings,
      domain::ParseInspectionSettings(json::value(json::object{
          {"calendar",
           json::object{{"cutoff", "15:00"},
                        {"time_zone", "CST6CDT,M3.2.0,M11.1.0"},
                        {"holidays", json::array{"2026-11-26", "2026-12-25", "2027-01-01", "2027-05-31",
                                                 "2027-07-05", "2027-09-06", "2027-11-25", "2027-12-24"}}}},
          {"areas",
           json::array{json::object{{"name", "springfield"}, {"zips", json::array{"62701", "62702"}}}}},
          {"default_area", "springfield"},
          {"inspectors", json::array{json::object{{"id", inspector->id},
                                                  {"name", inspector->display_name},
                                                  {"areas", json::array{"springfield"}},
                                                  {"capacity_per_window", 4}}}},
          {"office",
           json::object{{"latitude_microdegrees", 39799000}, {"longitude_microdegrees", -89644000}}}})));
  return domain::SetInspectionSettings(ctx, settings, "system").status();
}

// The permit desk: Prairie Builders as a licensed general contractor, and a house paid for, issued and booked
// for its footing inspection; a fence permit waits for payment.
Status CreateDemoPermits(store::CommandContext& ctx, const std::vector<std::string>& party_ids, Date today) {
  const std::string& builder = party_ids[10];  // Prairie Builders LLC
  domain::ContractorInput contractor{.party_id = builder,
                                     .license_number = "GC-2291",
                                     .trade = "general",
                                     .license_state = "IL",
                                     .license_expires_on = today.AddYears(2),
                                     .insurance_expires_on = today.AddYears(1)};
  HF_RETURN_IF_ERROR(domain::RegisterContractor(ctx, contractor, "system").status());
  domain::PermitApplication house{.type_code = "building",
                                  .work_class = "new",
                                  .description = "Single-family dwelling, two stories, attached garage",
                                  .valuation_cents = 32'500'000,
                                  .square_feet = 2400,
                                  .line1 = "1420 Prairie View Drive",
                                  .city = "Springfield",
                                  .state = "IL",
                                  .zip = "62702",
                                  .parcel_pin = "14-22-301-011",
                                  .latitude_microdegrees = 39812200,
                                  .longitude_microdegrees = -89661700,
                                  .applicant_party_id = party_ids[5],
                                  .contractor_party_id = builder};
  HF_ASSIGN_OR_RETURN(json::object permit, domain::ApplyForPermit(ctx, house, today, "system"));
  const std::string number(StringOr(permit, "number"));
  HF_ASSIGN_OR_RETURN(json::object drawer,
                      domain::OpenDrawer(ctx, {.float_cents = 0, .clerk = "system"}, "system"));
  const std::string drawer_id(StringOr(drawer, "id"));
  domain::PermitPayment pay{
      .number = number,
      .drawer_id = drawer_id,
      .tenders = {{.kind = "check", .amount_cents = IntOr(permit, "due_cents"), .number = "1187"}}};
  HF_RETURN_IF_ERROR(domain::PayPermit(ctx, pay, today, "system").status());
  HF_RETURN_IF_ERROR(domain::CloseDrawer(ctx, {.drawer_id = drawer_id}, "system").status());
  HF_RETURN_IF_ERROR(domain::IssuePermit(ctx, number, today, "system").status());
  HF_RETURN_IF_ERROR(
      domain::RequestInspection(ctx, {.permit = number, .type = "footing"}, "system").status());
  domain::PermitApplication fence{.type_code = "fence",
                                  .work_class = "new",
                                  .description = "Six-foot cedar privacy fence along the rear lot line",
                                  .valuation_cents = 450'000,
                                  .line1 = "222 Willow Way",
                                  .city = "Springfield",
                                  .state = "IL",
                                  .zip = "62701",
                                  .parcel_pin = "14-27-105-004",
                                  .applicant_party_id = party_ids[6]};
  return domain::ApplyForPermit(ctx, fence, today, "system").status();
}

// Water accounts of the first five demo parties, each with last month's bill due in ten days.
Status CreateDemoUtilities(store::CommandContext& ctx, const std::vector<std::string>& party_ids,
                           Date today) {
  std::string bills = "account,period,amount,due_date\n";
  Date last_month = today.AddDays(-today.day() + 1).AddDays(-1);
  for (int i = 0; i < 5; ++i) {
    domain::AccountInput a{.number = fmt::format("{}", 100001 + i),
                           .customer_party_id = party_ids[i],
                           .line1 = kDemoParties[i].line1,
                           .city = "Springfield",
                           .state = "IL",
                           .zip = "62701"};
    HF_RETURN_IF_ERROR(domain::OpenAccount(ctx, a, today.AddDays(-400), "system").status());
    bills += fmt::format("{},{:04}-{:02},{}.{:02},{}\n", a.number, last_month.year(), last_month.month(),
                         38 + 7 * i, (17 * i + 20) % 100, today.AddDays(10).ToString());
  }
  return domain::ImportBills(ctx, bills, "demo-billing-run.csv", today, "system").status();
}

Status CreateDemoData(const std::string& dir) {
  auto init = InitNode(dir, "Springfield", "central", "admin", "CST6CDT,M3.2.0,M11.1.0");
  if (!init.ok()) return init.error();
  std::vector<auth::NewUser> users;
  for (const auto& du : kDemoUsers) {
    HF_ASSIGN_OR_RETURN(auto roles, auth::ParseRoleList(du.roles));
    HF_ASSIGN_OR_RETURN(std::string hash, auth::HashPassword(DemoPassword(du.username)));
    users.push_back({du.username, du.display_name, roles, hash, false, ""});
  }
  HF_ASSIGN_OR_RETURN(auto node, store::Node::Open(dir, domain::NodeRegistry()));
  std::vector<std::string> party_ids, pet_ids;
  auto r = node->writer().Execute([&](store::CommandContext& ctx) -> Result<json::value> {
    for (const auto& nu : users) {
      if (nu.roles.Has(auth::Role::kPublic)) continue;  // made below, linked to their party
      if (nu.username == "admin") {
        HF_ASSIGN_OR_RETURN(auto admin, auth::FindUserByName(ctx.db(), "admin"));
        HF_RETURN_IF_ERROR(auth::SetPassword(ctx, admin->id, nu.password_hash, false, "system"));
      } else {
        HF_RETURN_IF_ERROR(auth::CreateUser(ctx, nu, "system").status());
      }
    }
    for (const auto& dp : kDemoParties) {
      domain::PartyInput in;
      in.kind = dp.kind;
      in.name = dp.name;
      in.email = dp.email;
      in.phone = dp.phone;
      in.address = json::object{{"line1", dp.line1},
                                {"line2", ""},
                                {"city", "Springfield"},
                                {"state", "IL"},
                                {"postal_code", "62701"}};
      HF_ASSIGN_OR_RETURN(json::object party, domain::CreateParty(ctx, in, "system"));
      party_ids.emplace_back(StringOr(party, "id"));
    }
    for (size_t i = 0; i < users.size(); ++i) {
      auth::NewUser nu = users[i];
      if (!nu.roles.Has(auth::Role::kPublic)) continue;
      nu.party_id = party_ids[kDemoUsers[i].party];
      HF_RETURN_IF_ERROR(auth::CreateUser(ctx, nu, "system").status());
    }
    // The city's clock first: every date below is a Springfield date.
    HF_RETURN_IF_ERROR(SetDemoInspectionSettings(ctx));
    HF_ASSIGN_OR_RETURN(Date today, domain::CityToday(ctx));
    // A fee schedule in effect since long before today, and some pets with their vaccinations.
    HF_RETURN_IF_ERROR(
        domain::SetFeeSchedule(ctx, domain::ExampleFeeSchedule(Date::FromCivil(2020, 1, 1)), "system")
            .status());
    // The permit types shipped with Holdfast, loaded as an admin would.
    HF_ASSIGN_OR_RETURN(domain::PermitCatalog permit_types,
                        domain::DefaultPermitCatalog(Date::FromCivil(2020, 1, 1)));
    HF_RETURN_IF_ERROR(domain::SetPermitCatalog(ctx, std::move(permit_types), "system").status());
    int certificate = 1000;
    for (const auto& dp : kDemoPets) {
      domain::PetInput pet;
      pet.owner_party_id = party_ids[dp.owner];
      pet.species = dp.species;
      pet.name = dp.name;
      pet.breed = dp.breed;
      pet.sex = dp.sex;
      pet.altered = dp.altered;
      HF_ASSIGN_OR_RETURN(json::object p, domain::RegisterPet(ctx, pet, "system"));
      Date expires = today.AddDays(static_cast<int64_t>(dp.rabies_months_left) * 30);
      domain::Vaccination v{fmt::format("RV-{}", ++certificate), "Springfield Animal Hospital",
                            expires.AddYears(-3).AddDays(1), expires};
      HF_RETURN_IF_ERROR(
          domain::RecordVaccination(ctx, std::string(StringOr(p, "id")), v, "system").status());
      pet_ids.emplace_back(StringOr(p, "id"));
    }
    // Tags 1000–1999 in stock, and last year's licenses (issued 320 days ago), so renewals are open today.
    HF_RETURN_IF_ERROR(domain::ReceiveTags(ctx, 1000, 1999, "system").status());
    int64_t tag = 1000;
    for (const auto& id : pet_ids) {
      HF_RETURN_IF_ERROR(
          domain::IssueLicense(ctx, {id, 1, tag++, false}, today.AddDays(-320), "system").status());
    }
    HF_RETURN_IF_ERROR(CreateDemoPermits(ctx, party_ids, today));
    HF_RETURN_IF_ERROR(CreateDemoUtilities(ctx, party_ids, today));
    HF_RETURN_IF_ERROR(store::SetMeta(ctx.db(), kDemoMark, "Springfield"));
    return json::value(nullptr);
  });
  return r.status();
}

}  // namespace

void AddDemoVerb(CLI::App& app, Run* run) {
  struct Args {
    std::string data = "demo-data", listen = "127.0.0.1:8080";
    std::string web = DefaultWebDir();
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("demo",
                                     "Create a demo city (Springfield) with sample staff, parties, pets, "
                                     "fees, permits and inspections, if not there yet, and serve it. It "
                                     "serves only a demo city it made: its card payments go to a test "
                                     "processor that moves no money");
  cmd->add_option("--data", args->data, "Data directory for the demo city")->capture_default_str();
  cmd->add_option("--listen", args->listen, "Address and port to listen on")->capture_default_str();
  cmd->add_option("--web", args->web, "Directory of the browser UI's built files, served at /")
      ->capture_default_str();
  cmd->callback([args, run] {
    *run = [args] {
      if (!FileExists(store::DataPaths(args->data).db())) {
        fmt::print("Creating the demo city of Springfield in {} ...\n", args->data);
        Status s = CreateDemoData(args->data);
        if (!s.ok()) return ReportError(s.error());
      }
      if (Status demo = CheckDemoNode(args->data); !demo.ok()) return ReportError(demo.error());
      auto node = store::Node::Open(args->data, domain::NodeRegistry());
      if (!node.ok()) return ReportError(node.error());
      // Online payments go to a test card processor inside this process: nothing moves money.
      http::TestGateway processor;
      Status started = processor.Start();
      if (!started.ok()) return ReportError(started.error());
      http::HttpGateway gateway({.host = "127.0.0.1", .port = processor.port()});
      // Continuous backups to a vault directory beside the data (DIR-vault), as a city's node makes them.
      const std::string vault_dir = args->data + "-vault";
      auto vault_target = http::OpenVaultTarget(vault_dir, "");
      if (!vault_target.ok()) return ReportError(vault_target.error());
      std::vector<std::unique_ptr<vault::Target>> targets;
      targets.push_back(std::move(*vault_target));
      auto pusher = MakeBackupPusher(**node, args->data, std::move(targets), std::chrono::seconds(5));
      if (!pusher.ok()) return ReportError(pusher.error());
      return ServeNode(
          **node, args->listen, 2,
          [&](const std::string& url) {
            fmt::print("\nHoldfast demo: the city of Springfield at {}\n\nDemo sign-ins (demo data only):\n",
                       url);
            for (const auto& du : kDemoUsers) {
              fmt::print("  {:<11} password {:<24} roles {}\n", du.username, DemoPassword(du.username),
                         du.roles);
            }
            fmt::print(
                "\nTry: curl -s -X POST {0}/api/v1/sessions -H 'Content-Type: application/json' "
                "-d '{{\"username\":\"clerk\",\"password\":\"clerk-demo-pass\"}}'\n"
                "API description: {0}/api/v1/openapi.json   Stop with Ctrl-C.\n\n"
                "Online payments use a test card processor: card {1} is approved, {2} declined (any future "
                "expiry, e.g. 12/30).\nBackups: every 5 seconds to the vault {3} (restore with holdfast "
                "restore --vault {3} --key {4}/vault.key --data NEWDIR).\n\n",
                url, http::kTestCardApproved, http::kTestCardDeclined, vault_dir, args->data);
          },
          {}, std::chrono::seconds(2), pusher->get(), &gateway, args->web);
    };
  });
}

}  // namespace holdfast::cli
