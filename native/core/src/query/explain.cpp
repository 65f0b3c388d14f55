#include "query/explain.h"

#include <nlohmann/json.hpp>

namespace quiver::query {

std::string Explain::to_json() const {
  return nlohmann::json{{"plan", plan},
                        {"estimates", {{"selectivity", estimated_selectivity}, {"matches", estimated_matches}}},
                        {"items", items},
                        {"efSearch", ef},
                        {"results", results},
                        {"timings", {{"searchMs", search_ms}, {"totalMs", total_ms}}},
                        {"cacheHit", cache_hit}}
      .dump();
}

}  // namespace quiver::query
