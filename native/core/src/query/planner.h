// Chooses how to answer a (possibly filtered) nearest-neighbour query and runs it. The filter
// arrives compiled against the metadata columns (compiled_filter.h). The planner first counts:
// - from the field indexes when the filter has an index-answerable part and its bound is small
//   enough to list: the candidate sets are composed ($and intersected, $or united) and tested,
//   giving the exact matching set — without a test when the indexes answer the filter exactly
//   (CompiledFilter::index_exact);
// - else from a sample of ~1,000 items, and when that predicts few matches, from one pass of the
//   compiled filter over every item (nanoseconds per item), again giving the exact set.
// Then, by a cost model in distance computations:
// - ExactScan: the matching set is small (or smaller than topK): brute force over it, exact;
// - BitmapHnsw: the matching set is known but cheaper to walk than to scan: HNSW where the
//   predicate is a bit test, ef widened with the selectivity;
// - FilteredHnsw: many matches (sample): HNSW with the compiled filter inside the traversal.
// A graph walk that returns fewer than topK falls back to the exact scan.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ann/vector_index.h"
#include "query/compiled_filter.h"
#include "query/metadata_columns.h"
#include "query/request.h"

namespace quiver::query {

enum class Plan { Hnsw, FilteredHnsw, BitmapHnsw, ExactScan };
enum class EstimateSource { None, Index, Sample, Scan };

const char* plan_name(Plan plan);
const char* estimate_source_name(EstimateSource source);

// What the planner decided and why: small and copyable, for `explain` and tests.
struct PlanReport {
  Plan plan = Plan::Hnsw;
  EstimateSource source = EstimateSource::None;
  size_t items = 0;                  // live items
  size_t index_bound = CompiledFilter::kUnbounded;  // upper bound from the field indexes
  double estimated_matches = 0;      // from the source (exact for Index and Scan)
  bool exact_count = false;          // estimated_matches is the exact count
  size_t ef = 0;                     // ef of the graph walk (0: no walk)
  bool fell_back = false;            // a walk returned < topK and the exact scan answered
};

struct PlanResult {
  std::vector<ann::Neighbor> neighbors;  // best first
  PlanReport report;
};

// `query`: the caller's raw vector (dims floats); the vector index prepares it. `filter` is
// compiled against `columns` (empty: no filter).
PlanResult plan_and_search(const ann::VectorIndex& graph, const MetadataColumns& columns,
                           const CompiledFilter& filter, const float* query, size_t k, size_t ef,
                           int hnsw_m, QueryRequest::PlanHint hint = QueryRequest::PlanHint::Auto);

// Every live label that matches, ascending; uses the field indexes when they bound the filter.
// `source` (optional) says how it was found.
std::vector<uint64_t> matching_labels(const MetadataColumns& columns, const CompiledFilter& filter,
                                      EstimateSource* source = nullptr);

// Whether a query is small enough to answer on the caller's thread (a binding's JS thread, which
// must never be blocked for more than about a millisecond): a nearest-neighbour query without
// a filter whose estimated cost is under kInlineBudgetMicros. The estimate: the base-layer
// search computes at most min(items, ef * 2M) distances of `dims` floats, each costing about
// (25 + dims / 16) ns on a current x86 core (measured; a slower machine stays under 1 ms).
// A filtered query runs inline only when its columns exist (building them parses every item) and
// the field indexes bound its matches to a set the planner lists from the index
// (`filter_bound`, CompiledFilter::bound(); kUnbounded otherwise) and whose exact scan fits the
// budget: then no plan it can pick costs more than that scan.
constexpr double kInlineBudgetMicros = 400;
// With several shards, each is searched: the estimate is per shard, times their number.
// `row_reads`: SQLite rows the answer reads (a quantized index reads each returned item's exact
// vector, and each rescored candidate's), kRowReadMicros each.
bool runs_inline(const QueryRequest& request, uint32_t dims, const HnswParams& hnsw, size_t items,
                 size_t filter_bound = CompiledFilter::kUnbounded, size_t shards = 1,
                 size_t row_reads = 0);
// One row read by label (its B-tree pages mostly in SQLite's cache, else one pread each, plus
// the checksum): ~2-3 µs measured on 100k x 128 f16 when each read was its own transaction,
// ~1 µs since a result's reads share one (Impl::snapshot_rows); counted at 5 for a slower disk
// or machine.
constexpr double kRowReadMicros = 5;
// Whether the planner lists the matches from the field indexes for this bound.
bool index_lists(size_t items, size_t bound);

}  // namespace quiver::query
