// Enrolling office nodes: an administrator on the node that holds the city key makes a one-time invitation
// for a node id; the new node presents its token and public key, and the city key certifies it in a
// node.enrolled event, so every node learns to trust its feed (DESIGN §7, §10).
//
// Invitations are files, so that they can be made while the node is serving:
//   DIR/invitations/<hex SHA-256 of the token>.json   {"node": id, "role": "office", "expires_at": unix ms}
// mode 0600. The token itself is shown once and never stored. An invitation is used up when its node is
// enrolled (a node id is enrolled at most once) and its file is then deleted.
#ifndef HOLDFAST_SYNC_ENROLL_H_
#define HOLDFAST_SYNC_ENROLL_H_

#include <string>

#include "base/status.h"
#include "store/node.h"
#include "store/writer.h"

namespace holdfast::sync {

struct Invitation {
  std::string node;
  std::string role;  // "office" or "vault"
  int64_t expires_at = 0;
  std::string path;  // its file
};

// Writes an invitation for `node` valid for `valid_ms`; answers the token to hand to the new node's operator.
Result<std::string> CreateInvitation(const store::DataPaths& paths, const std::string& node,
                                     const std::string& role, int64_t valid_ms, int64_t now_ms);
// The unexpired invitation a token stands for; kUnauthorized "invitation-invalid" otherwise.
Result<Invitation> FindInvitation(const store::DataPaths& paths, std::string_view token, int64_t now_ms);

// Certifies `public_key_hex` for `node` with the city key in DIR/city.key and records the node.enrolled
// event. Refuses a node id already enrolled ("node-exists").
Result<json::object> EnrollNode(store::CommandContext& ctx, const store::DataPaths& paths,
                                const std::string& city, const std::string& node, const std::string& role,
                                const std::string& public_key_hex, const std::string& actor);

}  // namespace holdfast::sync

#endif  // HOLDFAST_SYNC_ENROLL_H_
