#include "ann/hnsw_insert.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <queue>
#include <stdexcept>
#include <utility>
#include <vector>

namespace quiver::ann {
namespace {

using Graph = hnswlib::HierarchicalNSW<float>;
using hnswlib::tableint;
using GraphCandidates = std::priority_queue<std::pair<float, tableint>, std::vector<std::pair<float, tableint>>,
                                            Graph::CompareByFirst>;

// hnswlib's searchBaseLayer at layer 0 (efConstruction candidates for a new element's links),
// step for step, without the per-node lock (hnsw_insert.h says why that is sound).
GraphCandidates search_level0_for_insert(const Graph& graph, tableint entry, const void* point) {
  hnswlib::VisitedListPool& pool = *graph.visited_list_pool_;
  hnswlib::VisitedList* list = pool.getFreeVisitedList();
  hnswlib::vl_type* const visited = list->mass;
  const hnswlib::vl_type tag = list->curV;
  const auto distance = graph.fstdistfunc_;
  const void* const param = graph.dist_func_param_;
  const size_t ef = graph.ef_construction_;

  GraphCandidates found;     // the ef best, worst on top
  GraphCandidates frontier;  // best on top (distances negated)
  float bound;
  if (!graph.isMarkedDeleted(entry)) {
    const float d = distance(point, graph.getDataByInternalId(entry), param);
    found.emplace(d, entry);
    bound = d;
    frontier.emplace(-d, entry);
  } else {
    bound = std::numeric_limits<float>::max();
    frontier.emplace(-bound, entry);
  }
  visited[entry] = tag;

  while (!frontier.empty()) {
    const auto [negated, node] = frontier.top();
    if (-negated > bound && found.size() == ef) break;
    frontier.pop();
    hnswlib::linklistsizeint* const links = graph.get_linklist0(node);
    const size_t count = graph.getListCount(links);
    const auto* neighbours = reinterpret_cast<const tableint*>(links + 1);
    if (count > 0) {
      __builtin_prefetch(visited + neighbours[0]);
      __builtin_prefetch(graph.getDataByInternalId(neighbours[0]));
    }
    for (size_t j = 0; j < count; ++j) {
      const tableint id = neighbours[j];
      if (j + 1 < count) {
        __builtin_prefetch(visited + neighbours[j + 1]);
        __builtin_prefetch(graph.getDataByInternalId(neighbours[j + 1]));
      }
      if (visited[id] == tag) continue;
      visited[id] = tag;
      const float d = distance(point, graph.getDataByInternalId(id), param);
      if (found.size() < ef || bound > d) {
        frontier.emplace(-d, id);
        __builtin_prefetch(graph.getDataByInternalId(frontier.top().second));
        if (!graph.isMarkedDeleted(id)) found.emplace(d, id);
        if (found.size() > ef) found.pop();
        if (!found.empty()) bound = found.top().first;
      }
    }
  }
  pool.releaseVisitedList(list);
  return found;
}

}  // namespace

tableint insert_new_element(Graph& graph, const void* stored, hnswlib::labeltype label) {
  std::unique_lock<std::mutex> label_lock(graph.getLabelOpMutex(label));
  tableint slot = 0;
  {
    std::unique_lock<std::mutex> table_lock(graph.label_lookup_lock);
    if (graph.label_lookup_.count(label) != 0) {
      // Not new after all: hnswlib's update in place.
      table_lock.unlock();
      return graph.addPoint(stored, label, -1);
    }
    if (graph.cur_element_count >= graph.max_elements_) {
      throw std::runtime_error("The number of elements exceeds the specified limit");
    }
    slot = static_cast<tableint>(graph.cur_element_count);
    ++graph.cur_element_count;
    graph.label_lookup_[label] = slot;
  }

  // The new element's own lock, for its whole insert: another insert that picks it as a
  // neighbour waits to change its links until they are all written.
  std::unique_lock<std::mutex> element_lock(graph.link_list_locks_[slot]);
  const int level = graph.getRandomLevel(graph.mult_);
  graph.element_levels_[slot] = level;

  std::unique_lock<std::mutex> top_lock(graph.global);
  const int top_level = graph.maxlevel_;
  if (level <= top_level) top_lock.unlock();
  tableint current = graph.enterpoint_node_;
  const tableint entry = graph.enterpoint_node_;

  std::memset(graph.data_level0_memory_ + slot * graph.size_data_per_element_ + graph.offsetLevel0_, 0,
              graph.size_data_per_element_);
  std::memcpy(graph.getExternalLabeLp(slot), &label, sizeof(hnswlib::labeltype));
  std::memcpy(graph.getDataByInternalId(slot), stored, graph.data_size_);
  if (level > 0) {
    const size_t bytes = graph.size_links_per_element_ * level + 1;
    graph.linkLists_[slot] = static_cast<char*>(std::malloc(bytes));
    if (graph.linkLists_[slot] == nullptr) {
      throw std::runtime_error("Not enough memory: addPoint failed to allocate linklist");
    }
    std::memset(graph.linkLists_[slot], 0, bytes);
  }

  // The element's vector and zeroed links are written before any list links to it (x86 keeps
  // stores in order anyway; ARM needs the barrier): a search that reads the link without a lock
  // then reads them through an address that depends on it, which ARM orders after the link.
  std::atomic_thread_fence(std::memory_order_release);

  if (static_cast<int>(current) != -1) {
    const auto distance = graph.fstdistfunc_;
    const void* const param = graph.dist_func_param_;
    if (level < top_level) {
      // Greedy descent through the layers above the new element's, under each node's lock as
      // hnswlib does (an upper list is allocated by the insert that creates it).
      float best = distance(stored, graph.getDataByInternalId(current), param);
      for (int layer = top_level; layer > level; --layer) {
        for (bool moved = true; moved;) {
          moved = false;
          std::unique_lock<std::mutex> node_lock(graph.link_list_locks_[current]);
          hnswlib::linklistsizeint* const links = graph.get_linklist(current, layer);
          const int count = graph.getListCount(links);
          const auto* neighbours = reinterpret_cast<const tableint*>(links + 1);
          for (int i = 0; i < count; ++i) {
            const tableint candidate = neighbours[i];
            if (candidate > graph.max_elements_) throw std::runtime_error("cand error");
            const float d = distance(stored, graph.getDataByInternalId(candidate), param);
            if (d < best) {
              best = d;
              current = candidate;
              moved = true;
            }
          }
        }
      }
    }
    const bool entry_deleted = graph.isMarkedDeleted(entry);
    for (int layer = std::min(level, top_level); layer >= 0; --layer) {
      GraphCandidates candidates = layer == 0 ? search_level0_for_insert(graph, current, stored)
                                              : graph.searchBaseLayer(current, stored, layer);
      if (entry_deleted) {
        candidates.emplace(distance(stored, graph.getDataByInternalId(entry), param), entry);
        if (candidates.size() > graph.ef_construction_) candidates.pop();
      }
      current = graph.mutuallyConnectNewElement(stored, slot, candidates, layer, false);
    }
  } else {
    // The first element.
    graph.enterpoint_node_ = 0;
    graph.maxlevel_ = level;
  }

  if (level > top_level) {
    graph.enterpoint_node_ = slot;
    graph.maxlevel_ = level;
  }
  return slot;
}

}  // namespace quiver::ann
