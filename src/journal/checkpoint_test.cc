#include "journal/checkpoint.h"

#include <gtest/gtest.h>

namespace holdfast::journal {
namespace {

TEST(CheckpointTest, ASignedCheckpointOpensOnlyUnchangedAndUnderItsKey) {
  KeyPair key = GenerateSigningKey();
  Checkpoint c{LogOrigin("Kansas City", "central"), 12345, Sha256(std::string_view("root"))};
  std::string note = SignCheckpoint(c, key.secret_key, key.public_key);
  EXPECT_TRUE(note.starts_with("Kansas City/holdfast/central\n12345\n")) << note;
  EXPECT_NE(note.find("\n\n\xE2\x80\x94 Kansas_City/holdfast/central "), std::string::npos) << note;
  auto opened = OpenCheckpoint(note, key.public_key);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->origin, c.origin);
  EXPECT_EQ(opened->size, c.size);
  EXPECT_EQ(opened->root, c.root);

  // Another signer's line before ours is skipped.
  std::string with_other = note;
  with_other.insert(with_other.find("\n\n") + 2, "\xE2\x80\x94 witness.example AAAA\n");
  EXPECT_TRUE(OpenCheckpoint(with_other, key.public_key).ok());

  KeyPair other = GenerateSigningKey();
  EXPECT_FALSE(OpenCheckpoint(note, other.public_key).ok());
  std::string bigger = note;
  bigger.replace(bigger.find("12345"), 5, "12346");
  EXPECT_EQ(OpenCheckpoint(bigger, key.public_key).status().error().type, "bad-checkpoint");
  std::string renamed = note;
  renamed.replace(0, 6, "Topeka");
  EXPECT_FALSE(OpenCheckpoint(renamed, key.public_key).ok());
  for (std::string_view garbage : {"", "\n\n", "x\n1\n\n", "a\nb\nc\n\n", "a\n1\nAAAA\n\n— a AAAA\n"}) {
    EXPECT_FALSE(OpenCheckpoint(garbage, key.public_key).ok()) << garbage;
  }
  // Every cut of the note fails cleanly.
  for (size_t cut = 0; cut + 1 < note.size(); ++cut) {
    EXPECT_FALSE(OpenCheckpoint(note.substr(0, cut), key.public_key).ok()) << cut;
  }
}

}  // namespace
}  // namespace holdfast::journal
