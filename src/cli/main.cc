// holdfast: one binary for every node role. See `holdfast --help` and docs/operations.md.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "base/crypto.h"
#include "cli/verbs.h"

int main(int argc, char** argv) {
  using namespace holdfast::cli;
  if (!holdfast::InitCrypto().ok()) {
    std::fprintf(stderr, "holdfast: error: the crypto library failed to start\n");
    return kExitUsage;
  }
  CLI::App app{
      "Holdfast: a city's system of record for counter services that keeps working through outages.\n"
      "Exit codes: 0 success, 1 the verb found a problem (verify: tampering), 2 usage or I/O error."};
  app.require_subcommand(1);
  Run run;
  AddInitVerb(app, &run);
  AddServeVerb(app, &run);
  AddDemoVerb(app, &run);
  AddUserVerb(app, &run);
  AddMaintenanceVerbs(app, &run);
  AddFeesVerb(app, &run);
  AddPermitVerbs(app, &run);
  AddNodeVerbs(app, &run);
  AddVaultVerbs(app, &run);
  AddExportVerbs(app, &run);
  AddUtilityVerbs(app, &run);
  AddTestGatewayVerb(app, &run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  return run ? run() : kExitUsage;
}
