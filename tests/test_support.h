// Helpers shared by the tests: the shared vectors folder, temporary directories.
#ifndef HOLDFAST_TESTS_TEST_SUPPORT_H_
#define HOLDFAST_TESTS_TEST_SUPPORT_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "base/files.h"
#include "base/json.h"

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

}  // namespace holdfast::testing

#endif  // HOLDFAST_TESTS_TEST_SUPPORT_H_
