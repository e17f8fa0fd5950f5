// Manifests: a node's signed statement of what one backup added to a vault. They are the only vault objects
// kept in the clear, so that a vault can refuse a bad one without the backup key; they hold hashes, counts
// and the node's public checkpoint, never a record.
//
// A node's manifests form a chain, generation 1, 2, 3 … each naming the hash of the one before. Generation g
// adds the packs of log positions [size of g-1, size of g) and carries the node's signed checkpoint of its
// log at that size, with the consistency proof from the previous generation's checkpoint: a vault refuses a
// manifest whose log does not extend the one it holds.
//
// Bytes: one line of canonical JSON (base/json.h), then one line with the lowercase hex Ed25519 signature
// by the node key over "holdfast-manifest v1\n" followed by that JSON line (without its newline):
//
//   {"certificate": hex, "checkpoint": signed note (journal/checkpoint.h), "city": name, "city_key": hex,
//    "consistency": [base64 hash, ...], "digest": hex state digest (store/journal.h) of the node's state
//    when its log held "digest_size" events, "digest_size": 1 .. size, "generation": g,
//    "image": {...} (below, only in a generation that adds an image), "image_at": the generation holding
//    the node's latest image (0: none yet; absent in older versions),
//    "keys": object name, "node": id, "node_key": hex, "packs": [{"count": n, "first": p, "object": name},
//    ...], "prev": hex SHA-256 of generation g-1's bytes ("" for g = 1), "size": log size, "time": Unix ms,
//    "v": 1}
//
// An image (vault/image.h) is a copy of the node's whole database file as it was when its log held
// "size" events (at most the manifest's size), cut into chunks of "chunk_bytes" that are sealed as objects
// of kind "image": {"bytes": file length, "chunk_bytes": n, "chunks": [{"mac": hex, "object": name}, ...],
// "size": log size}. Each chunk's "mac" is a keyed BLAKE2b of its plaintext under a key derived from the
// backup key, so a later image reuses the objects of chunks that did not change and a vault learns nothing
// from it. A restore starts from the latest image and stores and folds only the packs after it.
//
// The digest is of the state at this size when the node could afford to compute it in the push; a node whose
// digest takes longer computes it beside its pushes and records the latest one it has, of an earlier size
// (never earlier than the previous generation's). A manifest without "digest_size" (older versions) has the
// digest of its size. A restore checks its state against the digest when it has stored that many events.
//
// "keys" names the object (kind "keys") holding the node's key file and the city's public key file, which a
// restored node needs to go on writing its feed. "certificate" is the city key's certificate of the node key
// (journal/certificate.h).
#ifndef HOLDFAST_VAULT_MANIFEST_H_
#define HOLDFAST_VAULT_MANIFEST_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/crypto.h"
#include "base/status.h"
#include "journal/checkpoint.h"

namespace holdfast::vault {

struct PackRef {
  std::string object;
  int64_t first = 0;
  int64_t count = 0;
};

// An image's chunks hold 1 to 64 MiB of the file (the last one the rest).
inline constexpr int64_t kMinImageChunk = int64_t{1} << 20;
inline constexpr int64_t kMaxImageChunk = int64_t{64} << 20;

struct ImageChunk {
  std::string object;
  std::string mac;  // hex
};

struct ImageRef {
  int64_t size = 0;  // the log size the image holds
  int64_t bytes = 0;
  int64_t chunk_bytes = 0;
  std::vector<ImageChunk> chunks;
};

struct Manifest {
  std::string city;
  std::string node;
  int64_t generation = 0;
  std::string prev;
  int64_t time = 0;
  Bytes city_key;
  Bytes node_key;
  Bytes certificate;
  std::string keys;
  std::vector<PackRef> packs;
  int64_t size = 0;
  std::string checkpoint;  // the signed note
  std::vector<Hash> consistency;
  std::string digest;
  int64_t digest_size = 0;        // the log size `digest` is of
  std::optional<ImageRef> image;  // in the generation that adds it
  int64_t image_at = 0;           // the generation holding the latest image, 0 for none

  // Filled in by ParseManifest.
  journal::Checkpoint opened;  // the checkpoint, its signature checked against node_key
  std::string hash;            // hex SHA-256 of the manifest's bytes
};

std::string SignManifest(const Manifest& m, std::span<const uint8_t> node_secret_key);

// Parses a manifest and checks what it can check alone: the format, the node key's signature, the city key's
// certificate of the node key, the checkpoint's signature and origin, that the checkpoint's size is the
// manifest's, that its packs run without gaps to that size, and that an image it adds is whole. Errors are
// kInvalid, type "bad-manifest".
Result<Manifest> ParseManifest(std::string_view bytes);

// Checks that `next` follows `prev` (null for generation 1): generation, prev hash, the same city, keys and
// node, packs starting where `prev` ended, the latest image carried forward or a new one, and
// the consistency proof between their checkpoints. Errors are
// kConflict, type "inconsistent-manifest", saying which.
Status CheckFollows(const Manifest* prev, const Manifest& next);

}  // namespace holdfast::vault

#endif  // HOLDFAST_VAULT_MANIFEST_H_
