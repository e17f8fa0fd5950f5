#include "vault/pack.h"

#include <fmt/format.h>

#include <cstring>

namespace holdfast::vault {
namespace {

constexpr std::string_view kMagic = "holdfast-pack v1\n";

template <typename T>
void Put(std::string* out, T v) {
  char b[sizeof(T)];
  for (size_t i = 0; i < sizeof(T); ++i)
    b[i] = static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff);
  out->append(b, sizeof(T));
}

class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  template <typename T>
  Result<T> Get(std::string_view what) {
    if (b_.size() - at_ < sizeof(T)) return Cut(what);
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v |= uint64_t{static_cast<uint8_t>(b_[at_ + i])} << (8 * i);
    at_ += sizeof(T);
    return static_cast<T>(v);
  }
  Result<std::string_view> Take(size_t n, std::string_view what) {
    if (b_.size() - at_ < n) return Cut(what);
    std::string_view v = b_.substr(at_, n);
    at_ += n;
    return v;
  }
  bool done() const { return at_ == b_.size(); }
  size_t at() const { return at_; }

 private:
  Error Cut(std::string_view what) const {
    return MakeError(Code::kCorrupt, fmt::format("pack cut short in {} at byte {}", what, at_), "bad-pack");
  }
  std::string_view b_;
  size_t at_ = 0;
};

}  // namespace

std::string EncodePack(const Pack& pack) {
  std::string out(kMagic);
  size_t total = 0;
  for (const auto& e : pack.events) total += e.size() + 4;
  out.reserve(out.size() + 16 + total + pack.seals.size() * 120);
  Put<uint64_t>(&out, static_cast<uint64_t>(pack.first));
  Put<uint32_t>(&out, static_cast<uint32_t>(pack.events.size()));
  for (const auto& e : pack.events) {
    Put<uint32_t>(&out, static_cast<uint32_t>(e.size()));
    out += e;
  }
  Put<uint32_t>(&out, static_cast<uint32_t>(pack.seals.size()));
  for (const auto& s : pack.seals) {
    Put<uint8_t>(&out, static_cast<uint8_t>(s.feed.size()));
    out += s.feed;
    Put<uint64_t>(&out, static_cast<uint64_t>(s.seq));
    auto hash = FromHex(s.hash).value_or(Bytes(32));
    out.append(reinterpret_cast<const char*>(hash.data()), hash.size());
    out.append(reinterpret_cast<const char*>(s.signature.data()), s.signature.size());
  }
  return out;
}

Result<Pack> DecodePack(std::string_view bytes) {
  auto bad = [](std::string detail) { return MakeError(Code::kCorrupt, std::move(detail), "bad-pack"); };
  if (!bytes.starts_with(kMagic)) return bad("not a pack: its first line is not \"holdfast-pack v1\"");
  Reader r(bytes.substr(kMagic.size()));
  Pack pack;
  HF_ASSIGN_OR_RETURN(uint64_t first, r.Get<uint64_t>("its first position"));
  HF_ASSIGN_OR_RETURN(uint32_t count, r.Get<uint32_t>("its event count"));
  if (first > (uint64_t{1} << 53)) return bad("pack's first position is out of range");
  pack.first = static_cast<int64_t>(first);
  pack.events.reserve(std::min<uint32_t>(count, kPackMaxEvents));
  for (uint32_t i = 0; i < count; ++i) {
    HF_ASSIGN_OR_RETURN(uint32_t len, r.Get<uint32_t>(fmt::format("event {}", i)));
    HF_ASSIGN_OR_RETURN(std::string_view body, r.Take(len, fmt::format("event {}", i)));
    pack.events.emplace_back(body);
  }
  HF_ASSIGN_OR_RETURN(uint32_t seals, r.Get<uint32_t>("its seal count"));
  for (uint32_t i = 0; i < seals; ++i) {
    std::string what = fmt::format("seal {}", i);
    journal::Seal s;
    HF_ASSIGN_OR_RETURN(uint8_t feed_len, r.Get<uint8_t>(what));
    HF_ASSIGN_OR_RETURN(std::string_view feed, r.Take(feed_len, what));
    HF_ASSIGN_OR_RETURN(uint64_t seq, r.Get<uint64_t>(what));
    HF_ASSIGN_OR_RETURN(std::string_view hash, r.Take(32, what));
    HF_ASSIGN_OR_RETURN(std::string_view sig, r.Take(64, what));
    s.feed = std::string(feed);
    s.seq = static_cast<int64_t>(seq);
    s.hash = Hex(AsBytes(hash));
    s.signature.assign(sig.begin(), sig.end());
    pack.seals.push_back(std::move(s));
  }
  if (!r.done()) return bad("pack has bytes after its last seal");
  return pack;
}

Result<Pack> ReadPack(store::Db& db, int64_t first, int64_t end) {
  Pack pack;
  pack.first = first;
  size_t bytes = 0;
  {
    HF_ASSIGN_OR_RETURN(
        store::StmtRef s,
        db.Prepare("SELECT stored, body FROM events WHERE stored>=? AND stored<? ORDER BY stored"));
    s->Bind(1, first).Bind(2, end);
    int64_t want = first;
    while (true) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      if (s->Int(0) != want) return Corrupt(fmt::format("the node log has no event at position {}", want));
      auto body = s->Blob(1);
      pack.events.emplace_back(reinterpret_cast<const char*>(body.data()), body.size());
      bytes += body.size();
      ++want;
      if (static_cast<int64_t>(pack.events.size()) >= kPackMaxEvents || bytes >= kPackMaxBytes) break;
    }
    if (pack.events.empty()) return Corrupt(fmt::format("the node log has no event at position {}", first));
  }
  int64_t last = first + static_cast<int64_t>(pack.events.size()) - 1;
  HF_ASSIGN_OR_RETURN(store::StmtRef s, db.Prepare("SELECT s.feed, s.seq, s.hash, s.signature FROM seals s "
                                                   "JOIN events e ON e.feed=s.feed AND e.seq=s.seq "
                                                   "WHERE e.stored>=? AND e.stored<=? ORDER BY e.stored"));
  s->Bind(1, first).Bind(2, last);
  while (true) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    journal::Seal seal;
    seal.feed = s->Text(0);
    seal.seq = s->Int(1);
    seal.hash = Hex(s->Blob(2));
    auto sig = s->Blob(3);
    seal.signature.assign(sig.begin(), sig.end());
    pack.seals.push_back(std::move(seal));
  }
  return pack;
}

}  // namespace holdfast::vault
