// What a query with `explain: true` reports: the plan chosen (query/planner.h), its estimates
// and where the time went. Filled by the read path; turned into JSON for the bindings.
#pragma once

#include <string>

namespace quiver::query {

struct Explain {
  std::string plan = "none";        // hnsw | filtered_hnsw | exact_scan | keyword | hybrid | none
  double estimated_selectivity = 1;   // share of items the filter is estimated to match
  double estimated_matches = 0;
  size_t items = 0;                   // live items when the query ran
  size_t ef = 0;                      // candidate list width of the graph search
  size_t results = 0;
  double search_ms = 0;               // planning + search
  double total_ms = 0;                // everything in the core, lock wait included
  bool cache_hit = false;
  std::string to_json() const;
};

}  // namespace quiver::query
