#include "sync/peer_auth.h"

#include <fmt/format.h>

#include <charconv>

#include "base/crypto.h"
#include "journal/event.h"

namespace holdfast::sync {
namespace {

Error Denied(std::string detail) {
  return MakeError(Code::kUnauthorized, std::move(detail), "peer-auth-failed");
}

}  // namespace

std::string RequestMessage(std::string_view city, std::string_view node, std::string_view method,
                           std::string_view target, int64_t date_ms, std::string_view body) {
  return fmt::format("holdfast-sync-request v1\n{}\n{}\n{}\n{}\n{}\n{}\n", city, node, method, target,
                     date_ms, Hex(Sha256(body)));
}

std::vector<std::pair<std::string, std::string>> SignRequest(std::span<const uint8_t> secret_key,
                                                             std::string_view city, std::string_view node,
                                                             std::string_view method, std::string_view target,
                                                             int64_t date_ms, std::string_view body) {
  std::string message = RequestMessage(city, node, method, target, date_ms, body);
  return {{"Holdfast-Node", std::string(node)},
          {"Holdfast-Date", std::to_string(date_ms)},
          {"Holdfast-Signature", Hex(Sign(secret_key, AsBytes(message)))}};
}

Result<std::string> CheckRequest(store::Db& db, std::string_view city, std::string_view node_header,
                                 std::string_view date_header, std::string_view signature_header,
                                 std::string_view method, std::string_view target, std::string_view body,
                                 int64_t now_ms) {
  if (node_header.empty() || date_header.empty() || signature_header.empty()) {
    return Denied("sync requests carry Holdfast-Node, Holdfast-Date and Holdfast-Signature headers");
  }
  if (!journal::IsValidNodeId(node_header)) return Denied("Holdfast-Node is not a node id");
  int64_t date = 0;
  auto [p, ec] = std::from_chars(date_header.data(), date_header.data() + date_header.size(), date);
  if (ec != std::errc() || p != date_header.data() + date_header.size()) {
    return Denied("Holdfast-Date must be Unix milliseconds");
  }
  if (date < now_ms - kMaxSkewMs || date > now_ms + kMaxSkewMs) {
    return Denied(
        fmt::format("Holdfast-Date is {} s away from this node's clock (at most {} s allowed): check "
                    "both clocks",
                    (date - now_ms) / 1000, kMaxSkewMs / 1000));
  }
  auto signature = FromHex(signature_header);
  if (!signature || signature->size() != 64) return Denied("Holdfast-Signature must be 128 hex digits");
  HF_ASSIGN_OR_RETURN(store::StmtRef s, db.Prepare("SELECT public_key, revoked_up_to FROM nodes WHERE id=?"));
  s->Bind(1, node_header);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return Denied(fmt::format("node {} is not enrolled in this city", node_header));
  if (s->ColumnType(1) != SQLITE_NULL) return Denied(fmt::format("node {} has been revoked", node_header));
  auto key = FromHex(s->TextView(0));
  if (!key || key->size() != 32)
    return Corrupt(fmt::format("node {}'s stored key is malformed", node_header));
  std::string message = RequestMessage(city, node_header, method, target, date, body);
  if (!VerifySignature(*key, AsBytes(message), *signature)) {
    return Denied(fmt::format("the request's signature does not verify under node {}'s key", node_header));
  }
  return std::string(node_header);
}

}  // namespace holdfast::sync
