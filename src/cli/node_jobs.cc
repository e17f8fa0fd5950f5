#include "cli/node_jobs.h"

#include <fmt/format.h>

#include <chrono>

#include "domain/city_date.h"
#include "domain/online_payments.h"
#include "domain/permits.h"
#include "domain/utilities.h"

namespace holdfast::cli {

void NodeJobs::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void NodeJobs::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void NodeJobs::RunDaily(Date today) {
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

void NodeJobs::SettlePending() {
  if (!gateway_) return;
  int64_t now = node_.clock().NowMs();
  auto db = node_.Read();
  Result<Date> today = db.ok() ? domain::CityToday(**db, now) : Result<Date>(db.error());
  auto r = today.ok() ? domain::ReconcileOnlinePayments(**db, node_.writer(), *gateway_, now, 60'000, *today)
                      : Result<json::object>(today.error());
  if (!r.ok()) {
    fmt::print(stderr, "holdfast: settling pending online payments failed: {} (tried again in a minute)\n",
               r.status().ToString());
    return;
  }
  const json::object& o = *r;
  if (IntOr(o, "checked") == 0) return;
  fmt::print(
      "online payments waiting on the card processor: {} checked, {} approved, {} declined, {} given "
      "up (never received), {} still pending\n",
      IntOr(o, "checked"), IntOr(o, "approved"), IntOr(o, "declined"), IntOr(o, "abandoned"),
      IntOr(o, "still_pending"));
  if (const json::value* failed = o.if_contains("failed"); failed && failed->is_array()) {
    for (const json::value& f : failed->as_array()) {
      fmt::print(stderr,
                 "holdfast: online payment {} could not be settled: {} (it stays pending and is tried again "
                 "in a minute; if this repeats, see GET /api/v1/utility/online-payments?status=pending)\n",
                 StringOr(f.as_object(), "id"), StringOr(f.as_object(), "detail"));
    }
  }
  if (IntOr(o, "unapplied") > 0) {
    fmt::print(
        "holdfast: {} online payments were charged but could no longer be applied: refund them or apply them "
        "by hand (GET /api/v1/utility/online-payments?status=unapplied)\n",
        IntOr(o, "unapplied"));
  }
  std::fflush(stdout);
}

void NodeJobs::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    // The city's date: the daily jobs (late fees, expiries) run when the city's day changes, not UTC's.
    Date today = domain::CityToday(node_);
    if (!last_run_ || *last_run_ < today) RunDaily(today);  // a failed run is tried again within the hour
    SettlePending();
    lock.lock();
    bool daily_done = last_run_ && *last_run_ == today;
    cv_.wait_for(lock, daily_done || gateway_ ? std::chrono::minutes(1) : std::chrono::minutes(60),
                 [this] { return stopping_; });
  }
}

}  // namespace holdfast::cli
