// A best-first walk over one HNSW shard's base layer that keeps its state between calls, so that
// a query cursor (query/cursor.h) can hand out results in batches without searching again.
//
// The walk is hnswlib's base-layer search made resumable: a frontier of candidates to expand and
// a set of found items, both ordered by distance, and a visited bit per graph slot. advance(w)
// expands the frontier exactly as hnswlib does with ef = w (stop when the best candidate is
// farther than the worst of the w best found items); take() then hands out the best found item.
// What hnswlib drops for good, the walk drops *for now*: a neighbour too far to keep, a found
// item pushed out of the w best, or a candidate beyond the frontier's bound is marked unvisited
// again unless it was already expanded, so that a later advance reaches it again from another
// neighbour once the walk has moved out that far. Expanded items pushed out of the w best are
// kept aside (`spill_`: at most one per expansion) and handed out in their turn. As with any
// HNSW search, a closer item may still be reached late or never (the cursor drops a late one
// rather than break the order; see query/cursor.h).
//
// Memory: O(w) for the ordered sets plus two bits per graph slot. Not thread-safe; every call
// must hold the index's shared lock (the graph is read without hnswlib's per-node locks, as
// HnswShard::search does). Slots added after the walk started are treated as visited.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <utility>
#include <vector>

#include "ann/hnsw_shard.h"

namespace quiver::ann {

class GraphWalk {
 public:
  struct Found {
    float distance;
    uint64_t label;
  };

  // Descends the upper layers to the base-layer entry point (as hnswlib's searchKnn does).
  GraphWalk(const HnswShard& shard, const vectors::PreparedQuery& query);

  // `admit(label)`: whether an item may be handed out (the filter); items not admitted are still
  // walked through, as hnswlib's filtered search does. Null: every live item.
  void advance(const HnswShard& shard, const vectors::PreparedQuery& query, size_t width,
               const std::function<bool(uint64_t)>* admit);
  // The best found item not handed out yet; false when the walk has nothing left.
  bool take(const HnswShard& shard, Found* out);
  // How many found items the last advance settled (take() them before advancing again).
  size_t settled() const { return ready_.size(); }
  // Puts an item back with a new distance (its vector changed since it was found).
  void put_back(const HnswShard& shard, uint64_t label, float distance);

  size_t memory_bytes() const;

 private:
  using Entry = std::pair<float, uint32_t>;  // distance, graph slot
  void visit(const HnswShard& shard, const vectors::PreparedQuery& query, uint32_t slot, size_t width,
             const std::function<bool(uint64_t)>* admit);
  static bool bit(const std::vector<uint64_t>& bits, uint32_t slot) { return (bits[slot >> 6] >> (slot & 63)) & 1; }
  static void set_bit(std::vector<uint64_t>& bits, uint32_t slot, bool on) {
    if (on) {
      bits[slot >> 6] |= uint64_t{1} << (slot & 63);
    } else {
      bits[slot >> 6] &= ~(uint64_t{1} << (slot & 63));
    }
  }
  bool visited(uint32_t slot) const { return slot >= slots_ || bit(visited_, slot); }
  void push_frontier(Entry e, size_t width);
  void set_aside(Entry e, size_t width);
  // Set aside for now: reachable again unless already expanded.
  void forget(uint32_t slot) {
    if (!bit(expanded_, slot)) set_bit(visited_, slot, false);
  }

  size_t slots_ = 0;                 // graph slots when the walk started
  std::vector<uint64_t> visited_;    // one bit per slot
  std::vector<uint64_t> expanded_;   // one bit per slot
  // Plain vectors used as heaps (no allocation per node, unlike ordered sets):
  std::vector<Entry> frontier_;  // min-heap: candidates to expand, trimmed to the best when large
  std::vector<Entry> found_;     // max-heap (worst on top): the w best admitted items this advance
  std::vector<Entry> spill_;     // admitted items beyond the w best, trimmed when large; a
  bool spill_is_heap_ = true;    // min-heap only when this says so (set_aside appends)
  std::vector<Entry> ready_;     // settled by the last advance, worst first (taken from the back)
  // The smallest distance of a result dropped for good (spill_ trimmed): nothing closer was
  // dropped, so a found item up to it is certain in the walk's own order.
  float floor_ = std::numeric_limits<float>::infinity();
};

// Calls `visit(label, distance)` for every live item of the shard: the exact pass of a cursor.
void scan_shard(const HnswShard& shard, const vectors::PreparedQuery& query,
                const std::function<void(uint64_t, float)>& visit);

}  // namespace quiver::ann
