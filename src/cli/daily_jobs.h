// The node's daily jobs, run by `holdfast serve`: once a day (when serve starts, then each time the date
// changes) it expires issued permits with no passed inspection in time (domain/permits.h) and assesses the
// utility late fees due (domain/utilities.h). Each job is one command: its decisions are events like any
// other, and a job that two nodes both run decides the same (a late fee has one id per bill).
#ifndef HOLDFAST_CLI_DAILY_JOBS_H_
#define HOLDFAST_CLI_DAILY_JOBS_H_

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "base/date.h"
#include "store/node.h"

namespace holdfast::cli {

class DailyJobs {
 public:
  explicit DailyJobs(store::Node& node) : node_(node) {}
  ~DailyJobs() { Stop(); }
  DailyJobs(const DailyJobs&) = delete;
  DailyJobs& operator=(const DailyJobs&) = delete;

  void Start();
  void Stop();
  // Runs the jobs for `today` now, on the calling thread; prints what they did.
  void RunOnce(Date today);

 private:
  void Loop();

  store::Node& node_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::optional<Date> last_run_;
};

}  // namespace holdfast::cli

#endif  // HOLDFAST_CLI_DAILY_JOBS_H_
