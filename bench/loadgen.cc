// Load generator for a running node: N client threads, each with one keep-alive connection, POST new parties
// as fast as the node answers, for a fixed time after a warm-up.
//
//   bench_loadgen --host 127.0.0.1 --port P --token T --clients N --seconds S [--warmup S]
//
// A command counts when it started inside the measured window (after the warm-up) and was answered 201. Any
// other answer, or a failure to get one, is an error; the first error's status and body go to stderr. Latency
// is the time from sending a request to reading its whole response, on the client. The last two lines of
// stdout are a summary for people and the same numbers as one JSON object for scripts (bench/run.sh):
//
//   {"clients":N,"seconds":S,"commands":C,"commands_per_s":X,"p50_ms":...,"p99_ms":...,"errors":E}
//
// Exit status: 0 if at least one command counted, 1 if none did, 2 on bad arguments.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/client.h"

namespace holdfast::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string token;
  int clients = 16;
  double seconds = 10;
  double warmup = 0;
  std::string target = "/api/v1/parties";
};

// What one client thread saw inside the measured window.
struct Tally {
  std::vector<uint32_t> latencies_us;  // of counted commands
  int64_t errors = 0;
};

std::string PartyBody(uint64_t n) {
  return fmt::format(
      R"({{"kind":"person","name":"Load Test {0}","email":"lt{0}@example.org","phone":"555-0100",)"
      R"("address":{{"line1":"{1} Main St","city":"Springfield","state":"IL","postal_code":"62701"}}}})",
      n, n % 9999 + 1);
}

// Reports only the first error of the run, from whichever thread meets it.
void ReportFirstError(std::atomic<bool>& reported, const std::string& what) {
  if (!reported.exchange(true)) std::fprintf(stderr, "first error: %s\n", what.c_str());
}

void RunClient(const Options& opt, SteadyClock::time_point measure_from, SteadyClock::time_point stop_at,
               std::atomic<uint64_t>& next_number, std::atomic<bool>& error_reported, Tally& tally) {
  http::Client client(opt.host, opt.port);
  client.SetHeader("Authorization", "Bearer " + opt.token);
  client.SetTimeout(std::chrono::seconds(10));
  tally.latencies_us.reserve(1 << 16);
  for (;;) {
    auto start = SteadyClock::now();
    if (start >= stop_at) break;
    std::string body = PartyBody(next_number.fetch_add(1, std::memory_order_relaxed));
    auto r = client.Post(opt.target, body);
    auto end = SteadyClock::now();
    bool measured = start >= measure_from;
    if (r.ok() && r->status == 201) {
      if (measured) {
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(end - start).count();
        tally.latencies_us.push_back(static_cast<uint32_t>(std::min<int64_t>(us, UINT32_MAX)));
      }
      continue;
    }
    if (measured) ++tally.errors;
    if (r.ok()) {
      ReportFirstError(error_reported, fmt::format("HTTP {}: {}", r->status, r->body));
    } else {
      ReportFirstError(error_reported, r.error().detail);
      // The node is unreachable: do not spin on connection attempts.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

// The nearest-rank percentile of sorted values, in milliseconds.
double PercentileMs(const std::vector<uint32_t>& sorted_us, double p) {
  if (sorted_us.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted_us.size())));
  rank = std::clamp<size_t>(rank, 1, sorted_us.size());
  return sorted_us[rank - 1] / 1000.0;
}

int Run(const Options& opt) {
  std::atomic<uint64_t> next_number{
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count())};
  std::atomic<bool> error_reported{false};
  std::vector<Tally> tallies(opt.clients);
  auto t0 = SteadyClock::now();
  auto measure_from =
      t0 + std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(opt.warmup));
  auto stop_at = measure_from + std::chrono::duration_cast<SteadyClock::duration>(
                                    std::chrono::duration<double>(opt.seconds));

  std::vector<std::thread> threads;
  threads.reserve(opt.clients);
  for (int i = 0; i < opt.clients; ++i) {
    threads.emplace_back(RunClient, std::cref(opt), measure_from, stop_at, std::ref(next_number),
                         std::ref(error_reported), std::ref(tallies[i]));
  }
  for (auto& t : threads) t.join();

  std::vector<uint32_t> all;
  int64_t errors = 0;
  for (auto& t : tallies) {
    all.insert(all.end(), t.latencies_us.begin(), t.latencies_us.end());
    errors += t.errors;
  }
  std::sort(all.begin(), all.end());
  const int64_t commands = static_cast<int64_t>(all.size());
  const double rate = static_cast<double>(commands) / opt.seconds;
  const double p50 = PercentileMs(all, 50);
  const double p99 = PercentileMs(all, 99);

  std::printf("%d clients, %g s: %lld commands, %.1f commands/s, p50 %.3f ms, p99 %.3f ms, %lld errors\n",
              opt.clients, opt.seconds, static_cast<long long>(commands), rate, p50, p99,
              static_cast<long long>(errors));
  std::printf(
      R"({"clients":%d,"seconds":%g,"commands":%lld,"commands_per_s":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"errors":%lld})"
      "\n",
      opt.clients, opt.seconds, static_cast<long long>(commands), rate, p50, p99,
      static_cast<long long>(errors));
  std::fflush(stdout);
  return commands > 0 ? 0 : 1;
}

}  // namespace
}  // namespace holdfast::bench

int main(int argc, char** argv) {
  holdfast::bench::Options opt;
  CLI::App app{
      "Posts new parties to a running Holdfast node from N keep-alive connections and reports the rate"};
  app.add_option("--host", opt.host, "node address (IP or name)");
  app.add_option("--port", opt.port, "node port")->required()->check(CLI::Range(1, 65535));
  app.add_option("--token", opt.token, "session token, sent as 'Authorization: Bearer <token>'")->required();
  app.add_option("--clients", opt.clients, "concurrent connections, one thread each")
      ->check(CLI::Range(1, 4096));
  app.add_option("--seconds", opt.seconds, "length of the measured window")->check(CLI::Range(0.1, 86400.0));
  app.add_option("--warmup", opt.warmup, "seconds of load before measuring")->check(CLI::Range(0.0, 3600.0));
  app.add_option("--target", opt.target, "request target to POST to");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return holdfast::bench::Run(opt);
}
