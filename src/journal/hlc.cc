#include "journal/hlc.h"

#include <fmt/format.h>

namespace holdfast::journal {

Stamp HybridClock::Now() {
  int64_t wall = clock_.NowMs();
  if (wall > last_.time) {
    last_ = {wall, 0};
  } else {
    last_.tick += 1;
  }
  return last_;
}

Status HybridClock::Observe(Stamp remote) {
  int64_t wall = clock_.NowMs();
  if (remote.time > wall + max_drift_ms_) {
    return MakeError(Code::kInvalid,
                     fmt::format("remote clock stamp {} is {} ms ahead of this node's clock (limit {} ms)",
                                 remote.time, remote.time - wall, max_drift_ms_),
                     "clock-drift");
  }
  if (remote > last_) last_ = remote;
  return Status::Ok();
}

}  // namespace holdfast::journal
