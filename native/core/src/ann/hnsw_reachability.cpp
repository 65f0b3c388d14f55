#include "ann/hnsw_reachability.h"

#include <algorithm>
#include <limits>
#include <mutex>
#include <utility>
#include <vector>

namespace quiver::ann {
namespace {

using Graph = hnswlib::HierarchicalNSW<float>;
using hnswlib::tableint;

// Marks what level-0 links reach from `from` (the walk stops at what is marked already).
void mark_reachable(const Graph& graph, tableint from, std::vector<char>& seen) {
  if (seen[from]) return;
  std::vector<tableint> next{from};
  seen[from] = 1;
  while (!next.empty()) {
    const tableint node = next.back();
    next.pop_back();
    const hnswlib::linklistsizeint* list = graph.get_linklist0(node);
    const auto* links = reinterpret_cast<const tableint*>(list + 1);
    const size_t count = graph.getListCount(const_cast<hnswlib::linklistsizeint*>(list));
    for (size_t j = 0; j < count; ++j) {
      if (links[j] < seen.size() && !seen[links[j]]) {
        seen[links[j]] = 1;
        next.push_back(links[j]);
      }
    }
  }
}

// Adds a level-0 link from one of `nearest` (reachable, nearest first) to `element`: appended
// to the first list with room, else in place of the first one's farthest link. True when a
// link was replaced.
bool link_from(Graph& graph, const std::vector<std::pair<float, tableint>>& nearest, tableint element) {
  for (const auto& [distance, from] : nearest) {
    std::lock_guard<std::mutex> lock(graph.link_list_locks_[from]);
    hnswlib::linklistsizeint* list = graph.get_linklist0(from);
    auto* links = reinterpret_cast<tableint*>(list + 1);
    const size_t count = graph.getListCount(list);
    if (count < graph.maxM0_) {
      links[count] = element;
      graph.setListCount(list, static_cast<unsigned short>(count + 1));
      return false;
    }
  }
  const tableint from = nearest.front().second;
  std::lock_guard<std::mutex> lock(graph.link_list_locks_[from]);
  hnswlib::linklistsizeint* list = graph.get_linklist0(from);
  auto* links = reinterpret_cast<tableint*>(list + 1);
  const size_t count = graph.getListCount(list);
  const void* data = graph.getDataByInternalId(from);
  size_t farthest = 0;
  float worst = -std::numeric_limits<float>::infinity();
  for (size_t j = 0; j < count; ++j) {
    const float d = graph.fstdistfunc_(data, graph.getDataByInternalId(links[j]), graph.dist_func_param_);
    if (d > worst) {
      worst = d;
      farthest = j;
    }
  }
  links[farthest] = element;
  return true;
}

}  // namespace

size_t relink_unreachable(Graph& graph) {
  const size_t n = graph.cur_element_count;
  if (n < 2) return 0;
  std::vector<char> seen(n, 0);
  size_t linked = 0;
  for (int pass = 0; pass < 3; ++pass) {
    std::fill(seen.begin(), seen.end(), 0);
    mark_reachable(graph, graph.enterpoint_node_, seen);
    bool replaced = false;
    for (tableint element = 0; element < n; ++element) {
      if (seen[element] || graph.isMarkedDeleted(element)) continue;
      // A level-0 search from the entry point only ever walks reachable elements.
      auto found = graph.searchBaseLayerST<false>(graph.enterpoint_node_, graph.getDataByInternalId(element),
                                                  std::max<size_t>(graph.ef_construction_, 1));
      std::vector<std::pair<float, tableint>> nearest;
      while (!found.empty()) {
        if (found.top().second != element) nearest.push_back(found.top());
        found.pop();
      }
      if (nearest.empty()) continue;  // nothing live is reachable (every element deleted)
      std::reverse(nearest.begin(), nearest.end());  // nearest first
      replaced = link_from(graph, nearest, element) || replaced;
      ++linked;
      mark_reachable(graph, element, seen);  // its island is reachable now
    }
    if (!replaced) break;  // else a replaced link may have cut its element off: walk again
  }
  return linked;
}

}  // namespace quiver::ann
