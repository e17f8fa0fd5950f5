// The browser UI's files served beside the API: content types, caching, client-side routes, the page shown
// when the UI is not built, and no way out of the directory.
#include <fstream>

#include "api_fixture.h"
#include "http/static_files.h"

namespace holdfast::testing {
namespace {

void Write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

class StaticSiteTest : public ApiTest {
 protected:
  void SetUp() override {
    site_ = dir_.path() + "-web";
    Write(site_ + "/index.html", "<!doctype html><title>Holdfast</title>");
    Write(site_ + "/assets/index-Abc123.js", "console.log(1)");
    Write(site_ + "/assets/index-Abc123.css", "body{}");
    Write(site_ + "/assets/logo.svg", "<svg/>");
    Write(site_ + "/assets/font.woff2", "wOF2");
    Write(site_ + "/favicon.ico", "ico");
    Write(site_ + "/manifest.json", "{}");
    // A secret beside the site, and a link inside the site that points at it.
    Write(dir_.path() + "-secret.txt", "secret");
    std::filesystem::create_symlink(dir_.path() + "-secret.txt", site_ + "/leak.txt");
    app_options_.web_dir = site_;
    ApiTest::SetUp();
  }
  void TearDown() override {
    ApiTest::TearDown();
    std::filesystem::remove_all(site_);
    std::filesystem::remove(dir_.path() + "-secret.txt");
  }

  http::ClientResponse Get(std::string_view target, std::string_view method = "GET") {
    auto r = NewClient()->Request(method, target);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : http::ClientResponse{};
  }

  std::string site_;
};

TEST_F(StaticSiteTest, ServesFilesWithTheirContentTypeAndCaching) {
  struct Case {
    std::string target, type, cache, body;
  };
  const std::string kForever = "public, max-age=31536000, immutable";
  for (const Case& c : std::vector<Case>{
           {"/", "text/html; charset=utf-8", "no-cache", "<!doctype html><title>Holdfast</title>"},
           {"/index.html", "text/html; charset=utf-8", "no-cache", "<!doctype html><title>Holdfast</title>"},
           {"/assets/index-Abc123.js", "text/javascript; charset=utf-8", kForever, "console.log(1)"},
           {"/assets/index-Abc123.css", "text/css; charset=utf-8", kForever, "body{}"},
           {"/assets/logo.svg", "image/svg+xml", kForever, "<svg/>"},
           {"/assets/font.woff2", "font/woff2", kForever, "wOF2"},
           {"/favicon.ico", "image/x-icon", "no-cache", "ico"},
           {"/manifest.json", "application/json", "no-cache", "{}"},
       }) {
    http::ClientResponse r = Get(c.target);
    EXPECT_EQ(r.status, 200) << c.target;
    EXPECT_EQ(r.Header("content-type"), c.type) << c.target;
    EXPECT_EQ(r.Header("cache-control"), c.cache) << c.target;
    EXPECT_EQ(r.body, c.body) << c.target;
    EXPECT_EQ(r.Header("x-content-type-options"), "nosniff") << c.target;
    // Pages run only the UI's own scripts and cannot be framed by another site; the policy is on pages only.
    const bool page = c.type.starts_with("text/html");
    EXPECT_EQ(r.Header("content-security-policy").find("script-src 'self';") != std::string::npos, page)
        << c.target;
    EXPECT_EQ(r.Header("x-frame-options"), page ? "DENY" : "") << c.target;
  }
  EXPECT_EQ(http::ContentTypeFor("x.png"), "image/png");
  EXPECT_EQ(http::ContentTypeFor("x.bin"), "application/octet-stream");
}

TEST_F(StaticSiteTest, HeadAnswersTheLengthWithoutTheBody) {
  http::ClientResponse r = Get("/assets/index-Abc123.js", "HEAD");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-length"), "14");
  EXPECT_EQ(r.body, "");
  // The connection is still usable: the next answer is not mixed up with a body that was never sent.
  auto client = NewClient();
  ASSERT_TRUE(client->Request("HEAD", "/").ok());
  auto next = client->Get("/manifest.json");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->body, "{}");
}

TEST_F(StaticSiteTest, OtherPathsAreTheUisOwnRoutes) {
  http::ClientResponse r = Get("/pay/100001?x=1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(r.Header("cache-control"), "no-cache");
  EXPECT_EQ(r.body, "<!doctype html><title>Holdfast</title>");
  // A missing hashed asset is a broken link, not a page.
  EXPECT_EQ(Get("/assets/missing-123.js").status, 404);
}

TEST_F(StaticSiteTest, ApiPathsKeepTheirProblemAnswers) {
  Answer missing = Call("GET", "/api/v1/no-such-thing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Type(), "not-found");
  EXPECT_EQ(Call("GET", "/api").status, 404);
  Answer doc = Call("GET", "/api/v1/openapi.json");
  ASSERT_EQ(doc.status, 200);
  // The site is not a route: the API's description does not mention it.
  EXPECT_FALSE(doc.body.as_object().at("paths").as_object().contains("/"));
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  // Methods other than GET and HEAD on a UI path are not served files.
  EXPECT_EQ(Call("POST", "/index.html", "{}").status, 404);
}

TEST_F(StaticSiteTest, RefusesToLeaveItsDirectory) {
  for (std::string target :
       {"/../" + std::filesystem::path(dir_.path() + "-secret.txt").filename().string(),
        std::string("/assets/../../etc/passwd"), std::string("/%2e%2e/%2e%2e/etc/passwd"),
        std::string("/%2E%2E%2Fetc%2Fpasswd"), std::string("/assets/%2e%2e/index.html"),
        std::string("/..%5c..%5cetc%5cpasswd"), std::string("/./index.html"),
        std::string("/leak.txt/%2e%2e/%2e%2e/etc/passwd")}) {
    http::ClientResponse r = Get(target);
    EXPECT_EQ(r.status, 404) << target << " answered " << r.body;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << target;
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << target;
  }
  // A link inside the directory that points outside it is not followed; the path is then a UI route.
  http::ClientResponse leak = Get("/leak.txt");
  EXPECT_EQ(leak.body.find("secret"), std::string::npos);
  EXPECT_EQ(leak.body, "<!doctype html><title>Holdfast</title>");
}

TEST_F(StaticSiteTest, SaysHowToBuildTheUiWhenItIsMissing) {
  std::filesystem::remove_all(site_);
  for (const char* target : {"/", "/pay"}) {
    http::ClientResponse r = Get(target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(r.Header("content-type"), "text/html; charset=utf-8");
    EXPECT_NE(r.body.find("make build"), std::string::npos) << r.body;
  }
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace holdfast::testing
