// holdfast node invite | join | sync: enroll office nodes and sync with peers.
#include <fmt/format.h>

#include <chrono>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/files.h"
#include "cli/verbs.h"
#include "domain/city.h"
#include "domain/registry.h"
#include "http/client.h"
#include "http/peer_sync.h"
#include "journal/event.h"
#include "sync/enroll.h"
#include "vault/object.h"

namespace holdfast::cli {

Result<std::vector<std::string>> ReadPeers(const std::string& dir) {
  std::string path = dir + "/peers";
  std::vector<std::string> out;
  if (!FileExists(path)) return out;
  HF_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  size_t line_no = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t'))
      line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    auto parsed = http::ParsePeerUrl(line);
    if (!parsed.ok()) return Invalid(fmt::format("{} line {}: {}", path, line_no, parsed.error().detail));
    out.push_back(line);
  }
  return out;
}

namespace {

// Where a round's pull spent its time, e.g. "42 bundles; waiting for the peer 1.234 s, verifying 0.567 s,
// storing 2.345 s"; the seconds are sums over the bundles.
std::string PullTimes(const http::RoundReport& r) {
  auto seconds = [](std::chrono::microseconds t) { return std::chrono::duration<double>(t).count(); };
  return fmt::format("{} bundle{}; waiting for the peer {:.3f} s, verifying {:.3f} s, storing {:.3f} s",
                     r.bundles, r.bundles == 1 ? "" : "s", seconds(r.fetch_time), seconds(r.verify_time),
                     seconds(r.store_time));
}

Status AddPeer(const std::string& dir, const std::string& url) {
  HF_ASSIGN_OR_RETURN(auto peers, ReadPeers(dir));
  for (const auto& p : peers) {
    if (p == url) return Status::Ok();
  }
  std::string path = dir + "/peers";
  std::string text = "# Peers this node syncs with, one http://host:port per line\n";
  if (FileExists(path)) {
    HF_ASSIGN_OR_RETURN(text, ReadFile(path));
  }
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += url + "\n";
  return WriteFileAtomic(path, text, 0644);
}

int Invite(const std::string& dir, const std::string& node, const std::string& role, int hours) {
  store::DataPaths paths(dir);
  auto token =
      sync::CreateInvitation(paths, node, role, int64_t{hours} * 3600000, SystemClock::Get().NowMs());
  if (!token.ok()) return ReportError(token.error());
  fmt::print("Invitation for node {} ({}), valid for {} hours, usable once:\n\n  {}\n\n", node, role, hours,
             *token);
  fmt::print(
      "On the new node's machine:\n  holdfast join --data DIR --central http://THIS-NODE:PORT --token {}\n",
      *token);
  return kExitOk;
}

int Join(const std::string& dir, const std::string& central, const std::string& token) {
  store::DataPaths paths(dir);
  if (FileExists(paths.db())) {
    return ReportError(Conflict(fmt::format("{} already holds a node", dir), "node-exists"));
  }
  auto address = http::ParsePeerUrl(central);
  if (!address.ok()) return ReportError(address.error());
  KeyPair key = GenerateSigningKey();
  http::Client client(address->first, address->second);
  client.SetTimeout(std::chrono::seconds(30));
  fmt::print(stderr, "join: asking {} to enroll this node\n", central);
  auto r = client.Post("/api/v1/nodes/join",
                       json::serialize(json::object{{"token", token}, {"public_key", Hex(key.public_key)}}));
  if (!r.ok()) return ReportError(r.error());
  auto v = ParseJson(r->body);
  if (r->status != 200 || !v.ok() || !v->is_object()) {
    std::string detail =
        v.ok() && v->is_object() ? std::string(StringOr(v->get_object(), "detail")) : r->body;
    return ReportError(MakeError(Code::kUnavailable, fmt::format("{} refused: {}", central, detail)));
  }
  const json::object& o = v->get_object();
  std::string city(StringOr(o, "city")), node_id(StringOr(o, "node"));
  auto city_key = FromHex(StringOr(o, "city_public_key"));
  if (city.empty() || !journal::IsValidNodeId(node_id) || !city_key || city_key->size() != 32) {
    return ReportError(MakeError(Code::kUnavailable, fmt::format("{} answered an enrollment without a city, "
                                                                 "node id or city key",
                                                                 central)));
  }
  Status created = store::Node::Create(dir, city, node_id, domain::NodeRegistry(), key);
  if (created.ok()) {
    created = WriteFileAtomic(paths.city_pub(), store::EncodePublicKey(store::kCityPubLabel, *city_key));
  }
  if (created.ok()) created = vault::CreateKeyFile(paths.vault_key());
  if (created.ok()) created = AddPeer(dir, central);
  if (!created.ok()) return ReportError(created.error());
  auto node = store::Node::Open(dir, domain::NodeRegistry());
  if (!node.ok()) return ReportError(node.error());
  fmt::print(stderr, "join: enrolled as {} in {}; fetching the city's records from {}\n", node_id, city,
             central);
  auto started = std::chrono::steady_clock::now();
  auto round = http::SyncWithPeer(**node, central, std::chrono::seconds(60),
                                  [](std::string_view line) { fmt::print(stderr, "join: {}\n", line); });
  if (!round.ok()) {
    fmt::print(stderr,
               "holdfast: the node is enrolled, but its first sync failed: {}\n"
               "Run `holdfast sync --data {} --peer {}` to try again.\n",
               round.error().detail, dir, central);
    return kExitFailed;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print("Joined {} as node {} ({} events received in {:.1f} s).\n", city, node_id, round->received,
             seconds);
  if (round->bundles > 0) fmt::print("  pull: {}\n", PullTimes(*round));
  fmt::print(
      "Peers are listed in {}/peers; staff accounts came with the records, so staff sign in here as on "
      "{}.\nNext: holdfast serve --data {} --listen 127.0.0.1:8081\n",
      dir, round->peer_node, dir);
  return kExitOk;
}

int SyncOnce(const std::string& dir, const std::vector<std::string>& peers_given) {
  // The node first: a directory without one says so, not that it lists no peers.
  auto node = store::Node::Open(dir, domain::NodeRegistry());
  if (!node.ok()) return ReportError(node.error());
  std::vector<std::string> peers = peers_given;
  if (peers.empty()) {
    auto configured = ReadPeers(dir);
    if (!configured.ok()) return ReportError(configured.error());
    peers = *configured;
  }
  if (peers.empty()) {
    return ReportError(
        Invalid(fmt::format("no peer given and none listed in {}/peers: use --peer URL", dir)));
  }
  int failed = 0;
  for (const auto& url : peers) {
    auto started = std::chrono::steady_clock::now();
    auto r = http::SyncWithPeer(**node, url, std::chrono::seconds(60),
                                [](std::string_view line) { fmt::print(stderr, "sync: {}\n", line); });
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!r.ok()) {
      ++failed;
      fmt::print("{}: failed: {}\n", url, r.error().detail);
      continue;
    }
    fmt::print("{} ({}): received {} events, sent {} ({:.1f} s)\n", url, r->peer_node, r->received, r->sent,
               seconds);
    if (r->bundles > 0) fmt::print("  pull: {}\n", PullTimes(*r));
  }
  return failed ? kExitFailed : kExitOk;
}

}  // namespace

void AddNodeVerbs(CLI::App& app, Run* run) {
  CLI::App* node = app.add_subcommand("node", "Enroll other nodes in the city");
  node->require_subcommand(1);
  struct Args {
    std::string data, node, role = "office", central, token;
    int hours = 72;
    std::vector<std::string> peers;
  };
  auto args = std::make_shared<Args>();
  CLI::App* invite = node->add_subcommand(
      "invite",
      "Make a one-time invitation for a new node (run where the city key is; the node may be serving)");
  invite->add_option("--data", args->data, "This node's data directory")->required();
  invite->add_option("--node", args->node, "The new node's id: lower-case letters, digits and '-'")
      ->required();
  invite->add_option("--role", args->role, "office or vault")->capture_default_str();
  invite->add_option("--valid-hours", args->hours, "How long the invitation stays usable")
      ->capture_default_str()
      ->check(CLI::Range(1, 720));
  invite->callback(
      [args, run] { *run = [args] { return Invite(args->data, args->node, args->role, args->hours); }; });

  CLI::App* revoke = node->add_subcommand(
      "revoke", "Revoke a lost, stolen or compromised node (on a stopped node; reaches the others by sync)");
  revoke->add_option("--data", args->data, "This node's data directory")->required();
  revoke->add_option("--node", args->node, "The node to revoke")->required();
  revoke->add_option("--reason", args->token, "Why, for the record")->required();
  revoke->callback([args, run] {
    *run = [args] {
      return WithNode(
          args->data,
          [args](store::CommandContext& ctx) -> Result<json::value> {
            HF_ASSIGN_OR_RETURN(json::object d, domain::RevokeNode(ctx, args->node, args->token, "admin"));
            return json::value(std::move(d));
          },
          [args](const json::value& v) {
            fmt::print(
                "Revoked node {}: its feed counts up to seq {}; no node takes its requests once it has "
                "synced this.\n",
                args->node, v.at("up_to_seq").as_int64());
          });
    };
  });

  CLI::App* join = app.add_subcommand(
      "join", "Create an office node from an invitation: enroll with the central node and fetch the records");
  join->add_option("--data", args->data, "Data directory to create for the new node")->required();
  join->add_option("--central", args->central, "The inviting node, e.g. http://10.0.0.5:8080")->required();
  join->add_option("--token", args->token, "The invitation token from `holdfast node invite`")->required();
  join->callback([args, run] { *run = [args] { return Join(args->data, args->central, args->token); }; });

  CLI::App* sync = app.add_subcommand(
      "sync", "Sync a stopped node once with its peers (those in DIR/peers, or --peer), then exit");
  sync->add_option("--data", args->data, "The node's data directory")->required();
  sync->add_option("--peer", args->peers, "A peer's address, e.g. http://10.0.0.5:8080 (repeatable)");
  sync->callback([args, run] { *run = [args] { return SyncOnce(args->data, args->peers); }; });
}

}  // namespace holdfast::cli
