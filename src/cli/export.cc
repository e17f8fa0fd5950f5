// holdfast export blds: the BLDS open datasets (domain/blds_export.h) of a stopped node, written as
// permits.csv, permits.json, inspections.csv and inspections.json.
//
// The node's state is read in one read transaction of its database, opened read-only while holding the data
// directory's lock (so a running node is refused, not read half-way through a batch). Every row of both
// datasets is built and checked against the BLDS spec built into the binary before any file is written; an
// error writes nothing. Each file is then written atomically (a temporary file renamed into place), so a
// reader of --out sees a whole old file or a whole new one; should writing one file fail (a full disk), the
// files written before it stay and the error is reported.
#include <fmt/format.h>

#include "base/files.h"
#include "cli/verbs.h"
#include "domain/blds.h"
#include "domain/blds_export.h"
#include "store/sqlite.h"

namespace holdfast::cli {
namespace {

struct ExportFile {
  std::string name;
  std::string text;
  size_t rows = 0;
};

Result<domain::BldsExport> ReadExport(const std::string& dir, const domain::BldsSpec& spec) {
  store::DataPaths paths(dir);
  if (!FileExists(paths.db())) return NotFound(fmt::format("no node database at {}", paths.db()));
  auto lock = DirectoryLock::Acquire(dir);  // held until the reads are done
  if (!lock.ok()) return lock.error();
  HF_ASSIGN_OR_RETURN(std::unique_ptr<store::Db> db, store::Db::Open(paths.db(), store::OpenMode::kReadOnly));
  HF_RETURN_IF_ERROR(db->Exec("BEGIN"));  // one snapshot for every read
  auto rows = domain::BuildBldsExport(*db, spec);
  HF_RETURN_IF_ERROR(db->Exec("COMMIT"));
  return rows;
}

int ExportBlds(const std::string& data, const std::string& out) {
  auto spec = domain::BuiltInBldsSpec();
  if (!spec.ok()) return ReportError(spec.error());
  auto rows = ReadExport(data, *spec);
  if (!rows.ok()) return ReportError(rows.error());
  using domain::BldsDataset;
  const std::vector<ExportFile> files = {
      {"permits.csv", domain::WriteCsv(*spec, BldsDataset::kPermits, rows->permits), rows->permits.size()},
      {"permits.json", domain::WriteJson(*spec, BldsDataset::kPermits, rows->permits), rows->permits.size()},
      {"inspections.csv", domain::WriteCsv(*spec, BldsDataset::kInspections, rows->inspections),
       rows->inspections.size()},
      {"inspections.json", domain::WriteJson(*spec, BldsDataset::kInspections, rows->inspections),
       rows->inspections.size()},
  };
  if (Status s = MakeDirectories(out, 0755); !s.ok()) return ReportError(s.error());
  for (const ExportFile& f : files) {
    const std::string path = out + "/" + f.name;
    if (Status s = WriteFileAtomic(path, f.text); !s.ok()) return ReportError(s.error());
    fmt::print("wrote {} ({} rows, {} bytes)\n", path, f.rows, f.text.size());
  }
  fmt::print("BLDS export: {} permits, {} inspections\n", rows->permits.size(), rows->inspections.size());
  return kExitOk;
}

}  // namespace

void AddExportVerbs(CLI::App& app, Run* run) {
  struct Args {
    std::string data, out;
  };
  auto args = std::make_shared<Args>();
  CLI::App* exp = app.add_subcommand("export", "Write open datasets from a stopped node's state");
  exp->require_subcommand(1);
  CLI::App* blds = exp->add_subcommand(
      "blds",
      "Write the BLDS (Building & Land Development Specification, permitdata.org) permits and inspections "
      "datasets: permits.csv, permits.json, inspections.csv and inspections.json in --out. Every permit is "
      "exported, and every inspection with a result or cancelled; each row is checked against the BLDS field "
      "list built into holdfast before any file is written (an error writes nothing). Applicants, phone "
      "numbers, e-mail addresses and inspectors' comments are never exported. The field mapping is described "
      "in docs/inspections.md. Exit 0 written, 2 usage, I/O or mapping error");
  blds->add_option("--data", args->data, "The node's data directory (the node stopped)")->required();
  blds->add_option("--out", args->out, "The directory to write the four files to (created if missing)")
      ->required();
  blds->callback([args, run] { *run = [args] { return ExportBlds(args->data, args->out); }; });
}

}  // namespace holdfast::cli
