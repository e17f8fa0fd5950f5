// How nodes prove who they are to each other on the sync routes: every request is signed with the calling
// node's key, and the serving node checks the signature against the key the city certified for that node.
//
// Headers:
//   Holdfast-Node: the calling node's id
//   Holdfast-Date: Unix milliseconds when the request was signed; refused more than kMaxSkewMs from the
//                  server's clock
//   Holdfast-Signature: lowercase hex of Ed25519(node key, message), message bytes exactly:
//
//   "holdfast-sync-request v1\n" city "\n" node "\n" method "\n" target "\n" date "\n" hex(SHA-256(body))
//   "\n"
//
// A replayed request can only repeat a read or deliver the same events again, both harmless; the date bounds
// how long a captured request stays usable at all.
#ifndef HOLDFAST_SYNC_PEER_AUTH_H_
#define HOLDFAST_SYNC_PEER_AUTH_H_

#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "store/sqlite.h"

namespace holdfast::sync {

inline constexpr int64_t kMaxSkewMs = 5 * 60 * 1000;

std::string RequestMessage(std::string_view city, std::string_view node, std::string_view method,
                           std::string_view target, int64_t date_ms, std::string_view body);

// The three headers for a request from `node`.
std::vector<std::pair<std::string, std::string>> SignRequest(std::span<const uint8_t> secret_key,
                                                             std::string_view city, std::string_view node,
                                                             std::string_view method, std::string_view target,
                                                             int64_t date_ms, std::string_view body);

// Checks a request's headers; answers the calling node's id. Errors are kUnauthorized with type
// "peer-auth-failed" and say what was wrong (no such node enrolled, stale date, bad signature).
Result<std::string> CheckRequest(store::Db& db, std::string_view city, std::string_view node_header,
                                 std::string_view date_header, std::string_view signature_header,
                                 std::string_view method, std::string_view target, std::string_view body,
                                 int64_t now_ms);

}  // namespace holdfast::sync

#endif  // HOLDFAST_SYNC_PEER_AUTH_H_
