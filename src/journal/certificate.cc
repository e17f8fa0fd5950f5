#include "journal/certificate.h"

#include <fmt/format.h>

#include "base/crypto.h"

namespace holdfast::journal {

std::string CertificateMessage(std::string_view city, std::string_view node,
                               std::string_view public_key_hex) {
  return fmt::format("holdfast-node-cert v1\n{}\n{}\n{}\n", city, node, public_key_hex);
}

Bytes CertifyNode(std::span<const uint8_t> city_secret_key, std::string_view city, std::string_view node,
                  std::span<const uint8_t> node_public_key) {
  return Sign(city_secret_key, AsBytes(CertificateMessage(city, node, Hex(node_public_key))));
}

bool VerifyNodeCertificate(std::span<const uint8_t> city_public_key, std::string_view city,
                           std::string_view node, std::string_view public_key_hex,
                           std::span<const uint8_t> certificate) {
  return VerifySignature(city_public_key, AsBytes(CertificateMessage(city, node, public_key_hex)),
                         certificate);
}

}  // namespace holdfast::journal
