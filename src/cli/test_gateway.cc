// holdfast test-gateway: serves the test payment gateway (http/test_gateway.h) until SIGINT or SIGTERM, so a
// demo or a developer can charge test cards without a real processor (docs/payments-gateway.md).
#include <fmt/format.h>
#include <signal.h>

#include <cstdio>

#include "cli/verbs.h"
#include "http/server.h"
#include "http/test_gateway.h"

namespace holdfast::cli {
namespace {

int ServeTestGateway(const std::string& listen, int64_t delay_ms) {
  auto address = http::ParseListen(listen);
  if (!address.ok()) return ReportError(address.error());
  if (delay_ms < 0) return ReportError(Invalid("--delay-ms must not be negative", "--delay-ms"));
  sigset_t stop = BlockStopSignals();
  http::TestGatewayOptions options;
  options.host = address->first;
  options.port = address->second;
  options.slow_answer_delay = std::chrono::milliseconds(delay_ms);
  http::TestGateway gateway(options);
  Status started = gateway.Start();
  if (!started.ok()) return ReportError(started.error());
  fmt::print(
      "test payment gateway listening on http://{}:{} (nothing here moves money)\n"
      "test cards (any expiry MM/YY not in the past):\n"
      "  {}  approved\n"
      "  {}  declined: card_declined\n"
      "  {}  declined: insufficient_funds\n"
      "  {}  declined: expired_card\n"
      "  {}  answered 500: processing error, nothing charged\n"
      "  {}  approved, but answered only after {} ms\n"
      "  a number failing the Luhn check: declined incorrect_number; over $10,000.00: amount_too_large\n",
      options.host, gateway.port(), http::kTestCardApproved, http::kTestCardDeclined,
      http::kTestCardInsufficientFunds, http::kTestCardExpired, http::kTestCardProcessingError,
      http::kTestCardSlowAnswer, delay_ms);
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  gateway.Stop();
  return kExitOk;
}

}  // namespace

void AddTestGatewayVerb(CLI::App& app, Run* run) {
  struct Args {
    std::string listen = "127.0.0.1:8070";
    int64_t delay_ms = 15000;
  };
  auto args = std::make_shared<Args>();
  CLI::App* verb = app.add_subcommand(
      "test-gateway",
      "Serve a test card payment gateway in memory: test card numbers give approvals, declines, errors and "
      "slow answers (for demos and tests; it never moves money)");
  verb->add_option("--listen", args->listen, "Address and port to listen on (port 0: any free port)")
      ->capture_default_str();
  verb->add_option("--delay-ms", args->delay_ms,
                   "How long the answer for the slow test card 4000000000006975 is held back, in ms")
      ->capture_default_str();
  verb->callback([args, run] { *run = [args] { return ServeTestGateway(args->listen, args->delay_ms); }; });
}

}  // namespace holdfast::cli
