#include "query/planner.h"

#include <algorithm>
#include <cstdint>
#include <functional>

#include "util/parallel_for.h"

namespace quiver::query {
namespace {

constexpr size_t kSampleSize = 1000;
// Below this many estimated matches an exact scan of the matches beats a filtered graph walk.
constexpr size_t kExactScanMatches = 5000;

double estimate_selectivity(const MetadataStore& metadata, const Filter& filter) {
  const size_t n = metadata.size();
  if (n == 0) return 0.0;
  const size_t step = std::max<size_t>(1, n / kSampleSize);
  size_t seen = 0, hits = 0;
  for (size_t i = 0; i < n; i += step) {
    ++seen;
    if (filter.matches(metadata.doc_at(i))) ++hits;
  }
  return static_cast<double>(hits) / seen;
}

std::vector<ann::Neighbor> exact_scan(const ann::VectorIndex& graph, const MetadataStore& metadata,
                                      const Filter& filter, const float* raw_query, size_t k) {
  const vectors::PreparedQuery query = graph.prepare_query(raw_query);
  std::vector<ann::Neighbor> heap;  // max-heap on distance: the worst kept result on top
  auto worse = [](const ann::Neighbor& a, const ann::Neighbor& b) { return a.distance < b.distance; };
  // Evaluating the filter on every item dominates the cost: spread it over the cores (each
  // index writes only its own byte), then score the matches.
  const size_t n = metadata.size();
  std::vector<uint8_t> match(n);
  util::parallel_for(n, [&](size_t i) { match[i] = filter.matches(metadata.doc_at(i)) ? 1 : 0; });
  for (size_t i = 0; i < n; ++i) {
    if (!match[i]) continue;
    const uint64_t label = metadata.label_at(i);
    const float d = graph.distance(query, label);
    if (heap.size() < k) {
      heap.push_back({d, label});
      std::push_heap(heap.begin(), heap.end(), worse);
    } else if (d < heap.front().distance) {
      std::pop_heap(heap.begin(), heap.end(), worse);
      heap.back() = {d, label};
      std::push_heap(heap.begin(), heap.end(), worse);
    }
  }
  std::sort_heap(heap.begin(), heap.end(), worse);
  return heap;
}

}  // namespace

PlanResult plan_and_search(const ann::VectorIndex& graph, const MetadataStore& metadata,
                           const Filter& filter, const float* query, size_t k, size_t ef) {
  PlanResult result;
  if (filter.empty()) {
    result.neighbors = graph.search(query, k, ef, nullptr);
    return result;
  }
  const double selectivity = estimate_selectivity(metadata, filter);
  result.estimated_selectivity = selectivity;
  const double expected_matches = selectivity * static_cast<double>(metadata.size());
  if (expected_matches <= static_cast<double>(std::max(kExactScanMatches, 4 * k))) {
    result.plan = Plan::ExactScan;
    result.neighbors = exact_scan(graph, metadata, filter, query, k);
    return result;
  }
  const std::function<bool(uint64_t)> allow = [&](uint64_t label) {
    const nlohmann::json* doc = metadata.find(label);
    return doc && filter.matches(*doc);
  };
  // No ef widening: hnswlib's filtered search keeps walking (through filtered-out nodes too)
  // until it holds ef *matching* candidates, so it already adapts to the selectivity.
  result.plan = Plan::FilteredHnsw;
  result.neighbors = graph.search(query, k, std::max(ef, k), &allow);
  if (result.neighbors.size() < k) {
    // The sample overestimated the matches; only an exact scan can promise k results now.
    result.plan = Plan::ExactScan;
    result.neighbors = exact_scan(graph, metadata, filter, query, k);
  }
  return result;
}

void describe_plan(const PlanResult& result, size_t items, size_t ef, Explain* out) {
  out->plan = result.plan == Plan::Hnsw ? "hnsw" : result.plan == Plan::FilteredHnsw ? "filtered_hnsw" : "exact_scan";
  out->estimated_selectivity = result.estimated_selectivity;
  out->estimated_matches = result.estimated_selectivity * static_cast<double>(items);
  out->items = items;
  out->ef = ef;
}

bool runs_inline(const QueryRequest& r, uint32_t dims, const HnswParams& hnsw, size_t items) {
  if (r.mode != QueryRequest::Mode::Vector || !r.filter.empty()) return false;
  const double ef = std::max(r.ef_search > 0 ? r.ef_search : hnsw.ef_search, r.top_k);
  const double distances = std::min(static_cast<double>(items), ef * 2.0 * hnsw.M);
  const double micros = distances * (25.0 + dims / 16.0) / 1000.0;
  return micros <= kInlineBudgetMicros;
}

}  // namespace quiver::query
