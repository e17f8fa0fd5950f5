// Backups in vaults and restores from them (DESIGN §9): what a restore brings back, what a vault refuses,
// and how a damaged backup or a node with a rewritten history is caught.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "auth/sessions.h"
#include "base/files.h"
#include "domain/city.h"
#include "domain/parties.h"
#include "http/client.h"
#include "http/server.h"
#include "http/vault_service.h"
#include "store/node_log.h"
#include "store/verify.h"
#include "test_city.h"
#include "vault/backup.h"
#include "vault/object.h"
#include "vault/restore.h"

namespace holdfast::testing {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kStart = 1'790'000'000'000;

class VaultTest : public ::testing::Test {
 protected:
  VaultTest() : city_(1, kStart) {
    for (int i = 0; i < city_.size(); ++i) {
      EXPECT_TRUE(vault::CreateKeyFile(store::DataPaths(city_.dir(i)).vault_key()).ok());
    }
  }

  Bytes Key(int i) { return *vault::ReadKeyFile(store::DataPaths(city_.dir(i)).vault_key()); }

  Result<vault::PushReport> Push(int i, vault::Target& target) {
    HF_ASSIGN_OR_RETURN(auto db, city_.node(i).Read());
    HF_ASSIGN_OR_RETURN(vault::BackupSource source, vault::LoadBackupSource(city_.dir(i), *db));
    return vault::Push(*db, domain::NodeRegistry(), source, target);
  }

  // A push that adds an image of the node's database.
  Result<vault::PushReport> PushImage(int i, vault::Target& target) {
    HF_ASSIGN_OR_RETURN(auto db, city_.node(i).Read());
    HF_ASSIGN_OR_RETURN(vault::BackupSource source, vault::LoadBackupSource(city_.dir(i), *db));
    return vault::Push(*db, domain::NodeRegistry(), source, target, nullptr, std::nullopt, nullptr,
                       vault::PushImage{tmp_.Sub("image-copy")});
  }

  Result<vault::Manifest> ManifestOf(vault::Target& target, int64_t generation) {
    HF_ASSIGN_OR_RETURN(std::string bytes, target.GetManifest("central", generation));
    return vault::ParseManifest(bytes);
  }

  Result<vault::RestoreReport> RestoreInto(vault::Target& target, std::span<const uint8_t> key,
                                           const std::string& dir) {
    return vault::Restore(target, key, dir, domain::NodeRegistry());
  }

  // Opens the node restored in `dir` (central's own is closed first), writes to it and pushes to `target`:
  // the push must be generation `generation`.
  void ExpectTheRestoredNodeGoesOn(const std::string& dir, vault::Target& target, int64_t generation) {
    city_.Close(0);
    auto node = store::Node::Open(dir, domain::NodeRegistry());
    ASSERT_TRUE(node.ok()) << node.status().ToString();
    AddParties(**node, 3, "After Restore");
    auto db = (*node)->Read();
    auto source = vault::LoadBackupSource(dir, **db);
    ASSERT_TRUE(source.ok());
    auto next = vault::Push(**db, domain::NodeRegistry(), *source, target);
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    EXPECT_EQ(next->generation, generation);
  }

  std::string DigestOf(const std::string& dir) {
    auto db = store::Db::Open(store::DataPaths(dir).db(), store::OpenMode::kReadOnly);
    EXPECT_TRUE(db.ok());
    return Hex(*store::StateDigest(**db, domain::NodeRegistry()));
  }

  // The files of the vault's objects, by name.
  std::vector<std::string> ObjectFiles(const std::string& root) {
    std::vector<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(root + "/objects"))
      if (e.is_regular_file()) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    return files;
  }

  TempDir tmp_;
  TestCity city_;
};

TEST_F(VaultTest, RestoreBringsBackEveryFeedAndTheNodeGoesOnFromThere) {
  vault::VaultDir vault(tmp_.Sub("vault"));
  AddParties(city_.node(1), 30, "Office Person");
  ASSERT_TRUE(city_.Sync(1, 0).ok());
  AddParties(city_.node(0), 20, "Central Person");
  auto first = Push(0, vault);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->generation, 1);
  // Nothing new: no new generation.
  auto again = Push(0, vault);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->nothing_new);
  AddParties(city_.node(0), 700, "Later Person");
  auto second = Push(0, vault);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->generation, 2);
  EXPECT_EQ(second->events, 700);
  EXPECT_EQ(second->packs, 1);
  std::string live_digest = city_.Digest(0);
  uint64_t live_size = 0;
  {
    auto db = city_.node(0).Read();
    live_size = *store::LogSize(**db);
  }
  EXPECT_EQ(second->size, static_cast<int64_t>(live_size));

  std::string restored = tmp_.Sub("restored");
  std::vector<std::string> progress;
  vault::RestoreOptions options;
  options.progress = [&](std::string_view line) { progress.emplace_back(line); };
  auto report = vault::Restore(vault, Key(0), restored, domain::NodeRegistry(), options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->node, "central");
  EXPECT_EQ(report->city, TestCity::kName);
  EXPECT_EQ(report->generation, 2);
  EXPECT_EQ(report->events, static_cast<int64_t>(live_size));
  EXPECT_EQ(report->feeds, 2);
  EXPECT_EQ(report->digest, live_digest);
  EXPECT_FALSE(progress.empty());
  EXPECT_EQ(DigestOf(restored), live_digest);
  auto verified = store::VerifyNode(restored, domain::NodeRegistry());
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->intact()) << verified->problems.front().where << ": "
                                  << verified->problems.front().what;
  // The restored directory is a whole node: its keys, and the same backup key.
  EXPECT_EQ(*ReadFile(store::DataPaths(restored).node_key()),
            *ReadFile(store::DataPaths(city_.dir(0)).node_key()));
  EXPECT_EQ(*vault::ReadKeyFile(store::DataPaths(restored).vault_key()), Key(0));

  // The restored node writes on in its own feed, and its next backup follows the ones before.
  ExpectTheRestoredNodeGoesOn(restored, vault, 3);
  // A restore does not write over a node.
  auto over = RestoreInto(vault, Key(0), restored);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().type, "node-exists");
}

// An office's change reaches central after a later change central made to the same party: central stored
// it after events it sorts before, and refolded the party. The restore, which stores and folds in the log's
// order, must come to the same state.
TEST_F(VaultTest, RestoreFoldsAnOfficeChangeThatArrivedLateToTheSameState) {
  vault::VaultDir vault(tmp_.Sub("vault"));
  auto created = city_.Run(0, [](store::CommandContext& ctx) -> Result<json::value> {
    HF_ASSIGN_OR_RETURN(json::object p,
                        domain::CreateParty(ctx, {.kind = "person", .name = "Ada Early"}, "clerk"));
    return json::value(p.at("id"));
  });
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  std::string id(created->as_string());
  ASSERT_TRUE(city_.Sync(0, 1).ok());
  auto rename = [&](int node, const std::string& name, const std::string& phone) {
    auto r = city_.Run(node, [&](store::CommandContext& ctx) -> Result<json::value> {
      domain::PartyInput p{.name = name};
      p.phone = phone;
      HF_RETURN_IF_ERROR(domain::UpdateParty(ctx, id, p, "clerk").status());
      return json::value(nullptr);
    });
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  };
  city_.clock(1).Advance(1000);
  rename(1, "Ada Office", "555-0101");  // earlier, at the office, offline
  city_.clock(0).Advance(60000);
  rename(0, "Ada Central", "555-0202");  // later, at central
  AddParties(city_.node(0), 5, "Central Person");
  ASSERT_TRUE(city_.Sync(1, 0).ok());  // the office's change arrives last
  {
    auto db = city_.node(0).Read();
    auto party = domain::GetParty(**db, id);
    ASSERT_TRUE(party.ok() && party->has_value());
    EXPECT_EQ((**party).at("name").as_string(), "Ada Central");  // the later change wins
  }
  ASSERT_TRUE(Push(0, vault).ok());
  std::string live_digest = city_.Digest(0);

  std::string restored = tmp_.Sub("restored");
  auto report = RestoreInto(vault, Key(0), restored);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->digest, live_digest);
  EXPECT_EQ(DigestOf(restored), live_digest);
  auto verified = store::VerifyNode(restored, domain::NodeRegistry());
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->intact()) << verified->problems.front().where << ": "
                                  << verified->problems.front().what;
}

// A large node computes its state digest beside its pushes, so its manifests record the digest of an
// earlier log size. The restore checks the state it has folded when it has stored that many events, and
// names a digest that does not match.
TEST_F(VaultTest, ADigestOfAnEarlierSizeIsCheckedWhenTheRestoreReachesIt) {
  AddParties(city_.node(0), 40, "Before The Mark");
  vault::StateMark mark;
  {
    auto db = city_.node(0).Read();
    auto m = vault::MarkState(**db, domain::NodeRegistry());
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    mark = *m;
  }
  EXPECT_EQ(mark.digest, city_.Digest(0));
  AddParties(city_.node(0), 25, "After The Mark");
  auto push_with = [&](vault::Target& target, const vault::StateMark& known) {
    auto db = city_.node(0).Read();
    auto source = vault::LoadBackupSource(city_.dir(0), **db);
    EXPECT_TRUE(source.ok());
    return vault::Push(**db, domain::NodeRegistry(), *source, target, nullptr, known);
  };

  vault::VaultDir good(tmp_.Sub("good"));
  auto pushed = push_with(good, mark);
  ASSERT_TRUE(pushed.ok()) << pushed.status().ToString();
  EXPECT_EQ(pushed->digest_seconds, -1) << "the push used the digest it was given";
  auto manifest = vault::ParseManifest(*good.GetManifest("central", 1));
  ASSERT_TRUE(manifest.ok());
  EXPECT_EQ(manifest->digest_size, mark.size);
  EXPECT_LT(manifest->digest_size, manifest->size);
  auto report = RestoreInto(good, Key(0), tmp_.Sub("restored"));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->digest, mark.digest);
  EXPECT_EQ(report->digest_size, mark.size);
  EXPECT_EQ(DigestOf(tmp_.Sub("restored")), city_.Digest(0));

  // A later push may not go back to an earlier digest than the vault holds: it keeps the vault's.
  AddParties(city_.node(0), 5, "Later");
  vault::StateMark older{mark.size - 10, mark.digest};
  auto second = push_with(good, older);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  auto manifest2 = vault::ParseManifest(*good.GetManifest("central", 2));
  ASSERT_TRUE(manifest2.ok());
  EXPECT_EQ(manifest2->digest_size, mark.size);

  // A digest the state does not have, at that size: the restore names it.
  vault::VaultDir bad(tmp_.Sub("bad"));
  vault::StateMark wrong{mark.size, std::string(64, 'a')};
  ASSERT_TRUE(push_with(bad, wrong).ok());
  auto refused = RestoreInto(bad, Key(0), tmp_.Sub("refused"));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().detail.find(fmt::format("at {} events is not the digest", mark.size)),
            std::string::npos)
      << refused.error().detail;
  EXPECT_FALSE(FileExists(store::DataPaths(tmp_.Sub("refused")).db()));
}

// Stopping `serve` must not wait for a state digest, which takes many seconds on a large node: the digest
// gives up, and a push that was computing it sends nothing.
TEST_F(VaultTest, StoppingAbandonsTheStateDigestAndThePushSendsNothing) {
  AddParties(city_.node(0), 5000, "Many");
  auto db = city_.node(0).Read();
  ASSERT_TRUE(db.ok());
  auto source = vault::LoadBackupSource(city_.dir(0), **db);
  ASSERT_TRUE(source.ok());
  std::atomic<bool> stop{true};

  auto mark = vault::MarkState(**db, domain::NodeRegistry(), &stop);
  ASSERT_FALSE(mark.ok());
  EXPECT_EQ(mark.error().code, Code::kUnavailable);
  EXPECT_EQ(mark.error().type, "stopping");

  vault::VaultDir vault(tmp_.Sub("vault"));
  auto pushed = vault::Push(**db, domain::NodeRegistry(), *source, vault, nullptr, std::nullopt, &stop);
  ASSERT_FALSE(pushed.ok());
  EXPECT_EQ(pushed.error().type, "stopping");
  EXPECT_EQ(*vault.LatestGeneration("central"), 0);
  EXPECT_FALSE(fs::exists(tmp_.Sub("vault") + "/objects") && !ObjectFiles(tmp_.Sub("vault")).empty())
      << "a push that gave up sent objects";

  // Not stopped: the same push goes through, with the digest the state has.
  stop = false;
  auto again = vault::Push(**db, domain::NodeRegistry(), *source, vault, nullptr, std::nullopt, &stop);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(vault::ParseManifest(*vault.GetManifest("central", 1))->digest, city_.Digest(0));
}

TEST_F(VaultTest, RestoreNamesACorruptedOrSwappedObjectAndLeavesNoNode) {
  std::string root = tmp_.Sub("vault");
  vault::VaultDir vault(root);
  for (int round = 0; round < 3; ++round) {
    AddParties(city_.node(0), 10, fmt::format("Round {}", round));
    ASSERT_TRUE(Push(0, vault).ok());
  }
  std::vector<std::string> objects = ObjectFiles(root);
  ASSERT_EQ(objects.size(), 4u);  // three packs and the keys
  auto restore_fails_naming = [&](const std::string& dir, const std::string& what,
                                  std::span<const uint8_t> key) {
    auto r = RestoreInto(vault, key, tmp_.Sub(dir));
    ASSERT_FALSE(r.ok()) << dir;
    EXPECT_NE(r.error().detail.find(what), std::string::npos) << r.error().detail;
    EXPECT_FALSE(FileExists(store::DataPaths(tmp_.Sub(dir)).db()))
        << "a failed restore left a node in " << dir;
  };

  // The wrong key.
  restore_fails_naming("wrong-key", "does not decrypt with this backup key", vault::GenerateKey());

  // One byte of one object changed on the vault's disk.
  std::string victim = objects[1], name = fs::path(victim).filename().string();
  std::string original = *ReadFile(victim);
  fs::permissions(victim, fs::perms::owner_write, fs::perm_options::add);
  std::string changed = original;
  changed[changed.size() / 2] ^= 0x40;
  ASSERT_TRUE(WriteFileAtomic(victim, changed).ok());
  restore_fails_naming("corrupted", "object " + name, Key(0));
  restore_fails_naming("corrupted-2", "corrupted or swapped", Key(0));

  // Two objects' files swapped.
  ASSERT_TRUE(WriteFileAtomic(victim, original).ok());
  std::string other = objects[2];
  std::string other_bytes = *ReadFile(other);
  ASSERT_TRUE(WriteFileAtomic(victim, other_bytes).ok());
  fs::permissions(other, fs::perms::owner_write, fs::perm_options::add);
  ASSERT_TRUE(WriteFileAtomic(other, original).ok());
  restore_fails_naming("swapped", "corrupted or swapped", Key(0));

  // Put back, it restores.
  ASSERT_TRUE(WriteFileAtomic(victim, original).ok());
  ASSERT_TRUE(WriteFileAtomic(other, other_bytes).ok());
  auto fine = RestoreInto(vault, Key(0), tmp_.Sub("fine"));
  ASSERT_TRUE(fine.ok()) << fine.status().ToString();

  // A manifest removed from the middle of the chain is named.
  fs::remove(root + "/manifests/central/0000000002");
  restore_fails_naming("gap", "generation 2", Key(0));
}

TEST_F(VaultTest, ANodeWhoseHistoryWasRewrittenCannotAddToItsBackups) {
  std::string root = tmp_.Sub("vault");
  vault::VaultDir vault(root);
  AddParties(city_.node(0), 5, "Shared Past");
  ASSERT_TRUE(Push(0, vault).ok());
  // A copy of the node as it was then: the same key, the same feed.
  city_.Close(0);
  fs::copy(city_.dir(0), tmp_.Sub("clone"), fs::copy_options::recursive);
  fs::remove(tmp_.Sub("clone") + "/lock");
  city_.Open(0);
  AddParties(city_.node(0), 5, "What Happened");
  ASSERT_TRUE(Push(0, vault).ok());

  // The copy writes another story, longer than the real one, and tries to back it up.
  auto clone = store::Node::Open(tmp_.Sub("clone"), domain::NodeRegistry());
  ASSERT_TRUE(clone.ok());
  AddParties(**clone, 8, "Rewritten");
  auto db = (*clone)->Read();
  auto source = vault::LoadBackupSource(tmp_.Sub("clone"), **db);
  ASSERT_TRUE(source.ok());
  auto pushed = vault::Push(**db, domain::NodeRegistry(), *source, vault);
  ASSERT_FALSE(pushed.ok());
  EXPECT_EQ(pushed.error().type, "inconsistent-manifest") << pushed.error().detail;
  EXPECT_NE(pushed.error().detail.find("history was rewritten"), std::string::npos) << pushed.error().detail;
  EXPECT_EQ(*vault.LatestGeneration("central"), 2);
}

// A restore starts from the latest image and stores and folds only the events after it, among them an
// office's that sort before events the image holds; it comes to the node's state, and `--refold` to the same.
TEST_F(VaultTest, ARestoreFromAnImageFoldsOnlyTheEventsAfterItToTheNodesState) {
  vault::VaultDir vault(tmp_.Sub("vault"));
  AddParties(city_.node(1), 20, "Office Person");
  ASSERT_TRUE(city_.Sync(1, 0).ok());
  AddParties(city_.node(0), 200, "Central Person");
  ASSERT_TRUE(Push(0, vault).ok());
  // A session on the node: a restored node must not take it.
  city_.Close(0);
  {
    auto db = store::Db::Open(store::DataPaths(city_.dir(0)).db(), store::OpenMode::kReadWrite);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(auth::CreateSession(**db, "u-central-1", kStart).ok());
  }
  city_.Open(0);

  // An image with nothing new in the log: a generation of its own, with no packs.
  auto imaged = PushImage(0, vault);
  ASSERT_TRUE(imaged.ok()) << imaged.status().ToString();
  EXPECT_EQ(imaged->generation, 2);
  EXPECT_EQ(imaged->packs, 0);
  EXPECT_EQ(imaged->image_size, imaged->size);
  EXPECT_GT(imaged->image_chunks_sent, 0);
  // The same database again: every chunk is the last image's, and none is sent.
  auto again = PushImage(0, vault);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->generation, 3);
  EXPECT_EQ(again->image_chunks, imaged->image_chunks);
  EXPECT_EQ(again->image_chunks_sent, 0);
  const int64_t image_size = again->image_size;

  // After the image: the office's work of earlier, and central's own.
  AddParties(city_.node(1), 15, "Late Office Person");
  AddParties(city_.node(0), 40, "After The Image");
  ASSERT_TRUE(city_.Sync(1, 0).ok());
  AddParties(city_.node(0), 5, "Last");
  auto after = Push(0, vault);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->generation, 4);
  auto manifest = ManifestOf(vault, 4);
  ASSERT_TRUE(manifest.ok());
  EXPECT_EQ(manifest->image_at, 3);
  EXPECT_FALSE(manifest->image.has_value());
  std::string live_digest = city_.Digest(0);

  std::vector<std::string> progress;
  vault::RestoreOptions options;
  options.progress = [&](std::string_view line) { progress.emplace_back(line); };
  std::string restored = tmp_.Sub("restored");
  auto report = vault::Restore(vault, Key(0), restored, domain::NodeRegistry(), options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->image_size, image_size);
  EXPECT_EQ(report->image_generation, 3);
  EXPECT_EQ(report->events, after->size);
  EXPECT_EQ(report->feeds, 2);
  EXPECT_EQ(report->digest, live_digest) << "the state after the image is checked against the node's digest";
  EXPECT_EQ(DigestOf(restored), live_digest);
  EXPECT_NE(
      std::find_if(progress.begin(), progress.end(),
                   [](const std::string& l) { return l.find("image chunk 1 of 1") != std::string::npos; }),
      progress.end());
  auto verified = store::VerifyNode(restored, domain::NodeRegistry());
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_TRUE(verified->intact()) << verified->problems.front().where << ": "
                                  << verified->problems.front().what;
  {
    auto db = store::Db::Open(store::DataPaths(restored).db(), store::OpenMode::kReadOnly);
    ASSERT_TRUE(db.ok());
    EXPECT_EQ(*(*db)->QueryInt("SELECT COUNT(*) FROM local_sessions"), 0);
  }

  // Ignoring the images, every event is folded, to the same state.
  options.refold = true;
  auto refolded = vault::Restore(vault, Key(0), tmp_.Sub("refolded"), domain::NodeRegistry(), options);
  ASSERT_TRUE(refolded.ok()) << refolded.status().ToString();
  EXPECT_EQ(refolded->image_size, 0);
  EXPECT_EQ(DigestOf(tmp_.Sub("refolded")), live_digest);

  // The node restored from the image writes on, and backs up after the generations before.
  ExpectTheRestoredNodeGoesOn(restored, vault, 5);
}

TEST_F(VaultTest, ADamagedImageIsNamedAndAManifestNamingAMissingChunkIsRefused) {
  std::string root = tmp_.Sub("vault");
  vault::VaultDir vault(root);
  AddParties(city_.node(0), 30, "Imaged Person");
  ASSERT_TRUE(PushImage(0, vault).ok());
  auto manifest = ManifestOf(vault, 1);
  ASSERT_TRUE(manifest.ok());
  ASSERT_TRUE(manifest->image.has_value());
  ASSERT_EQ(manifest->image->chunks.size(), 1u);
  std::string chunk = manifest->image->chunks[0].object;
  std::string chunk_file = root + "/objects/" + chunk.substr(0, 2) + "/" + chunk;
  std::string pack = manifest->packs[0].object;
  std::string pack_file = root + "/objects/" + pack.substr(0, 2) + "/" + pack;
  std::string original = *ReadFile(chunk_file);
  auto restore_fails_naming = [&](const std::string& dir, const std::vector<std::string>& what) {
    auto r = RestoreInto(vault, Key(0), tmp_.Sub(dir));
    ASSERT_FALSE(r.ok()) << dir;
    for (const std::string& w : what)
      EXPECT_NE(r.error().detail.find(w), std::string::npos) << r.error().detail;
    EXPECT_FALSE(FileExists(store::DataPaths(tmp_.Sub(dir)).db()))
        << "a failed restore left a node in " << dir;
  };

  // One byte of the chunk changed on the vault's disk, then a pack put in its place.
  fs::permissions(chunk_file, fs::perms::owner_write, fs::perm_options::add);
  std::string changed = original;
  changed[changed.size() / 2] ^= 0x01;
  ASSERT_TRUE(WriteFileAtomic(chunk_file, changed).ok());
  restore_fails_naming("corrupted", {"image chunk 1 of 1", chunk, "corrupted or swapped"});
  ASSERT_TRUE(WriteFileAtomic(chunk_file, *ReadFile(pack_file)).ok());
  restore_fails_naming("swapped", {"image chunk 1 of 1", chunk, "corrupted or swapped"});
  // The packs are whole: a restore that ignores the image still brings the node back.
  vault::RestoreOptions refold;
  refold.refold = true;
  auto refolded = vault::Restore(vault, Key(0), tmp_.Sub("refolded"), domain::NodeRegistry(), refold);
  ASSERT_TRUE(refolded.ok()) << refolded.status().ToString();
  EXPECT_EQ(DigestOf(tmp_.Sub("refolded")), city_.Digest(0));
  ASSERT_TRUE(WriteFileAtomic(chunk_file, original).ok());
  ASSERT_TRUE(RestoreInto(vault, Key(0), tmp_.Sub("fine")).ok());

  // An event changed in the node's own tables before the image was made: its seal and chain give it away.
  AddParties(city_.node(0), 5, "Later Person");
  city_.Close(0);
  {
    auto db = store::Db::Open(store::DataPaths(city_.dir(0)).db(), store::OpenMode::kReadWrite);
    ASSERT_TRUE(db.ok());
    auto s = (*db)->Prepare(
        "SELECT stored, body FROM events WHERE CAST(body AS TEXT) LIKE '%Imaged Person 3%' LIMIT 1");
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(*(*s)->Step());
    int64_t stored = (*s)->Int(0);
    std::string body((*s)->TextView(1));
    (*s)->Reset();
    body.replace(body.find("Imaged Person 3"), 15, "Imaged Persen 3");
    auto u = (*db)->Prepare("UPDATE events SET body = ?, hash = ? WHERE stored = ?");
    ASSERT_TRUE(u.ok());
    Hash h = Sha256(body);
    (*u)->BindBlob(1, AsBytes(body)).BindBlob(2, h).Bind(3, stored);
    ASSERT_TRUE((*u)->Run().ok());
  }
  city_.Open(0);
  vault::VaultDir second(tmp_.Sub("second"));
  ASSERT_TRUE(PushImage(0, second).ok());
  auto tampered = RestoreInto(second, Key(0), tmp_.Sub("tampered"));
  ASSERT_FALSE(tampered.ok());
  EXPECT_NE(tampered.error().detail.find("the journal in the image of generation 1 fails verification"),
            std::string::npos)
      << tampered.error().detail;
  EXPECT_NE(tampered.error().detail.find("prev link"), std::string::npos) << tampered.error().detail;

  // A manifest naming an image chunk the vault does not hold is refused.
  auto db = city_.node(0).Read();
  auto source = vault::LoadBackupSource(city_.dir(0), **db);
  ASSERT_TRUE(source.ok());
  vault::Manifest next = *manifest;
  next.generation = 2;
  next.prev = manifest->hash;
  next.packs.clear();
  next.image->chunks[0].object = std::string(64, 'e');
  next.image_at = 2;
  auto refused = vault.PutManifest("central", 2, vault::SignManifest(next, source->node_secret_key));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().type, "missing-object") << refused.error().detail;
  // One that no longer names the image (an older version's, which does not know images) is taken, and a
  // restore then folds every event.
  next = *manifest;
  next.generation = 2;
  next.prev = manifest->hash;
  next.packs.clear();
  next.image.reset();
  next.image_at = 0;
  auto forgotten = vault.PutManifest("central", 2, vault::SignManifest(next, source->node_secret_key));
  ASSERT_TRUE(forgotten.ok()) << forgotten.ToString();
  auto without = RestoreInto(vault, Key(0), tmp_.Sub("without-image"));
  ASSERT_TRUE(without.ok()) << without.status().ToString();
  EXPECT_EQ(without->image_size, 0);
}

// What a node's own tables could carry into an image, changed on its disk before the image was made: an
// account in the users table, a kept hash of the node log, a trigger. None of it reaches a restored node.
TEST_F(VaultTest, WhatWasChangedInTheNodesTablesBeforeTheImageDoesNotReachTheRestoredNode) {
  AddParties(city_.node(0), 40, "Imaged Person");
  auto revoked_office = city_.Run(0, [](store::CommandContext& ctx) -> Result<json::value> {
    HF_ASSIGN_OR_RETURN(json::object d,
                        domain::RevokeNode(ctx, "office-1", "the laptop was stolen", "u-admin"));
    return json::value(std::move(d));
  });
  ASSERT_TRUE(revoked_office.ok()) << revoked_office.status().ToString();
  const std::string live_digest = city_.Digest(0);
  auto with_change = [&](const std::string& name, const std::string& sql) {
    city_.Close(0);
    fs::copy(city_.dir(0), tmp_.Sub(name + "-node"), fs::copy_options::recursive);
    city_.Open(0);
    fs::remove(tmp_.Sub(name + "-node") + "/lock");
    {
      auto db = store::Db::Open(store::DataPaths(tmp_.Sub(name + "-node")).db(), store::OpenMode::kReadWrite);
      EXPECT_TRUE(db.ok() && (*db)->Exec(sql).ok()) << sql;
    }
    auto node = store::Node::Open(tmp_.Sub(name + "-node"), domain::NodeRegistry());
    EXPECT_TRUE(node.ok()) << node.status().ToString();
    vault::VaultDir vault(tmp_.Sub(name + "-vault"));
    auto db = (*node)->Read();
    auto source = vault::LoadBackupSource(tmp_.Sub(name + "-node"), **db);
    EXPECT_TRUE(source.ok());
    auto pushed = vault::Push(**db, domain::NodeRegistry(), *source, vault, nullptr, std::nullopt, nullptr,
                              vault::PushImage{tmp_.Sub(name + "-copy")});
    EXPECT_TRUE(pushed.ok()) << pushed.status().ToString();
    std::vector<std::string> progress;
    vault::RestoreOptions options;
    options.progress = [&](std::string_view line) { progress.emplace_back(line); };
    auto restored =
        vault::Restore(vault, Key(0), tmp_.Sub(name + "-restored"), domain::NodeRegistry(), options);
    std::string said;
    for (const auto& l : progress) said += l + "\n";
    return std::make_pair(std::move(restored), said);
  };

  // An administrator's account added directly: the restore names the table and refuses the image.
  auto [added, added_said] = with_change(
      "account",
      "INSERT INTO users VALUES('u-intruder', 'intruder', 'Intruder', '[\"admin\"]', 'x', 0, '', 0, 0, 0, 0, "
      "'', 0, 'system', NULL)");
  ASSERT_FALSE(added.ok());
  EXPECT_NE(
      added.error().detail.find("the users table in the image of generation 1 is not what its journal gives"),
      std::string::npos)
      << added.error().detail;
  EXPECT_NE(added.error().detail.find("--refold"), std::string::npos) << added.error().detail;
  // A peer's revocation undone: the nodes table.
  auto [revoked, revoked_said] =
      with_change("nodes", "UPDATE nodes SET revoked_reason = 'never' WHERE id = 'central'");
  ASSERT_FALSE(revoked.ok());
  EXPECT_NE(revoked.error().detail.find("the nodes table in the image"), std::string::npos)
      << revoked.error().detail;

  // A kept hash of the node log: named by its level and index.
  auto [log, log_said] =
      with_change("log", "UPDATE log_nodes SET hash = zeroblob(32) WHERE level = 4 AND idx = 1");
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().detail.find("log level 4 index 1"), std::string::npos) << log.error().detail;

  // A trigger: the image is not this version's schema, and the restore folds every event instead.
  auto [trigger, trigger_said] =
      with_change("trigger", "CREATE TRIGGER t AFTER INSERT ON events BEGIN DELETE FROM parties; END");
  ASSERT_TRUE(trigger.ok()) << trigger.status().ToString();
  EXPECT_EQ(trigger->image_size, 0);
  EXPECT_NE(trigger_said.find("storing and folding every event instead"), std::string::npos) << trigger_said;
  EXPECT_EQ(DigestOf(tmp_.Sub("trigger-restored")), live_digest);
  auto db = store::Db::Open(store::DataPaths(tmp_.Sub("trigger-restored")).db(), store::OpenMode::kReadOnly);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*(*db)->QueryInt("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'trigger'"), 0);
}

// `serve --vault` makes images beside its pushes: the first at once in a vault without one, the next only
// once the latest is older than the interval; the pushes of new events go on meanwhile.
TEST_F(VaultTest, TheNodeMakesAnImageBesideItsPushesWhenTheLatestIsDue) {
  std::string root = tmp_.Sub("vault");
  AddParties(city_.node(0), 50, "Before Serving");
  auto run_pusher = [&](std::chrono::milliseconds image_every, const std::function<bool()>& until) {
    std::vector<std::unique_ptr<vault::Target>> targets;
    targets.push_back(std::make_unique<vault::VaultDir>(root));
    auto source = [&] {
      auto db = city_.node(0).Read();
      return vault::LoadBackupSource(city_.dir(0), **db);
    }();
    vault::Pusher pusher(city_.node(0), *source, std::move(targets), std::chrono::milliseconds(20),
                         vault::ImageSchedule{image_every, tmp_.Sub("image-copy")});
    pusher.Start();
    for (int i = 0; i < 1000 && !until(); ++i) {
      AddParties(city_.node(0), 1, fmt::format("While Serving {}", i));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    auto status = pusher.Snapshot();
    pusher.Stop();
    return status;
  };
  vault::VaultDir vault(root);
  auto image_at = [&]() -> int64_t {
    auto latest = vault.LatestGeneration("central");
    if (!latest.ok() || *latest == 0) return 0;
    auto m = ManifestOf(vault, *latest);
    return m.ok() ? m->image_at : 0;
  };
  auto status = run_pusher(std::chrono::hours(1), [&] { return image_at() > 0; });
  ASSERT_GT(image_at(), 0) << "no image within 10 s";
  ASSERT_EQ(status.size(), 1u);
  const int64_t first_image = image_at();

  // An hour has not passed: the pushes go on and name the same image.
  int64_t generation_then = *vault.LatestGeneration("central");
  run_pusher(std::chrono::hours(1),
             [&] { return *vault.LatestGeneration("central") >= generation_then + 5; });
  EXPECT_GE(*vault.LatestGeneration("central"), generation_then + 5);
  EXPECT_EQ(image_at(), first_image);

  // With images due every moment, the next comes, reusing what did not change.
  run_pusher(std::chrono::milliseconds(1), [&] { return image_at() > first_image; });
  ASSERT_GT(image_at(), first_image);
  auto restored = RestoreInto(vault, Key(0), tmp_.Sub("restored"));
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_GT(restored->image_size, 0);
  EXPECT_EQ(restored->events, ManifestOf(vault, *vault.LatestGeneration("central"))->size);
  auto verified = store::VerifyNode(tmp_.Sub("restored"), domain::NodeRegistry());
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_TRUE(verified->intact());
  EXPECT_FALSE(FileExists(tmp_.Sub("image-copy"))) << "the copy is removed once stored";
}

// An HTTP vault in this process, with one credential for the test city and one for another city.
class HttpVaultTest : public VaultTest {
 protected:
  void SetUp() override {
    root_ = tmp_.Sub("vault-service");
    token_ = *http::AddVaultCredential(root_, TestCity::kName);
    other_token_ = *http::AddVaultCredential(root_, "Otherville");
    auto service = http::VaultService::Open(root_);
    ASSERT_TRUE(service.ok());
    service_ = std::move(*service);
    http::ServerOptions options;
    options.port = 0;
    options.body_limit = http::kVaultBodyLimit;
    server_ = std::make_unique<http::Server>(options, [this](http::Request&& req, http::Responder respond) {
      service_->Handle(std::move(req), std::move(respond));
    });
    ASSERT_TRUE(server_->Start().ok());
    url_ = fmt::format("http://127.0.0.1:{}", server_->port());
  }
  void TearDown() override { server_->Stop(); }

  Result<http::ClientResponse> Call(const std::string& token, std::string_view method,
                                    const std::string& target, std::string_view body = {}) {
    http::Client client("127.0.0.1", server_->port());
    std::vector<std::pair<std::string, std::string>> headers;
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    headers.emplace_back("Content-Type", "application/octet-stream");
    return client.Request(method, target, body, headers);
  }

  std::string root_, token_, other_token_, url_;
  std::unique_ptr<http::VaultService> service_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(HttpVaultTest, TheNodesCredentialCanOnlyAdd) {
  auto remote = http::OpenVaultTarget(url_, token_);
  ASSERT_TRUE(remote.ok()) << remote.status().ToString();
  AddParties(city_.node(0), 10, "Backed Up");
  auto pushed = Push(0, **remote);
  ASSERT_TRUE(pushed.ok()) << pushed.status().ToString();
  std::string city_root = root_ + "/cities/testville";
  std::vector<std::string> objects = ObjectFiles(city_root);
  ASSERT_FALSE(objects.empty());
  std::string name = fs::path(objects[0]).filename().string();
  std::string bytes = *ReadFile(objects[0]);
  std::string manifest = *ReadFile(city_root + "/manifests/central/0000000001");

  // Overwrite an object with other bytes, under its name.
  auto overwrite = Call(token_, "PUT", "/v1/objects/" + name, "other bytes");
  ASSERT_TRUE(overwrite.ok());
  EXPECT_EQ(overwrite->status, 422) << overwrite->body;
  EXPECT_EQ(overwrite->Header("content-type"), "application/problem+json");
  // Delete it.
  auto remove = Call(token_, "DELETE", "/v1/objects/" + name);
  ASSERT_TRUE(remove.ok());
  EXPECT_EQ(remove->status, 405) << remove->body;
  // Put the same bytes again: nothing changes.
  auto same = Call(token_, "PUT", "/v1/objects/" + name, bytes);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->status, 200) << same->body;
  EXPECT_EQ(*ReadFile(objects[0]), bytes);
  // Replace a manifest, or delete it.
  auto replace = Call(token_, "PUT", "/v1/manifests/central/1", manifest);
  ASSERT_TRUE(replace.ok());
  EXPECT_EQ(replace->status, 409) << replace->body;
  auto drop = Call(token_, "DELETE", "/v1/manifests/central/1");
  ASSERT_TRUE(drop.ok());
  EXPECT_EQ(drop->status, 405);
  EXPECT_EQ(*ReadFile(city_root + "/manifests/central/0000000001"), manifest);

  // A manifest naming an object the vault lacks: the node signs it, the vault refuses it.
  AddParties(city_.node(0), 3, "Not Uploaded");
  {
    vault::VaultDir scratch(tmp_.Sub("scratch"));  // takes the packs; the manifest goes to the service
    struct Split final : vault::Target {
      vault::Target& objects;
      vault::Target& manifests;
      Split(vault::Target& o, vault::Target& m) : objects(o), manifests(m) {}
      std::string Describe() const override { return manifests.Describe(); }
      Result<bool> PutObject(const std::string& n, std::string_view b) override {
        return objects.PutObject(n, b);
      }
      Result<std::string> GetObject(const std::string& n) override { return manifests.GetObject(n); }
      Status PutManifest(const std::string& node, int64_t g, std::string_view b) override {
        return manifests.PutManifest(node, g, b);
      }
      Result<std::string> GetManifest(const std::string& node, int64_t g) override {
        return manifests.GetManifest(node, g);
      }
      Result<int64_t> LatestGeneration(const std::string& node) override {
        return manifests.LatestGeneration(node);
      }
      Result<std::vector<std::string>> Nodes() override { return manifests.Nodes(); }
    } split(scratch, **remote);
    auto missing = Push(0, split);
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().detail.find("does not hold"), std::string::npos) << missing.error().detail;
  }

  // Another city's credential, no credential, a made-up one.
  auto foreign = Call(other_token_, "PUT", "/v1/manifests/central/2", manifest);
  ASSERT_TRUE(foreign.ok());
  EXPECT_EQ(foreign->status, 403) << foreign->body;
  auto foreign_read = Call(other_token_, "GET", "/v1/objects/" + name);
  ASSERT_TRUE(foreign_read.ok());
  EXPECT_EQ(foreign_read->status, 404) << "another city's credential reads nothing of this city";
  for (const std::string& t : {std::string(), std::string("hfv_made_up")}) {
    auto r = Call(t, "GET", "/v1/objects/" + name);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 401);
  }

  // Everything the node pushed restores over HTTP.
  auto pushed_again = Push(0, **remote);
  ASSERT_TRUE(pushed_again.ok()) << pushed_again.status().ToString();
  auto report = RestoreInto(**remote, Key(0), tmp_.Sub("restored"));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->digest, city_.Digest(0));
}

}  // namespace
}  // namespace holdfast::testing
