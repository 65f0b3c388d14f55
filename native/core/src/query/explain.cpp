#include "query/explain.h"

#include <nlohmann/json.hpp>

#include "query/planner.h"

namespace quiver::query {

void Explain::take(const PlanReport& report) {
  plan = plan_name(report.plan);
  estimate_source = estimate_source_name(report.source);
  estimated_matches = report.estimated_matches;
  exact_count = report.exact_count;
  index_bound = report.index_bound == CompiledFilter::kUnbounded ? -1.0 : static_cast<double>(report.index_bound);
  fell_back = report.fell_back;
  items = report.items;
  ef = report.ef;
}

std::string Explain::to_json() const {
  nlohmann::json estimates = {{"source", estimate_source}, {"matches", estimated_matches}, {"exact", exact_count}};
  if (index_bound >= 0) estimates["indexBound"] = index_bound;
  return nlohmann::json{{"plan", plan},
                        {"estimates", estimates},
                        {"fellBack", fell_back},
                        {"items", items},
                        {"efSearch", ef},
                        {"results", results},
                        {"timings", {{"searchMs", search_ms}, {"totalMs", total_ms}}},
                        {"cacheHit", cache_hit}}
      .dump();
}

}  // namespace quiver::query
