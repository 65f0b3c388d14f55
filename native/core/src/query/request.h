// A query as the core runs it, parsed once from what a binding received: the vector (a borrowed
// view) and one options JSON object
//   {"topK":10, "efSearch":64, "filter":{...}, "text":"...", "mode":"hybrid",
//    "hybrid":{"method":"rrf", "k":60, "weights":{"vector":1, "text":1}}, "rescore":true,
//    "includeVectors":false}
// topK is required, every other key optional, and a key that is not one of these is rejected by
// name (a misspelt option never silently does nothing). Without "mode", the mode follows from
// what is given: no text is a nearest-neighbour query; text without a vector a keyword (BM25)
// query; text and a vector a hybrid query (reciprocal rank fusion, query/hybrid.h).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "query/explain.h"
#include "query/filter.h"
#include "query/hybrid.h"
#include "quiver/item.h"

namespace quiver::query {

struct QueryRequest {
  enum class Mode { Vector, Keyword, Hybrid };
  VectorView vector;  // borrowed: the caller keeps it alive for the call
  Mode mode = Mode::Vector;
  int top_k = 10;
  int ef_search = 0;  // 0: the index's setting
  Filter filter;      // empty: every item
  std::string text;   // keyword and hybrid modes
  HybridParams hybrid;
  // Re-rank the graph's candidates with the exact vectors (quantized graphs); Default: the
  // index's "rescore" setting.
  enum class Rescore { Default, Yes, No };
  Rescore rescore = Rescore::Default;
  // "plan": forces how a filtered nearest-neighbour query runs (query/planner.h), for
  // benchmarks and for users who know better than the estimate: "exact" scans every match;
  // "filtered-hnsw" runs the filter inside the graph walk with this ef, no fallback.
  enum class PlanHint { Auto, Exact, FilteredHnsw };
  PlanHint plan = PlanHint::Auto;
  // The options as parsed and dumped again (keys sorted): with the vector's bytes, the query
  // cache's key (query/query_cache.h). Empty for requests not built from JSON: never cached.
  std::string normalized_options;
  bool explain = false;  // "explain": true
  // "includeVectors": false: hits come back without their vectors (PackedItems::dims 0), which
  // spares the copy into the result and, above all, building each as a JS array (10 hits of
  // 1,536 floats are 15,360 numbers). Scores and norms are still computed from the exact vectors.
  bool include_vectors = true;
  // Where the read path reports its plan (null: not asked); set by the call that owns the request.
  mutable Explain* explain_out = nullptr;
  // When the request reached the core: parse_query_request sets it, i.e. at the binding's entry
  // on the caller's thread, so that the latency metrics count the time a query waits for the
  // thread pool (or for the lock) as its caller does. Unset (epoch): Index::query's own entry.
  std::chrono::steady_clock::time_point received{};
  // Set by a binding that converts the answer itself after the core returns it (into JS values):
  // the core then leaves the latency to Index::query_delivered(request), which the binding calls
  // once the answer is converted, so the figure also covers the hop back from the thread pool
  // and the conversion (README "getPerformanceMetrics", bench/metrics.mjs).
  bool delivery_recorded_by_caller = false;
  // "callerLatencies": [µs, ...]: the caller (LocalIndex) times its queries itself, from its
  // public call to the answer as Vectra's objects, and hands the latencies of its earlier
  // queries in with the next call; they go into the latency metrics, and this query's own span
  // is not recorded (its caller reports it later). Not part of the cache key.
  bool timed_by_caller = false;
  std::vector<double> caller_latencies_us;
};

// The "callerLatencies" value (above): at most 4096 finite numbers >= 0, in microseconds.
std::vector<double> parse_caller_latencies(const nlohmann::json& value);

// Throws InvalidArgument (what is wrong and what to give instead) or Limit.
QueryRequest parse_query_request(VectorView vector, std::string_view options_json);

// The efSearch rule, for every caller: 0 means the index's setting; anything else is an integer
// from 1 to Limits::kMaxEf (validate_integer: 1.5 is rejected, never truncated).
int validate_ef_search(double ef_search);

}  // namespace quiver::query
