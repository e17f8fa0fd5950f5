// Supervisor approval of a request, given with the supervisor's own credentials: voids, refunds, and any
// other write that a clerk may ask for but only a supervisor may allow. The supervisor types their username,
// password and (when enrolled) authenticator code on the clerk's screen; the request carries them as its
// "approval" member:
//
//   "approval": {"username": "sam", "password": "…", "totp": "123456"}      totp only when enrolled
//
// A route that needs approval validates the rest of its body, then calls ParseApproval on the member and
// hands the approval to WriteWithApproval with the command to run once approved.
#ifndef HOLDFAST_HTTP_APPROVAL_H_
#define HOLDFAST_HTTP_APPROVAL_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/json.h"
#include "http/router.h"
#include "store/writer.h"

namespace holdfast::http {

struct Approval {
  std::string username;
  std::string password;
  std::optional<std::string> totp;
};

// Parses the "approval" member of a request body (`approval` is nullptr when the member is absent or null).
// Absent: 403 "approval-required", saying that `what` ("a void") needs a supervisor's approval. Malformed:
// 422 naming the field ("approval.username").
Result<Approval> ParseApproval(const json::object* approval, std::string_view what);

// The JSON Schema of the "approval" member, for routes' OpenAPI request schemas.
json::value ApprovalSchema();

// The command to run once approved; `approver_id` is the approving supervisor's user id, to record in the
// command's events (e.g. payment.voided's approved_by). Runs on the writer thread.
using ApprovedCommand =
    std::function<Result<json::value>(store::CommandContext& ctx, const std::string& approver_id)>;

// Answers `call` (exactly once, later, from another thread) after:
//  1. the approver's password is checked with Argon2id on the app's worker pool (App::Offload), never on a
//     network thread or the writer; an unknown username costs the same time as a known one;
//  2. one command on the writer (App::Write, so Idempotency-Key is honoured) decides the approval with
//     auth::CheckApproval against the approver's current account (role, lock, disabled, TOTP, the requester
//     being the signed-in caller). Refused: its events (auth.approval_failed, perhaps user.locked) commit,
//     `command` does not run, and the call is answered 403 "approval-refused" (or "approval-totp-required");
//     the refusal is not remembered under the Idempotency-Key. Approved: `command(ctx, approver_id)` runs in
//     the same command, so auth.approval_given and the command's events commit together or not at all; an
//     error from `command` is the answer and leaves no trace, the approval included;
//  3. `answer` turns the command's result into the response, as for App::Write.
// `purpose` says what is approved, for the record ("void r-central-7").
void WriteWithApproval(Call& call, Approval approval, std::string purpose, ApprovedCommand command,
                       std::function<Response(const json::value&)> answer);

}  // namespace holdfast::http

#endif  // HOLDFAST_HTTP_APPROVAL_H_
