#include "vault/manifest.h"

#include <fmt/format.h>

#include "base/json.h"
#include "journal/certificate.h"
#include "journal/event.h"
#include "journal/merkle.h"
#include "vault/object.h"

namespace holdfast::vault {
namespace {

constexpr std::string_view kSignedPrefix = "holdfast-manifest v1\n";
constexpr size_t kMaxManifestBytes = size_t{64} << 20;

Error Bad(std::string detail) {
  return MakeError(Code::kInvalid, fmt::format("bad manifest: {}", detail), "bad-manifest");
}
Error Inconsistent(std::string detail) {
  return MakeError(Code::kConflict, std::move(detail), "inconsistent-manifest");
}

std::string SignedMessage(std::string_view line) { return std::string(kSignedPrefix) + std::string(line); }

Result<Bytes> HexField(const json::object& o, std::string_view key, size_t size) {
  auto b = FromHex(StringOr(o, key));
  if (!b || (size && b->size() != size)) return Bad(fmt::format("\"{}\" is not {} bytes of hex", key, size));
  return *b;
}

Result<ImageRef> ParseImage(const json::value& v, int64_t manifest_size) {
  if (!v.is_object()) return Bad("\"image\" is not an object");
  const json::object& o = v.as_object();
  ImageRef image{IntOr(o, "size"), IntOr(o, "bytes"), IntOr(o, "chunk_bytes"), {}};
  if (image.size < 1 || image.size > manifest_size) return Bad("the image's log size is not 1 .. size");
  if (image.chunk_bytes < kMinImageChunk || image.chunk_bytes > kMaxImageChunk)
    return Bad("the image's chunk size is out of range");
  if (image.bytes < 1 || image.bytes > (int64_t{1} << 46)) return Bad("the image's length is out of range");
  for (const auto& c : ArrayOr(o, "chunks")) {
    if (!c.is_object()) return Bad("an image chunk is not an object");
    ImageChunk chunk{std::string(StringOr(c.as_object(), "object")),
                     std::string(StringOr(c.as_object(), "mac"))};
    if (!IsObjectName(chunk.object) || !IsHexSha256(chunk.mac)) return Bad("an image chunk is malformed");
    image.chunks.push_back(std::move(chunk));
  }
  int64_t chunks = (image.bytes + image.chunk_bytes - 1) / image.chunk_bytes;
  if (static_cast<int64_t>(image.chunks.size()) != chunks)
    return Bad(fmt::format("the image of {} bytes in chunks of {} needs {} chunks, not {}", image.bytes,
                           image.chunk_bytes, chunks, image.chunks.size()));
  return image;
}

}  // namespace

std::string SignManifest(const Manifest& m, std::span<const uint8_t> node_secret_key) {
  json::array packs;
  for (const auto& p : m.packs)
    packs.push_back(json::object{{"object", p.object}, {"first", p.first}, {"count", p.count}});
  json::array consistency;
  for (const auto& h : m.consistency) consistency.emplace_back(Base64(h));
  json::object o{{"v", 1},
                 {"city", m.city},
                 {"node", m.node},
                 {"generation", m.generation},
                 {"prev", m.prev},
                 {"time", m.time},
                 {"city_key", Hex(m.city_key)},
                 {"node_key", Hex(m.node_key)},
                 {"certificate", Hex(m.certificate)},
                 {"keys", m.keys},
                 {"packs", std::move(packs)},
                 {"size", m.size},
                 {"checkpoint", m.checkpoint},
                 {"consistency", std::move(consistency)},
                 {"digest", m.digest},
                 {"digest_size", m.digest_size}};
  // Older versions wrote neither member; a manifest without images is written as they wrote it.
  if (m.image_at > 0) o["image_at"] = m.image_at;
  if (m.image) {
    json::array chunks;
    for (const auto& c : m.image->chunks)
      chunks.push_back(json::object{{"object", c.object}, {"mac", c.mac}});
    o["image"] = json::object{{"size", m.image->size},
                              {"bytes", m.image->bytes},
                              {"chunk_bytes", m.image->chunk_bytes},
                              {"chunks", std::move(chunks)}};
  }
  std::string line = Canonical(o).value();
  Bytes sig = Sign(node_secret_key, AsBytes(SignedMessage(line)));
  return line + "\n" + Hex(sig) + "\n";
}

Result<Manifest> ParseManifest(std::string_view bytes) {
  if (bytes.size() > kMaxManifestBytes) return Bad("larger than 64 MiB");
  size_t nl = bytes.find('\n');
  if (nl == std::string_view::npos || !bytes.ends_with('\n')) return Bad("not two lines");
  std::string_view line = bytes.substr(0, nl);
  std::string_view sig_hex = bytes.substr(nl + 1, bytes.size() - nl - 2);
  auto parsed = ParseCanonical(line);
  if (!parsed.ok())
    return Bad(fmt::format("its first line is not canonical JSON: {}", parsed.error().detail));
  if (!parsed->is_object()) return Bad("its first line is not a JSON object");
  const json::object& o = parsed->as_object();
  Manifest m;
  m.hash = Hex(Sha256(bytes));
  if (IntOr(o, "v") != 1) return Bad("unknown version");
  m.city = std::string(StringOr(o, "city"));
  m.node = std::string(StringOr(o, "node"));
  if (m.city.empty() || !journal::IsValidNodeId(m.node)) return Bad("no city or no valid node id");
  m.generation = IntOr(o, "generation");
  if (m.generation < 1) return Bad("generation must be 1 or more");
  m.prev = std::string(StringOr(o, "prev"));
  if (m.generation == 1 ? !m.prev.empty() : !IsObjectName(m.prev))
    return Bad("\"prev\" does not fit its generation");
  m.time = IntOr(o, "time");
  HF_ASSIGN_OR_RETURN(m.city_key, HexField(o, "city_key", 32));
  HF_ASSIGN_OR_RETURN(m.node_key, HexField(o, "node_key", 32));
  HF_ASSIGN_OR_RETURN(m.certificate, HexField(o, "certificate", 64));
  m.keys = std::string(StringOr(o, "keys"));
  if (!IsObjectName(m.keys)) return Bad("\"keys\" is not an object name");
  m.size = IntOr(o, "size");
  m.checkpoint = std::string(StringOr(o, "checkpoint"));
  m.digest = std::string(StringOr(o, "digest"));
  m.digest_size = o.contains("digest_size") ? IntOr(o, "digest_size", -1) : m.size;
  if (!IsHexSha256(m.digest)) return Bad("\"digest\" is not a lowercase hex SHA-256");
  if (m.digest_size < 1 || m.digest_size > m.size)
    return Bad("\"digest_size\" is not a log size up to \"size\"");
  for (const auto& v : ArrayOr(o, "packs")) {
    if (!v.is_object()) return Bad("a pack is not an object");
    PackRef p{std::string(StringOr(v.as_object(), "object")), IntOr(v.as_object(), "first"),
              IntOr(v.as_object(), "count")};
    if (!IsObjectName(p.object) || p.count < 1 || p.first < 0) return Bad("a pack entry is malformed");
    m.packs.push_back(std::move(p));
  }
  m.image_at = IntOr(o, "image_at");
  if (m.image_at < 0 || m.image_at > m.generation)
    return Bad("\"image_at\" is not a generation up to this one");
  if (const json::value* image = o.if_contains("image")) {
    HF_ASSIGN_OR_RETURN(m.image, ParseImage(*image, m.size));
    if (m.image_at != m.generation) return Bad("it adds an image but does not name itself in \"image_at\"");
  } else if (m.image_at == m.generation) {
    return Bad("it names itself in \"image_at\" but adds no image");
  }
  for (const auto& v : ArrayOr(o, "consistency")) {
    auto b = v.is_string() ? FromBase64(v.as_string()) : std::nullopt;
    if (!b || b->size() != 32) return Bad("a consistency hash is not 32 bytes of base64");
    Hash h;
    std::copy(b->begin(), b->end(), h.begin());
    m.consistency.push_back(h);
  }

  auto sig = FromHex(sig_hex);
  if (!sig || sig->size() != 64) return Bad("its second line is not a signature");
  if (!VerifySignature(m.node_key, AsBytes(SignedMessage(line)), *sig))
    return Bad(fmt::format("generation {} of node {}: the signature does not verify under the node key",
                           m.generation, m.node));
  if (!journal::VerifyNodeCertificate(m.city_key, m.city, m.node, Hex(m.node_key), m.certificate))
    return Bad(fmt::format("node {}'s key is not certified by the city key", m.node));
  auto opened = journal::OpenCheckpoint(m.checkpoint, m.node_key);
  if (!opened.ok()) return Bad(opened.error().detail);
  m.opened = *opened;
  if (m.opened.origin != journal::LogOrigin(m.city, m.node))
    return Bad(fmt::format("its checkpoint is for {:?}, not {:?}", m.opened.origin,
                           journal::LogOrigin(m.city, m.node)));
  if (m.opened.size != static_cast<uint64_t>(m.size))
    return Bad("its checkpoint's size is not the manifest's size");
  int64_t at = m.packs.empty() ? m.size : m.packs.front().first;
  for (const auto& p : m.packs) {
    if (p.first != at) return Bad(fmt::format("its packs leave a gap at log position {}", at));
    at += p.count;
  }
  if (at != m.size) return Bad("its packs do not end at its size");
  return m;
}

Status CheckFollows(const Manifest* prev, const Manifest& next) {
  if (!prev) {
    if (next.generation != 1)
      return Inconsistent(fmt::format("generation {} has no generation before it", next.generation));
    if (!next.packs.empty() && next.packs.front().first != 0)
      return Inconsistent("generation 1 does not start the log at 0");
    if (next.image_at != 0 && !next.image) return Inconsistent("generation 1 names an image before it");
    return Status::Ok();
  }
  auto fail = [&](std::string why) {
    return Inconsistent(fmt::format("generation {} of node {} does not follow generation {}: {}",
                                    next.generation, next.node, prev->generation, why));
  };
  if (next.generation != prev->generation + 1) return fail("generations must follow one another");
  if (next.prev != prev->hash) return fail("it names another manifest as the one before it");
  if (next.city != prev->city || next.city_key != prev->city_key) return fail("another city or city key");
  if (next.node != prev->node || next.node_key != prev->node_key) return fail("another node or node key");
  if (next.size < prev->size) return fail("its log is shorter");
  if (next.digest_size < prev->digest_size) return fail("its state digest is of an earlier log size");
  if (!next.packs.empty() && next.packs.front().first != prev->size)
    return fail("its packs do not start where the last ended");
  // 0 forgets the images (an older version, which does not know them): a restore then folds every event.
  if (next.image_at != prev->image_at && next.image_at != 0 && !next.image)
    return fail("it names another generation as holding the latest image");
  if (prev->size == 0) return Status::Ok();
  std::vector<Bytes> proof;
  for (const auto& h : next.consistency) proof.emplace_back(h.begin(), h.end());
  Status consistent =
      journal::VerifyConsistency(static_cast<uint64_t>(prev->size), static_cast<uint64_t>(next.size),
                                 prev->opened.root, next.opened.root, proof);
  if (!consistent.ok())
    return fail("its checkpoint is inconsistent with the earlier one: the node's history was rewritten");
  return Status::Ok();
}

}  // namespace holdfast::vault
