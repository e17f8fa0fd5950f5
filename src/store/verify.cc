#include "store/verify.h"

#include <fmt/format.h>

#include <map>

#include "journal/certificate.h"
#include "journal/event.h"
#include "journal/seal.h"
#include "store/journal.h"
#include "store/node.h"
#include "store/node_log.h"

namespace holdfast::store {
namespace {

std::string UriPath(const std::string& path) {
  std::string out = "file:";
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      out += fmt::format("%{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out + "?mode=ro";
}

struct FeedState {
  int64_t last_seq = 0;
  std::string last_hash;
};

class Verifier {
 public:
  Verifier(const std::string& dir, const Registry& registry, std::string db)
      : paths_(dir), db_path_(db.empty() ? paths_.db() : std::move(db)), registry_(registry) {}

  Result<VerifyReport> Run(const std::function<void(std::string_view)>& progress, VerifySteps steps) {
    auto say = [&](std::string_view s) {
      if (progress) progress(s);
    };
    if (!FileExists(db_path_)) return NotFound(fmt::format("no node database at {}", db_path_));
    HF_ASSIGN_OR_RETURN(city_key_, ReadCityPublicKey(paths_));
    // A scratch database with the node's schema; the live one is attached read-only.
    HF_ASSIGN_OR_RETURN(scratch_, Db::Open("", OpenMode::kReadWrite));
    HF_RETURN_IF_ERROR(CreateSchema(*scratch_, registry_));
    HF_ASSIGN_OR_RETURN(StmtRef attach, scratch_->Prepare("ATTACH ? AS live"));
    HF_RETURN_IF_ERROR(attach->Bind(1, UriPath(db_path_)).Run());
    HF_ASSIGN_OR_RETURN(auto city, ScalarText("SELECT value FROM live.meta WHERE key='city'"));
    city_ = city;
    // Tables built as another version declared them (a column fewer) cannot be compared row by row.
    HF_ASSIGN_OR_RETURN(std::unique_ptr<Db> live, Db::Open(db_path_, OpenMode::kReadOnly));
    HF_ASSIGN_OR_RETURN(bool current, StateSchemaIsCurrent(*live, registry_));
    if (!current && steps.refold) {
      return Conflict(fmt::format("the state tables in {} were built by another version of holdfast: start "
                                  "the node once or run `holdfast rebuild --data {}`, then verify",
                                  db_path_, paths_.dir),
                      "state-schema-outdated");
    }

    say("checking event hashes and chains");
    HF_RETURN_IF_ERROR(CheckEvents());
    say("checking node certificates and seals");
    HF_RETURN_IF_ERROR(CheckSeals());
    if (steps.node_log) {
      say("checking the node log");
      HF_RETURN_IF_ERROR(CheckNodeLog());
    }
    if (!steps.refold) return std::move(report_);
    say("refolding every aggregate from the journal");
    HF_RETURN_IF_ERROR(scratch_->Exec("INSERT OR IGNORE INTO main.events SELECT * FROM live.events"));
    // Events already reported as unreadable are left out of the refold; the state they fed is then reported
    // too.
    for (const auto& [feed, seq] : unreadable_) {
      HF_ASSIGN_OR_RETURN(StmtRef del, scratch_->Prepare("DELETE FROM main.events WHERE feed=? AND seq=?"));
      HF_RETURN_IF_ERROR(del->BindAll(feed, seq).Run());
    }
    HF_RETURN_IF_ERROR(RebuildState(*scratch_, registry_));
    say("comparing state tables");
    HF_RETURN_IF_ERROR(CompareTables());
    return std::move(report_);
  }

 private:
  void Add(std::string where, std::string what) {
    report_.problems.push_back({std::move(where), std::move(what)});
  }

  Result<std::string> ScalarText(std::string_view sql) {
    HF_ASSIGN_OR_RETURN(StmtRef s, scratch_->Prepare(sql));
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    return row ? s->Text(0) : std::string();
  }

  // The node log's kept hashes against the ones the events give (store/node_log.h).
  Status CheckNodeLog() {
    HF_ASSIGN_OR_RETURN(std::unique_ptr<Db> live, Db::Open(db_path_, OpenMode::kReadOnly));
    HF_ASSIGN_OR_RETURN(std::vector<std::string> problems, CheckLog(*live));
    for (const std::string& p : problems) {
      size_t colon = p.find(": ");
      Add(p.substr(0, colon), colon == std::string::npos ? "" : p.substr(colon + 2));
    }
    return Status::Ok();
  }

  Status CheckEvents() {
    HF_ASSIGN_OR_RETURN(StmtRef s, scratch_->Prepare("SELECT feed, seq, hash, body, time, tick, type, stored "
                                                     "FROM live.events ORDER BY feed, seq"));
    int64_t max_stored = -1;
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      ++report_.events;
      std::string feed = s->Text(0);
      int64_t seq = s->Int(1);
      std::string where = fmt::format("event {}/{}", feed, seq);
      std::string body(AsChars(s->Blob(3)));
      Hash actual = Sha256(body);
      std::string actual_hex = Hex(actual);
      max_stored = std::max(max_stored, s->Int(7));
      if (Hex(s->Blob(2)) != actual_hex) {
        Add(where, "its bytes do not match its stored hash (the event was edited)");
      }
      auto decoded = journal::Decode(body);
      if (!decoded.ok()) {
        Add(where, "its bytes are not a valid event: " + decoded.error().detail);
        unreadable_.emplace_back(feed, seq);
      } else {
        const journal::Event& e = decoded->event;
        if (e.feed != feed || e.seq != seq) {
          Add(where,
              fmt::format("its bytes say it is event {}/{} (events were moved or swapped)", e.feed, e.seq));
        }
        if (e.stamp.time != s->Int(4) || e.stamp.tick != s->Int(5) || e.type != s->TextView(6)) {
          Add(where, "its time, tick or type columns differ from its bytes");
        }
        if (e.type == journal::kNodeEnrolledType) enrollments_.push_back(e);
        FeedState& f = feeds_[feed];
        if (seq != f.last_seq + 1) {
          Add(where,
              f.last_seq + 1 == seq - 1
                  ? fmt::format("event {}/{} is missing (deleted)", feed, f.last_seq + 1)
                  : fmt::format("events {}/{}..{} are missing (deleted)", feed, f.last_seq + 1, seq - 1));
        } else if (e.prev != f.last_hash) {
          Add(where, fmt::format("its prev link does not match the hash of event {}/{} (the chain is broken)",
                                 feed, seq - 1));
        }
      }
      feeds_[feed].last_seq = seq;
      feeds_[feed].last_hash = actual_hex;
    }
    report_.feeds = static_cast<int64_t>(feeds_.size());
    if (max_stored + 1 != report_.events) {
      Add("node log",
          fmt::format("the log has gaps: {} events stored at positions 0 to {} (events were deleted)",
                      report_.events, max_stored));
    }
    return Status::Ok();
  }

  Status CheckSeals() {
    std::map<std::string, Bytes> keys;
    for (const journal::Event& e : enrollments_) {
      std::string node(StringOr(e.data, "node"));
      std::string pub(StringOr(e.data, "public_key"));
      auto cert = FromHex(StringOr(e.data, "certificate"));
      auto key = FromHex(pub);
      if (!cert || !key || !journal::VerifyNodeCertificate(city_key_, city_, node, pub, *cert)) {
        Add(fmt::format("event {}/{}", e.feed, e.seq),
            fmt::format("the enrollment of node {} is not certified by the city key in {}", node,
                        paths_.city_pub()));
        continue;
      }
      keys[node] = *key;
    }
    std::map<std::string, int64_t> sealed_head;
    HF_ASSIGN_OR_RETURN(
        StmtRef s,
        scratch_->Prepare(
            "SELECT s.feed, s.seq, s.hash, s.signature, e.hash FROM live.seals s "
            "LEFT JOIN live.events e ON e.feed = s.feed AND e.seq = s.seq ORDER BY s.feed, s.seq"));
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      ++report_.seals;
      journal::Seal seal{s->Text(0), s->Int(1), Hex(s->Blob(2)), Bytes(s->Blob(3).begin(), s->Blob(3).end())};
      std::string where = fmt::format("seal {}/{}", seal.feed, seal.seq);
      auto key = keys.find(seal.feed);
      if (key == keys.end()) {
        Add(where, fmt::format("no certified key for feed {}", seal.feed));
        continue;
      }
      if (!journal::VerifySeal(key->second, seal)) {
        Add(where, "the signature does not verify (the seal was changed or forged)");
        continue;
      }
      if (s->IsNull(4)) {
        Add(where, fmt::format("it seals event {}/{}, which is missing (deleted)", seal.feed, seal.seq));
      } else if (Hex(s->Blob(4)) != seal.hash) {
        Add(where, fmt::format("it seals a different event {}/{} than the one stored", seal.feed, seal.seq));
      }
      sealed_head[seal.feed] = std::max(sealed_head[seal.feed], seal.seq);
    }
    for (const auto& [feed, state] : feeds_) {
      if (!keys.contains(feed)) Add(fmt::format("feed {}", feed), "no certified key for this feed");
      if (sealed_head[feed] < state.last_seq) {
        Add(fmt::format("event {}/{}", feed, state.last_seq),
            fmt::format(
                "feed {} ends at seq {} but is sealed only up to seq {} (events were added or the seal "
                "removed)",
                feed, state.last_seq, sealed_head[feed]));
      }
    }
    return Status::Ok();
  }

  Status CompareTables() {
    for (const StateTable* t : DerivedTables(registry_)) {
      HF_ASSIGN_OR_RETURN(int64_t n,
                          scratch_->QueryInt(fmt::format("SELECT COUNT(*) FROM live.{}", t->name)));
      report_.rows += n;
      HF_RETURN_IF_ERROR(
          Diff(*t, "live", "main", "the live row is not what the journal gives (edited or added directly)"));
      HF_RETURN_IF_ERROR(
          Diff(*t, "main", "live", "the row the journal gives is missing or different in the live table"));
    }
    return Status::Ok();
  }

  // Reports the rows of `from`.T that are not in `other`.T, named by the table's key columns.
  Status Diff(const StateTable& t, std::string_view from, std::string_view other, std::string_view message) {
    std::string keys;
    for (const auto& k : t.key_columns) keys += (keys.empty() ? "" : ", ") + k;
    HF_ASSIGN_OR_RETURN(
        StmtRef s,
        scratch_->Prepare(fmt::format(
            "SELECT {0} FROM (SELECT * FROM {1}.{2} EXCEPT SELECT * FROM {3}.{2}) ORDER BY {0} LIMIT 1000",
            keys, from, t.name, other)));
    std::string last;
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      std::string name;
      for (size_t i = 0; i < t.key_columns.size(); ++i) {
        name += fmt::format("{}{}={}", i ? " " : "", t.key_columns[i], s->Text(static_cast<int>(i)));
      }
      if (name == last) continue;
      last = name;
      Add(fmt::format("table {} row {}", t.name, name), std::string(message));
    }
    return Status::Ok();
  }

  DataPaths paths_;
  std::string db_path_;
  const Registry& registry_;
  Bytes city_key_;
  std::string city_;
  std::unique_ptr<Db> scratch_;
  VerifyReport report_;
  std::map<std::string, FeedState> feeds_;
  std::vector<journal::Event> enrollments_;
  std::vector<std::pair<std::string, int64_t>> unreadable_;
};

}  // namespace

Result<VerifyReport> VerifyNode(const std::string& dir, const Registry& registry,
                                const std::function<void(std::string_view)>& progress, VerifySteps steps) {
  Verifier v(dir, registry, steps.db);
  return v.Run(progress, steps);
}

}  // namespace holdfast::store
