#include "cli/daily_jobs.h"

#include <fmt/format.h>

#include <chrono>

#include "domain/permits.h"
#include "domain/utilities.h"

namespace holdfast::cli {

void DailyJobs::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void DailyJobs::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DailyJobs::RunOnce(Date today) {
  auto result = node_.writer().Execute([today](store::CommandContext& ctx) -> Result<json::value> {
    HF_ASSIGN_OR_RETURN(std::vector<std::string> expired, domain::ExpirePermits(ctx, today, "system"));
    HF_ASSIGN_OR_RETURN(json::array fees, domain::AssessLateFees(ctx, today, "system"));
    return json::value(json::object{{"expired", static_cast<int64_t>(expired.size())},
                                    {"late_fees", static_cast<int64_t>(fees.size())}});
  });
  if (!result.ok()) {
    fmt::print(stderr, "holdfast: the daily jobs of {} failed: {} (they run again within the hour)\n",
               today.ToString(), result.status().ToString());
    return;
  }
  fmt::print("daily jobs of {}: {} permits expired, {} late fees assessed\n", today.ToString(),
             IntOr(result->as_object(), "expired"), IntOr(result->as_object(), "late_fees"));
  std::fflush(stdout);
  last_run_ = today;
}

void DailyJobs::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    Date today = Date::FromUnixMs(node_.clock().NowMs());
    if (!last_run_ || *last_run_ < today) {
      lock.unlock();
      RunOnce(today);
      lock.lock();
      // A failed run is tried again after the wait below.
    }
    cv_.wait_for(lock, last_run_ && *last_run_ == today ? std::chrono::minutes(1) : std::chrono::minutes(60),
                 [this] { return stopping_; });
  }
}

}  // namespace holdfast::cli
