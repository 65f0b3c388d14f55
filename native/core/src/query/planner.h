// Chooses how to answer a (possibly filtered) nearest-neighbour query and runs it:
// - no filter: plain HNSW search;
// - a filter that matches few items (estimated from a sample): exact scan of the matches, which
//   is both faster and exact where filtered graph search would wander;
// - otherwise: HNSW search with the filter evaluated *inside* the traversal (hnswlib's filter
//   functor) and ef widened by the inverse selectivity, falling back to the exact scan if the
//   graph search still finds fewer than k matches.
#pragma once

#include <cstddef>
#include <vector>

#include "ann/vector_index.h"
#include "query/explain.h"
#include "query/filter.h"
#include "query/metadata_store.h"
#include "query/request.h"

namespace quiver::query {

enum class Plan { Hnsw, FilteredHnsw, ExactScan };

struct PlanResult {
  std::vector<ann::Neighbor> neighbors;  // best first
  Plan plan = Plan::Hnsw;
  double estimated_selectivity = 1.0;
};

// Reports a plan for `explain` (query/explain.h).
void describe_plan(const PlanResult& result, size_t items, size_t ef, Explain* out);

// `query`: the caller's raw vector (dims floats); the vector index prepares it.
PlanResult plan_and_search(const ann::VectorIndex& graph, const MetadataStore& metadata,
                           const Filter& filter, const float* query, size_t k, size_t ef);

// Whether a query is small enough to answer on the caller's thread (a binding's JS thread, which
// must never be blocked for more than about a millisecond): a nearest-neighbour query without
// a filter whose estimated cost is under kInlineBudgetMicros. The estimate: the base-layer
// search computes at most min(items, ef * 2M) distances of `dims` floats, each costing about
// (25 + dims / 16) ns on a current x86 core (measured; a slower machine stays under 1 ms).
constexpr double kInlineBudgetMicros = 400;
bool runs_inline(const QueryRequest& request, uint32_t dims, const HnswParams& hnsw, size_t items);

}  // namespace quiver::query
