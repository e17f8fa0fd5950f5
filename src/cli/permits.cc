// holdfast permit-types show|load and holdfast permits expire, on a stopped node (a running node: the API,
// /api/v1/permit-types and POST /api/v1/permits/expire).
#include <fmt/format.h>

#include "base/files.h"
#include "cli/verbs.h"
#include "domain/city_date.h"
#include "domain/permit_types.h"
#include "domain/permits.h"

namespace holdfast::cli {

void AddPermitVerbs(CLI::App& app, Run* run) {
  struct Args {
    std::string data, date, file;
    bool all = false, example = false;
  };
  auto args = std::make_shared<Args>();

  CLI::App* types = app.add_subcommand("permit-types", "Show or load the permit types of a stopped node");
  types->require_subcommand(1);
  CLI::App* show = types->add_subcommand(
      "show",
      "Print the permit types in effect (today, or on --date) as JSON, in the form `permit-types load` "
      "takes");
  show->add_option("--data", args->data, "The node's data directory (required unless --example)");
  show->add_option("--date", args->date,
                   "The day to show the types of, YYYY-MM-DD (default: the city's today)");
  show->add_flag("--all", args->all, "Print every version, newest effective date first, with its id");
  show->add_flag("--example", args->example, "Print the default permit types shipped with Holdfast");
  show->callback([args, run] {
    *run = [args] {
      if (args->example) {
        fmt::print("{}", domain::DefaultPermitCatalogText());
        return kExitOk;
      }
      if (args->data.empty()) return ReportError(Invalid("--data is required: the node's data directory"));
      return WithNode(
          args->data,
          [args](store::CommandContext& ctx) {
            return ShowVersions(
                ctx, args->all, args->date, [](store::Db& db) { return domain::ListPermitCatalogs(db); },
                [](store::Db& db, Date day) { return domain::CatalogInEffect(db, day); });
          },
          [](const json::value& v) { fmt::print("{}\n", json::serialize(v)); });
    };
  });

  CLI::App* load = types->add_subcommand(
      "load",
      "Add a version of the permit types from a JSON file (default: the types shipped with Holdfast); it "
      "applies from its effective_from date");
  load->add_option("--data", args->data, "The node's data directory")->required();
  load->add_option("file", args->file, "The permit types, as `holdfast permit-types show` prints them");
  load->callback([args, run] {
    *run = [args] {
      std::string text(domain::DefaultPermitCatalogText());
      std::string name = args->file.empty() ? "the default permit types" : args->file;
      if (!args->file.empty()) {
        auto read = ReadFile(args->file);
        if (!read.ok()) return ReportError(read.error());
        text = *read;
      }
      auto parsed = ParseJson(text);
      if (!parsed.ok())
        return ReportError(Invalid(fmt::format("{} is not JSON: {}", name, parsed.error().detail)));
      auto catalog = domain::ParsePermitCatalog(*parsed);
      if (!catalog.ok()) {
        Error e = catalog.error();
        e.detail = fmt::format("{}: {}", name, e.detail);
        return ReportError(e);
      }
      return WithNode(
          args->data,
          [&](store::CommandContext& ctx) -> Result<json::value> {
            HF_ASSIGN_OR_RETURN(domain::PermitCatalog c, domain::SetPermitCatalog(ctx, *catalog, "system"));
            return json::value(json::object{{"id", c.id},
                                            {"effective_from", c.effective_from.ToString()},
                                            {"types", static_cast<int64_t>(c.types.size())}});
          },
          [](const json::value& v) {
            const json::object& o = v.as_object();
            fmt::print("Loaded permit types {} ({} types), in effect from {}.\n", StringOr(o, "id"),
                       IntOr(o, "types"), StringOr(o, "effective_from"));
          });
    };
  });

  CLI::App* permits = app.add_subcommand("permits", "Permit jobs on a stopped node");
  permits->require_subcommand(1);
  CLI::App* expire = permits->add_subcommand(
      "expire",
      "Expire every issued permit with no passed inspection within its expiry days (as of the city's today)");
  expire->add_option("--data", args->data, "The node's data directory")->required();
  expire->callback([args, run] {
    *run = [args] {
      return WithNode(
          args->data,
          [](store::CommandContext& ctx) -> Result<json::value> {
            HF_ASSIGN_OR_RETURN(Date today, domain::CityToday(ctx));
            HF_ASSIGN_OR_RETURN(auto numbers, domain::ExpirePermits(ctx, today, "system"));
            json::array out;
            for (auto& n : numbers) out.push_back(json::value(n));
            return json::value(std::move(out));
          },
          [](const json::value& v) {
            fmt::print("Expired {} permit(s).\n", v.as_array().size());
            for (const auto& n : v.as_array()) fmt::print("{}\n", std::string_view(n.as_string()));
          });
    };
  });
}

}  // namespace holdfast::cli
