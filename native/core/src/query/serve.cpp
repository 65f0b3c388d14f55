// The front door of query(): the query cache (query/query_cache.h) in front of the read path
// (index/reads.cpp), `explain`, and the latency metrics, for both the blocking and the inline
// form. The shared lock is held by the caller. A query's latency runs from when the request
// reached the core (QueryRequest::received, the binding's entry) to when its answer is packed,
// or, when the binding converts the answer itself, to Index::query_delivered: what the caller
// waits for, thread-pool queueing included (an outside stopwatch agrees within a few per cent,
// bench/metrics.mjs).
#include <chrono>
#include <optional>

#include "index/index_impl.h"

namespace quiver {
namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

std::chrono::steady_clock::time_point Index::Impl::query_started(const query::QueryRequest& request) const {
  if (request.received != std::chrono::steady_clock::time_point{}) return request.received;
  return metrics_on || request.explain ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
}

void Index::Impl::record_latency(const query::QueryRequest& request,
                                 std::chrono::steady_clock::time_point started) const {
  if (metrics_on && !request.delivery_recorded_by_caller && !request.timed_by_caller) {
    query_latency.record(ms_since(started) * 1000);
  }
}

void Index::Impl::record_caller_latencies(const std::vector<double>& us) const {
  if (!metrics_on) return;
  for (double u : us) query_latency.record(u);
}

void Index::query_delivered(const query::QueryRequest& request) const {
  if (impl_->metrics_on && !request.timed_by_caller && request.received != std::chrono::steady_clock::time_point{}) {
    impl_->query_latency.record(ms_since(request.received) * 1000);
  }
}

PackedItems Index::Impl::serve(const query::QueryRequest& request,
                               std::chrono::steady_clock::time_point started) const {
  record_caller_latencies(request.caller_latencies_us);
  PackedItems out;
  const bool cacheable = !request.explain && !request.normalized_options.empty() && query_cache.enabled();
  std::optional<query::QueryCache::Key> key;
  const uint64_t state = cache.changes.load(std::memory_order_acquire);
  if (cacheable) {
    key = query::QueryCache::key_of(request.vector, request.normalized_options);
    if (query_cache.get(*key, state, &out)) {
      record_latency(request, started);
      return out;
    }
  }
  if (!request.explain) {
    out = answer(request);
  } else {
    query::Explain explain;
    request.explain_out = &explain;
    if (request.mode == query::QueryRequest::Mode::Keyword) explain.plan = "keyword";
    const auto search_started = std::chrono::steady_clock::now();
    out = answer(request);
    request.explain_out = nullptr;
    explain.search_ms = ms_since(search_started);
    if (request.mode == query::QueryRequest::Mode::Hybrid) explain.plan = "hybrid+" + explain.plan;
    explain.results = out.count;
    explain.total_ms = ms_since(started);
    out.explain = explain.to_json();
  }
  if (cacheable) query_cache.put(std::move(*key), state, out);
  record_latency(request, started);
  return out;
}

}  // namespace quiver
