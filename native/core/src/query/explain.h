// What a query with `explain: true` reports: the plan the planner chose (query/planner.h, its
// PlanReport), its estimates and where the time went. Filled by the read path; turned into JSON
// for the bindings.
#pragma once

#include <cstddef>
#include <string>

namespace quiver::query {

struct PlanReport;

struct Explain {
  std::string plan = "none";       // the planner's plan name, or keyword / hybrid+<plan>
  std::string estimate_source = "none";  // where the match estimate came from
  double estimated_matches = 0;
  bool exact_count = false;        // the estimate is the exact number of matches
  double index_bound = -1;         // upper bound from field indexes (-1: none)
  bool fell_back = false;          // a walk found < topK and the exact scan answered
  size_t items = 0;                // live items when the query ran
  size_t ef = 0;                   // candidate list width of the graph walk (0: no walk)
  size_t results = 0;
  double search_ms = 0;            // planning + search + packing
  double total_ms = 0;             // everything in the core, lock wait included
  bool cache_hit = false;

  void take(const PlanReport& report);  // query/explain.cpp
  std::string to_json() const;
};

}  // namespace quiver::query
