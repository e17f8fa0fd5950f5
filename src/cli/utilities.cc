// holdfast import bills|lockbox, and holdfast incident declare|end|status, on a stopped node (a running node:
// the API, POST /api/v1/utility/bills/import and /api/v1/incidents).
#include <fmt/format.h>

#include "base/clock.h"
#include "base/files.h"
#include "cli/verbs.h"
#include "domain/city_date.h"
#include "domain/incidents.h"
#include "domain/utilities.h"

namespace holdfast::cli {
namespace {

std::string FileName(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

using ImportFn =
    std::function<Result<json::object>(store::CommandContext&, std::string_view bytes,
                                       const std::string& file_name, Date today, const std::string& actor)>;

// `holdfast import <name> --data DIR FILE`: reads the file, runs `import` in one command on the stopped node,
// prints its answer with `print`.
void AddImportVerb(CLI::App* parent, const char* name, const char* description, const char* file_help,
                   Run* run, ImportFn import,
                   std::function<void(const std::string&, const json::object&)> print) {
  struct Args {
    std::string data, file;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = parent->add_subcommand(name, description);
  cmd->add_option("--data", args->data, "The node's data directory")->required();
  cmd->add_option("file", args->file, file_help)->required();
  cmd->callback([args, run, import, print] {
    *run = [args, import, print] {
      auto bytes = ReadFile(args->file);
      if (!bytes.ok()) return ReportError(bytes.error());
      std::string file_name = FileName(args->file);
      return WithNode(
          args->data,
          [&](store::CommandContext& ctx) -> Result<json::value> {
            HF_ASSIGN_OR_RETURN(Date today, domain::CityToday(ctx));
            HF_ASSIGN_OR_RETURN(json::object done, import(ctx, *bytes, file_name, today, "admin"));
            return json::value(std::move(done));
          },
          [&](const json::value& v) { print(file_name, v.as_object()); });
    };
  });
}

}  // namespace

void AddUtilityVerbs(CLI::App& app, Run* run) {
  struct Args {
    std::string data, notice, started_on, ended_on, id;
    std::vector<std::string> services;
    int grace_days = domain::kDefaultIncidentGraceDays;
  };
  auto args = std::make_shared<Args>();

  CLI::App* import = app.add_subcommand("import", "Import a file from another system into a stopped node");
  import->require_subcommand(1);
  AddImportVerb(
      import, "bills",
      "Post the bills of a billing-run file, all or nothing, never twice. The file is CSV with the header "
      "account,period,amount,due_date and one bill per line, e.g. 100234,2026-10,48.20,2026-11-15",
      "The bills file (CSV)", run, domain::ImportBills, [](const std::string& name, const json::object& o) {
        fmt::print("posted {} bills totalling ${} from {} (import {})\n", IntOr(o, "bills"),
                   domain::FormatCents(IntOr(o, "total_cents")), name, StringOr(o, "import_id"));
      });
  AddImportVerb(
      import, "lockbox",
      "Apply a bank lockbox file (CSV or BAI2, see docs/utilities.md), all or nothing, never twice; items "
      "that match no open account go to the exceptions queue for a clerk",
      "The lockbox file", run, domain::ImportLockbox, [](const std::string& name, const json::object& o) {
        fmt::print("{}: {} items, ${}; applied {} (${}); {} to the exceptions queue\n", name,
                   IntOr(o, "items"), domain::FormatCents(IntOr(o, "total_cents")), IntOr(o, "applied"),
                   domain::FormatCents(IntOr(o, "applied_cents")), ArrayOr(o, "exceptions").size());
        for (const auto& e : ArrayOr(o, "exceptions")) {
          fmt::print("  item {}: {}\n", StringOr(e.as_object(), "item_id"),
                     StringOr(e.as_object(), "reason"));
        }
        for (const auto& d : ArrayOr(o, "amount_differs")) {
          fmt::print(
              "  item {}: paid ${} on account {}, which owed ${}\n", StringOr(d.as_object(), "item_id"),
              domain::FormatCents(IntOr(d.as_object(), "amount_cents")), StringOr(d.as_object(), "account"),
              domain::FormatCents(IntOr(d.as_object(), "due_cents")));
        }
      });

  CLI::App* incident = app.add_subcommand("incident", "Declare, end or show incidents on a stopped node");
  incident->require_subcommand(1);
  CLI::App* declare =
      incident->add_subcommand("declare",
                               "Declare an incident: while it lasts and for its grace days after it ends, "
                               "the services it affects take "
                               "no late fees, their due dates move past it, and the shut-off list is empty");
  declare->add_option("--data", args->data, "The node's data directory")->required();
  declare
      ->add_option("--service", args->services,
                   "A service it affects: utilities, licenses or permits (repeat)")
      ->required();
  declare->add_option("--notice", args->notice, "The notice residents see on the portal")->required();
  declare->add_option("--started-on", args->started_on, "The day it started, YYYY-MM-DD (default: today)");
  declare->add_option("--grace-days", args->grace_days, "Days of grace after it ends")->capture_default_str();
  declare->callback([args, run] {
    *run = [args] {
      json::array services;
      for (const auto& s : args->services) services.push_back(json::value(s));
      json::object body{
          {"services", std::move(services)}, {"notice", args->notice}, {"grace_days", args->grace_days}};
      if (!args->started_on.empty()) body["started_on"] = args->started_on;
      auto d = domain::ParseIncidentDeclaration(json::value(body));
      if (!d.ok()) return ReportError(d.error());
      return WithNode(
          args->data,
          [d = *d](store::CommandContext& ctx) -> Result<json::value> {
            HF_ASSIGN_OR_RETURN(Date today, domain::CityToday(ctx));
            HF_ASSIGN_OR_RETURN(json::object i, domain::DeclareIncident(ctx, d, today, "admin"));
            return json::value(std::move(i));
          },
          [](const json::value& v) {
            fmt::print("declared incident {} from {}\n", StringOr(v.as_object(), "id"),
                       StringOr(v.as_object(), "started_on"));
          });
    };
  });

  CLI::App* end = incident->add_subcommand("end", "End an incident; its grace days start");
  end->add_option("--data", args->data, "The node's data directory")->required();
  end->add_option("id", args->id, "The incident, e.g. INC-central-1")->required();
  end->add_option("--ended-on", args->ended_on, "The day it ended, YYYY-MM-DD (default: today)");
  end->callback([args, run] {
    *run = [args] {
      std::optional<Date> ended_on;
      if (!args->ended_on.empty()) {
        auto d = Date::Parse(args->ended_on, "--ended-on");
        if (!d.ok()) return ReportError(d.error());
        ended_on = *d;
      }
      return WithNode(
          args->data,
          [args, ended_on](store::CommandContext& ctx) -> Result<json::value> {
            HF_ASSIGN_OR_RETURN(Date today, domain::CityToday(ctx));
            HF_ASSIGN_OR_RETURN(json::object i, domain::EndIncident(ctx, args->id, ended_on, today, "admin"));
            return json::value(std::move(i));
          },
          [](const json::value& v) {
            const json::object& o = v.as_object();
            fmt::print("ended incident {} on {}; grace through {}\n", StringOr(o, "id"),
                       StringOr(o, "ended_on"), StringOr(o, "protected_through"));
          });
    };
  });

  CLI::App* status = incident->add_subcommand("status", "Show every incident, newest first, as JSON");
  status->add_option("--data", args->data, "The node's data directory")->required();
  status->callback([args, run] {
    *run = [args] {
      return WithNode(
          args->data,
          [](store::CommandContext& ctx) -> Result<json::value> {
            HF_ASSIGN_OR_RETURN(auto all, domain::ListIncidents(ctx.db()));
            HF_ASSIGN_OR_RETURN(Date today, domain::CityToday(ctx));
            json::array items;
            for (const auto& i : all) items.push_back(i.ToJson(today));
            return json::value(json::object{{"incidents", std::move(items)}});
          },
          [](const json::value& v) { fmt::print("{}\n", json::serialize(v)); });
    };
  });
}

}  // namespace holdfast::cli
