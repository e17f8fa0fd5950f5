#include "journal/checkpoint.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>

namespace holdfast::journal {
namespace {

constexpr std::string_view kDash = "\xE2\x80\x94";  // U+2014 EM DASH

Error Bad(std::string detail) { return MakeError(Code::kInvalid, std::move(detail), "bad-checkpoint"); }

}  // namespace

std::string LogOrigin(std::string_view city, std::string_view node) {
  return fmt::format("{}/holdfast/{}", city, node);
}

std::string KeyName(std::string_view origin) {
  std::string name(origin);
  for (char& c : name) {
    if (c == ' ') c = '_';
  }
  return name;
}

Bytes KeyId(std::string_view key_name, std::span<const uint8_t> public_key) {
  Bytes b(key_name.begin(), key_name.end());
  b.push_back('\n');
  b.push_back(0x01);  // Ed25519
  b.insert(b.end(), public_key.begin(), public_key.end());
  Hash h = Sha256(b);
  return Bytes(h.begin(), h.begin() + 4);
}

std::string CheckpointText(const Checkpoint& c) {
  return fmt::format("{}\n{}\n{}\n", c.origin, c.size, Base64(c.root));
}

std::string SignCheckpoint(const Checkpoint& c, std::span<const uint8_t> secret_key,
                           std::span<const uint8_t> public_key) {
  std::string text = CheckpointText(c);
  std::string name = KeyName(c.origin);
  Bytes sig = KeyId(name, public_key);
  Bytes raw = Sign(secret_key, AsBytes(text));
  sig.insert(sig.end(), raw.begin(), raw.end());
  return fmt::format("{}\n{} {} {}\n", text, kDash, name, Base64(sig));
}

Result<Checkpoint> ParseCheckpoint(std::string_view note) {
  size_t blank = note.find("\n\n");
  if (blank == std::string_view::npos)
    return Bad("a signed note has its text, a blank line, then signatures");
  std::string_view text = note.substr(0, blank + 1);
  // The text: origin, size, root (further lines are extensions, covered by the signature and ignored here).
  Checkpoint c;
  size_t a = text.find('\n');
  size_t b = text.find('\n', a + 1);
  size_t d = b == std::string_view::npos ? b : text.find('\n', b + 1);
  if (a == 0 || b == std::string_view::npos || d == std::string_view::npos)
    return Bad("a checkpoint has three lines");
  c.origin = std::string(text.substr(0, a));
  std::string_view size = text.substr(a + 1, b - a - 1);
  auto [p, ec] = std::from_chars(size.data(), size.data() + size.size(), c.size);
  if (ec != std::errc() || p != size.data() + size.size() || (size.size() > 1 && size[0] == '0')) {
    return Bad("the tree size is not a decimal number");
  }
  auto root = FromBase64(text.substr(b + 1, d - b - 1));
  if (!root || root->size() != 32) return Bad("the root is not a base64 32-byte hash");
  std::memcpy(c.root.data(), root->data(), 32);
  return c;
}

Result<Checkpoint> OpenCheckpoint(std::string_view note, std::span<const uint8_t> public_key) {
  HF_ASSIGN_OR_RETURN(Checkpoint c, ParseCheckpoint(note));
  const size_t blank = note.find("\n\n");
  std::string_view text = note.substr(0, blank + 1);
  std::string_view sigs = note.substr(blank + 2);
  const std::string name = KeyName(c.origin);
  const Bytes id = KeyId(name, public_key);
  // Any line may sign; one by our key must verify.
  while (!sigs.empty()) {
    size_t end = sigs.find('\n');
    if (end == std::string_view::npos) return Bad("the signature lines must end with a newline");
    std::string_view line = sigs.substr(0, end);
    sigs.remove_prefix(end + 1);
    std::string prefix = fmt::format("{} {} ", kDash, name);
    if (!line.starts_with(prefix)) continue;
    auto sig = FromBase64(line.substr(prefix.size()));
    if (!sig || sig->size() != 68 || !std::equal(id.begin(), id.end(), sig->begin())) continue;
    if (VerifySignature(public_key, AsBytes(text), std::span<const uint8_t>(sig->data() + 4, 64))) return c;
    return Bad(fmt::format("the signature by {} does not verify", name));
  }
  return Bad(fmt::format("the note carries no signature by {}", name));
}

}  // namespace holdfast::journal
