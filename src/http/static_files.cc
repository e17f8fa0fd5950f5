#include "http/static_files.h"

#include <array>
#include <system_error>
#include <utility>

#include "base/files.h"
#include "http/router.h"

namespace holdfast::http {
namespace {

namespace fs = std::filesystem;

// What a page of the UI may load: its own scripts, styles, fonts and images (Vite inlines small ones as data:
// URLs), and calls to this node only.
constexpr const char* kPagePolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

constexpr std::string_view kNotBuilt = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Holdfast: the web UI is not built</title></head>
<body><main><h1>The web UI is not built</h1>
<p>This node serves its JSON API under <a href="/api/v1/openapi.json">/api/v1/</a>, but the browser UI's files
were not found. Build them with <code>make build</code> (or <code>npm ci &amp;&amp; npm run build</code> in
<code>web/</code>), or start the node with <code>--web DIR</code> naming the built files.</p></main></body></html>
)";

Response NotFoundPage(std::string_view why) {
  Response r = Response::Text(404, std::string(why) + "\n");
  return r;
}

// True when `inner` is `root` or lies below it; both absolute and canonical.
bool Within(const fs::path& root, const fs::path& inner) {
  auto r = root.begin(), i = inner.begin();
  for (; r != root.end(); ++r, ++i) {
    if (i == inner.end() || *r != *i) return false;
  }
  return true;
}

}  // namespace

std::string_view ContentTypeFor(std::string_view file_name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 17> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".webp", "image/webp"},
      {".gif", "image/gif"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".ttf", "font/ttf"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
  }};
  for (const auto& [ext, type] : kTypes) {
    if (file_name.size() > ext.size() && file_name.ends_with(ext)) return type;
  }
  return "application/octet-stream";
}

StaticSite::StaticSite(fs::path root) : root_(std::move(root)) {}

bool StaticSite::Serves(std::string_view method, std::string_view path) {
  if (method != "GET" && method != "HEAD") return false;
  return path != "/api" && !path.starts_with("/api/");
}

Response StaticSite::Serve(std::string_view path) const {
  std::error_code ec;
  fs::path root = fs::canonical(root_, ec);
  if (ec || !fs::is_regular_file(root / "index.html", ec)) {
    Response r = Response::Text(404, std::string(kNotBuilt), "text/html; charset=utf-8");
    return r;
  }
  if (path.empty() || path.front() != '/') return NotFoundPage("not found");
  // Refuse what could name something outside the directory before the file system is asked.
  fs::path relative;
  for (std::string_view segment : SplitPath(path)) {
    if (segment == "." || segment == ".." || segment.find('\\') != std::string_view::npos ||
        segment.find('\0') != std::string_view::npos) {
      return NotFoundPage("not found");
    }
    if (!segment.empty()) relative /= std::string(segment);
  }
  if (!relative.empty()) {
    fs::path file = fs::canonical(root / relative, ec);
    if (!ec && Within(root, file) && fs::is_regular_file(file, ec)) {
      return File(file, path.starts_with("/assets/"));
    }
    // A missing file under /assets/ (or a name with an extension) is a broken link, not a page of the UI.
    if (path.starts_with("/assets/")) return NotFoundPage("not found");
  }
  return File(root / "index.html", false);
}

Response StaticSite::File(const fs::path& file, bool immutable) const {
  auto bytes = ReadFile(file.string());
  if (!bytes.ok()) return NotFoundPage("not found");
  Response r;
  r.status = 200;
  r.content_type = std::string(ContentTypeFor(file.filename().string()));
  r.body = std::move(*bytes);
  r.headers.emplace_back("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  if (r.content_type.starts_with("text/html")) {
    // The page runs only the UI's own files and speaks only to this node; no other site may frame it (a
    // payment form must not be overlaid) or learn from the Referer which page a resident was on.
    r.headers.emplace_back("Content-Security-Policy", kPagePolicy);
    r.headers.emplace_back("X-Frame-Options", "DENY");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
  }
  return r;
}

}  // namespace holdfast::http
