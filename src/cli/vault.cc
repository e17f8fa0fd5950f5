// holdfast backup | restore | vault serve | vault credential | vault recovery-sheet | vault keygen: backups
// of a node in encrypted, append-only vaults (DESIGN §9, docs/backup.md).
#include <fmt/format.h>
#include <signal.h>

#include <cstdlib>

#include "cli/verbs.h"
#include "domain/registry.h"
#include "http/server.h"
#include "http/vault_service.h"
#include "journal/checkpoint.h"
#include "vault/backup.h"
#include "vault/object.h"
#include "vault/restore.h"

namespace holdfast::cli {
namespace {

int Backup(const std::string& dir, const std::string& spec, const std::string& token_file, bool image) {
  auto token = ReadVaultToken(token_file);
  if (!token.ok()) return ReportError(token.error());
  auto target = http::OpenVaultTarget(spec, *token);
  if (!target.ok()) return ReportError(target.error());
  store::DataPaths paths(dir);
  if (!FileExists(paths.db()))
    return ReportError(NotFound(fmt::format("no node database at {}", paths.db())));
  auto db = store::Db::Open(paths.db(), store::OpenMode::kReadOnly);
  if (!db.ok()) return ReportError(db.error());
  auto source = vault::LoadBackupSource(dir, **db);
  if (!source.ok()) return ReportError(source.error());
  auto started = std::chrono::steady_clock::now();
  vault::PushImage with_image;
  if (image) {
    with_image.scratch = paths.dir + "/backup-image.tmp";
    fmt::print(stderr, "backup: copying the database for an image (it is read as it is now)\n");
  }
  auto report = vault::Push(
      **db, domain::NodeRegistry(), *source, **target,
      [](const vault::PushReport& r) {
        if (r.image_chunks > 0) {
          fmt::print(stderr, "backup: image chunk {} ({} new), {:.1f} MiB sent\n", r.image_chunks,
                     r.image_chunks_sent, r.bytes / 1048576.0);
        } else {
          fmt::print(stderr, "backup: {} packs, {} events, {:.1f} MiB sent\n", r.packs, r.events,
                     r.bytes / 1048576.0);
        }
      },
      std::nullopt, nullptr, with_image);
  if (!report.ok()) return ReportError(report.error());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (report->nothing_new) {
    fmt::print("{} already holds all {} events of node {} (generation {})\n", (*target)->Describe(),
               report->size, source->node, report->generation);
  } else {
    fmt::print(
        "backed up {} new events of node {} to {}: generation {}, {} events in all, {} packs, {:.1f} MiB, "
        "{:.2f} s\n",
        report->events, source->node, (*target)->Describe(), report->generation, report->size, report->packs,
        report->bytes / 1048576.0, seconds);
  }
  if (report->image_size > 0) {
    fmt::print("  image: the database at {} events, {} chunks, {} of them new\n", report->image_size,
               report->image_chunks, report->image_chunks_sent);
  }
  return kExitOk;
}

int RestoreNode(const std::string& spec, const std::string& token_file, const std::string& key_file,
                const std::string& dir, const std::string& node, bool refold) {
  auto token = ReadVaultToken(token_file);
  if (!token.ok()) return ReportError(token.error());
  auto key_text = ReadFile(key_file);
  if (!key_text.ok()) return ReportError(key_text.error());
  auto key = vault::ParseKey(*key_text);
  if (!key.ok()) return ReportError(key.error());
  auto target = http::OpenVaultTarget(spec, *token);
  if (!target.ok()) return ReportError(target.error());
  vault::RestoreOptions options;
  options.node = node;
  options.refold = refold;
  options.progress = [](std::string_view line) { fmt::print(stderr, "restore: {}\n", line); };
  auto report = vault::Restore(**target, *key, dir, domain::NodeRegistry(), options);
  if (!report.ok()) {
    fmt::print(stderr, "holdfast: error: restore failed: {}\n", report.error().detail);
    return report.error().code == Code::kCorrupt ? kExitFailed : kExitUsage;
  }
  fmt::print("restored node {} of {} into {} from {} in {:.2f} s\n", report->node, report->city, dir,
             (*target)->Describe(), report->seconds);
  fmt::print("  events:     {} in {} feeds, {} seals, all verified\n", report->events, report->feeds,
             report->seals);
  fmt::print("  backup:     generation {}, {} packs, {:.1f} MiB fetched\n", report->generation, report->packs,
             report->bytes / 1048576.0);
  if (report->image_size > 0) {
    fmt::print("  image:      the database at {} events (generation {}); the {} events after it folded\n",
               report->image_size, report->image_generation, report->events - report->image_size);
  } else {
    fmt::print("  state:      refolded from all {} events\n", report->events);
  }
  auto checkpoint = journal::ParseCheckpoint(report->checkpoint);
  if (checkpoint.ok()) {
    fmt::print("  checkpoint: {} events, root {} (signed by the node, matched by the restored log)\n",
               checkpoint->size, Base64(checkpoint->root));
  }
  if (report->digest.empty()) {
    fmt::print(
        "  digest:     not computed: the node's last recorded digest is of the image's moment or earlier,\n"
        "              and the image is checked chunk by chunk against its manifest\n");
  } else if (report->digest_size == report->events) {
    fmt::print("  digest:     {} (the digest the node recorded)\n", report->digest);
  } else {
    fmt::print("  digest:     {} at {} events (the digest the node recorded when its log held that many)\n",
               report->digest, report->digest_size);
  }
  fmt::print("\nNext: holdfast serve --data {}\n", dir);
  if (report->image_size > 0) {
    fmt::print(
        "(`holdfast verify --data {}` refolds every event and checks the state against it; it takes "
        "longer than the restore)\n",
        dir);
  }
  return kExitOk;
}

int ServeVault(const std::string& root, const std::string& listen) {
  auto address = http::ParseListen(listen);
  if (!address.ok()) return ReportError(address.error());
  auto service = http::VaultService::Open(root);
  if (!service.ok()) return ReportError(service.error());
  sigset_t stop = BlockStopSignals();
  http::ServerOptions options;
  options.host = address->first;
  options.port = address->second;
  options.body_limit = http::kVaultBodyLimit;
  http::VaultService* s = service->get();
  http::Server server(options, [s](http::Request&& req, http::Responder respond) {
    s->Handle(std::move(req), std::move(respond));
  });
  Status started = server.Start();
  if (!started.ok()) return ReportError(started.error());
  fmt::print("listening on http://{}:{}\nserving the vaults in {}\n", options.host, server.port(), root);
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  server.Stop();
  return kExitOk;
}

}  // namespace

Result<std::string> ReadSecret(const std::string& file, const char* env_var) {
  std::string secret;
  if (!file.empty()) {
    HF_ASSIGN_OR_RETURN(secret, ReadFile(file));
  } else if (const char* env = std::getenv(env_var)) {
    secret = env;
  }
  while (!secret.empty() && std::isspace(static_cast<unsigned char>(secret.back()))) secret.pop_back();
  return secret;
}

Result<std::string> ReadVaultToken(const std::string& token_file) {
  return ReadSecret(token_file, "HOLDFAST_VAULT_TOKEN");
}

void AddVaultVerbs(CLI::App& app, Run* run) {
  struct Args {
    std::string data, vault, token_file, key, node, dir, city, listen = "127.0.0.1:8090";
    bool image = false, refold = false;
  };
  auto args = std::make_shared<Args>();
  constexpr const char* kTokenHelp =
      "File holding the vault credential, for a vault reached over HTTP (or set HOLDFAST_VAULT_TOKEN)";

  CLI::App* backup = app.add_subcommand(
      "backup",
      "Push what a vault lacks of a node's log, once (works while the node serves; `serve --vault` "
      "pushes continuously)");
  backup->add_option("--data", args->data, "The node's data directory")->required();
  backup->add_option("--vault", args->vault, "The vault: a directory, or http://host:port")->required();
  backup->add_option("--vault-token", args->token_file, kTokenHelp);
  backup->add_flag("--image", args->image,
                   "Also store an image of the whole database, so that a restore starts from it and folds "
                   "only the events after it (needs free space for one copy of the database; chunks the "
                   "vault has from the last image are not sent again)");
  backup->callback([args, run] {
    *run = [args] { return Backup(args->data, args->vault, args->token_file, args->image); };
  });

  CLI::App* restore = app.add_subcommand(
      "restore",
      "Rebuild a node from a vault and its backup key alone, verifying every chain, seal and checkpoint "
      "(from the latest image of its database when the vault has one, then the events after it)");
  restore->add_option("--vault", args->vault, "The vault: a directory, or http://host:port")->required();
  restore
      ->add_option("--key", args->key,
                   "The backup key: the node's vault.key, or a file with the recovery sheet's key")
      ->required();
  restore->add_option("--data", args->data, "The new data directory (must not hold a node)")->required();
  restore->add_option("--node", args->node, "Which node to restore, when the vault holds several");
  restore->add_option("--vault-token", args->token_file, kTokenHelp);
  restore->add_flag(
      "--refold", args->refold,
      "Ignore the vault's images: store and fold every event from the first (slower; for a node "
      "whose images are not trusted)");
  restore->callback([args, run] {
    *run = [args] {
      return RestoreNode(args->vault, args->token_file, args->key, args->data, args->node, args->refold);
    };
  });

  CLI::App* vault =
      app.add_subcommand("vault", "Run a vault, give nodes credentials for it, and print backup keys");
  vault->require_subcommand(1);
  CLI::App* serve = vault->add_subcommand(
      "serve",
      "Serve vaults over HTTP: nodes add objects and manifests, nothing is ever overwritten or deleted");
  serve->add_option("--dir", args->dir, "The vault's root directory")->required();
  serve->add_option("--listen", args->listen, "Address and port to listen on (port 0: any free port)")
      ->capture_default_str();
  serve->callback([args, run] { *run = [args] { return ServeVault(args->dir, args->listen); }; });

  CLI::App* credential = vault->add_subcommand(
      "credential",
      "Make a credential that lets a city's nodes add backups to this vault (and nothing else)");
  credential->add_option("--dir", args->dir, "The vault's root directory")->required();
  credential->add_option("--city", args->city, "The city whose backups it adds, as named at `holdfast init`")
      ->required();
  credential->callback([args, run] {
    *run = [args] {
      auto token = http::AddVaultCredential(args->dir, args->city);
      if (!token.ok()) return ReportError(token.error());
      fmt::print("{}\n", *token);
      fmt::print(
          stderr,
          "This credential adds backups of {} to the vault in {}. Put it in a file on each node (mode 0600)\n"
          "and give that file to `holdfast serve --vault http://HOST:PORT --vault-token FILE`.\n",
          args->city, args->dir);
      return kExitOk;
    };
  });

  CLI::App* sheet = vault->add_subcommand(
      "recovery-sheet", "Print the node's backup key for paper: restore needs it when the node is gone");
  sheet->add_option("--data", args->data, "The node's data directory")->required();
  sheet->callback([args, run] {
    *run = [args] {
      store::DataPaths paths(args->data);
      auto key = vault::ReadKeyFile(paths.vault_key());
      if (!key.ok()) return ReportError(key.error());
      auto db = store::Db::Open(paths.db(), store::OpenMode::kReadOnly);
      if (!db.ok()) return ReportError(db.error());
      auto city = store::GetMeta(**db, "city");
      auto node = store::GetMeta(**db, "node_id");
      std::string hex = Hex(*key);
      std::string grouped;
      for (size_t i = 0; i < hex.size(); i += 4) {
        grouped += hex.substr(i, 4);
        grouped += (i + 4) % 32 == 0 ? "\n    " : " ";
      }
      fmt::print(
          "HOLDFAST BACKUP KEY — RECOVERY SHEET\n\n"
          "City: {}\nNode: {}\n\n"
          "Key (64 hex digits, in groups of four):\n    {}\n"
          "QR-ready (alphanumeric; the last 4 digits are a check):\n    {}\n\n"
          "Whoever holds this key can read this node's backups. Keep it offline:\n"
          "  - print this sheet (or write the key by hand) and keep it in a safe or a bank box, with a "
          "second copy\n"
          "    in another building; never store it on this server, in email or in a shared drive;\n"
          "  - the vault holds only encrypted data: without this key nothing in it can be restored.\n\n"
          "To restore this node on a new machine: save the key (either form above) to a file, then run\n"
          "    holdfast restore --vault VAULT --key FILE --data NEWDIR\n",
          city.ok() && *city ? **city : "?", node.ok() && *node ? **node : "?", grouped,
          vault::RecoveryString(*key));
      return kExitOk;
    };
  });

  CLI::App* keygen = vault->add_subcommand(
      "keygen", "Make a backup key (DIR/vault.key) for a node that has none; never replaces one");
  keygen->add_option("--data", args->data, "The node's data directory")->required();
  keygen->callback([args, run] {
    *run = [args] {
      store::DataPaths paths(args->data);
      if (!FileExists(paths.db())) return ReportError(NotFound(fmt::format("no node in {}", args->data)));
      Status made = vault::CreateKeyFile(paths.vault_key());
      if (!made.ok()) return ReportError(made.error());
      fmt::print("made {}; print it with `holdfast vault recovery-sheet --data {}`\n", paths.vault_key(),
                 args->data);
      return kExitOk;
    };
  });
}

}  // namespace holdfast::cli
