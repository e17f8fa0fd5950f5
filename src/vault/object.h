// Vault objects (DESIGN §9): what a node stores in its vaults, sealed so that the vault learns nothing from
// them and no change to them goes unnoticed.
//
// The backup key: 32 random bytes (XChaCha20-Poly1305), made when a node is created and kept in
// DIR/vault.key:
//
//   "holdfast-vault-key v1\n" hex(32 bytes) "\n"           mode 0600
//
// Its recovery form, for paper and QR codes (QR alphanumeric characters only):
//
//   "HOLDFAST-VAULT-KEY-V1:" HEX(32 bytes) ":" HEX(first 2 bytes of SHA-256(key))
//
// A sealed object's bytes: the payload compressed (one zstd frame), then encrypted with libsodium's
// crypto_secretstream_xchacha20poly1305 under the backup key:
//
//   header (24 bytes) || chunk_1 || ... || chunk_n
//
// Each chunk encrypts kChunk bytes of the compressed stream (the last one the rest, possibly 0 bytes) and
// adds 17 bytes; the last chunk alone carries TAG_FINAL, so a cut object fails to open. Every chunk's
// additional data is "holdfast-vault-object v1\n" kind "\n", so an object of one kind never opens as another.
//
// An object's name is the lowercase hex SHA-256 of its sealed bytes: a vault can check that a name matches
// its bytes without the key, and restore detects an object that was altered or put in another's place.
#ifndef HOLDFAST_VAULT_OBJECT_H_
#define HOLDFAST_VAULT_OBJECT_H_

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"

namespace holdfast::vault {

inline constexpr size_t kKeyBytes = 32;
inline constexpr size_t kChunk = size_t{1} << 16;
// No payload is larger: a pack holds at most kPackMaxBytes of events (vault/pack.h) plus its seals.
inline constexpr size_t kMaxPayload = size_t{256} << 20;

inline constexpr std::string_view kKeyLabel = "holdfast-vault-key v1";
inline constexpr std::string_view kRecoveryPrefix = "HOLDFAST-VAULT-KEY-V1:";

Bytes GenerateKey();
std::string EncodeKeyFile(std::span<const uint8_t> key);
// Reads a backup key in any of its written forms: the key file, the recovery string, or the 64 hex digits as
// typed from the recovery sheet (spaces, dashes and line breaks ignored; a trailing 4-digit check is
// checked).
Result<Bytes> ParseKey(std::string_view text);
std::string RecoveryString(std::span<const uint8_t> key);

// Writes a new backup key to `path` (mode 0600); fails if one is there already.
Status CreateKeyFile(const std::string& path);
Result<Bytes> ReadKeyFile(const std::string& path);

// The object's name: lowercase hex SHA-256 of its bytes.
std::string ObjectName(std::string_view sealed);
bool IsObjectName(std::string_view name);

Result<std::string> SealObject(std::span<const uint8_t> key, std::string_view kind, std::string_view payload);
// Errors (kCorrupt, type "bad-object") say whether the object is cut, cannot be decrypted with this key (a
// wrong key, or altered bytes), or does not decompress.
Result<std::string> OpenObject(std::span<const uint8_t> key, std::string_view kind, std::string_view sealed);

}  // namespace holdfast::vault

#endif  // HOLDFAST_VAULT_OBJECT_H_
