#include "journal/event.h"

#include <gtest/gtest.h>

#include "journal/certificate.h"
#include "journal/hlc.h"
#include "journal/seal.h"

namespace holdfast::journal {
namespace {

Event Sample() {
  return Event{"central",
               1,
               "",
               {1767225600000, 0},
               "u-central-1",
               "party.created",
               json::object{{"name", "Zoë"}, {"amount_cents", 1250}}};
}

TEST(Event, EncodesCanonicallyWithSortedEnvelope) {
  auto se = Encode(Sample());
  ASSERT_TRUE(se.ok());
  EXPECT_EQ(se->bytes,
            "{\"actor\":\"u-central-1\",\"data\":{\"amount_cents\":1250,\"name\":\"Zo\xc3\xab\"},\"feed\":"
            "\"central\","
            "\"prev\":\"\",\"seq\":1,\"tick\":0,\"time\":1767225600000,\"type\":\"party.created\",\"v\":1}");
  EXPECT_EQ(se->hash, Sha256(se->bytes));
  auto back = Decode(se->bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->event.data, se->event.data);
  EXPECT_EQ(back->hash, se->hash);
}

// A restore reads the chain link of an image's events without parsing their data: the data may hold anything
// that looks like the envelope, and the tail is still the envelope's.
TEST(Event, TheEnvelopeTailIsReadWithoutTheDataAndOnlyAsEncodeWroteIt) {
  Event e = Sample();
  e.seq = 7;
  e.prev = std::string(64, 'a');
  e.stamp = {1767225600123, 4};
  e.data = json::object{{"feed", "evil"}, {"note", ",\"feed\":\"x\",\"prev\":\"\",\"seq\":1,\"v\":1}"}};
  std::string bytes = Encode(e)->bytes;
  auto tail = ReadEnvelopeTail(bytes);
  ASSERT_TRUE(tail.has_value());
  EXPECT_EQ(tail->feed, "central");
  EXPECT_EQ(tail->prev, e.prev);
  EXPECT_EQ(tail->seq, 7);
  EXPECT_EQ(tail->tick, 4);
  EXPECT_EQ(tail->time, 1767225600123);
  EXPECT_EQ(tail->type, "party.created");
  auto first = ReadEnvelopeTail(Encode(Sample())->bytes);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->seq, 1);
  EXPECT_TRUE(first->prev.empty());

  auto changed = [&](std::string_view from, std::string_view to) {
    std::string b = bytes;
    size_t at = b.rfind(from);
    EXPECT_NE(at, std::string::npos) << from;
    return b.replace(at, from.size(), to);
  };
  EXPECT_FALSE(ReadEnvelopeTail(bytes + " ").has_value());
  EXPECT_FALSE(ReadEnvelopeTail(changed("\"v\":1}", "\"v\":2}")).has_value());
  EXPECT_FALSE(ReadEnvelopeTail(changed("\"seq\":7", "\"seq\":07")).has_value());
  EXPECT_FALSE(ReadEnvelopeTail(changed("\"seq\":7", "\"seq\":-7")).has_value());
  EXPECT_FALSE(ReadEnvelopeTail(changed("\"tick\":4", "\"tick\":-0")).has_value());
  EXPECT_FALSE(ReadEnvelopeTail(changed("\"seq\":7", "\"seq\":1")).has_value());  // seq 1 has no prev
  EXPECT_FALSE(ReadEnvelopeTail(changed("\"feed\":\"central\"", "\"feed\":\"Central\"")).has_value());
  EXPECT_FALSE(
      ReadEnvelopeTail(changed("\"type\":\"party.created\"", "\"type\":\"party created\"")).has_value());
  EXPECT_FALSE(ReadEnvelopeTail(changed(std::string(64, 'a'), std::string(63, 'a'))).has_value());
  EXPECT_FALSE(ReadEnvelopeTail(changed(",\"tick\":4", "")).has_value());
  EXPECT_FALSE(ReadEnvelopeTail("").has_value());
}

TEST(Event, DecodeRejectsAnythingNotExactlyAValidEvent) {
  std::string good = Encode(Sample())->bytes;
  EXPECT_FALSE(Decode(good + " ").ok());   // not canonical
  EXPECT_FALSE(Decode("{\"v\":1}").ok());  // members missing
  std::string bad_version = good;
  bad_version.replace(bad_version.find("\"v\":1"), 5, "\"v\":2");
  EXPECT_FALSE(Decode(bad_version).ok());
  Event e = Sample();
  e.seq = 2;  // seq > 1 needs a 64-hex prev
  EXPECT_FALSE(Encode(e).ok());
  e.prev = std::string(64, 'a');
  EXPECT_TRUE(Encode(e).ok());
  e.prev = std::string(64, 'A');
  EXPECT_FALSE(Encode(e).ok());
  e = Sample();
  e.feed = "Central";
  EXPECT_FALSE(Encode(e).ok());
  e = Sample();
  e.data["amount"] = 12.5;
  EXPECT_FALSE(Encode(e).ok());
}

TEST(Seal, VerifiesOnlyTheSignedHead) {
  KeyPair k = GenerateSigningKey();
  Seal s = MakeSeal(k.secret_key, "central", 7, std::string(64, 'b'));
  EXPECT_EQ(SealMessage("central", 7, std::string(64, 'b')),
            "holdfast-seal v1\ncentral\n7\n" + std::string(64, 'b') + "\n");
  EXPECT_TRUE(VerifySeal(k.public_key, s));
  Seal other = s;
  other.seq = 8;
  EXPECT_FALSE(VerifySeal(k.public_key, other));
  EXPECT_FALSE(VerifySeal(GenerateSigningKey().public_key, s));
}

TEST(Certificate, BindsCityNodeAndKey) {
  KeyPair city = GenerateSigningKey(), node = GenerateSigningKey();
  Bytes cert = CertifyNode(city.secret_key, "Springfield", "central", node.public_key);
  EXPECT_TRUE(VerifyNodeCertificate(city.public_key, "Springfield", "central", Hex(node.public_key), cert));
  EXPECT_FALSE(VerifyNodeCertificate(city.public_key, "Springfield", "office", Hex(node.public_key), cert));
  EXPECT_FALSE(VerifyNodeCertificate(city.public_key, "Shelbyville", "central", Hex(node.public_key), cert));
}

TEST(HybridClock, NeverRunsBackwardsAndRefusesFarFutureStamps) {
  FakeClock wall(1000000);
  HybridClock hlc(wall, {0, 0}, 60000);
  Stamp a = hlc.Now();
  EXPECT_EQ(a, (Stamp{1000000, 0}));
  wall.Set(999000);  // the wall clock steps back
  Stamp b = hlc.Now();
  EXPECT_GT(b, a);
  EXPECT_TRUE(hlc.Observe({1050000, 3}).ok());
  EXPECT_GT(hlc.Now(), (Stamp{1050000, 3}));
  Status far = hlc.Observe({999000 + 60001 + 1000, 0});
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.error().type, "clock-drift");
}

}  // namespace
}  // namespace holdfast::journal
