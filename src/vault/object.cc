#include "vault/object.h"

#include <fmt/format.h>
#include <sodium.h>
#include <zstd.h>

#include <algorithm>
#include <cctype>

#include "base/crypto.h"
#include "base/files.h"

namespace holdfast::vault {
namespace {

using Stream = crypto_secretstream_xchacha20poly1305_state;
constexpr size_t kHeader = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
constexpr size_t kTag = crypto_secretstream_xchacha20poly1305_ABYTES;
static_assert(kKeyBytes == crypto_secretstream_xchacha20poly1305_KEYBYTES);

std::string AdditionalData(std::string_view kind) {
  return fmt::format("holdfast-vault-object v1\n{}\n", kind);
}

Error BadObject(std::string detail) { return MakeError(Code::kCorrupt, std::move(detail), "bad-object"); }

std::string CheckDigits(std::span<const uint8_t> key) {
  Hash h = Sha256(key);
  std::string hex = Hex(std::span<const uint8_t>(h.data(), 2));
  std::transform(hex.begin(), hex.end(), hex.begin(), ::toupper);
  return hex;
}

}  // namespace

Bytes GenerateKey() { return RandomBytes(kKeyBytes); }

std::string EncodeKeyFile(std::span<const uint8_t> key) {
  return fmt::format("{}\n{}\n", kKeyLabel, Hex(key));
}

std::string RecoveryString(std::span<const uint8_t> key) {
  std::string hex = Hex(key);
  std::transform(hex.begin(), hex.end(), hex.begin(), ::toupper);
  return fmt::format("{}{}:{}", kRecoveryPrefix, hex, CheckDigits(key));
}

Result<Bytes> ParseKey(std::string_view text) {
  auto bad = [](std::string why) {
    return Invalid(
        fmt::format("not a backup key: {} (give the vault.key file, the recovery string, or the 64 "
                    "hex digits of the recovery sheet)",
                    why));
  };
  if (text.starts_with(kKeyLabel)) text.remove_prefix(kKeyLabel.size());
  if (text.starts_with(kRecoveryPrefix)) text.remove_prefix(kRecoveryPrefix.size());
  std::string digits;
  for (char c : text) {
    if (std::isxdigit(static_cast<unsigned char>(c))) {
      digits += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (c != ' ' && c != '-' && c != ':' && c != '\n' && c != '\r' && c != '\t') {
      return bad(fmt::format("it holds {:?}", std::string(1, c)));
    }
  }
  if (digits.size() != 64 && digits.size() != 68)
    return bad(fmt::format("it has {} hex digits, not 64", digits.size()));
  auto key = FromHex(std::string_view(digits).substr(0, 64));
  if (!key) return bad("unreadable hex");
  if (digits.size() == 68) {
    std::string check = digits.substr(64);
    std::string want = CheckDigits(*key);
    std::transform(want.begin(), want.end(), want.begin(), ::tolower);
    if (check != want) return bad("its check digits do not match: a digit was mistyped");
  }
  return *key;
}

Status CreateKeyFile(const std::string& path) {
  if (FileExists(path)) return Conflict(fmt::format("{} exists already", path), "key-exists");
  return WriteFileAtomic(path, EncodeKeyFile(GenerateKey()), 0600);
}

Result<Bytes> ReadKeyFile(const std::string& path) {
  HF_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto key = ParseKey(text);
  if (!key.ok()) return Invalid(fmt::format("{}: {}", path, key.error().detail));
  return key;
}

std::string ObjectName(std::string_view sealed) { return Hex(Sha256(sealed)); }

bool IsObjectName(std::string_view name) { return IsHexSha256(name); }

Result<std::string> SealObject(std::span<const uint8_t> key, std::string_view kind,
                               std::string_view payload) {
  if (key.size() != kKeyBytes) return Invalid("a backup key is 32 bytes");
  if (payload.size() > kMaxPayload) return Internal("vault object payload too large");
  std::string compressed(ZSTD_compressBound(payload.size()), '\0');
  size_t n = ZSTD_compress(compressed.data(), compressed.size(), payload.data(), payload.size(), 3);
  if (ZSTD_isError(n)) return Internal(fmt::format("zstd: {}", ZSTD_getErrorName(n)));
  compressed.resize(n);

  std::string ad = AdditionalData(kind);
  size_t chunks = compressed.size() / kChunk + 1;
  std::string out(kHeader + compressed.size() + chunks * kTag, '\0');
  Stream st;
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  crypto_secretstream_xchacha20poly1305_init_push(&st, o, key.data());
  size_t at = kHeader;
  for (size_t i = 0; i < chunks; ++i) {
    size_t from = i * kChunk;
    size_t len = std::min(kChunk, compressed.size() - from);
    bool last = i + 1 == chunks;
    unsigned long long written = 0;
    crypto_secretstream_xchacha20poly1305_push(
        &st, o + at, &written, reinterpret_cast<const unsigned char*>(compressed.data()) + from, len,
        reinterpret_cast<const unsigned char*>(ad.data()), ad.size(),
        last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
    at += written;
  }
  out.resize(at);
  return out;
}

Result<std::string> OpenObject(std::span<const uint8_t> key, std::string_view kind, std::string_view sealed) {
  if (key.size() != kKeyBytes) return Invalid("a backup key is 32 bytes");
  if (sealed.size() < kHeader + kTag) return BadObject("the object is cut short");
  std::string ad = AdditionalData(kind);
  Stream st;
  auto* in = reinterpret_cast<const unsigned char*>(sealed.data());
  if (crypto_secretstream_xchacha20poly1305_init_pull(&st, in, key.data()) != 0)
    return BadObject("the object's header is unreadable");
  std::string compressed;
  compressed.reserve(sealed.size());
  size_t at = kHeader;
  bool final = false;
  std::string chunk(kChunk, '\0');
  while (at < sealed.size()) {
    if (final) return BadObject("the object has bytes after its final chunk");
    size_t len = std::min(kChunk + kTag, sealed.size() - at);
    if (len < kTag) return BadObject("the object is cut short");
    unsigned long long plain = 0;
    unsigned char tag = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(
            &st, reinterpret_cast<unsigned char*>(chunk.data()), &plain, &tag, in + at, len,
            reinterpret_cast<const unsigned char*>(ad.data()), ad.size()) != 0) {
      return BadObject(fmt::format(
          "the object does not decrypt with this backup key (a wrong key, or bytes altered at offset {})",
          at));
    }
    compressed.append(chunk.data(), plain);
    final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    at += len;
  }
  if (!final) return BadObject("the object is cut short: its final chunk is missing");

  unsigned long long size = ZSTD_getFrameContentSize(compressed.data(), compressed.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > kMaxPayload)
    return BadObject("the object's compressed payload is unreadable");
  std::string payload(size, '\0');
  size_t n = ZSTD_decompress(payload.data(), payload.size(), compressed.data(), compressed.size());
  if (ZSTD_isError(n) || n != size)
    return BadObject(fmt::format("the object's payload does not decompress: {}", ZSTD_getErrorName(n)));
  return payload;
}

}  // namespace holdfast::vault
