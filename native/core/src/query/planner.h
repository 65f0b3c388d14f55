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
#include "query/filter.h"
#include "query/metadata_store.h"

namespace quiver::query {

enum class Plan { Hnsw, FilteredHnsw, ExactScan };

struct PlanResult {
  std::vector<ann::Neighbor> neighbors;  // best first
  Plan plan = Plan::Hnsw;
  double estimated_selectivity = 1.0;
};

// `query`: the caller's raw vector (dims floats); the vector index prepares it.
PlanResult plan_and_search(const ann::VectorIndex& graph, const MetadataStore& metadata,
                           const Filter& filter, const float* query, size_t k, size_t ef);

}  // namespace quiver::query
