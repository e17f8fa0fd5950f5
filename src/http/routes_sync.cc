// Node-to-node sync (signed by the calling node), enrollment of new nodes, and the sync status staff see.
#include <fmt/format.h>

#include "base/crypto.h"
#include "base/files.h"
#include "domain/city.h"
#include "http/app.h"
#include "sync/bundle.h"
#include "sync/enroll.h"

namespace holdfast::http {
namespace {

using auth::Role;
using auth::RoleSet;

constexpr std::string_view kBundleSchema =
    R"({"type":"object","properties":{"events":{"type":"array","items":{"type":"string"},"description":"each event's stored bytes"},
        "seals":{"type":"array","items":{"type":"object","properties":{"feed":{"type":"string"},"seq":{"type":"integer"},
        "hash":{"type":"string"},"signature":{"type":"string"}}}},"more":{"type":"boolean"}}})";

void Heads(Call& call) {
  App& app = *call.app;
  app.Read(call, [&](store::Db& db) {
    auto heads = sync::SealedHeads(db);
    if (!heads.ok()) return call.Fail(heads.error());
    auto quarantined = sync::QuarantinedFeeds(db);
    if (!quarantined.ok()) return call.Fail(quarantined.error());
    json::object h;
    for (const auto& [feed, head] : *heads) h[feed] = json::object{{"seq", head.seq}, {"hash", head.hash}};
    json::array q;
    for (const auto& f : *quarantined) q.emplace_back(f);
    call.ReplyJson(200, json::object{{"node", app.node().id()},
                                     {"city", app.node().city()},
                                     {"heads", std::move(h)},
                                     {"quarantined", std::move(q)}});
  });
}

void Pull(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  const json::object* have_json = r.Object("have");
  const json::array* skip_json = r.Array("skip");
  Status read = r.Finish();
  if (!read.ok()) return call.Fail(read.error());
  std::map<std::string, int64_t> have;
  if (have_json) {
    for (const auto& kv : *have_json) {
      if (!kv.value().is_int64() || kv.value().as_int64() < 0) {
        return call.Fail(Invalid(fmt::format("have.{} must be a seq number", std::string(kv.key())), "have"));
      }
      have[std::string(kv.key())] = kv.value().as_int64();
    }
  }
  std::set<std::string> skip;
  if (skip_json) {
    for (const auto& v : *skip_json) {
      if (!v.is_string()) return call.Fail(Invalid("skip lists feed ids", "skip"));
      skip.insert(std::string(v.get_string()));
    }
  }
  call.app->Read(call, [&](store::Db& db) {
    auto bundle = sync::CollectMissing(db, have, skip);
    if (!bundle.ok()) return call.Fail(bundle.error());
    // A peer must never hold an event of this node's feed that a power cut here could still take back.
    if (Status durable = call.app->node().writer().WaitDurable(); !durable.ok())
      return call.Fail(durable.error());
    call.Reply(Response::Text(200, sync::EncodeBundle(*bundle), "application/json"));
  });
}

void Push(Call& call) {
  App& app = *call.app;
  auto self = call.shared_from_this();
  // Decoding and checking signatures take a while for a large bundle: off the network threads.
  app.Offload([self, &app] {
    Call& call = *self;
    auto bundle = std::make_shared<sync::Bundle>();
    {
      auto decoded = sync::DecodeBundle(call.req.body);
      if (!decoded.ok()) return call.Fail(decoded.error());
      *bundle = std::move(*decoded);
    }
    auto trust_key = store::ReadCityPublicKey(app.node().paths());
    if (!trust_key.ok()) return call.Fail(trust_key.error());
    const sync::CityTrust trust{app.node().city(), std::move(*trust_key)};
    sync::Fork fork;
    Status verified = [&]() -> Status {
      HF_ASSIGN_OR_RETURN(auto db, app.node().Read());
      return sync::VerifyBundle(*db, trust, *bundle, &fork);
    }();
    if (!verified.ok()) {
      Error e = verified.error();
      if (e.type != "fork") {
        e.detail = fmt::format("refused the bundle from {}: {}", call.who.peer, e.detail);
        return call.Fail(e);
      }
      const int64_t now = app.node().clock().NowMs();
      e.code = Code::kConflict;
      return app.node().writer().Submit(
          [fork, now](store::CommandContext& ctx) -> Result<json::value> {
            HF_RETURN_IF_ERROR(sync::Quarantine(ctx, fork, now));
            return json::value(nullptr);
          },
          [self, e](Result<json::value>) { self->Fail(e); });
    }
    app.node().writer().Submit(
        [bundle](store::CommandContext& ctx) -> Result<json::value> {
          HF_ASSIGN_OR_RETURN(sync::StoreReport s, sync::StoreBundle(ctx, *bundle));
          return json::value(json::object{{"stored", s.stored}, {"already", s.already}});
        },
        [self](Result<json::value> r) {
          if (!r.ok()) return self->Fail(r.error());
          self->ReplyJson(200, *r);
        });
  });
}

void Join(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  std::string token = r.RequiredString("token", 100);
  std::string key = r.RequiredString("public_key", 64);
  Status read = r.Finish();
  if (!read.ok()) return call.Fail(read.error());
  App& app = *call.app;
  store::Node& node = app.node();
  auto invitation = sync::FindInvitation(node.paths(), token, node.clock().NowMs());
  if (!invitation.ok()) return call.Fail(invitation.error());
  auto inv = std::make_shared<sync::Invitation>(std::move(*invitation));
  auto city_pub = store::ReadCityPublicKey(node.paths());
  if (!city_pub.ok()) return call.Fail(city_pub.error());
  std::string city_pub_hex = Hex(*city_pub);
  // Straight to the writer (a join is not retried with an Idempotency-Key): the invitation is used up only
  // once the enrollment has committed.
  auto self = call.shared_from_this();
  node.writer().Submit(
      [inv, key, &node](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(json::object d, sync::EnrollNode(ctx, node.paths(), node.city(), inv->node,
                                                             inv->role, key, "system"));
        return json::value(std::move(d));
      },
      [self, inv, city_pub_hex, &node](Result<json::value> r) {
        if (!r.ok()) return self->Fail(r.error());
        std::remove(inv->path.c_str());  // used up (the node id can be enrolled only once anyway)
        self->ReplyJson(200, json::object{{"city", node.city()},
                                          {"city_public_key", city_pub_hex},
                                          {"node", inv->node},
                                          {"role", inv->role},
                                          {"enrolled_by", node.id()}});
      });
}

void Invite(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  std::string node_id = r.RequiredString("node", 64);
  std::string role = r.String("role", 20).value_or("office");
  int64_t hours = r.Int("valid_hours").value_or(72);
  Status read = r.Finish();
  if (!read.ok()) return call.Fail(read.error());
  store::Node& node = call.app->node();
  if (hours < 1 || hours > 720) return call.Fail(Invalid("valid_hours must be 1 to 720", "valid_hours"));
  auto token = sync::CreateInvitation(node.paths(), node_id, role, hours * 3600000, node.clock().NowMs());
  if (!token.ok()) return call.Fail(token.error());
  call.ReplyJson(201, json::object{{"node", node_id},
                                   {"role", role},
                                   {"token", *token},
                                   {"expires_at", node.clock().NowMs() + hours * 3600000}});
}

void Nodes(Call& call) {
  call.app->Read(call, [&](store::Db& db) {
    auto s = db.Prepare(
        "SELECT id, role, public_key, enrolled_at, revoked_up_to, revoked_at, revoked_reason FROM nodes "
        "ORDER BY enrolled_at, id");
    if (!s.ok()) return call.Fail(s.error());
    json::array out;
    for (;;) {
      auto row = (*s)->Step();
      if (!row.ok()) return call.Fail(row.error());
      if (!*row) break;
      out.push_back(json::object{{"id", (*s)->Text(0)},
                                 {"role", (*s)->Text(1)},
                                 {"public_key", (*s)->Text(2)},
                                 {"enrolled_at", (*s)->Int(3)},
                                 {"revoked", (*s)->ColumnType(4) == SQLITE_NULL
                                                 ? json::value(nullptr)
                                                 : json::value(json::object{{"up_to_seq", (*s)->Int(4)},
                                                                            {"at", (*s)->Int(5)},
                                                                            {"reason", (*s)->Text(6)}})}});
    }
    call.ReplyJson(200, json::object{{"items", std::move(out)}});
  });
}

void Revoke(Call& call) {
  auto body = call.Body();
  if (!body.ok()) return call.Fail(body.error());
  ObjectReader r(*body);
  std::string reason = r.RequiredString("reason", 500);
  Status read = r.Finish();
  if (!read.ok()) return call.Fail(read.error());
  std::string node = call.params.at("id");
  std::string actor = call.who.id();
  call.app->Write(
      call,
      [node, reason, actor](store::CommandContext& ctx) -> Result<json::value> {
        HF_ASSIGN_OR_RETURN(json::object d, domain::RevokeNode(ctx, node, reason, actor));
        return json::value(std::move(d));
      },
      [](const json::value& v) { return Response::Json(200, v); });
}

void BackupStatus(Call& call) {
  json::array vaults;
  for (const auto& v : call.app->backups()) vaults.push_back(v.ToJson());
  call.ReplyJson(200, json::object{{"node", call.app->node().id()}, {"vaults", std::move(vaults)}});
}

void Status_(Call& call) {
  App& app = *call.app;
  app.Read(call, [&](store::Db& db) {
    auto heads = sync::SealedHeads(db);
    if (!heads.ok()) return call.Fail(heads.error());
    auto q = db.Prepare("SELECT feed, seq, ours, theirs, found_at FROM sync_quarantine ORDER BY feed");
    if (!q.ok()) return call.Fail(q.error());
    json::array quarantined;
    for (;;) {
      auto row = (*q)->Step();
      if (!row.ok()) return call.Fail(row.error());
      if (!*row) break;
      quarantined.push_back(json::object{{"feed", (*q)->Text(0)},
                                         {"seq", (*q)->Int(1)},
                                         {"ours", (*q)->Text(2)},
                                         {"theirs", (*q)->Text(3)},
                                         {"found_at", (*q)->Int(4)}});
    }
    json::object feeds;
    for (const auto& [feed, head] : *heads) feeds[feed] = head.seq;
    json::array peers;
    for (const auto& p : app.peers().Snapshot()) {
      // Events this node holds that the peer had not when they last spoke: what waits to reach it.
      int64_t waiting = 0;
      for (const auto& [feed, head] : *heads) {
        auto known = p.heads.find(feed);
        int64_t theirs = known == p.heads.end() ? 0 : known->second;
        if (head.seq > theirs) waiting += head.seq - theirs;
      }
      json::object o = p.ToJson();
      o["waiting"] = waiting;
      peers.push_back(std::move(o));
    }
    call.ReplyJson(200, json::object{{"node", app.node().id()},
                                     {"feeds", std::move(feeds)},
                                     {"peers", std::move(peers)},
                                     {"quarantined", std::move(quarantined)}});
  });
}

}  // namespace

void RegisterSyncRoutes(App& app) {
  Router& r = app.router();
  const RoleSet admins = {Role::kAdmin};
  const RoleSet overseers = {Role::kAdmin, Role::kSupervisor, Role::kAuditor};
  r.Add({.method = "GET",
         .pattern = "/api/v1/sync/heads",
         .peer = true,
         .summary =
             "For other nodes: the sealed head of each feed this node holds, and the feeds it quarantined",
         .tag = "sync",
         .response_schema = json::parse(R"({"type":"object","properties":{"node":{"type":"string"},
             "city":{"type":"string"},"heads":{"type":"object"},"quarantined":{"type":"array","items":{"type":"string"}}}})"),
         .handler = Heads});
  r.Add(
      {.method = "POST",
       .pattern = "/api/v1/sync/pull",
       .peer = true,
       .summary = "For other nodes: the sealed events this node holds beyond the caller's heads, as a bundle",
       .tag = "sync",
       .request_schema = json::parse(R"({"type":"object","additionalProperties":false,"properties":{
             "have":{"type":"object","additionalProperties":{"type":"integer"}},"skip":{"type":"array","items":{"type":"string"}}}})"),
       .response_schema = json::parse(kBundleSchema),
       .handler = Pull});
  r.Add({.method = "POST",
         .pattern = "/api/v1/sync/push",
         .peer = true,
         .summary = "For other nodes: a bundle of events and seals for this node to verify and store",
         .tag = "sync",
         .request_schema = json::parse(kBundleSchema),
         .response_schema = json::parse(
             R"({"type":"object","properties":{"stored":{"type":"integer"},"already":{"type":"integer"}}})"),
         .handler = Push});
  r.Add({.method = "POST",
         .pattern = "/api/v1/nodes/join",
         .anyone = true,
         .summary = "A new node presents its invitation token and public key; the city key certifies it",
         .tag = "sync",
         .request_schema =
             json::parse(R"({"type":"object","additionalProperties":false,"required":["token","public_key"],
             "properties":{"token":{"type":"string"},"public_key":{"type":"string"}}})"),
         .response_schema = json::parse(R"({"type":"object","properties":{"city":{"type":"string"},
             "city_public_key":{"type":"string"},"node":{"type":"string"},"role":{"type":"string"},"enrolled_by":{"type":"string"}}})"),
         .handler = Join});
  r.Add({.method = "POST",
         .pattern = "/api/v1/nodes/invitations",
         .roles = admins,
         .summary = "Invite a new node: a one-time token for holdfast join (needs the city key on this node)",
         .tag = "sync",
         .request_schema = json::parse(R"({"type":"object","additionalProperties":false,"required":["node"],
             "properties":{"node":{"type":"string"},"role":{"enum":["office","vault"]},"valid_hours":{"type":"integer"}}})"),
         .response_schema = json::parse(R"({"type":"object","properties":{"node":{"type":"string"},
             "role":{"type":"string"},"token":{"type":"string"},"expires_at":{"type":"integer"}}})"),
         .success_status = 201,
         .handler = Invite});
  r.Add({.method = "GET",
         .pattern = "/api/v1/nodes",
         .roles = overseers,
         .summary = "The nodes enrolled in the city",
         .tag = "sync",
         .response_schema = json::parse(R"({"type":"object","properties":{"items":{"type":"array"}}})"),
         .handler = Nodes});
  r.Add({.method = "POST",
         .pattern = "/api/v1/nodes/{id}/revoke",
         .roles = admins,
         .summary = "Revoke a node (lost, stolen or compromised): no node takes its requests or later events",
         .tag = "sync",
         .request_schema = json::parse(R"({"type":"object","additionalProperties":false,"required":["reason"],
             "properties":{"reason":{"type":"string"}}})"),
         .response_schema = json::parse(R"({"type":"object","properties":{"node":{"type":"string"},
             "up_to_seq":{"type":"integer"},"reason":{"type":"string"}}})"),
         .handler = Revoke});
  r.Add({.method = "GET",
         .pattern = "/api/v1/backup/status",
         .roles = RoleSet::Staff(),
         .summary =
             "The vaults this node backs up to: the last push to each, how far each holds the log, errors",
         .tag = "sync",
         .response_schema = json::parse(R"({"type":"object","properties":{"node":{"type":"string"},
             "vaults":{"type":"array","items":{"type":"object","properties":{"target":{"type":"string"},
             "ok":{"type":"boolean"},"last_attempt_ms":{"type":"integer"},"last_success_ms":{"type":"integer"},
             "generation":{"type":"integer"},"events":{"type":"integer"},"pushes":{"type":"integer"},
             "failures":{"type":"integer"},"last_error":{"type":"string"}}}}}})"),
         .handler = BackupStatus});
  r.Add(
      {.method = "GET",
       .pattern = "/api/v1/sync/status",
       .roles = RoleSet::Staff(),
       .summary = "This node's feeds, each peer's last contact and how far apart they are, quarantined feeds",
       .tag = "sync",
       .response_schema = json::parse(R"({"type":"object","properties":{"node":{"type":"string"},
             "feeds":{"type":"object"},"peers":{"type":"array"},"quarantined":{"type":"array"}}})"),
       .handler = Status_});
}

}  // namespace holdfast::http
