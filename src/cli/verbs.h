// The verbs of the `holdfast` command. Each Add*Verb registers its subcommand, options and --help text with
// the CLI11 app and sets `*run` to the function that carries it out and returns the process exit code: 0
// success, 1 the verb's own failure (verify: tampering found), 2 usage or I/O error.
#ifndef HOLDFAST_CLI_VERBS_H_
#define HOLDFAST_CLI_VERBS_H_

#include <signal.h>
#include <CLI/CLI.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "base/date.h"
#include "base/status.h"
#include "domain/city_date.h"
#include "domain/gateway.h"
#include "store/node.h"
#include "vault/backup.h"

namespace holdfast::cli {

using Run = std::function<int()>;

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

void AddInitVerb(CLI::App& app, Run* run);
void AddServeVerb(CLI::App& app, Run* run);
void AddDemoVerb(CLI::App& app, Run* run);
void AddUserVerb(CLI::App& app, Run* run);
void AddMaintenanceVerbs(CLI::App& app, Run* run);  // verify, rebuild, digest
void AddFeesVerb(CLI::App& app, Run* run);
void AddPermitVerbs(CLI::App& app, Run* run);  // permit-types show|load, permits expire
void AddNodeVerbs(CLI::App& app, Run* run);    // node invite, join, sync
void AddVaultVerbs(CLI::App& app, Run* run);  // backup, restore, vault serve|credential|recovery-sheet|keygen
void AddExportVerbs(CLI::App& app, Run* run);      // export blds
void AddUtilityVerbs(CLI::App& app, Run* run);     // import bills|lockbox, incident declare|end|status
void AddTestGatewayVerb(CLI::App& app, Run* run);  // test-gateway

// The vault credential: the contents of `token_file` when given, else $HOLDFAST_VAULT_TOKEN, else "".
Result<std::string> ReadVaultToken(const std::string& token_file);
// A secret from `file` (when not "") or else the environment variable `env_var` ("" when neither), without
// trailing whitespace.
Result<std::string> ReadSecret(const std::string& file, const char* env_var);

// The peers listed in DIR/peers (one http://host:port per line; '#' starts a comment).
Result<std::vector<std::string>> ReadPeers(const std::string& dir);

// Opens the (stopped) node in `dir`, runs `command` on its writer, prints the result with `print`; errors are
// reported (ReportError) and give kExitUsage.
int WithNode(const std::string& dir,
             const std::function<Result<json::value>(store::CommandContext&)>& command,
             const std::function<void(const json::value&)>& print);

// The `show` of a document kept in dated versions (fee schedules, permit types): every version with its id
// (`all`), or the one in effect on `date` ("YYYY-MM-DD"; "" for today). `list(db)` gives the versions,
// `in_effect(db, day)` the one in effect; each version has ToJson() and `id`.
template <class List, class InEffect>
Result<json::value> ShowVersions(store::CommandContext& ctx, bool all, const std::string& date, List list,
                                 InEffect in_effect) {
  if (all) {
    HF_ASSIGN_OR_RETURN(auto versions, list(ctx.db()));
    json::array out;
    for (const auto& v : versions) {
      json::object o = v.ToJson();
      o["id"] = v.id;
      out.push_back(std::move(o));
    }
    return json::value(std::move(out));
  }
  HF_ASSIGN_OR_RETURN(Date day, domain::CityToday(ctx));
  if (!date.empty()) {
    HF_ASSIGN_OR_RETURN(day, Date::Parse(date, "--date"));
  }
  HF_ASSIGN_OR_RETURN(auto version, in_effect(ctx.db(), day));
  return json::value(version->ToJson());
}

// Prints "holdfast: error: <detail>" to stderr and returns kExitUsage.
int ReportError(const Error& e);

// Creates a node: city key, node key, the founding events (with the city's time zone when `time_zone` is not
// empty: a tz database name or a POSIX rule) and a first administrator. Returns the admin's one-time
// password.
struct InitResult {
  std::string admin_username;
  std::string admin_password;
};
Result<InitResult> InitNode(const std::string& dir, const std::string& city, const std::string& node_id,
                            const std::string& admin_username, const std::string& time_zone = "");

// Blocks SIGINT and SIGTERM in this thread and every thread it starts later (a server waits for them with
// sigwait on the returned set) and ignores SIGPIPE.
sigset_t BlockStopSignals();

// Backs the node in `data` up to `targets` every `every`, with an image every `image_every` (0: none), once
// ServeNode runs it; null without targets.
Result<std::unique_ptr<vault::Pusher>> MakeBackupPusher(
    store::Node& node, const std::string& data, std::vector<std::unique_ptr<vault::Target>> targets,
    std::chrono::milliseconds every, std::chrono::milliseconds image_every = std::chrono::hours(24));

// Serves the node until SIGINT or SIGTERM, syncing with `peers` in the background every `sync_every`,
// backing up with `pusher` and taking online card payments through `gateway` (each when given).
// `on_listening(url)` runs once the port is bound. The browser UI's built files in `web_dir` are served at
// "/" (http/static_files.h); with `web_dir` empty there is no UI.
int ServeNode(store::Node& node, const std::string& listen, int threads,
              const std::function<void(const std::string&)>& on_listening = nullptr,
              const std::vector<std::string>& peers = {},
              std::chrono::milliseconds sync_every = std::chrono::seconds(2), vault::Pusher* pusher = nullptr,
              domain::PaymentGateway* gateway = nullptr, const std::string& web_dir = {});

// Where `serve` and `demo` look for the browser UI's built files without --web: the source tree's web/dist,
// where `make build` writes them.
std::string DefaultWebDir();

}  // namespace holdfast::cli

#endif  // HOLDFAST_CLI_VERBS_H_
