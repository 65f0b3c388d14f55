#include "query/hybrid.h"

#include <algorithm>
#include <unordered_map>


namespace quiver::query {
std::vector<Fused> reciprocal_rank_fusion(const std::vector<uint64_t>& by_vector,
                                          const std::vector<uint64_t>& by_text, const HybridParams& params,
                                          size_t top_k) {
  std::unordered_map<uint64_t, Fused> fused;
  auto add = [&](const std::vector<uint64_t>& ranking, double weight, bool vector) {
    for (size_t i = 0; i < ranking.size(); ++i) {
      auto [it, inserted] = fused.try_emplace(ranking[i], Fused{ranking[i], 0.0});
      it->second.score += weight / (params.rrf_k + static_cast<double>(i + 1));
      (vector ? it->second.vector_rank : it->second.text_rank) = static_cast<int>(i + 1);
    }
  };
  add(by_vector, params.vector_weight, true);
  add(by_text, params.text_weight, false);
  std::vector<Fused> out;
  out.reserve(fused.size());
  for (auto& [label, f] : fused) out.push_back(f);
  auto key = [](const Fused& f) { return f.vector_rank == 0 ? INT32_MAX : f.vector_rank; };
  std::sort(out.begin(), out.end(), [&](const Fused& a, const Fused& b) {
    if (a.score != b.score) return a.score > b.score;
    if (key(a) != key(b)) return key(a) < key(b);
    return a.label < b.label;
  });
  if (out.size() > top_k) out.resize(top_k);
  return out;
}

}  // namespace quiver::query
