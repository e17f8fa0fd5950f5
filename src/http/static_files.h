// The browser UI's built files (web/dist), served at "/" beside the JSON API by the same process.
//
// A GET or HEAD for a path outside /api/ that no route answers is looked up under the site's directory:
//   - a regular file there is answered with the Content-Type of its extension and a Cache-Control header:
//     files under /assets/ carry a content hash in their names and may be cached for a year ("immutable");
//     every other file (index.html above all) must be revalidated ("no-cache");
//   - any other path is the UI's own (client-side) route and is answered with index.html;
//   - a path with a "." or ".." segment, a backslash or a NUL byte is refused (404) before the file system is
//     asked, and a file whose real path (symbolic links resolved) is outside the directory is never served.
// When the directory has no index.html (the UI was not built) every such path answers a short HTML 404 page
// that says how to build it.
#ifndef HOLDFAST_HTTP_STATIC_FILES_H_
#define HOLDFAST_HTTP_STATIC_FILES_H_

#include <filesystem>
#include <string>
#include <string_view>

#include "http/message.h"

namespace holdfast::http {

class StaticSite {
 public:
  // `root` need not exist yet; it is looked at on each request, so a rebuilt UI is served without a restart.
  explicit StaticSite(std::filesystem::path root);

  // True for requests this site answers: GET or HEAD of a path not under /api/.
  static bool Serves(std::string_view method, std::string_view path);
  // The answer to a GET (or HEAD) of the percent-decoded `path`. Thread-safe.
  Response Serve(std::string_view path) const;

  const std::filesystem::path& root() const { return root_; }

 private:
  Response File(const std::filesystem::path& file, bool immutable) const;

  std::filesystem::path root_;
};

// The Content-Type for a file name by its extension; "application/octet-stream" for unknown ones.
std::string_view ContentTypeFor(std::string_view file_name);

}  // namespace holdfast::http

#endif  // HOLDFAST_HTTP_STATIC_FILES_H_
