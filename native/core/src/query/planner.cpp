#include "query/planner.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>

namespace quiver::query {
namespace {

constexpr size_t kSampleSize = 1000;
// A sample that finds fewer matches than this (under ~3 %) cannot tell 0.1 % from 1 %: count
// exactly (a walk at a few percent costs far more than the count).
constexpr size_t kSampleHitsToTrust = 30;
// An index bound above this share of the items is not worth listing (a pass of the compiled
// filter over every item costs about the same and is exact).
constexpr double kListBoundShare = 0.25;
// Costs in distance computations of a graph walk (a "unit": about 25 + dims/16 ns on a current
// x86 core). An unfiltered walk computes about ef * 2M * kWalkExpansion of them.
// hnswlib's filtered walk keeps going until it holds ef matching candidates, so it costs more as
// matches get rarer. Measured on clustered 100k x 128 (bench/filtered.mjs, ef 64, time in the
// core against the unfiltered query's): 1.3x at 100 %, 3.5x at 10 %, 5.5x at 6 %, 36x at 1 %
// (~650x for a 1 % filter anti-correlated with the query: below a few percent the matches stop
// being reachable from each other and the walk floods the graph). Model: unfiltered x
// (1 + kWalkSparsity / s), times (kWalkCliff / s)^2 below kWalkCliff (which only ever makes the
// exact scan, right there anyway, more certain).
constexpr double kWalkExpansion = 1.5;
constexpr double kWalkSparsity = 0.2;
constexpr double kWalkCliff = 0.05;
// An exact scan costs about one unit per match (a table lookup, the distance with the vector
// prefetched, the heap: measured 25-34 ns per match at 128 dims). Listing the matches first
// costs about kTestNs per candidate tested (the compiled filter, a few loads and compares) and
// a couple of ns per index entry listed: counted as kTestNs per candidate of the bound (from the
// field indexes) or per item (one pass of the compiled filter over every item).
constexpr double kScanCostPerMatch = 1.0;
constexpr double kTestNs = 15.0;
// When the indexes answer a filter exactly (CompiledFilter::index_exact), listing costs a bit
// set per index entry instead (~2.5 ns): then the matches are listed whenever that costs under
// kExactListShare of a walk, and a walk that is still cheaper than scanning them tests a bit per
// node instead of the compiled filter.
constexpr double kPostingNs = 2.5;
constexpr double kExactListShare = 0.25;

double unit_ns(uint32_t dims) { return 25.0 + static_cast<double>(dims) / 16.0; }

// Brute force over `labels`: distances in chunks (VectorIndex::distances prefetches the vectors
// ahead), the k best kept in a heap; labels without a live vector (items stored without one)
// are skipped.
std::vector<ann::Neighbor> exact_scan(const ann::VectorIndex& graph, const std::vector<uint64_t>& labels,
                                      const float* raw_query, size_t k) {
  const vectors::PreparedQuery query = graph.prepare_query(raw_query);
  std::vector<ann::Neighbor> heap;  // max-heap on distance: the worst kept result on top
  heap.reserve(k + 1);
  auto worse = [](const ann::Neighbor& a, const ann::Neighbor& b) { return a.distance < b.distance; };
  constexpr size_t kChunk = 256;
  std::vector<ann::Neighbor> chunk;
  chunk.reserve(kChunk);
  for (size_t start = 0; start < labels.size(); start += kChunk) {
    chunk.clear();
    graph.distances(query, labels.data() + start, std::min(kChunk, labels.size() - start), chunk);
    for (const ann::Neighbor& n : chunk) {
      if (heap.size() < k) {
        heap.push_back(n);
        std::push_heap(heap.begin(), heap.end(), worse);
      } else if (n.distance < heap.front().distance) {
        std::pop_heap(heap.begin(), heap.end(), worse);
        heap.back() = n;
        std::push_heap(heap.begin(), heap.end(), worse);
      }
    }
  }
  std::sort_heap(heap.begin(), heap.end(), worse);
  return heap;
}

// Share of matches among ~kSampleSize live items drawn at random (a fixed seed: the same query
// plans the same way; not a stride, which periodic data such as "every other item" would alias),
// and how many hit. Small indexes are tested whole.
double sample_selectivity(const MetadataColumns& columns, const CompiledFilter& filter, size_t* hits_out) {
  const uint64_t end = columns.label_end();
  size_t seen = 0, hits = 0;
  if (end <= 2 * kSampleSize) {
    for (uint64_t label = 0; label < end; ++label) {
      if (!columns.live(label)) continue;
      ++seen;
      hits += filter.matches(label) ? 1 : 0;
    }
  } else {
    uint64_t state = 0x9E3779B97F4A7C15ull;
    for (size_t draw = 0; draw < 2 * kSampleSize && seen < kSampleSize; ++draw) {
      state ^= state << 13;  // xorshift64
      state ^= state >> 7;
      state ^= state << 17;
      const uint64_t label = state % end;
      if (!columns.live(label)) continue;
      ++seen;
      hits += filter.matches(label) ? 1 : 0;
    }
  }
  *hits_out = hits;
  return seen == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(seen);
}

std::vector<uint64_t> scan_all(const MetadataColumns& columns, const CompiledFilter& filter) {
  std::vector<uint64_t> out;
  const uint64_t end = columns.label_end();
  for (uint64_t label = 0; label < end; ++label) {
    if (columns.live(label) && filter.matches(label)) out.push_back(label);
  }
  return out;
}

// The exact matches from the indexes' candidates, ascending. Few candidates (under one per 64
// labels) are listed, sorted and tested; more are composed as a bitmap ($and intersects, $or
// unites: CompiledFilter::candidate_bits), walked in label order, and tested unless the
// composition is exact (CompiledFilter::index_exact: no stale entry, no superset).
std::vector<uint64_t> from_candidates(const MetadataColumns& columns, const CompiledFilter& filter) {
  std::vector<uint64_t> out;
  const uint64_t end = columns.label_end();
  if (filter.bound() * 64 < end) {
    std::vector<uint64_t> candidates;
    filter.candidates(candidates);
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    for (uint64_t label : candidates) {
      if (columns.live(label) && filter.matches(label)) out.push_back(label);
    }
    return out;
  }
  std::vector<uint64_t> words;
  filter.candidate_bits(end, words);
  const bool exact = filter.index_exact();  // then the bits are the matches: nothing to test
  for (size_t w = 0; w < words.size(); ++w) {
    for (uint64_t bits = words[w]; bits != 0; bits &= bits - 1) {
      const uint64_t label = w * 64 + static_cast<uint64_t>(__builtin_ctzll(bits));
      if (columns.live(label) && (exact || filter.matches(label))) out.push_back(label);
    }
  }
  return out;
}

bool index_lists(const MetadataColumns& columns, size_t bound) { return query::index_lists(columns.size(), bound); }

// ef of a filtered walk: wider as the selectivity drops below 10 % (the matches the walk holds
// are spread over a larger region of the graph): 1.25x at 1 %, 1.5x at 0.1 %, at most 3x. At
// 10 % and above the walk already explores more than an unfiltered one and finds at least its
// recall (bench/filtered.mjs: 1.000 at 10 % and 6 % with ef 64, against 0.987 unfiltered).
size_t filtered_ef(size_t ef, size_t k, double selectivity) {
  const double s = std::max(selectivity, 1e-6);
  const double factor = std::clamp(1.0 + 0.25 * std::log10(0.1 / s), 1.0, 3.0);
  return static_cast<size_t>(std::ceil(static_cast<double>(std::max(ef, k)) * factor));
}

double walk_cost(size_t ef, int m, double selectivity, size_t items) {
  const double s = std::max(selectivity, 1e-6);
  double cost = static_cast<double>(ef) * 2.0 * m * kWalkExpansion * (1.0 + kWalkSparsity / s);
  if (s < kWalkCliff) cost *= (kWalkCliff / s) * (kWalkCliff / s);
  return std::min(cost, 4.0 * static_cast<double>(items));
}

}  // namespace

bool index_lists(size_t items, size_t bound) {
  return bound != CompiledFilter::kUnbounded &&
         static_cast<double>(bound) <= kListBoundShare * static_cast<double>(items) + 1000;
}

const char* plan_name(Plan plan) {
  switch (plan) {
    case Plan::Hnsw: return "hnsw";
    case Plan::FilteredHnsw: return "filtered-hnsw";
    case Plan::BitmapHnsw: return "bitmap-hnsw";
    case Plan::ExactScan: return "exact-scan";
  }
  return "?";
}

const char* estimate_source_name(EstimateSource source) {
  switch (source) {
    case EstimateSource::None: return "none";
    case EstimateSource::Index: return "index";
    case EstimateSource::Sample: return "sample";
    case EstimateSource::Scan: return "scan";
  }
  return "?";
}

std::vector<uint64_t> matching_labels(const MetadataColumns& columns, const CompiledFilter& filter,
                                      EstimateSource* source) {
  if (index_lists(columns, filter.bound())) {
    if (source) *source = EstimateSource::Index;
    return from_candidates(columns, filter);
  }
  if (source) *source = EstimateSource::Scan;
  return scan_all(columns, filter);
}

PlanResult plan_and_search(const ann::VectorIndex& graph, const MetadataColumns& columns,
                           const CompiledFilter& filter, const float* query, size_t k, size_t ef,
                           int hnsw_m, QueryRequest::PlanHint hint) {
  PlanResult result;
  PlanReport& report = result.report;
  if (filter.empty()) {
    report.items = graph.size();
    report.ef = std::max(ef, k);
    result.neighbors = graph.search(query, k, ef, nullptr);
    return result;
  }
  const size_t n = columns.size();
  report.items = n;
  report.index_bound = filter.bound();
  if (hint == QueryRequest::PlanHint::Exact) {
    const std::vector<uint64_t> matches = matching_labels(columns, filter, &report.source);
    report.plan = Plan::ExactScan;
    report.estimated_matches = static_cast<double>(matches.size());
    report.exact_count = true;
    result.neighbors = exact_scan(graph, matches, query, k);
    return result;
  }
  if (hint == QueryRequest::PlanHint::FilteredHnsw) {
    const std::function<bool(uint64_t)> allow = [&](uint64_t label) {
      return columns.live(label) && filter.matches(label);
    };
    report.plan = Plan::FilteredHnsw;
    report.ef = std::max(ef, k);
    result.neighbors = graph.search(query, k, report.ef, &allow);
    return result;
  }

  // 1. How many match: exactly when a scan may win (listing the set is then part of the
  // cheapest plan), else a sample. The index bound decides first: when even the bound's matches
  // are cheaper to list and scan than to walk, they are listed from the index right away.
  const bool index_can_list = index_lists(columns, report.index_bound);
  const bool index_exact = index_can_list && filter.index_exact();
  const double list_cost =
      (index_exact ? kPostingNs : kTestNs) / unit_ns(graph.dims()) *
      static_cast<double>(index_can_list ? std::min(report.index_bound, n) : n);
  const auto walk_at = [&](double matches) {
    const double s = n == 0 ? 0.0 : matches / static_cast<double>(n);
    return walk_cost(filtered_ef(ef, k, s), hnsw_m, s, n);
  };
  const auto scan_wins = [&](double matches) {
    return list_cost + kScanCostPerMatch * matches <= walk_at(matches);
  };
  const double bound = static_cast<double>(report.index_bound);
  std::vector<uint64_t> matches;
  bool listed = false;
  if (index_can_list && (scan_wins(bound) || (index_exact && list_cost <= kExactListShare * walk_at(bound)))) {
    matches = from_candidates(columns, filter);
    listed = true;
    report.source = EstimateSource::Index;
  } else {
    size_t hits = 0;
    const double s = sample_selectivity(columns, filter, &hits);
    report.source = EstimateSource::Sample;
    report.estimated_matches = s * static_cast<double>(n);
    if (hits < kSampleHitsToTrust || scan_wins(report.estimated_matches)) {
      matches = index_can_list ? from_candidates(columns, filter) : scan_all(columns, filter);
      listed = true;
      report.source = index_can_list ? EstimateSource::Index : EstimateSource::Scan;
    }
  }
  if (listed) {
    report.estimated_matches = static_cast<double>(matches.size());
    report.exact_count = true;
  }
  const double selectivity = n == 0 ? 0.0 : report.estimated_matches / static_cast<double>(n);
  const size_t walk_ef = filtered_ef(ef, k, selectivity);

  // 2. The cheapest way to the exact (or near-exact) top k (the listing, when done, is paid).
  if (listed && (matches.size() <= k ||
                 kScanCostPerMatch * static_cast<double>(matches.size()) <=
                     walk_cost(walk_ef, hnsw_m, selectivity, n))) {
    report.plan = Plan::ExactScan;
    result.neighbors = exact_scan(graph, matches, query, k);
    return result;
  }
  report.ef = walk_ef;
  if (listed) {
    // Known set, too large to scan: the walk tests a bit per node instead of the filter.
    std::vector<uint64_t> bitmap((columns.label_end() + 63) / 64, 0);
    for (uint64_t label : matches) bitmap[label >> 6] |= uint64_t{1} << (label & 63);
    const std::function<bool(uint64_t)> allow = [&](uint64_t label) {
      return (label >> 6) < bitmap.size() && ((bitmap[label >> 6] >> (label & 63)) & 1) != 0;
    };
    report.plan = Plan::BitmapHnsw;
    result.neighbors = graph.search(query, k, walk_ef, &allow);
  } else {
    const std::function<bool(uint64_t)> allow = [&](uint64_t label) {
      return columns.live(label) && filter.matches(label);
    };
    report.plan = Plan::FilteredHnsw;
    result.neighbors = graph.search(query, k, walk_ef, &allow);
  }
  if (result.neighbors.size() < k) {
    // Fewer matches than estimated: only an exact scan can promise k results now.
    if (!listed) matches = scan_all(columns, filter);
    report.fell_back = true;
    report.plan = Plan::ExactScan;
    result.neighbors = exact_scan(graph, matches, query, k);
  }
  return result;
}

bool runs_inline(const QueryRequest& r, uint32_t dims, const HnswParams& hnsw, size_t items,
                 size_t filter_bound, size_t shards, size_t row_reads) {
  const double reads_micros = static_cast<double>(row_reads) * kRowReadMicros;
  if (r.mode != QueryRequest::Mode::Vector) return false;
  if (!r.filter.empty()) {
    if (r.plan != QueryRequest::PlanHint::Auto || !index_lists(items, filter_bound)) return false;
    // Listing (a test per candidate) and scanning every candidate.
    const double per_match_ns = kScanCostPerMatch * unit_ns(dims) + kTestNs;
    return static_cast<double>(filter_bound) * per_match_ns / 1000.0 + reads_micros <= kInlineBudgetMicros;
  }
  const double ef = std::max(r.ef_search > 0 ? r.ef_search : hnsw.ef_search, r.top_k);
  // Every shard is searched (inline, one after the other, when the query runs inline).
  const double per_shard = static_cast<double>(items) / static_cast<double>(std::max<size_t>(1, shards));
  const double distances = static_cast<double>(std::max<size_t>(1, shards)) * std::min(per_shard, ef * 2.0 * hnsw.M);
  const double micros = distances * (25.0 + dims / 16.0) / 1000.0;
  return micros + reads_micros <= kInlineBudgetMicros;
}

}  // namespace quiver::query
