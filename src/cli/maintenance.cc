// holdfast verify | rebuild | digest: check, rebuild and fingerprint a node's derived state.
#include <fmt/format.h>

#include <chrono>

#include "cli/verbs.h"
#include "domain/registry.h"
#include "store/journal.h"
#include "store/verify.h"

namespace holdfast::cli {
namespace {

int Verify(const std::string& dir, bool quiet) {
  auto started = std::chrono::steady_clock::now();
  auto report = store::VerifyNode(dir, domain::NodeRegistry(), [quiet](std::string_view stage) {
    if (!quiet) fmt::print(stderr, "verify: {}\n", stage);
  });
  if (!report.ok()) return ReportError(report.error());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (const auto& p : report->problems) fmt::print("TAMPERED {}: {}\n", p.where, p.what);
  if (report->intact()) {
    fmt::print("intact: {} events in {} feeds, {} seals, {} state rows match the journal ({:.2f} s)\n",
               report->events, report->feeds, report->seals, report->rows, seconds);
    return kExitOk;
  }
  fmt::print(
      "{} problem{} found in {} events ({:.2f} s). Restore this node from its vault or a peer, and keep a "
      "copy of this database as evidence.\n",
      report->problems.size(), report->problems.size() == 1 ? "" : "s", report->events, seconds);
  return kExitFailed;
}

int Rebuild(const std::string& dir) {
  auto started = std::chrono::steady_clock::now();
  const store::Registry& registry = domain::NodeRegistry();
  store::DataPaths paths(dir);
  if (!FileExists(paths.db()))
    return ReportError(NotFound(fmt::format("no node database at {}", paths.db())));
  auto lock = DirectoryLock::Acquire(dir);
  if (!lock.ok()) return ReportError(lock.error());
  auto db = store::OpenWriteDb(paths.db());
  if (!db.ok()) return ReportError(db.error());
  // The rebuild is one transaction: with SQLite's default 2 MiB cache a large node's rewritten pages spill
  // into the WAL many times over before the commit.
  if (Status s = (*db)->Exec("PRAGMA cache_size=-1048576"); !s.ok()) return ReportError(s.error());
  auto txn = store::Transaction::Begin(**db);
  if (!txn.ok()) return ReportError(txn.error());
  int64_t last_percent = -1;
  Status s = store::RebuildState(**db, registry, [&](int64_t done, int64_t total) {
    int64_t percent = total ? done * 100 / total : 100;
    if (percent / 10 != last_percent / 10)
      fmt::print(stderr, "rebuild: {} of {} events ({}%)\n", done, total, percent);
    last_percent = percent;
  });
  if (s.ok()) s = txn->Commit();
  if (!s.ok()) return ReportError(s.error());
  auto digest = store::StateDigest(**db, registry);
  if (!digest.ok()) return ReportError(digest.error());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print("rebuilt the state tables from the journal in {:.2f} s\ndigest: {}\n", seconds, Hex(*digest));
  return kExitOk;
}

int Digest(const std::string& dir) {
  store::DataPaths paths(dir);
  if (!FileExists(paths.db()))
    return ReportError(NotFound(fmt::format("no node database at {}", paths.db())));
  auto db = store::Db::Open(paths.db(), store::OpenMode::kReadOnly);
  if (!db.ok()) return ReportError(db.error());
  auto digest = store::StateDigest(**db, domain::NodeRegistry());
  if (!digest.ok()) return ReportError(digest.error());
  fmt::print("{}\n", Hex(*digest));
  return kExitOk;
}

}  // namespace

void AddMaintenanceVerbs(CLI::App& app, Run* run) {
  struct Args {
    std::string data;
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* verify = app.add_subcommand(
      "verify",
      "Check every event hash, chain link, seal and certificate, refold all state and compare it with the "
      "live tables, all as of one commit (it can run beside `holdfast serve`). Exit 0 intact, 1 tampering "
      "found (each problem printed with its place), 2 usage or I/O error");
  verify->add_option("--data", args->data, "The node's data directory")->required();
  verify->add_flag("--quiet", args->quiet, "Print only problems and the summary");
  verify->callback([args, run] { *run = [args] { return Verify(args->data, args->quiet); }; });

  CLI::App* rebuild = app.add_subcommand(
      "rebuild",
      "Drop the state tables and rebuild them from the journal (node stopped); prints the new digest");
  rebuild->add_option("--data", args->data, "The node's data directory")->required();
  rebuild->callback([args, run] { *run = [args] { return Rebuild(args->data); }; });

  CLI::App* digest = app.add_subcommand(
      "digest",
      "Print the SHA-256 digest of the state tables: nodes holding the same events print the same digest");
  digest->add_option("--data", args->data, "The node's data directory")->required();
  digest->callback([args, run] { *run = [args] { return Digest(args->data); }; });
}

}  // namespace holdfast::cli
