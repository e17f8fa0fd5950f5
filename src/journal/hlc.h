// The hybrid logical clock (Kulkarni et al., 2014). Stamps never go backwards, even when the wall clock does
// or the process restarts (the writer persists the last stamp in the same transaction as the events it
// stamped).
//
// Thread-compatible: the writer thread owns it.
#ifndef HOLDFAST_JOURNAL_HLC_H_
#define HOLDFAST_JOURNAL_HLC_H_

#include <cstdint>

#include "base/clock.h"
#include "base/status.h"
#include "journal/event.h"

namespace holdfast::journal {

class HybridClock {
 public:
  // `max_drift_ms`: how far ahead of our wall clock a remote stamp may be before it is refused.
  HybridClock(const Clock& clock, Stamp last, int64_t max_drift_ms = 5 * 60 * 1000)
      : clock_(clock), last_(last), max_drift_ms_(max_drift_ms) {}

  // A stamp for a local event: greater than every stamp issued or observed before.
  Stamp Now();
  // Takes in a stamp from another node so that later local stamps sort after it. Refuses stamps more than the
  // allowed drift ahead of the local wall clock (kInvalid, type "clock-drift"), leaving the clock unchanged.
  Status Observe(Stamp remote);

  Stamp last() const { return last_; }
  void Restore(Stamp last) { last_ = last; }

 private:
  const Clock& clock_;
  Stamp last_;
  int64_t max_drift_ms_;
};

}  // namespace holdfast::journal

#endif  // HOLDFAST_JOURNAL_HLC_H_
