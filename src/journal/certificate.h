// Node certificates: the city key's Ed25519 signature over a node's public key, carried in the node.enrolled
// event so that every node can tell which feeds belong to the city (DESIGN §7, §10).
//
// Signed message, bytes exactly (public key as 64 lowercase hex digits):
//
//   "holdfast-node-cert v1\n" city "\n" node "\n" public_key "\n"
//
// The node.enrolled event's data: {"node": id, "public_key": hex, "certificate": hex(64-byte signature),
// "role": "central" | "office" | "vault"}.
#ifndef HOLDFAST_JOURNAL_CERTIFICATE_H_
#define HOLDFAST_JOURNAL_CERTIFICATE_H_

#include <span>
#include <string>
#include <string_view>

#include "base/bytes.h"

namespace holdfast::journal {

inline constexpr std::string_view kNodeEnrolledType = "node.enrolled";

std::string CertificateMessage(std::string_view city, std::string_view node, std::string_view public_key_hex);
Bytes CertifyNode(std::span<const uint8_t> city_secret_key, std::string_view city, std::string_view node,
                  std::span<const uint8_t> node_public_key);
bool VerifyNodeCertificate(std::span<const uint8_t> city_public_key, std::string_view city,
                           std::string_view node, std::string_view public_key_hex,
                           std::span<const uint8_t> certificate);

}  // namespace holdfast::journal

#endif  // HOLDFAST_JOURNAL_CERTIFICATE_H_
