// Helpers shared by the tests: the shared vectors folder, temporary directories, a writer whose syncs wait.
#ifndef HOLDFAST_TESTS_TEST_SUPPORT_H_
#define HOLDFAST_TESTS_TEST_SUPPORT_H_

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/files.h"
#include "base/json.h"
#include "store/sqlite.h"
#include "store/writer.h"

namespace holdfast::testing {

// The rest of the first line of `text` that holds `prefix`, after it ("" when no line does): a value a
// command printed, such as `password: …`.
inline std::string LineAfter(const std::string& text, const std::string& prefix) {
  size_t from = 0;
  while (from < text.size()) {
    size_t end = text.find('\n', from);
    if (end == std::string::npos) end = text.size();
    size_t at = text.find(prefix, from);
    if (at != std::string::npos && at < end) return text.substr(at + prefix.size(), end - at - prefix.size());
    from = end + 1;
  }
  return "";
}

// Every table and index of the node database in `dir`, as "type name: CREATE …" lines in name order; empty,
// with a test failure, when it cannot be read.
inline std::vector<std::string> SchemaOf(const std::string& dir) {
  auto db = store::Db::Open(dir + "/node.db", store::OpenMode::kReadOnly);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  if (!db.ok()) return {};
  auto s = (*db)->Prepare(
      "SELECT type || ' ' || name || ': ' || sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name");
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return {};
  std::vector<std::string> out;
  for (;;) {
    auto row = (*s)->Step();
    EXPECT_TRUE(row.ok()) << row.status().ToString();
    if (!row.ok() || !*row) break;
    out.push_back((*s)->Text(0));
  }
  return out;
}

// The path of a file under ../shared/ beside the project root. Fails the test (it never skips) when missing.
inline std::string SharedPath(const std::string& relative) {
  std::string path = std::string(HOLDFAST_SOURCE_DIR) + "/../shared/" + relative;
  if (!std::filesystem::exists(path)) {
    ADD_FAILURE() << "the shared test vectors are missing: expected " << path
                  << " (the shared/ folder must sit beside the project root)";
  }
  return path;
}

inline json::value ReadSharedJson(const std::string& relative) {
  auto text = ReadFile(SharedPath(relative));
  if (!text.ok()) return nullptr;
  auto v = ParseJson(*text, 64);
  return v.ok() ? *v : json::value(nullptr);
}

// A fresh directory, removed with everything in it when the object goes.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "holdfast-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Holds the writer's WAL syncs (store/writer.h) until the test lets them go on, then runs the writer's own
// sync: its commits are made and visible, not yet answered. When it goes, it lets them go and gives the
// writer its own sync back (a sync already under way keeps the gate's state alive: it is shared).
class GatedSync {
 public:
  explicit GatedSync(store::Writer& writer) : writer_(writer), own_(writer.WalSync()) {
    writer.SetWalSync([state = state_, own = own_] {
      {
        std::unique_lock lock(state->mu);
        ++state->waiting;
        state->cv.notify_all();
        state->cv.wait(lock, [&] { return state->open; });
      }
      return own();
    });
  }
  ~GatedSync() {
    Open();
    writer_.SetWalSync(own_);
  }
  GatedSync(const GatedSync&) = delete;
  GatedSync& operator=(const GatedSync&) = delete;

  void WaitUntilASyncWaits() {
    std::unique_lock lock(state_->mu);
    state_->cv.wait(lock, [this] { return state_->waiting > 0; });
  }
  void Open() {
    std::lock_guard lock(state_->mu);
    state_->open = true;
    state_->cv.notify_all();
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    int waiting = 0;
    bool open = false;
  };
  store::Writer& writer_;
  const std::function<Status()> own_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace holdfast::testing

#endif  // HOLDFAST_TESTS_TEST_SUPPORT_H_
