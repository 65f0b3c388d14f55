// Query latencies over a recent window, in a log-linear histogram: 16 buckets per power of two
// (a bucket is at most 1/16 = 6.25% wide, so a percentile read from it is within ~3% of the
// true value when taken at the bucket's middle), from 1 µs to ~1 h. Recording is two relaxed
// atomic increments and a clock read; no lock, no allocation. Two windows of kWindowSeconds
// alternate: percentiles are read over the current and the previous one (10-20 s of history).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>

namespace quiver::metrics {

struct Percentiles {
  double p50_ms = 0, p95_ms = 0, p99_ms = 0;
  uint64_t count = 0;       // latencies in the window
  double window_seconds = 0;  // how much time the window covers
};

// Always on. QUIVER_DISABLE_METRICS=1 in the environment when an index is opened turns that
// index's recording (and the clock reads for it) off: read at every open, so that
// bench/metrics.mjs can open one index with and one without in the same process and interleave
// them to measure what recording costs.
bool recording_requested();

class LatencyWindow {
 public:
  static constexpr int kSubBuckets = 16;
  static constexpr int kPowers = 32;  // 2^32 µs ≈ 71 min
  static constexpr int kBuckets = kSubBuckets * kPowers;
  static constexpr double kWindowSeconds = 10;

  LatencyWindow();
  void record(double micros);  // callers check recording_requested() at open, not per call
  Percentiles percentiles() const;
  // Events counted in the window (e.g. items inserted), for rates.
  void count(uint64_t n);
  double rate_per_second() const;  // of count()
  double queries_per_second() const;  // of record()

 private:
  struct Window {
    std::array<std::atomic<uint32_t>, kBuckets> buckets{};
    std::atomic<uint64_t> latencies{0};
    std::atomic<uint64_t> events{0};
    std::atomic<int64_t> started_ns{0};
    void reset(int64_t now);
  };
  static int bucket_of(double micros);
  static double middle_of(int bucket);
  void rotate_if_due(int64_t now);
  double covered_seconds(int64_t now) const;

  mutable std::mutex rotate_mutex_;
  Window windows_[2];
  std::atomic<int> current_{0};
};

}  // namespace quiver::metrics
