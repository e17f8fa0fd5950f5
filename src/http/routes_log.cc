// The node log for anyone to check: the signed checkpoint, inclusion and consistency proofs, and the proof
// that a receipt is in the record. Only hashes are given out, never the records themselves.
#include <fmt/format.h>

#include <charconv>

#include "http/app.h"
#include "journal/checkpoint.h"
#include "store/node_log.h"

namespace holdfast::http {
namespace {

json::array B64List(const std::vector<Hash>& hashes) {
  json::array out;
  for (const auto& h : hashes) out.emplace_back(Base64(h));
  return out;
}

Result<uint64_t> QueryNumber(const Call& call, std::string_view name, uint64_t fallback) {
  std::string_view v = call.req.Query(name);
  if (v.empty()) return fallback;
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size()) {
    return Invalid(fmt::format("{} must be a whole number", name), std::string(name));
  }
  return n;
}

// The latest checkpoint of this node's log, signed now.
Result<std::string> Checkpoint(App& app, store::Db& db, uint64_t* size_out = nullptr) {
  HF_ASSIGN_OR_RETURN(uint64_t size, store::LogSize(db));
  HF_ASSIGN_OR_RETURN(Hash root, store::LogRoot(db, size));
  // Signed, it binds the node to this log: every event in it must be on disk first (store/writer.h).
  HF_RETURN_IF_ERROR(app.node().writer().WaitDurable());
  if (size_out) *size_out = size;
  store::Node& node = app.node();
  return journal::SignCheckpoint({journal::LogOrigin(node.city(), node.id()), size, root}, node.secret_key(),
                                 node.public_key());
}

// The inclusion proof of the event stored at `leaf` against the latest checkpoint.
Result<json::object> Included(App& app, store::Db& db, int64_t leaf) {
  uint64_t size = 0;
  HF_ASSIGN_OR_RETURN(std::string note, Checkpoint(app, db, &size));
  HF_ASSIGN_OR_RETURN(store::StmtRef s, db.Prepare("SELECT feed, seq, hash FROM events WHERE stored=?"));
  s->Bind(1, leaf);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return NotFound(fmt::format("no event at {} in the log", leaf));
  Hash event_hash{};
  auto blob = s->Blob(2);
  std::copy(blob.begin(), blob.begin() + std::min<size_t>(blob.size(), 32), event_hash.begin());
  HF_ASSIGN_OR_RETURN(std::vector<Hash> proof,
                      journal::InclusionProof(store::LogSubtrees(db), static_cast<uint64_t>(leaf), size));
  return json::object{{"event", fmt::format("{}/{}", s->Text(0), s->Int(1))},
                      {"event_hash", Hex(event_hash)},
                      {"leaf_index", leaf},
                      {"leaf_hash", Base64(journal::MerkleLeafHash(event_hash))},
                      {"tree_size", size},
                      {"proof", B64List(proof)},
                      {"checkpoint", note}};
}

void GetCheckpoint(Call& call) {
  App& app = *call.app;
  app.Read(call, [&](store::Db& db) {
    auto note = Checkpoint(app, db);
    if (!note.ok()) return call.Fail(note.error());
    call.Reply(Response::Text(200, *note, "text/plain; charset=utf-8"));
  });
}

void GetInclusion(Call& call) {
  App& app = *call.app;
  std::string feed(call.req.Query("feed"));
  auto seq = QueryNumber(call, "seq", 0);
  if (!seq.ok()) return call.Fail(seq.error());
  if (feed.empty() || *seq == 0) return call.Fail(Invalid("give the event as ?feed=NODE&seq=N", "feed"));
  app.Read(call, [&](store::Db& db) {
    auto s = db.Prepare("SELECT stored FROM events WHERE feed=? AND seq=?");
    if (!s.ok()) return call.Fail(s.error());
    (*s)->BindAll(feed, static_cast<int64_t>(*seq));
    auto row = (*s)->Step();
    if (!row.ok()) return call.Fail(row.error());
    if (!*row) return call.Fail(NotFound(fmt::format("this node holds no event {}/{}", feed, *seq)));
    auto proof = Included(app, db, (*s)->Int(0));
    if (!proof.ok()) return call.Fail(proof.error());
    call.ReplyJson(200, *proof);
  });
}

void GetConsistency(Call& call) {
  auto first = QueryNumber(call, "first", 0);
  if (!first.ok()) return call.Fail(first.error());
  auto second = QueryNumber(call, "second", 0);
  if (!second.ok()) return call.Fail(second.error());
  call.app->Read(call, [&](store::Db& db) {
    auto size = store::LogSize(db);
    if (!size.ok()) return call.Fail(size.error());
    uint64_t to = *second == 0 ? *size : *second;
    if (*first == 0 || *first > to || to > *size) {
      return call.Fail(
          Invalid(fmt::format("need 0 < first <= second <= {} (the log's size)", *size), "first"));
    }
    auto proof = journal::ConsistencyProof(store::LogSubtrees(db), *first, to);
    if (!proof.ok()) return call.Fail(proof.error());
    auto r1 = store::LogRoot(db, *first);
    auto r2 = store::LogRoot(db, to);
    if (!r1.ok() || !r2.ok()) return call.Fail(r1.ok() ? r2.error() : r1.error());
    call.ReplyJson(200, json::object{{"first", *first},
                                     {"second", to},
                                     {"first_root", Base64(*r1)},
                                     {"second_root", Base64(*r2)},
                                     {"proof", B64List(*proof)}});
  });
}

void VerifyReceipt(Call& call) {
  App& app = *call.app;
  const std::string& number = call.params.at("number");
  app.Read(call, [&](store::Db& db) {
    // The receipt's payment.taken event, through the receipt's aggregate index.
    auto s = db.Prepare(
        "SELECT e.stored, e.type FROM event_aggregates a JOIN events e ON e.feed = a.feed AND e.seq = a.seq "
        "WHERE a.aggregate = ? ORDER BY a.time, a.tick, a.feed, a.seq LIMIT 1");
    if (!s.ok()) return call.Fail(s.error());
    (*s)->Bind(1, "receipt:" + number);
    auto row = (*s)->Step();
    if (!row.ok()) return call.Fail(row.error());
    if (!*row || (*s)->Text(1) != "payment.taken") {
      return call.Fail(NotFound(fmt::format("this node holds no receipt {}", number)));
    }
    auto proof = Included(app, db, (*s)->Int(0));
    if (!proof.ok()) return call.Fail(proof.error());
    (*proof)["receipt"] = number;
    call.ReplyJson(200, *proof);
  });
}

constexpr std::string_view kInclusionSchema =
    R"({"type":"object","properties":{"event":{"type":"string"},"event_hash":{"type":"string"},
        "leaf_index":{"type":"integer"},"leaf_hash":{"type":"string"},"tree_size":{"type":"integer"},
        "proof":{"type":"array","items":{"type":"string"}},"checkpoint":{"type":"string"},"receipt":{"type":"string"}}})";

}  // namespace

void RegisterLogRoutes(App& app) {
  Router& r = app.router();
  r.Add({.method = "GET",
         .pattern = "/api/v1/log/checkpoint",
         .anyone = true,
         .summary =
             "The node log's latest checkpoint: a C2SP signed note (origin, size, root) signed by the node",
         .tag = "log",
         .response_schema = json::parse(R"({"type":"string"})"),
         .content_type = "text/plain",
         .handler = GetCheckpoint});
  r.Add({.method = "GET",
         .pattern = "/api/v1/log/inclusion",
         .anyone = true,
         .summary = "Proof that an event is in the node log, against the latest checkpoint",
         .tag = "log",
         .response_schema = json::parse(kInclusionSchema),
         .query_params = {{"feed", "the event's feed (node id)"}, {"seq", "the event's seq"}},
         .handler = GetInclusion});
  r.Add({.method = "GET",
         .pattern = "/api/v1/log/consistency",
         .anyone = true,
         .summary = "Proof that the log at one size extends the log at a smaller one without rewriting it",
         .tag = "log",
         .response_schema = json::parse(R"({"type":"object","properties":{"first":{"type":"integer"},
             "second":{"type":"integer"},"first_root":{"type":"string"},"second_root":{"type":"string"},
             "proof":{"type":"array","items":{"type":"string"}}}})"),
         .query_params = {{"first", "the smaller size"},
                          {"second", "the larger size (default: the log's size)"}},
         .handler = GetConsistency});
  r.Add({.method = "GET",
         .pattern = "/api/v1/verify/receipt/{number}",
         .anyone = true,
         .summary = "Anyone: proof that a receipt is in the record, against the latest signed checkpoint",
         .tag = "log",
         .response_schema = json::parse(kInclusionSchema),
         .handler = VerifyReceipt});
}

}  // namespace holdfast::http
