// The front door of query(): the query cache (query/query_cache.h) in front of the read path
// (index/reads.cpp), `explain`, and the latency metrics, for both the blocking and the inline
// form. The shared lock is held by the caller.
#include <chrono>

#include "index/index_impl.h"

namespace quiver {
namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

PackedItems Index::Impl::serve(const query::QueryRequest& request,
                               std::chrono::steady_clock::time_point started) const {
  PackedItems out;
  const bool cacheable = !request.explain && !request.normalized_options.empty();
  std::string key;
  const uint64_t state = cache.changes.load(std::memory_order_acquire);
  if (cacheable) {
    key = query::QueryCache::key_of(request.vector, request.normalized_options);
    if (query_cache.get(key, state, &out)) {
      if (metrics::enabled()) query_latency.record(ms_since(started) * 1000);
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
  if (cacheable) query_cache.put(key, state, out);
  if (metrics::enabled()) query_latency.record(ms_since(started) * 1000);
  return out;
}

}  // namespace quiver
