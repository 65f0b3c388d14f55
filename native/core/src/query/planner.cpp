#include "query/planner.h"

#include <algorithm>
#include <functional>

namespace quiver::query {
namespace {

constexpr size_t kSampleSize = 1000;
// Below this many estimated matches an exact scan of the matches beats a filtered graph walk.
constexpr size_t kExactScanMatches = 5000;
constexpr size_t kMaxWidenedEf = 4096;

double estimate_selectivity(const MetadataMap& metadata, const Filter& filter) {
  if (metadata.empty()) return 0.0;
  const size_t step = std::max<size_t>(1, metadata.size() / kSampleSize);
  size_t seen = 0, hits = 0, i = 0;
  for (const auto& [label, doc] : metadata) {
    if (i++ % step != 0) continue;
    ++seen;
    if (filter.matches(doc)) ++hits;
  }
  return seen ? static_cast<double>(hits) / seen : 0.0;
}

std::vector<ann::Neighbor> exact_scan(const ann::HnswGraph& graph, const MetadataMap& metadata,
                                      const Filter& filter, const float* query, size_t k) {
  std::vector<ann::Neighbor> heap;  // max-heap on distance: the worst kept result on top
  auto worse = [](const ann::Neighbor& a, const ann::Neighbor& b) { return a.distance < b.distance; };
  for (const auto& [label, doc] : metadata) {
    if (!filter.matches(doc)) continue;
    const float d = graph.distance_to(query, label);
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

PlanResult plan_and_search(const ann::HnswGraph& graph, const MetadataMap& metadata,
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
    auto it = metadata.find(label);
    return it != metadata.end() && filter.matches(it->second);
  };
  const size_t base = std::max(ef, k);
  const size_t widened = std::min(std::max(base, static_cast<size_t>(base / selectivity)),
                                  std::max(base, kMaxWidenedEf));
  result.plan = Plan::FilteredHnsw;
  result.neighbors = graph.search(query, k, widened, &allow);
  if (result.neighbors.size() < k) {
    // The sample overestimated the matches; only an exact scan can promise k results now.
    result.plan = Plan::ExactScan;
    result.neighbors = exact_scan(graph, metadata, filter, query, k);
  }
  return result;
}

}  // namespace quiver::query
