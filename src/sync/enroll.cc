#include "sync/enroll.h"

#include <fmt/format.h>

#include "base/crypto.h"
#include "base/files.h"
#include "base/json.h"
#include "journal/certificate.h"
#include "journal/event.h"

namespace holdfast::sync {
namespace {

std::string InvitationPath(const store::DataPaths& paths, std::string_view token) {
  return fmt::format("{}/invitations/{}.json", paths.dir, Hex(Sha256(token)));
}

Error NotValid() {
  return MakeError(Code::kUnauthorized,
                   "this invitation token is not valid here: it is mistyped, used, expired or for another "
                   "city; ask the administrator for a new one (holdfast node invite)",
                   "invitation-invalid");
}

}  // namespace

Result<std::string> CreateInvitation(const store::DataPaths& paths, const std::string& node,
                                     const std::string& role, int64_t valid_ms, int64_t now_ms) {
  if (!journal::IsValidNodeId(node)) {
    return Invalid(fmt::format("{:?} is not a node id: use 1 to 64 lower-case letters, digits and '-'", node),
                   "node");
  }
  if (role != "office" && role != "vault") return Invalid("role must be office or vault", "role");
  if (valid_ms < 60000 || valid_ms > int64_t{30} * 86400000) {
    return Invalid("an invitation is valid for 1 minute to 30 days", "valid");
  }
  if (!FileExists(paths.db())) return NotFound(fmt::format("{} holds no node", paths.dir));
  if (!FileExists(paths.city_key())) {
    return MakeError(
        Code::kConflict,
        fmt::format("this node does not hold the city key ({}): invite from the node that does, or "
                    "bring the key back from offline storage while you enroll",
                    paths.city_key()),
        "no-city-key");
  }
  std::string token = "hfi-" + Hex(RandomBytes(24));
  HF_RETURN_IF_ERROR(MakeDirectories(paths.dir + "/invitations"));
  json::object o{{"node", node}, {"role", role}, {"expires_at", now_ms + valid_ms}};
  HF_RETURN_IF_ERROR(WriteFileAtomic(InvitationPath(paths, token), json::serialize(o), 0600));
  return token;
}

Result<Invitation> FindInvitation(const store::DataPaths& paths, std::string_view token, int64_t now_ms) {
  if (token.size() != 52 || !token.starts_with("hfi-")) return NotValid();
  std::string path = InvitationPath(paths, token);
  if (!FileExists(path)) return NotValid();
  HF_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto v = ParseJson(text);
  if (!v.ok() || !v->is_object()) return Corrupt(fmt::format("invitation file {} is damaged", path));
  const json::object& o = v->get_object();
  Invitation inv{std::string(StringOr(o, "node")), std::string(StringOr(o, "role")), IntOr(o, "expires_at"),
                 path};
  if (inv.expires_at <= now_ms) return NotValid();
  return inv;
}

Result<json::object> EnrollNode(store::CommandContext& ctx, const store::DataPaths& paths,
                                const std::string& city, const std::string& node, const std::string& role,
                                const std::string& public_key_hex, const std::string& actor) {
  auto key = FromHex(public_key_hex);
  if (!key || key->size() != 32 || public_key_hex != Hex(*key)) {
    return Invalid("public_key must be 64 lower-case hex digits (an Ed25519 public key)", "public_key");
  }
  {
    HF_ASSIGN_OR_RETURN(store::StmtRef s, ctx.db().Prepare("SELECT 1 FROM nodes WHERE id=?"));
    s->Bind(1, node);
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (row) return Conflict(fmt::format("node {} is enrolled already", node), "node-exists");
  }
  if (!FileExists(paths.city_key())) {
    return MakeError(Code::kConflict,
                     fmt::format("this node does not hold the city key ({})", paths.city_key()),
                     "no-city-key");
  }
  HF_ASSIGN_OR_RETURN(std::string text, ReadFile(paths.city_key()));
  HF_ASSIGN_OR_RETURN(Bytes city_secret, store::DecodeSecretKey(store::kCityKeyLabel, text));
  Bytes cert = journal::CertifyNode(city_secret, city, node, *key);
  json::object d{{"node", node}, {"public_key", public_key_hex}, {"certificate", Hex(cert)}, {"role", role}};
  HF_RETURN_IF_ERROR(ctx.Emit(std::string(journal::kNodeEnrolledType), d, actor).status());
  return d;
}

}  // namespace holdfast::sync
