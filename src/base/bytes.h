// Byte strings and their text encodings: lowercase hex, standard base64 (RFC 4648 §4) and base32 (RFC 4648
// §6, used by TOTP secrets). Decoders reject anything that is not exactly the encoding.
#ifndef HOLDFAST_BASE_BYTES_H_
#define HOLDFAST_BASE_BYTES_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace holdfast {

using Bytes = std::vector<uint8_t>;

inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsChars(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

std::string Hex(std::span<const uint8_t> bytes);
std::optional<Bytes> FromHex(std::string_view hex);  // lowercase or uppercase, even length
// A SHA-256 as this project writes it in text: 64 lowercase hex digits.
bool IsHexSha256(std::string_view s);

std::string Base64(std::span<const uint8_t> bytes);
std::optional<Bytes> FromBase64(std::string_view text);  // padded, no whitespace

std::string Base32(std::span<const uint8_t> bytes);      // unpadded, upper case
std::optional<Bytes> FromBase32(std::string_view text);  // case-insensitive, padding optional

// Compares in time independent of where the inputs differ.
bool ConstantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace holdfast

#endif  // HOLDFAST_BASE_BYTES_H_
