// Hybrid search parameters and reciprocal rank fusion (RRF): an item's fused score is
// the sum over the rankings it appears in of weight / (k + rank), rank counted from 1. RRF needs
// no score calibration between cosine similarities and BM25 scores, which live on unrelated
// scales; k (default 60, the value of Cormack et al.) damps the influence of the very top ranks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace quiver::query {

// Parsed from a query's "hybrid" option (query/request.h).
struct HybridParams {
  double rrf_k = 60;
  double vector_weight = 1;
  double text_weight = 1;
};

struct Fused {
  uint64_t label;
  double score;
  int vector_rank = 0;  // 1-based; 0: not in that ranking
  int text_rank = 0;
};

// Fuses two rankings (labels, best first) and returns the best `top_k`, best first. Ties are
// broken by the better vector rank, then by label, so results are deterministic.
std::vector<Fused> reciprocal_rank_fusion(const std::vector<uint64_t>& by_vector,
                                          const std::vector<uint64_t>& by_text, const HybridParams& params,
                                          size_t top_k);

}  // namespace quiver::query
