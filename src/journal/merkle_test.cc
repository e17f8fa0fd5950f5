#include "journal/merkle.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "test_support.h"

namespace holdfast::journal {
namespace {

// A base64 field of a vector as bytes: null and missing are empty, and so is text that is not base64 (the
// verifiers must then refuse it like any other wrong hash).
Bytes B64(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_string()) return {};
  return FromBase64(std::string_view(v->get_string())).value_or(Bytes{});
}

std::vector<Bytes> Proof(const json::object& o) {
  std::vector<Bytes> out;
  const json::value* v = o.if_contains("proof");
  if (!v || !v->is_array()) return out;
  for (const auto& p : v->get_array()) {
    out.push_back(p.is_string() ? FromBase64(std::string_view(p.get_string())).value_or(Bytes{}) : Bytes{});
  }
  return out;
}

// An unsigned field (the vectors use the whole uint64 range); 0 when absent.
uint64_t U64(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64()) return static_cast<uint64_t>(v->get_int64());
  return 0;
}

std::vector<std::filesystem::path> VectorFiles(const std::string& folder) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(testing::SharedPath(folder))) {
    if (e.is_regular_file() && e.path().extension() == ".json") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

json::object ReadVector(const std::filesystem::path& path) {
  auto text = ReadFile(path.string());
  EXPECT_TRUE(text.ok()) << path;
  auto v = ParseJson(text.ok() ? *text : "{}", 64);
  EXPECT_TRUE(v.ok() && v->is_object()) << path;
  return v.ok() && v->is_object() ? v->get_object() : json::object{};
}

TEST(MerkleTest, AllInclusionVectorsVerifyOrFailAsExpected) {
  auto files = VectorFiles("vectors/merkle/inclusion");
  EXPECT_EQ(files.size(), 98u);
  for (const auto& f : files) {
    json::object v = ReadVector(f);
    Status s =
        VerifyInclusion(B64(v, "leafHash"), U64(v, "leafIdx"), U64(v, "treeSize"), Proof(v), B64(v, "root"));
    EXPECT_EQ(s.ok(), !BoolOr(v, "wantErr")) << f << " (" << StringOr(v, "desc") << "): " << s.ToString();
  }
}

TEST(MerkleTest, AllConsistencyVectorsVerifyOrFailAsExpected) {
  auto files = VectorFiles("vectors/merkle/consistency");
  EXPECT_EQ(files.size(), 98u);
  for (const auto& f : files) {
    json::object v = ReadVector(f);
    Status s =
        VerifyConsistency(U64(v, "size1"), U64(v, "size2"), B64(v, "root1"), B64(v, "root2"), Proof(v));
    EXPECT_EQ(s.ok(), !BoolOr(v, "wantErr")) << f << " (" << StringOr(v, "desc") << "): " << s.ToString();
  }
}

// The generated vectors: roots of every prefix of 33 leaves, and every inclusion and consistency proof among
// them, built here from the leaves and compared with the expected ones byte for byte, then verified.
TEST(MerkleTest, BuildsTheRootsAndProofsOfTheGeneratedVectors) {
  json::value g = testing::ReadSharedJson("vectors/merkle/generated.json");
  ASSERT_TRUE(g.is_object());
  const json::object& o = g.get_object();
  MemoryMerkleTree tree;
  std::vector<Hash> roots{MerkleEmptyRoot()};
  for (const auto& leaf : o.at("leaves").as_array()) {
    auto bytes = FromBase64(std::string_view(leaf.as_string()));
    ASSERT_TRUE(bytes.has_value());
    tree.Append(MerkleLeafHash(*bytes));
    auto root = tree.Root();
    ASSERT_TRUE(root.ok());
    roots.push_back(*root);
  }
  auto b64 = [](const Hash& h) { return Base64(h); };
  std::vector<Hash> leaf_hashes;
  for (const auto& leaf : o.at("leaves").as_array())
    leaf_hashes.push_back(MerkleLeafHash(*FromBase64(std::string_view(leaf.as_string()))));
  for (const auto& r : o.at("roots").as_array()) {
    uint64_t size = static_cast<uint64_t>(r.at("treeSize").as_int64());
    ASSERT_LT(size, roots.size());
    EXPECT_EQ(b64(roots[size]), std::string(r.at("root").as_string())) << "size " << size;
    // The same root from the leaf hashes alone, as a restore computes it.
    std::vector<Hash> prefix(leaf_hashes.begin(), leaf_hashes.begin() + static_cast<ptrdiff_t>(size));
    EXPECT_EQ(b64(MerkleRootInPlace(prefix)), std::string(r.at("root").as_string())) << "size " << size;
  }
  auto full = tree.Full();
  auto expect_proof = [&](const Result<std::vector<Hash>>& built, const json::value& want,
                          const std::string& what) {
    ASSERT_TRUE(built.ok()) << what << ": " << built.status().ToString();
    std::vector<std::string> got, expected;
    for (const auto& h : *built) got.push_back(b64(h));
    if (want.is_array()) {
      for (const auto& w : want.as_array()) expected.emplace_back(w.as_string());
    }
    EXPECT_EQ(got, expected) << what;
  };
  auto as_bytes = [](const std::vector<Hash>& hs) {
    std::vector<Bytes> out;
    for (const auto& h : hs) out.emplace_back(h.begin(), h.end());
    return out;
  };
  size_t inclusion = 0, consistency = 0;
  for (const auto& c : o.at("inclusion").as_array()) {
    uint64_t index = static_cast<uint64_t>(c.at("leafIdx").as_int64());
    uint64_t size = static_cast<uint64_t>(c.at("treeSize").as_int64());
    std::string what = fmt::format("inclusion of {} in {}", index, size);
    auto built = InclusionProof(full, index, size);
    expect_proof(built, c.at("proof"), what);
    auto leaf = full(0, index);
    ASSERT_TRUE(leaf.ok());
    EXPECT_TRUE(VerifyInclusion(*leaf, index, size, as_bytes(*built), roots[size]).ok()) << what;
    ++inclusion;
  }
  for (const auto& c : o.at("consistency").as_array()) {
    uint64_t size1 = static_cast<uint64_t>(c.at("size1").as_int64());
    uint64_t size2 = static_cast<uint64_t>(c.at("size2").as_int64());
    std::string what = fmt::format("consistency of {} with {}", size1, size2);
    if (size1 == 0) continue;  // nothing to prove: a tree of no leaves is a prefix of every tree
    auto built = ConsistencyProof(full, size1, size2);
    expect_proof(built, c.at("proof"), what);
    EXPECT_TRUE(VerifyConsistency(size1, size2, roots[size1], roots[size2], as_bytes(*built)).ok()) << what;
    ++consistency;
  }
  EXPECT_EQ(inclusion, o.at("inclusion").as_array().size());
  EXPECT_GT(consistency, 500u);
}

// Trees large enough that the two halves are computed on two threads, around powers of two.
TEST(MerkleTest, TheRootInPlaceIsTheTreesRootAtEverySize) {
  MemoryMerkleTree tree;
  std::vector<Hash> leaves;
  const std::vector<uint64_t> sizes{65'535, 65'536, 65'537, 131'072, 131'073, 200'001, 1 << 20};
  for (uint64_t size : sizes) {
    while (tree.size() < size) {
      uint64_t i = tree.size();
      Hash leaf = MerkleLeafHash(AsBytes(fmt::format("event {}", i)));
      tree.Append(leaf);
      leaves.push_back(leaf);
    }
    std::vector<Hash> copy = leaves;
    auto root = tree.Root();
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(MerkleRootInPlace(copy), *root) << "size " << size;
    // And every full subtree at levels 4, 8, 12 …, as a node log keeps them.
    copy = leaves;
    std::vector<std::vector<Hash>> kept;
    EXPECT_EQ(MerkleRootInPlace(copy, 4, &kept), *root) << "size " << size;
    auto full = tree.Full();
    size_t levels = 0;
    for (int level = 4; (uint64_t{1} << level) <= size; level += 4, ++levels) {
      ASSERT_LT(static_cast<size_t>(level), kept.size()) << "size " << size;
      ASSERT_EQ(kept[level].size(), size >> level) << "size " << size << " level " << level;
      for (uint64_t i = 0; i < kept[level].size(); ++i)
        ASSERT_EQ(kept[level][i], *full(level, i)) << "size " << size << " level " << level << " index " << i;
    }
    EXPECT_EQ(levels, size < 65'536 ? 3u : size < (1 << 20) ? 4u : 5u) << "levels 4, 8, 12, 16 (and 20)";
  }
  std::vector<Hash> none;
  EXPECT_EQ(MerkleRootInPlace(none), MerkleEmptyRoot());
}

}  // namespace
}  // namespace holdfast::journal
