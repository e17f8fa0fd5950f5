// The wall clock as a seam: production code asks a Clock, tests pass a FakeClock they move by hand.
#ifndef HOLDFAST_BASE_CLOCK_H_
#define HOLDFAST_BASE_CLOCK_H_

#include <atomic>
#include <cstdint>
#include <string>

namespace holdfast {

class Clock {
 public:
  virtual ~Clock() = default;
  // Unix time in milliseconds.
  virtual int64_t NowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
  static SystemClock& Get();
};

// Thread-safe; starts at `start_ms` and moves only when told.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1767225600000) : now_(start_ms) {}  // 2026-01-01T00:00:00Z
  int64_t NowMs() const override { return now_.load(); }
  void Set(int64_t ms) { now_.store(ms); }
  void Advance(int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<int64_t> now_;
};

// RFC 3339 UTC with milliseconds, e.g. 2026-01-01T00:00:00.000Z.
std::string FormatTime(int64_t unix_ms);

}  // namespace holdfast

#endif  // HOLDFAST_BASE_CLOCK_H_
