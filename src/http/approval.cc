#include "http/approval.h"

#include <fmt/format.h>

#include "auth/password.h"
#include "auth/users.h"
#include "http/app.h"

namespace holdfast::http {
namespace {

// A hash to verify against when the username is unknown, so that both cases take the same time.
const std::string& DummyHash() {
  static const std::string hash = [] {
    auto h = auth::HashPassword(auth::GeneratePassword());
    return h.ok() ? *h : std::string();
  }();
  return hash;
}

json::object ErrorJson(const Error& e) {
  return {{"code", static_cast<int>(e.code)}, {"type", e.type}, {"detail", e.detail}, {"field", e.field}};
}

Error ErrorFrom(const json::object& o) {
  return Error{static_cast<Code>(IntOr(o, "code")), std::string(StringOr(o, "type")),
               std::string(StringOr(o, "detail")), std::string(StringOr(o, "field"))};
}

}  // namespace

Result<Approval> ParseApproval(const json::object* approval, std::string_view what) {
  if (!approval) {
    return MakeError(Code::kForbidden,
                     fmt::format("{} needs a supervisor's approval: send \"approval\" with the supervisor's "
                                 "username and password (and authenticator code)",
                                 what),
                     "approval-required", "approval");
  }
  ObjectReader r(*approval, "approval.");
  Approval a;
  a.username = r.RequiredString("username", 64);
  a.password = r.RequiredString("password", auth::kMaxPasswordLength);
  a.totp = r.String("totp", 10);
  HF_RETURN_IF_ERROR(r.Finish());
  if (a.username.empty() || a.password.empty()) {
    return MakeError(Code::kForbidden,
                     fmt::format("{} needs a supervisor's approval: their username and password", what),
                     "approval-required", a.username.empty() ? "approval.username" : "approval.password");
  }
  return a;
}

json::value ApprovalSchema() {
  return json::parse(
      R"({"type":"object","description":"The approving supervisor's own credentials","required":["username","password"],"additionalProperties":false,"properties":{"username":{"type":"string"},"password":{"type":"string"},"totp":{"type":"string","pattern":"^[0-9]{6}$"}}})");
}

void WriteWithApproval(Call& call, Approval approval, std::string purpose, ApprovedCommand command,
                       std::function<Response(const json::value&)> answer) {
  App& app = *call.app;
  auto keep = call.shared_from_this();
  auth::ApprovalAttempt attempt;
  attempt.username = approval.username;
  attempt.totp = approval.totp;
  attempt.requested_by = call.who.id();
  attempt.purpose = std::move(purpose);
  app.Offload([keep, &app, attempt = std::move(attempt), password = std::move(approval.password),
               command = std::move(command), answer = std::move(answer)]() mutable {
    Call& c = *keep;
    std::optional<std::string> stored_hash;
    bool read = false;
    app.Read(c, [&](store::Db& db) {
      auto user = auth::FindUserByName(db, attempt.username);
      if (!user.ok()) return c.Fail(user.error());
      if (*user) stored_hash = (*user)->password_hash;
      read = true;
    });
    if (!read) return;  // already answered with the error
    attempt.checked_hash = stored_hash.value_or(DummyHash());
    attempt.password_ok = auth::VerifyPassword(attempt.checked_hash, password) && stored_hash.has_value();
    std::string path = c.req.path;
    app.Write(
        c,
        [attempt, command](store::CommandContext& ctx) -> Result<json::value> {
          HF_ASSIGN_OR_RETURN(auth::ApprovalOutcome out, auth::CheckApproval(ctx, attempt));
          if (out.refused) return json::value(json::object{{"refused", ErrorJson(*out.refused)}});
          HF_ASSIGN_OR_RETURN(json::value result, command(ctx, out.approver->id));
          return json::value(json::object{{"approved", std::move(result)}});
        },
        [answer, path](const json::value& v) {
          const json::object& o = v.as_object();
          if (const json::value* refused = o.if_contains("refused")) {
            return Response::Problem(ErrorFrom(refused->as_object()), path);
          }
          return answer(o.at("approved"));
        });
  });
}

}  // namespace holdfast::http
