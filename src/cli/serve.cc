// holdfast serve: run a node's HTTP API until told to stop.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>

#include "cli/node_jobs.h"
#include "cli/verbs.h"
#include "domain/registry.h"
#include "http/app.h"
#include "http/gateway_client.h"
#include "http/peer_sync.h"
#include "http/server.h"
#include "http/vault_service.h"
#include "sync/bundle.h"

namespace holdfast::cli {

std::string DefaultWebDir() {
  return
#include "cli/web_dir.inc"
      ;
}

sigset_t BlockStopSignals() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return stop;
}

Result<std::unique_ptr<vault::Pusher>> MakeBackupPusher(store::Node& node, const std::string& data,
                                                        std::vector<std::unique_ptr<vault::Target>> targets,
                                                        std::chrono::milliseconds every,
                                                        std::chrono::milliseconds image_every) {
  if (targets.empty()) return std::unique_ptr<vault::Pusher>();
  HF_ASSIGN_OR_RETURN(auto db, node.Read());
  HF_ASSIGN_OR_RETURN(auto source, vault::LoadBackupSource(data, *db));
  vault::ImageSchedule images{image_every, store::DataPaths(data).dir + "/vault-image.tmp"};
  return std::make_unique<vault::Pusher>(node, std::move(source), std::move(targets), every,
                                         std::move(images));
}

int ServeNode(store::Node& node, const std::string& listen, int threads,
              const std::function<void(const std::string&)>& on_listening,
              const std::vector<std::string>& peers, std::chrono::milliseconds sync_every,
              vault::Pusher* pusher, domain::PaymentGateway* gateway, const std::string& web_dir) {
  auto address = http::ParseListen(listen);
  if (!address.ok()) return ReportError(address.error());
  sigset_t stop = BlockStopSignals();

  http::App app(node, {.web_dir = web_dir});
  if (pusher) app.set_backups([pusher] { return pusher->Snapshot(); });
  app.set_gateway(gateway);
  http::ServerOptions options;
  options.host = address->first;
  options.port = address->second;
  options.threads = threads;
  options.large_body_prefix = "/api/v1/sync/";
  options.large_body_limit = 2 * sync::kMaxBundleBytes + 4096;  // JSON escaping at most doubles a bundle
  http::Server server(options, [&app](http::Request&& req, http::Responder respond) {
    app.Handle(std::move(req), std::move(respond));
  });
  Status started = server.Start();
  if (!started.ok()) return ReportError(started.error());
  std::string host = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  std::string url = fmt::format("http://{}:{}", host, server.port());
  if (on_listening) on_listening(url);
  fmt::print("listening on {}\n", url);
  if (!web_dir.empty()) fmt::print("web UI at {}/ (its files from {})\n", url, web_dir);
  http::Syncer syncer(node, peers, app.peers(), sync_every);
  syncer.Start();
  NodeJobs jobs(node, gateway);
  jobs.Start();
  if (!peers.empty()) fmt::print("syncing with {}\n", fmt::join(peers, ", "));
  if (gateway) fmt::print("online card payments on\n");
  if (pusher) {
    pusher->Start();
    std::vector<std::string> vaults;
    for (const auto& v : pusher->Snapshot()) vaults.push_back(v.target);
    fmt::print("backing up to {}\n", fmt::join(vaults, ", "));
  }
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  fmt::print(stderr, "holdfast: stopping ({}): finishing the writes in progress\n",
             sig == SIGINT ? "SIGINT" : "SIGTERM");
  jobs.Stop();
  syncer.Stop();
  if (pusher) pusher->Stop();
  http::StopServing(server, app, node);
  return kExitOk;
}

void AddServeVerb(CLI::App& app, Run* run) {
  struct Args {
    std::string data, listen = "127.0.0.1:8080";
    int threads = 2;
    std::vector<std::string> peers;
    double sync_every = 2;
    std::vector<std::string> vaults;
    std::string vault_token;
    double backup_every = 2;
    double image_every = 24;
    std::string gateway, gateway_token;
    double gateway_timeout = 10;
    std::string web = DefaultWebDir();
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve a node's HTTP API (stop with Ctrl-C or SIGTERM)");
  cmd->add_option("--data", args->data, "The node's data directory")->required();
  cmd->add_option("--listen", args->listen, "Address and port to listen on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Network threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("--peer", args->peers,
                  "Also sync with this node, e.g. http://10.0.0.5:8080 (repeatable; DIR/peers lists more)");
  cmd->add_option("--sync-every", args->sync_every, "Seconds between sync rounds with each peer")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--vault", args->vaults,
                  "Back up continuously to this vault: a directory, or http://host:port (repeatable)");
  cmd->add_option("--vault-token", args->vault_token,
                  "File holding the credential for vaults reached over HTTP (or set HOLDFAST_VAULT_TOKEN)");
  cmd->add_option("--backup-every", args->backup_every, "Seconds between pushes to each vault")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--image-every", args->image_every,
                  "Hours between images of the whole database in each vault, from which a restore starts "
                  "(0: none; the first is made at once when a vault has none; needs free space for one copy "
                  "of the database)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 8760.0));
  cmd->add_option("--gateway", args->gateway,
                  "Take online card payments through the payment gateway at this address, e.g. "
                  "http://10.0.0.9:8443 (docs/payments-gateway.md); without it online payments answer 503");
  cmd->add_option(
      "--gateway-token", args->gateway_token,
      "File holding the gateway's API key, sent as a bearer token (or set HOLDFAST_GATEWAY_TOKEN)");
  cmd->add_option("--web", args->web, "Directory of the browser UI's built files, served at /")
      ->capture_default_str();
  cmd->add_option("--gateway-timeout", args->gateway_timeout, "Seconds to wait for the gateway's answer")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 120.0));
  cmd->callback([args, run] {
    *run = [args] {
      std::unique_ptr<http::HttpGateway> gateway;
      if (!args->gateway.empty()) {
        auto address = http::ParsePeerUrl(args->gateway, "gateway");
        if (!address.ok()) return ReportError(address.error());
        auto key = ReadSecret(args->gateway_token, "HOLDFAST_GATEWAY_TOKEN");
        if (!key.ok()) return ReportError(key.error());
        http::HttpGatewayOptions options;
        options.host = address->first;
        options.port = address->second;
        options.timeout = std::chrono::milliseconds(static_cast<int64_t>(args->gateway_timeout * 1000));
        if (!key->empty()) options.headers.emplace_back("Authorization", "Bearer " + *key);
        gateway = std::make_unique<http::HttpGateway>(std::move(options));
      }
      auto peers = ReadPeers(args->data);
      if (!peers.ok()) return ReportError(peers.error());
      for (const auto& p : args->peers) {
        auto parsed = http::ParsePeerUrl(p);
        if (!parsed.ok()) return ReportError(parsed.error());
        if (std::find(peers->begin(), peers->end(), p) == peers->end()) peers->push_back(p);
      }
      auto token = ReadVaultToken(args->vault_token);
      if (!token.ok()) return ReportError(token.error());
      std::vector<std::unique_ptr<vault::Target>> targets;
      for (const auto& spec : args->vaults) {
        auto target = http::OpenVaultTarget(spec, *token);
        if (!target.ok()) return ReportError(target.error());
        targets.push_back(std::move(*target));
      }
      auto node = store::Node::Open(args->data, domain::NodeRegistry());
      if (!node.ok()) return ReportError(node.error());
      auto pusher =
          MakeBackupPusher(**node, args->data, std::move(targets),
                           std::chrono::milliseconds(static_cast<int64_t>(args->backup_every * 1000)),
                           std::chrono::milliseconds(static_cast<int64_t>(args->image_every * 3'600'000)));
      if (!pusher.ok()) return ReportError(pusher.error());
      return ServeNode(**node, args->listen, args->threads, nullptr, *peers,
                       std::chrono::milliseconds(static_cast<int64_t>(args->sync_every * 1000)),
                       pusher->get(), gateway.get(), args->web);
    };
  });
}

}  // namespace holdfast::cli
