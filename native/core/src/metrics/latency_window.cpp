#include "metrics/latency_window.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string_view>

namespace quiver::metrics {
namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

constexpr int64_t kWindowNs = static_cast<int64_t>(LatencyWindow::kWindowSeconds * 1e9);

}  // namespace

bool recording_requested() {
  const char* off = std::getenv("QUIVER_DISABLE_METRICS");
  return off == nullptr || *off == '\0' || std::string_view(off) == "0";
}

void LatencyWindow::Window::reset(int64_t now) {
  for (auto& b : buckets) b.store(0, std::memory_order_relaxed);
  latencies.store(0, std::memory_order_relaxed);
  events.store(0, std::memory_order_relaxed);
  started_ns.store(now, std::memory_order_relaxed);
}

LatencyWindow::LatencyWindow() {
  const int64_t now = now_ns();
  windows_[0].reset(now);
  windows_[1].reset(now);
}

int LatencyWindow::bucket_of(double micros) {
  if (!(micros >= 1)) return 0;  // below 1 µs (or NaN): the first bucket
  int exponent;
  const double mantissa = std::frexp(micros, &exponent);  // micros = mantissa * 2^exponent, mantissa in [0.5, 1)
  const int power = exponent - 1;
  if (power >= kPowers) return kBuckets - 1;
  const int sub = static_cast<int>((mantissa * 2 - 1) * kSubBuckets);
  return power * kSubBuckets + std::min(sub, kSubBuckets - 1);
}

double LatencyWindow::middle_of(int bucket) {
  const int power = bucket / kSubBuckets, sub = bucket % kSubBuckets;
  return std::ldexp(1.0 + (sub + 0.5) / kSubBuckets, power);
}

void LatencyWindow::rotate_if_due(int64_t now) {
  const int cur = current_.load(std::memory_order_acquire);
  if (now - windows_[cur].started_ns.load(std::memory_order_relaxed) < kWindowNs) return;
  std::lock_guard<std::mutex> guard(rotate_mutex_);
  const int again = current_.load(std::memory_order_relaxed);
  if (now - windows_[again].started_ns.load(std::memory_order_relaxed) < kWindowNs) return;
  Window& other = windows_[1 - again];
  // A window idle for longer than two periods holds nothing recent: both start afresh.
  if (now - windows_[again].started_ns.load(std::memory_order_relaxed) >= 2 * kWindowNs) {
    windows_[again].reset(now - kWindowNs);
  }
  other.reset(now);
  current_.store(1 - again, std::memory_order_release);
}

void LatencyWindow::record(double micros) {
  rotate_if_due(now_ns());
  Window& w = windows_[current_.load(std::memory_order_acquire)];
  w.buckets[static_cast<size_t>(bucket_of(micros))].fetch_add(1, std::memory_order_relaxed);
  w.latencies.fetch_add(1, std::memory_order_relaxed);
}

void LatencyWindow::count(uint64_t n) {
  rotate_if_due(now_ns());
  windows_[current_.load(std::memory_order_acquire)].events.fetch_add(n, std::memory_order_relaxed);
}

double LatencyWindow::covered_seconds(int64_t now) const {
  const int cur = current_.load(std::memory_order_acquire);
  const int64_t start = std::min(windows_[cur].started_ns.load(std::memory_order_relaxed),
                                 windows_[1 - cur].started_ns.load(std::memory_order_relaxed));
  return std::max(1e-3, static_cast<double>(now - start) / 1e9);
}

Percentiles LatencyWindow::percentiles() const {
  const int64_t now = now_ns();
  const_cast<LatencyWindow*>(this)->rotate_if_due(now);
  std::array<uint64_t, kBuckets> merged{};
  uint64_t total = 0;
  for (const Window& w : windows_) {
    for (int b = 0; b < kBuckets; ++b) merged[b] += w.buckets[b].load(std::memory_order_relaxed);
  }
  for (uint64_t c : merged) total += c;
  Percentiles p;
  p.count = total;
  p.window_seconds = covered_seconds(now);
  if (total == 0) return p;
  const auto at = [&](double q) {
    const uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total)));
    uint64_t seen = 0;
    for (int b = 0; b < kBuckets; ++b) {
      seen += merged[b];
      if (seen >= std::max<uint64_t>(rank, 1)) return middle_of(b) / 1000.0;
    }
    return middle_of(kBuckets - 1) / 1000.0;
  };
  p.p50_ms = at(0.50);
  p.p95_ms = at(0.95);
  p.p99_ms = at(0.99);
  return p;
}

double LatencyWindow::rate_per_second() const {
  const int64_t now = now_ns();
  const_cast<LatencyWindow*>(this)->rotate_if_due(now);
  const uint64_t n = windows_[0].events.load(std::memory_order_relaxed) + windows_[1].events.load(std::memory_order_relaxed);
  return static_cast<double>(n) / covered_seconds(now);
}

double LatencyWindow::queries_per_second() const {
  const int64_t now = now_ns();
  const_cast<LatencyWindow*>(this)->rotate_if_due(now);
  const uint64_t n =
      windows_[0].latencies.load(std::memory_order_relaxed) + windows_[1].latencies.load(std::memory_order_relaxed);
  return static_cast<double>(n) / covered_seconds(now);
}

}  // namespace quiver::metrics
