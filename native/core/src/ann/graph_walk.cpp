#include "ann/graph_walk.h"

#include <algorithm>

#include "ann/codec_space.h"

namespace quiver::ann {
namespace {

// The frontier never holds more than this many times the width: candidates beyond it are the
// farthest, which hnswlib would not have kept either.
constexpr size_t kFrontierFactor = 4;
// Results kept aside beyond the width: the walk stays certain up to the first one dropped.
constexpr size_t kSpillFactor = 16;

}  // namespace

GraphWalk::GraphWalk(const HnswShard& shard, const vectors::PreparedQuery& prepared) {
  const auto& h = shard.graph();
  slots_ = h.cur_element_count;
  visited_.assign((slots_ + 63) / 64, 0);
  expanded_.assign((slots_ + 63) / 64, 0);
  if (slots_ == 0) return;
  const void* query = prepared.data();
  hnswlib::tableint current = h.enterpoint_node_;
  float best = h.fstdistfunc_(query, h.getDataByInternalId(current), h.dist_func_param_);
  for (int level = h.maxlevel_; level > 0; --level) {
    for (bool moved = true; moved;) {
      moved = false;
      unsigned int* links = h.get_linklist(current, level);
      const int count = h.getListCount(links);
      const auto* neighbors = reinterpret_cast<const hnswlib::tableint*>(links + 1);
      for (int i = 0; i < count; ++i) {
        const float d = h.fstdistfunc_(query, h.getDataByInternalId(neighbors[i]), h.dist_func_param_);
        if (d < best) {
          best = d;
          current = neighbors[i];
          moved = true;
        }
      }
    }
  }
  set_bit(visited_, current, true);
  frontier_.insert({best, current});
  // The entry point is admitted at the first advance (the filter is not known here).
  found_.insert({best, current});
}

void GraphWalk::visit(const HnswShard& shard, const vectors::PreparedQuery& prepared, uint32_t slot,
                      size_t width, const std::function<bool(uint64_t)>* admit) {
  const auto& h = shard.graph();
  const float d = h.fstdistfunc_(prepared.data(), h.getDataByInternalId(slot), h.dist_func_param_);
  const bool admitted = !h.isMarkedDeleted(slot) && (!admit || (*admit)(h.getExternalLabel(slot)));
  if (found_.size() >= width && d >= found_.rbegin()->first) {
    // Too far for now (hnswlib drops it for good): a result kept aside, or a node to walk
    // through that another neighbour can reach again later.
    if (admitted) {
      set_aside({d, slot}, width);
    } else {
      forget(slot);
    }
    return;
  }
  push_frontier({d, slot}, width);
  if (!admitted) return;
  found_.insert({d, slot});
  if (found_.size() > width) {
    auto worst = std::prev(found_.end());
    set_aside(*worst, width);
    found_.erase(worst);
  }
}

void GraphWalk::push_frontier(Entry e, size_t width) {
  frontier_.insert(e);
  if (frontier_.size() > kFrontierFactor * width) {
    auto worst = std::prev(frontier_.end());
    forget(worst->second);
    frontier_.erase(worst);
  }
}

void GraphWalk::set_aside(Entry e, size_t width) {
  spill_.insert(e);
  if (spill_.size() > kSpillFactor * width) {
    // Dropped for good: from here on nothing at or beyond this distance is certain.
    auto worst = std::prev(spill_.end());
    floor_ = std::min(floor_, worst->first);
    spill_.erase(worst);
  }
}

void GraphWalk::advance(const HnswShard& shard, const vectors::PreparedQuery& prepared, size_t width,
                        const std::function<bool(uint64_t)>* admit) {
  const auto& h = shard.graph();
  width = std::max<size_t>(width, 1);
  // The entry point (or an item put back) may not pass the filter: checked here, once known.
  for (auto it = found_.begin(); it != found_.end();) {
    const uint32_t slot = it->second;
    const bool gone = slot >= h.cur_element_count || h.isMarkedDeleted(slot);
    it = (gone || (admit && !(*admit)(h.getExternalLabel(slot)))) ? found_.erase(it) : std::next(it);
  }
  // Results set aside come back as the best ones are handed out, and are walked from.
  while (found_.size() < width && !spill_.empty()) {
    const Entry e = *spill_.begin();
    spill_.erase(spill_.begin());
    found_.insert(e);
    if (!bit(expanded_, e.second)) push_frontier(e, width);
  }
  while (!frontier_.empty()) {
    const Entry best = *frontier_.begin();
    if (found_.size() >= width && best.first > found_.rbegin()->first) break;
    frontier_.erase(frontier_.begin());
    if (best.second >= slots_ || bit(expanded_, best.second)) continue;
    set_bit(expanded_, best.second, true);
    unsigned int* links = h.get_linklist0(best.second);
    const int count = h.getListCount(links);
    const auto* neighbors = reinterpret_cast<const hnswlib::tableint*>(links + 1);
    for (int i = 0; i < count; ++i) {
      const uint32_t slot = neighbors[i];
      if (visited(slot)) continue;
      set_bit(visited_, slot, true);
      visit(shard, prepared, slot, width, admit);
    }
  }
}

bool GraphWalk::take(const HnswShard& shard, Found* out) {
  const auto& h = shard.graph();
  while (!found_.empty() || !spill_.empty()) {
    std::set<Entry>& from =
        spill_.empty() || (!found_.empty() && *found_.begin() < *spill_.begin()) ? found_ : spill_;
    const Entry best = *from.begin();
    if (best.first > floor_) return false;
    from.erase(from.begin());
    if (best.second >= h.cur_element_count || h.isMarkedDeleted(best.second)) continue;
    // Walked from later, so that the region around every result handed out is explored.
    if (best.second < slots_ && !bit(expanded_, best.second)) frontier_.insert(best);
    *out = {best.first, h.getExternalLabel(best.second)};
    return true;
  }
  return false;
}

void GraphWalk::put_back(const HnswShard& shard, uint64_t label, float distance) {
  const auto& h = shard.graph();
  std::lock_guard<std::mutex> lock(h.label_lookup_lock);
  auto it = h.label_lookup_.find(label);
  if (it != h.label_lookup_.end()) found_.insert({distance, it->second});
}

size_t GraphWalk::memory_bytes() const {
  // A std::set node: the entry plus three pointers and a colour, rounded by the allocator.
  constexpr size_t kNodeBytes = 48;
  return (visited_.capacity() + expanded_.capacity()) * sizeof(uint64_t) +
         (frontier_.size() + found_.size() + spill_.size()) * kNodeBytes;
}

void scan_shard(const HnswShard& shard, const vectors::PreparedQuery& prepared,
                const std::function<void(uint64_t, float)>& visit) {
  const auto& h = shard.graph();
  const size_t n = h.cur_element_count;
  for (size_t slot = 0; slot < n; ++slot) {
    const auto s = static_cast<hnswlib::tableint>(slot);
    if (h.isMarkedDeleted(s)) continue;
    visit(h.getExternalLabel(s), h.fstdistfunc_(prepared.data(), h.getDataByInternalId(s), h.dist_func_param_));
  }
}

}  // namespace quiver::ann
