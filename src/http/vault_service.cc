#include "http/vault_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "base/crypto.h"
#include "base/files.h"
#include "base/json.h"
#include "http/client.h"
#include "http/peer_sync.h"
#include "http/router.h"
#include "journal/event.h"
#include "vault/object.h"

namespace holdfast::http {
namespace {

Result<int64_t> ParseGeneration(std::string_view s) {
  int64_t g = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), g);
  if (ec != std::errc() || p != s.data() + s.size() || g < 1)
    return Invalid(fmt::format("{:?} is not a generation", std::string(s)));
  return g;
}

std::string CredentialsPath(const std::string& root) { return root + "/credentials"; }

// A folder name for a city: its letters and digits, lower case, joined by '-'.
std::string Folder(std::string_view city) {
  std::string out;
  for (char c : city) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "city" : out.substr(0, 64);
}

struct CredentialLine {
  std::string hash, folder, city;
};

Result<std::vector<CredentialLine>> ReadCredentials(const std::string& root) {
  std::vector<CredentialLine> lines;
  std::string path = CredentialsPath(root);
  if (!FileExists(path)) return lines;
  HF_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  size_t at = 0;
  while (at < text.size()) {
    size_t nl = text.find('\n', at);
    std::string_view line =
        std::string_view(text).substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    at = nl == std::string::npos ? text.size() : nl + 1;
    if (line.empty() || line.front() == '#') continue;
    size_t a = line.find(' ');
    size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
    if (b == std::string_view::npos)
      return Corrupt(fmt::format("{}: a line is not \"hash folder city\"", path));
    lines.push_back({std::string(line.substr(0, a)), std::string(line.substr(a + 1, b - a - 1)),
                     std::string(line.substr(b + 1))});
  }
  return lines;
}

Response Octets(std::string body) {
  Response r;
  r.status = 200;
  r.content_type = "application/octet-stream";
  r.body = std::move(body);
  return r;
}

}  // namespace

Result<std::string> AddVaultCredential(const std::string& root, const std::string& city) {
  if (city.empty() || city.size() > 100 || city.find('\n') != std::string::npos)
    return Invalid("the city name must be 1 to 100 characters on one line");
  HF_RETURN_IF_ERROR(MakeDirectories(root + "/cities", 0700));
  HF_ASSIGN_OR_RETURN(std::vector<CredentialLine> lines, ReadCredentials(root));
  std::string folder = Folder(city);
  for (const auto& l : lines) {
    if (l.city == city) folder = l.folder;
  }
  std::string token = "hfv_" + RandomToken(24);
  std::string text;
  if (FileExists(CredentialsPath(root))) {
    HF_ASSIGN_OR_RETURN(text, ReadFile(CredentialsPath(root)));
  }
  text += fmt::format("{} {} {}\n", Hex(Sha256(token)), folder, city);
  HF_RETURN_IF_ERROR(WriteFileAtomic(CredentialsPath(root), text, 0600));
  HF_RETURN_IF_ERROR(MakeDirectories(fmt::format("{}/cities/{}", root, folder), 0700));
  return token;
}

Result<std::unique_ptr<VaultService>> VaultService::Open(const std::string& root) {
  HF_RETURN_IF_ERROR(MakeDirectories(root + "/cities", 0700));
  std::unique_ptr<VaultService> s(new VaultService(root));
  HF_RETURN_IF_ERROR(s->LoadCredentials());
  return s;
}

Status VaultService::LoadCredentials() {
  HF_ASSIGN_OR_RETURN(std::vector<CredentialLine> lines, ReadCredentials(root_));
  for (const auto& l : lines) {
    tokens_[l.hash] = l.folder;
    if (!cities_.count(l.folder)) {
      cities_[l.folder] =
          City{l.city, std::make_unique<vault::VaultDir>(fmt::format("{}/cities/{}", root_, l.folder))};
    }
  }
  return Status::Ok();
}

Result<VaultService::City*> VaultService::Authorize(const Request& req) {
  std::string_view auth = req.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!auth.starts_with(kBearer)) {
    return MakeError(Code::kUnauthorized, "give the vault credential as Authorization: Bearer <token>",
                     "unauthorized");
  }
  std::string hash = Hex(Sha256(auth.substr(kBearer.size())));
  std::lock_guard<std::mutex> lock(mu_);
  if (!tokens_.count(hash)) HF_RETURN_IF_ERROR(LoadCredentials());  // added since this service started
  auto it = tokens_.find(hash);
  if (it == tokens_.end())
    return MakeError(Code::kUnauthorized, "this credential is not known to the vault", "unauthorized");
  return &cities_.at(it->second);
}

void VaultService::Handle(Request&& req, Responder respond) {
  Response r = Serve(req);
  respond(std::move(r));
}

Response VaultService::Serve(const Request& req) {
  auto fail = [&](const Error& e) { return Response::Problem(e, req.path); };
  auto not_allowed = [&] {
    return fail(MakeError(
        Code::kInvalid,
        fmt::format("{} is not allowed: this vault only adds objects and manifests and reads them back; "
                    "nothing is overwritten or deleted",
                    req.method),
        "method-not-allowed"));
  };
  auto city = Authorize(req);
  if (!city.ok()) return fail(city.error());
  vault::VaultDir& dir = *(*city)->dir;
  std::vector<std::string_view> seg = SplitPath(req.path);
  if (seg.size() < 2 || seg[0] != "v1") return fail(NotFound(fmt::format("no route {}", req.path)));

  if (seg.size() == 2 && seg[1] == "vault") {
    if (req.method != "GET") return not_allowed();
    auto nodes = dir.Nodes();
    if (!nodes.ok()) return fail(nodes.error());
    json::array list;
    for (const auto& n : *nodes) list.emplace_back(n);
    return Response::Json(200, json::object{{"city", (*city)->name}, {"nodes", std::move(list)}});
  }
  if (seg.size() == 3 && seg[1] == "objects") {
    std::string name(seg[2]);
    if (req.method == "GET") {
      auto bytes = dir.GetObject(name);
      if (!bytes.ok()) return fail(bytes.error());
      return Octets(std::move(*bytes));
    }
    if (req.method != "PUT") return not_allowed();
    auto created = dir.PutObject(name, req.body);
    if (!created.ok()) return fail(created.error());
    return Response::Json(*created ? 201 : 200, json::object{{"object", name}, {"created", *created}});
  }
  if (seg[1] == "manifests" && (seg.size() == 3 || seg.size() == 4)) {
    std::string node(seg[2]);
    if (!journal::IsValidNodeId(node)) return fail(Invalid(fmt::format("{:?} is not a node id", node)));
    if (seg.size() == 3) {
      if (req.method != "GET") return not_allowed();
      auto latest = dir.LatestGeneration(node);
      if (!latest.ok()) return fail(latest.error());
      return Response::Json(200, json::object{{"node", node}, {"latest", *latest}});
    }
    auto g = ParseGeneration(seg[3]);
    if (!g.ok()) return fail(g.error());
    if (req.method == "GET") {
      auto bytes = dir.GetManifest(node, *g);
      if (!bytes.ok()) return fail(bytes.error());
      return Octets(std::move(*bytes));
    }
    if (req.method != "PUT") return not_allowed();
    auto m = vault::ParseManifest(req.body);
    if (!m.ok()) return fail(m.error());
    if (m->city != (*city)->name) {
      return fail(MakeError(
          Code::kForbidden,
          fmt::format("this credential adds to the backups of {}, not of {}", (*city)->name, m->city),
          "other-city"));
    }
    Status put = dir.PutManifest(node, *g, req.body);
    if (!put.ok()) return fail(put.error());
    return Response::Json(201, json::object{{"node", node}, {"generation", *g}});
  }
  return fail(NotFound(fmt::format("no route {}", req.path)));
}

struct RemoteVault::Impl {
  Impl(std::string host, uint16_t port) : client(std::move(host), port) {}
  std::mutex mu;
  Client client;
  std::string token;

  Result<ClientResponse> Call(std::string_view method, const std::string& target, std::string_view body = {},
                              std::vector<int> ok = {200}) {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<std::pair<std::string, std::string>> headers{{"Authorization", "Bearer " + token}};
    if (!body.empty()) headers.emplace_back("Content-Type", "application/octet-stream");
    HF_ASSIGN_OR_RETURN(ClientResponse r, client.Request(method, target, body, headers));
    if (std::find(ok.begin(), ok.end(), r.status) == ok.end()) {
      Code code = r.status == 404                      ? Code::kNotFound
                  : r.status == 409                    ? Code::kConflict
                  : r.status == 401 || r.status == 403 ? Code::kForbidden
                  : r.status >= 500                    ? Code::kUnavailable
                                                       : Code::kInvalid;
      return MakeError(code, fmt::format("the vault refused {} {}: {}", method, target, ProblemDetail(r)),
                       "vault-refused");
    }
    return r;
  }
};

RemoteVault::RemoteVault(std::string url, std::unique_ptr<Impl> impl)
    : url_(std::move(url)), impl_(std::move(impl)) {}
RemoteVault::~RemoteVault() = default;

Result<std::unique_ptr<RemoteVault>> RemoteVault::Connect(const std::string& url, const std::string& token) {
  auto address = ParsePeerUrl(url);
  if (!address.ok())
    return Invalid(fmt::format("{:?} is not a vault address like http://10.0.0.9:8090", url), "vault");
  if (token.empty())
    return Invalid(fmt::format("{} needs a credential: give it with --vault-token FILE", url), "vault-token");
  auto impl = std::make_unique<Impl>(address->first, address->second);
  impl->token = token;
  impl->client.SetTimeout(std::chrono::seconds(60));
  impl->client.SetMaxBody(kVaultBodyLimit);
  return std::unique_ptr<RemoteVault>(new RemoteVault(url, std::move(impl)));
}

Result<bool> RemoteVault::PutObject(const std::string& name, std::string_view bytes) {
  HF_ASSIGN_OR_RETURN(ClientResponse r, impl_->Call("PUT", "/v1/objects/" + name, bytes, {200, 201}));
  return r.status == 201;
}

Result<std::string> RemoteVault::GetObject(const std::string& name) {
  HF_ASSIGN_OR_RETURN(ClientResponse r, impl_->Call("GET", "/v1/objects/" + name));
  return std::move(r.body);
}

Status RemoteVault::PutManifest(const std::string& node, int64_t generation, std::string_view bytes) {
  return impl_->Call("PUT", fmt::format("/v1/manifests/{}/{}", node, generation), bytes, {201}).status();
}

Result<std::string> RemoteVault::GetManifest(const std::string& node, int64_t generation) {
  HF_ASSIGN_OR_RETURN(ClientResponse r,
                      impl_->Call("GET", fmt::format("/v1/manifests/{}/{}", node, generation)));
  return std::move(r.body);
}

Result<int64_t> RemoteVault::LatestGeneration(const std::string& node) {
  HF_ASSIGN_OR_RETURN(ClientResponse r, impl_->Call("GET", "/v1/manifests/" + node));
  auto v = ParseJson(r.body);
  if (!v.ok() || !v->is_object())
    return Invalid(fmt::format("{} answered something else than a generation", url_));
  return IntOr(v->as_object(), "latest");
}

Result<std::vector<std::string>> RemoteVault::Nodes() {
  HF_ASSIGN_OR_RETURN(ClientResponse r, impl_->Call("GET", "/v1/vault"));
  auto v = ParseJson(r.body);
  if (!v.ok() || !v->is_object())
    return Invalid(fmt::format("{} answered something else than its nodes", url_));
  std::vector<std::string> nodes;
  for (const auto& n : ArrayOr(v->as_object(), "nodes"))
    if (n.is_string() && journal::IsValidNodeId(n.as_string())) nodes.emplace_back(n.as_string());
  return nodes;
}

Result<std::unique_ptr<vault::Target>> OpenVaultTarget(const std::string& spec, const std::string& token) {
  if (spec.starts_with("http://")) {
    HF_ASSIGN_OR_RETURN(auto remote, RemoteVault::Connect(spec, token));
    return std::unique_ptr<vault::Target>(std::move(remote));
  }
  if (spec.find("://") != std::string::npos)
    return Invalid(fmt::format("{:?}: a vault is a directory or http://host:port", spec), "vault");
  if (spec.empty()) return Invalid("give the vault as a directory or http://host:port", "vault");
  HF_RETURN_IF_ERROR(MakeDirectories(spec, 0700));
  return std::unique_ptr<vault::Target>(std::make_unique<vault::VaultDir>(spec));
}

}  // namespace holdfast::http
