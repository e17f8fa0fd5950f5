// The node's HTTP application: authenticates each request, finds its route, checks the caller's roles (deny
// by default), runs the handler, and counts it for /metrics. Writes go to the node's writer as commands, with
// Idempotency-Key support; reads use the node's read connections.
#ifndef HOLDFAST_HTTP_APP_H_
#define HOLDFAST_HTTP_APP_H_

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/date.h"
#include "domain/gateway.h"
#include "http/message.h"
#include "http/peer_sync.h"
#include "http/router.h"
#include "http/static_files.h"
#include "store/node.h"
#include "vault/backup.h"

namespace holdfast::http {

struct AppOptions {
  std::string issuer = "Holdfast";  // shown in authenticator apps
  bool secure_cookies = false;      // set the Secure attribute (behind TLS)
  std::string web_dir;              // the browser UI's built files, served at "/"; empty: no UI
};

class App {
 public:
  App(store::Node& node, AppOptions options = {});
  ~App();

  // The Server's handler.
  void Handle(Request&& req, Responder respond);

  store::Node& node() { return node_; }
  const AppOptions& options() const { return options_; }
  const Router& router() const { return router_; }
  Router& router() { return router_; }

  // Runs `command` on the writer. On success `answer` turns its result into the response (on the writer
  // thread, inside the transaction, so the answer can be remembered for the request's Idempotency-Key). An
  // answer with a status of 400 or more (a refusal decided by a command that still commits, such as a refused
  // approval) is not remembered. An answer that holds a secret shown only once (a one-time password) is never
  // stored: a request sent again with the same key is answered 409 "answer-shown-once" instead, saying it
  // was done.
  enum class Answer { kKept, kShownOnce };
  void Write(Call& call, store::CommandFn command, std::function<Response(const json::value&)> answer,
             Answer keep = Answer::kKept);
  // Runs slow work (password hashing) off the network threads.
  void Offload(std::function<void()> work);
  // Runs work that waits on another system (the card gateway) on threads of its own, so that a slow
  // processor never holds up sign-ins.
  void CallOut(std::function<void()> work);

  // The card payment gateway for online payments; null when the node has none (online payments then answer
  // 503). It may be changed while serving (a request keeps the one it started with); each one set must
  // outlive the App.
  void set_gateway(domain::PaymentGateway* gateway) { gateway_.store(gateway); }
  domain::PaymentGateway* gateway() const { return gateway_.load(); }
  // Reads on a read connection; errors become problem answers.
  template <typename F>
  void Read(Call& call, F&& f) {
    auto db = node_.Read();
    if (!db.ok()) return call.Fail(db.error());
    f(**db);
  }

  // The peers this node syncs with and how each answered last (filled in by a Syncer, if one runs).
  PeerBoard& peers() { return peers_; }
  const PeerBoard& peers() const { return peers_; }

  // The vaults this node backs up to and how each push went (set by `serve` before serving, if it backs up).
  void set_backups(std::function<std::vector<vault::VaultStatus>()> backups) {
    backups_ = std::move(backups);
  }
  std::vector<vault::VaultStatus> backups() const {
    return backups_ ? backups_() : std::vector<vault::VaultStatus>{};
  }

  std::string Metrics() const;
  // Waits for offloaded and called-out work (sign-ins being checked, cards being charged) to finish. Call
  // after the server stopped.
  void DrainOffloaded() {
    workers_.join();
    callouts_.join();
  }
  std::string SessionCookie(std::string_view token, int64_t max_age_s) const;

 private:
  void Authenticate(Call& call);

  store::Node& node_;
  AppOptions options_;
  Router router_;
  std::unique_ptr<StaticSite> web_;  // null without options_.web_dir
  boost::asio::thread_pool workers_{2};
  boost::asio::thread_pool callouts_{4};
  std::atomic<domain::PaymentGateway*> gateway_{nullptr};
  PeerBoard peers_;
  std::function<std::vector<vault::VaultStatus>()> backups_;
  std::atomic<int64_t> unmatched_{0};
  std::atomic<int64_t> in_flight_{0};

  // Signed-in users by the SHA-256 of their session token, so that most requests need no database read to
  // know their caller. An entry is trusted only while no commit has changed the users or sessions tables
  // since it was read (sign-out, disabling, role changes all take effect at once) and its session is
  // unexpired.
  struct CachedSession {
    std::shared_ptr<const auth::User> user;
    int64_t expires_at = 0;
    uint64_t generation = 0;
  };
  static constexpr size_t kSessionCacheLimit = 4096;
  std::shared_ptr<const store::TableWatch> session_watch_;
  std::mutex sessions_mu_;
  std::unordered_map<std::string, CachedSession> sessions_;
};

class Server;
// Stops serving in the only safe order: no more requests (the server's threads stop), then offloaded work and
// queued writes finish (their answers go nowhere), so that nothing still holds a connection when the server
// and its connections are destroyed. The node's writer is stopped: reopen the node to write again.
void StopServing(Server& server, App& app, store::Node& node);

// Today's date in the city (domain/city_date.h) on the node's clock, for routes that decide by the day. UTC's
// when the node's database cannot be read (the route's own reads then fail and say so).
Date CityToday(const Call& call);

}  // namespace holdfast::http

#endif  // HOLDFAST_HTTP_APP_H_
