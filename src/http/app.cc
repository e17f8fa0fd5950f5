#include "http/app.h"

#include <fmt/format.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <optional>

#include "auth/sessions.h"
#include "base/crypto.h"
#include "domain/city_date.h"
#include "http/server.h"
#include "store/idempotency.h"
#include "sync/peer_auth.h"

namespace holdfast::http {

void RegisterSystemRoutes(App& app);
void RegisterAuthRoutes(App& app);
void RegisterPartyRoutes(App& app);
void RegisterLicensingRoutes(App& app);
void RegisterCashierRoutes(App& app);
void RegisterSyncRoutes(App& app);
void RegisterConflictRoutes(App& app);
void RegisterLogRoutes(App& app);
void RegisterPermitRoutes(App& app);
void RegisterInspectionRoutes(App& app);
void RegisterUtilityRoutes(App& app);

namespace {

// A Prometheus label value: backslash, double quote and newline escaped.
std::string LabelValue(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

App::App(store::Node& node, AppOptions options)
    : node_(node),
      options_(std::move(options)),
      session_watch_(node.writer().Watch({"users", "local_sessions"})) {
  if (!options_.web_dir.empty()) web_ = std::make_unique<StaticSite>(options_.web_dir);
  RegisterSystemRoutes(*this);
  RegisterAuthRoutes(*this);
  RegisterPartyRoutes(*this);
  RegisterLicensingRoutes(*this);
  RegisterCashierRoutes(*this);
  RegisterSyncRoutes(*this);
  RegisterConflictRoutes(*this);
  RegisterLogRoutes(*this);
  RegisterPermitRoutes(*this);
  RegisterInspectionRoutes(*this);
  RegisterUtilityRoutes(*this);
}

App::~App() { DrainOffloaded(); }

void StopServing(Server& server, App& app, store::Node& node) {
  server.Stop();
  app.DrainOffloaded();
  node.writer().Stop();
}

void App::Offload(std::function<void()> work) { boost::asio::post(workers_, std::move(work)); }

void App::CallOut(std::function<void()> work) { boost::asio::post(callouts_, std::move(work)); }

std::string App::SessionCookie(std::string_view token, int64_t max_age_s) const {
  return fmt::format("holdfast_session={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}", token, max_age_s,
                     options_.secure_cookies ? "; Secure" : "");
}

void App::Authenticate(Call& call) {
  std::string token;
  std::string_view authz = call.req.Header("authorization");
  if (authz.starts_with("Bearer ")) {
    token = std::string(authz.substr(7));
  } else {
    token = call.req.Cookie("holdfast_session");
  }
  if (token.empty() || token.size() > 200) return;
  const int64_t now = node_.clock().NowMs();
  const Hash digest = Sha256(token);
  std::string key(reinterpret_cast<const char*>(digest.data()), digest.size());
  const uint64_t generation = session_watch_->generation();
  {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    auto it = sessions_.find(key);
    if (it != sessions_.end() && it->second.generation == generation && it->second.expires_at > now) {
      call.who.user = it->second.user;
      call.who.token = std::move(token);
      return;
    }
  }
  auto db = node_.Read();
  if (!db.ok()) return;
  auto found = auth::FindSessionUser(**db, token, now);
  if (!found.ok() || !*found) return;
  auto user = std::make_shared<const auth::User>(std::move((*found)->user));
  {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    if (sessions_.size() >= kSessionCacheLimit) sessions_.clear();
    sessions_[key] = {user, (*found)->expires_at, generation};
  }
  call.who.user = std::move(user);
  call.who.token = std::move(token);
}

void App::Handle(Request&& req, Responder respond) {
  auto started = std::chrono::steady_clock::now();
  auto call = std::make_shared<Call>();
  call->req = std::move(req);
  call->app = this;
  Router::Match match = router_.Find(call->req.method, call->req.path);
  if (!match.route && !match.path_known && web_ && StaticSite::Serves(call->req.method, call->req.path)) {
    return respond(web_->Serve(call->req.path));
  }
  if (!match.route) {
    unmatched_.fetch_add(1);
    Error e = match.path_known
                  ? MakeError(Code::kInvalid,
                              fmt::format("{} is not allowed on {}", call->req.method, call->req.path),
                              "method-not-allowed")
                  : NotFound(fmt::format("there is nothing at {}", call->req.path));
    return respond(Response::Problem(e, call->req.path));
  }
  const Route& route = *match.route;
  call->route = &route;
  call->params = std::move(match.params);
  std::shared_ptr<RouteMetrics> metrics = route.metrics;
  in_flight_.fetch_add(1);
  call->respond = [this, metrics, started, respond = std::move(respond)](Response r) {
    auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started)
            .count();
    metrics->by_class[std::clamp(r.status / 100, 0, 5)].fetch_add(1);
    metrics->micros_total.fetch_add(micros);
    double seconds = static_cast<double>(micros) / 1e6;
    size_t b = 0;
    while (b < std::size(RouteMetrics::kBuckets) && seconds > RouteMetrics::kBuckets[b]) ++b;
    metrics->buckets[b].fetch_add(1);
    in_flight_.fetch_sub(1);
    respond(std::move(r));
  };

  if (route.peer) {
    auto db = node_.Read();
    if (!db.ok()) return call->Fail(db.error());
    const Request& q = call->req;
    auto peer =
        sync::CheckRequest(**db, node_.city(), q.Header("holdfast-node"), q.Header("holdfast-date"),
                           q.Header("holdfast-signature"), q.method, q.target, q.body, node_.clock().NowMs());
    if (!peer.ok()) return call->Fail(peer.error());
    call->who.peer = std::move(*peer);
  } else if (!route.anyone) {  // routes open to anyone never look at the caller
    Authenticate(*call);
    if (!call->who.signed_in()) {
      return call->Fail(
          MakeError(Code::kUnauthorized, "sign in first: POST /api/v1/sessions", "sign-in-required"));
    }
    if (!route.roles.Intersects(call->who.user->roles)) {
      return call->Fail(MakeError(Code::kForbidden,
                                  fmt::format("your roles ({}) do not allow {} {}",
                                              call->who.user->roles.Joined(), route.method, route.pattern),
                                  "forbidden"));
    }
    if (call->who.user->must_change_password && !route.allowed_before_password_change) {
      return call->Fail(MakeError(Code::kForbidden,
                                  "choose a new password first: PUT /api/v1/users/me/password",
                                  "password-change-required"));
    }
  }
  try {
    route.handler(*call);
  } catch (const std::exception& ex) {
    call->Fail(Internal(fmt::format("unexpected error: {}", ex.what())));
  }
}

void App::Write(Call& call, store::CommandFn command, std::function<Response(const json::value&)> answer,
                Answer keep) {
  std::string key(call.req.Header("idempotency-key"));
  if (key.size() > 200) {
    return call.Fail(Invalid("the Idempotency-Key header is longer than 200 characters", "Idempotency-Key"));
  }
  std::string actor = call.who.id();
  std::string fingerprint =
      key.empty() ? "" : Hex(Sha256(fmt::format("{} {}\n{}", call.req.method, call.req.path, call.req.body)));
  const Clock& clock = node_.clock();
  // An answer to be remembered (the request has an Idempotency-Key) is built inside the command, so that it
  // is kept with the command's effects, and handed to the completion through this slot; any other is built by
  // the completion from the command's result, off the writer's thread.
  auto slot = std::make_shared<std::optional<Response>>();
  auto build = std::make_shared<std::function<Response(const json::value&)>>(std::move(answer));
  store::CommandFn wrapped = [command = std::move(command), build, key, actor, fingerprint, &clock, slot,
                              keep, path = call.req.path](store::CommandContext& ctx) -> Result<json::value> {
    if (key.empty()) return command(ctx);
    HF_ASSIGN_OR_RETURN(auto seen, store::FindAnswer(ctx.db(), actor, key, clock.NowMs()));
    if (seen) {
      if (seen->fingerprint != fingerprint) {
        return MakeError(Code::kInvalid,
                         "this Idempotency-Key was already used for a different request; use a new key",
                         "idempotency-key-reused", "Idempotency-Key");
      }
      Response replay{seen->status, seen->content_type, seen->body, {}};
      if (!seen->location.empty()) replay.headers.emplace_back("Location", seen->location);
      replay.headers.emplace_back("Idempotent-Replayed", "true");
      *slot = std::move(replay);
      return json::value(nullptr);
    }
    HF_ASSIGN_OR_RETURN(json::value result, command(ctx));
    const Response& made = slot->emplace((*build)(result));
    // A refusal is not remembered (one whose events commit, like a refused approval): the corrected request
    // may be sent again with the same key.
    if (made.status < 400) {
      std::string location;
      for (const auto& [k, v] : made.headers) {
        if (k == "Location") location = v;
      }
      store::RememberedAnswer kept{fingerprint, made.status, made.content_type, made.body, location};
      if (keep == Answer::kShownOnce) {
        Response done = Response::Problem(
            MakeError(Code::kConflict,
                      "this request was done already; its answer held a secret that is shown only once and "
                      "was not kept, so make a new one (reset the password, or make a new invitation)",
                      "answer-shown-once"),
            path);
        kept = {fingerprint, done.status, done.content_type, done.body, location};
      }
      HF_RETURN_IF_ERROR(store::RememberAnswer(ctx.db(), actor, key, kept, clock.NowMs()));
    }
    return json::value(nullptr);
  };
  // The call outlives this function: the writer answers later.
  Responder respond = call.respond;
  std::string path = call.req.path;
  node_.writer().Submit(std::move(wrapped), [respond, path, slot, build](Result<json::value> r) {
    if (!r.ok()) return respond(Response::Problem(r.error(), path));
    respond(*slot ? std::move(**slot) : (*build)(*r));
  });
}

std::string App::Metrics() const {
  std::string out;
  out += "# HELP holdfast_http_requests_total HTTP requests answered, by route and status class.\n";
  out += "# TYPE holdfast_http_requests_total counter\n";
  for (const auto& r : router_.routes()) {
    for (int c = 1; c <= 5; ++c) {
      int64_t n = r->metrics->by_class[c].load();
      if (n) {
        out += fmt::format("holdfast_http_requests_total{{method=\"{}\",route=\"{}\",code=\"{}xx\"}} {}\n",
                           r->method, r->pattern, c, n);
      }
    }
  }
  out += fmt::format("holdfast_http_requests_total{{method=\"\",route=\"unmatched\",code=\"4xx\"}} {}\n",
                     unmatched_.load());
  out += "# HELP holdfast_http_request_duration_seconds Time from request to answer.\n";
  out += "# TYPE holdfast_http_request_duration_seconds histogram\n";
  for (const auto& r : router_.routes()) {
    int64_t cumulative = 0;
    std::string labels = fmt::format("method=\"{}\",route=\"{}\"", r->method, r->pattern);
    for (size_t b = 0; b < std::size(RouteMetrics::kBuckets); ++b) {
      cumulative += r->metrics->buckets[b].load();
      out += fmt::format("holdfast_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", labels,
                         RouteMetrics::kBuckets[b], cumulative);
    }
    cumulative += r->metrics->buckets[std::size(RouteMetrics::kBuckets)].load();
    out += fmt::format("holdfast_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels,
                       cumulative);
    out += fmt::format("holdfast_http_request_duration_seconds_sum{{{}}} {}\n", labels,
                       static_cast<double>(r->metrics->micros_total.load()) / 1e6);
    out += fmt::format("holdfast_http_request_duration_seconds_count{{{}}} {}\n", labels, cumulative);
  }
  out += fmt::format("# TYPE holdfast_http_in_flight gauge\nholdfast_http_in_flight {}\n", in_flight_.load());
  const store::WriterStats& w = node_.writer().stats();
  auto counter = [&](std::string_view name, std::string_view help, int64_t v) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, v);
  };
  counter("holdfast_writer_batches_total", "Transactions committed by the writer.", w.batches.load());
  counter("holdfast_writer_commands_total", "Commands run by the writer.", w.commands.load());
  counter("holdfast_writer_failed_commands_total", "Commands refused or failed.", w.failed_commands.load());
  counter("holdfast_writer_events_total", "Events appended to this node's feed.", w.events.load());
  counter("holdfast_writer_failed_commits_total", "Batches whose commit failed.", w.failed_commits.load());
  out += fmt::format(
      "# HELP holdfast_writer_commit_seconds_total Time spent running and committing batches.\n"
      "# TYPE holdfast_writer_commit_seconds_total counter\nholdfast_writer_commit_seconds_total {}\n",
      static_cast<double>(w.commit_micros_total.load()) / 1e6);
  counter("holdfast_writer_syncs_total",
          "WAL syncs before answering; each covers every batch committed before it began.", w.syncs.load());
  out += fmt::format(
      "# HELP holdfast_writer_sync_seconds_total Time the disk took to confirm those syncs.\n"
      "# TYPE holdfast_writer_sync_seconds_total counter\nholdfast_writer_sync_seconds_total {}\n",
      static_cast<double>(w.sync_micros_total.load()) / 1e6);
  counter("holdfast_writer_checkpoints_total",
          "Checkpoints the writer ran between batches to let the WAL start over.", w.checkpoints.load());
  out += fmt::format(
      "# HELP holdfast_writer_checkpoint_seconds_total Time the writer spent in those checkpoints.\n"
      "# TYPE holdfast_writer_checkpoint_seconds_total counter\nholdfast_writer_checkpoint_seconds_total "
      "{}\n",
      static_cast<double>(w.checkpoint_micros_total.load()) / 1e6);
  out += fmt::format("# TYPE holdfast_writer_queue_depth gauge\nholdfast_writer_queue_depth {}\n",
                     w.queue_depth.load());
  store::FeedHead head = node_.writer().head();
  out += fmt::format(
      "# HELP holdfast_feed_seq The seq of this node's feed head.\n# TYPE holdfast_feed_seq gauge\n"
      "holdfast_feed_seq{{feed=\"{}\"}} {}\n",
      node_.id(), head.seq);
  // Each peer this node syncs with, as its last round left it (labels: the peer's address and node id).
  const std::vector<PeerStatus> peers = peers_.Snapshot();
  auto peer_gauge = [&](std::string_view name, std::string_view help, auto value) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} gauge\n", name, help);
    for (const PeerStatus& p : peers) {
      out += fmt::format("{}{{peer=\"{}\",node=\"{}\"}} {}\n", name, LabelValue(p.url), LabelValue(p.node),
                         value(p));
    }
  };
  if (!peers.empty()) {
    peer_gauge("holdfast_sync_peer_up", "1 when the last sync round with the peer completed, else 0.",
               [](const PeerStatus& p) { return p.up ? 1 : 0; });
    peer_gauge("holdfast_sync_peer_last_contact_timestamp_seconds",
               "When a sync round with the peer last completed (Unix time; 0: never).",
               [](const PeerStatus& p) {
                 return fmt::format("{:.3f}", static_cast<double>(p.last_contact_ms) / 1e3);
               });
    peer_gauge("holdfast_sync_peer_behind_events",
               "Events the peer held that this node still lacked after the last completed round.",
               [](const PeerStatus& p) { return p.behind; });
    peer_gauge("holdfast_sync_peer_ahead_events",
               "Events this node held that the peer still lacked after the last completed round.",
               [](const PeerStatus& p) { return p.ahead; });
  }
  // Each vault this node pushes to, as its last push left it.
  const std::vector<vault::VaultStatus> vaults = backups();
  if (!vaults.empty()) {
    out +=
        "# HELP holdfast_backup_up 1 when the last push to the vault succeeded, else 0.\n"
        "# TYPE holdfast_backup_up gauge\n";
    for (const auto& v : vaults)
      out += fmt::format("holdfast_backup_up{{vault=\"{}\"}} {}\n", LabelValue(v.target), v.ok ? 1 : 0);
    out +=
        "# HELP holdfast_backup_last_success_timestamp_seconds When a push to the vault last succeeded (Unix "
        "time; 0: never).\n# TYPE holdfast_backup_last_success_timestamp_seconds gauge\n";
    for (const auto& v : vaults) {
      out += fmt::format("holdfast_backup_last_success_timestamp_seconds{{vault=\"{}\"}} {:.3f}\n",
                         LabelValue(v.target), static_cast<double>(v.last_success_ms) / 1e3);
    }
    out +=
        "# HELP holdfast_backup_events Events of this node's log the vault holds.\n"
        "# TYPE holdfast_backup_events gauge\n";
    for (const auto& v : vaults)
      out += fmt::format("holdfast_backup_events{{vault=\"{}\"}} {}\n", LabelValue(v.target), v.size);
  }
  // Alerts: feeds quarantined after a fork, peers whose log was rewritten.
  if (auto db = node_.Read(); db.ok()) {
    auto forks = (*db)->QueryInt("SELECT COUNT(*) FROM sync_quarantine");
    auto rewritten = (*db)->QueryInt("SELECT COUNT(*) FROM peer_checkpoints WHERE problem <> ''");
    if (forks.ok() && rewritten.ok()) {
      out += fmt::format(
          "# HELP holdfast_sync_quarantined_feeds Feeds refused after a fork (two events at one place).\n"
          "# TYPE holdfast_sync_quarantined_feeds gauge\nholdfast_sync_quarantined_feeds {}\n"
          "# HELP holdfast_sync_peer_log_problems Peers refused after their log shrank or was rewritten.\n"
          "# TYPE holdfast_sync_peer_log_problems gauge\nholdfast_sync_peer_log_problems {}\n",
          *forks, *rewritten);
    }
  }
  return out;
}

Date CityToday(const Call& call) { return domain::CityToday(call.app->node()); }

}  // namespace holdfast::http
