// holdfast fees show|load: the licensing fee schedule of a stopped node (a running node: the API,
// /api/v1/fee-schedules).
#include <fmt/format.h>

#include "base/files.h"
#include "cli/verbs.h"
#include "domain/fees.h"

namespace holdfast::cli {

void AddFeesVerb(CLI::App& app, Run* run) {
  CLI::App* fees = app.add_subcommand("fees", "Show or load the licensing fee schedule of a stopped node");
  fees->require_subcommand(1);
  struct Args {
    std::string data, date, file;
    bool all = false, example = false;
  };
  auto args = std::make_shared<Args>();

  CLI::App* show = fees->add_subcommand(
      "show",
      "Print the fee schedule in effect (today, or on --date) as JSON, in the form `fees load` takes");
  show->add_option("--data", args->data, "The node's data directory (required unless --example)");
  show->add_option("--date", args->date,
                   "The day to show the schedule of, YYYY-MM-DD (default: the city's today)");
  show->add_flag("--all", args->all, "Print every version, newest effective date first, with its id");
  show->add_flag("--example", args->example, "Print an example schedule to start from instead of a node's");
  show->callback([args, run] {
    *run = [args] {
      if (args->example) {
        Date today = Date::FromUnixMs(SystemClock::Get().NowMs());
        fmt::print("{}\n", json::serialize(domain::ExampleFeeSchedule(today).ToJson()));
        return kExitOk;
      }
      if (args->data.empty()) return ReportError(Invalid("--data is required: the node's data directory"));
      return WithNode(
          args->data,
          [args](store::CommandContext& ctx) {
            return ShowVersions(
                ctx, args->all, args->date, [](store::Db& db) { return domain::ListFeeSchedules(db); },
                [](store::Db& db, Date day) { return domain::ScheduleInEffect(db, day); });
          },
          [](const json::value& v) { fmt::print("{}\n", json::serialize(v)); });
    };
  });

  CLI::App* load = fees->add_subcommand(
      "load", "Add a new fee schedule version from a JSON file; it applies from its effective_from date");
  load->add_option("--data", args->data, "The node's data directory")->required();
  load->add_option("file", args->file, "The schedule, as `holdfast fees show` prints it")->required();
  load->callback([args, run] {
    *run = [args] {
      auto text = ReadFile(args->file);
      if (!text.ok()) return ReportError(text.error());
      auto parsed = ParseJson(*text);
      if (!parsed.ok()) {
        return ReportError(Invalid(fmt::format("{} is not JSON: {}", args->file, parsed.error().detail)));
      }
      auto schedule = domain::ParseFeeSchedule(*parsed);
      if (!schedule.ok()) {
        Error e = schedule.error();
        e.detail = fmt::format("{}: {}", args->file, e.detail);
        return ReportError(e);
      }
      return WithNode(
          args->data,
          [&](store::CommandContext& ctx) -> Result<json::value> {
            HF_ASSIGN_OR_RETURN(domain::FeeSchedule s, domain::SetFeeSchedule(ctx, *schedule, "system"));
            return json::value(json::object{{"id", s.id}, {"effective_from", s.effective_from.ToString()}});
          },
          [](const json::value& v) {
            const json::object& o = v.as_object();
            fmt::print("Loaded fee schedule {}, in effect from {}.\n", StringOr(o, "id"),
                       StringOr(o, "effective_from"));
          });
    };
  });
}

}  // namespace holdfast::cli
