// The node's scheduled jobs, run by `holdfast serve` on a thread of their own:
// - once a day (when serve starts, then each time the date changes) it expires issued permits with no passed
//   inspection in time (domain/permits.h) and assesses the utility late fees due (domain/utilities.h). Each
//   is one command: its decisions are events like any other, and a job that two nodes both run decides the
//   same (a late fee has one id per bill);
// - every minute, when the node has a card gateway, it settles the online payments left pending for over a
//   minute by asking the gateway about them (domain/online_payments.h).
#ifndef HOLDFAST_CLI_NODE_JOBS_H_
#define HOLDFAST_CLI_NODE_JOBS_H_

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "base/date.h"
#include "domain/gateway.h"
#include "store/node.h"

namespace holdfast::cli {

class NodeJobs {
 public:
  // `gateway` may be null (no online payments to settle); it must outlive the jobs.
  NodeJobs(store::Node& node, domain::PaymentGateway* gateway) : node_(node), gateway_(gateway) {}
  ~NodeJobs() { Stop(); }
  NodeJobs(const NodeJobs&) = delete;
  NodeJobs& operator=(const NodeJobs&) = delete;

  void Start();
  void Stop();
  // Runs the daily jobs for `today` now, on the calling thread; prints what they did.
  void RunDaily(Date today);
  // Settles the online payments pending for over a minute; prints what it settled, if anything.
  void SettlePending();

 private:
  void Loop();

  store::Node& node_;
  domain::PaymentGateway* gateway_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::optional<Date> last_run_;
};

}  // namespace holdfast::cli

#endif  // HOLDFAST_CLI_NODE_JOBS_H_
