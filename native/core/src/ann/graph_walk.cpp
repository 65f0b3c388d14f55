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

namespace {

const auto kFarther = [](const std::pair<float, uint32_t>& a, const std::pair<float, uint32_t>& b) { return a > b; };
const auto kCloser = [](const std::pair<float, uint32_t>& a, const std::pair<float, uint32_t>& b) { return a < b; };

// Keeps the `keep` best of a min-heap (kFarther order); calls dropped(entry) for the rest.
template <typename Dropped>
void trim_min_heap(std::vector<std::pair<float, uint32_t>>& heap, size_t keep, Dropped dropped) {
  std::nth_element(heap.begin(), heap.begin() + static_cast<ptrdiff_t>(keep), heap.end());
  for (size_t i = keep; i < heap.size(); ++i) dropped(heap[i]);
  heap.resize(keep);
  std::make_heap(heap.begin(), heap.end(), kFarther);
}

}  // namespace

GraphWalk::GraphWalk(const HnswShard& shard, const vectors::PreparedQuery& prepared) {
  const auto& h = shard.graph();
  slots_ = h.cur_element_count;
  visited_.assign((slots_ + 63) / 64, 0);
  expanded_.assign((slots_ + 63) / 64, 0);
  if (slots_ == 0) return;
  const auto [current, best] = shard.base_layer_entry(prepared);
  set_bit(visited_, current, true);
  frontier_.push_back({best, current});
  // The entry point is admitted at the first advance (the filter is not known here).
  found_.push_back({best, current});
}

void GraphWalk::visit(const HnswShard& shard, const vectors::PreparedQuery& prepared, uint32_t slot,
                      size_t width, const std::function<bool(uint64_t)>* admit) {
  const auto& h = shard.graph();
  const float d = h.fstdistfunc_(prepared.data(), h.getDataByInternalId(slot), h.dist_func_param_);
  // (The deleted mark sits on another cache line than the vector: not read when none is set.)
  const bool admitted = (h.num_deleted_ == 0 || !h.isMarkedDeleted(slot)) && (!admit || (*admit)(h.getExternalLabel(slot)));
  if (found_.size() >= width && d >= found_.front().first) {
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
  found_.push_back({d, slot});
  std::push_heap(found_.begin(), found_.end(), kCloser);
  if (found_.size() > width) {
    std::pop_heap(found_.begin(), found_.end(), kCloser);
    set_aside(found_.back(), width);
    found_.pop_back();
  }
}

void GraphWalk::push_frontier(Entry e, size_t width) {
  frontier_.push_back(e);
  std::push_heap(frontier_.begin(), frontier_.end(), kFarther);
  if (frontier_.size() > 2 * kFrontierFactor * width) {
    trim_min_heap(frontier_, kFrontierFactor * width, [&](const Entry& dropped) { forget(dropped.second); });
  }
}

// Most nodes a walk reaches are set aside (too far for now), so this is an append: spill_ is
// ordered into a heap only when an advance takes from it (a push_heap per node cost a first
// batch ~10% against a query of the same width).
void GraphWalk::set_aside(Entry e, size_t width) {
  spill_.push_back(e);
  spill_is_heap_ = false;
  if (spill_.size() > 2 * kSpillFactor * width) {
    // Dropped for good: from here on nothing at or beyond these distances is certain.
    const size_t keep = kSpillFactor * width;
    std::nth_element(spill_.begin(), spill_.begin() + static_cast<ptrdiff_t>(keep), spill_.end());
    for (size_t i = keep; i < spill_.size(); ++i) floor_ = std::min(floor_, spill_[i].first);
    spill_.resize(keep);
  }
}

void GraphWalk::advance(const HnswShard& shard, const vectors::PreparedQuery& prepared, size_t width,
                        const std::function<bool(uint64_t)>* admit) {
  const auto& h = shard.graph();
  width = std::max<size_t>(width, 1);
  // Whatever the last advance settled and was not taken goes back into play.
  for (const Entry& e : ready_) {
    found_.push_back(e);
    std::push_heap(found_.begin(), found_.end(), kCloser);
  }
  ready_.clear();
  // The entry point may not pass the filter, an item may have been deleted: checked here.
  found_.erase(std::remove_if(found_.begin(), found_.end(),
                              [&](const Entry& e) {
                                return e.second >= h.cur_element_count || h.isMarkedDeleted(e.second) ||
                                       (admit && !(*admit)(h.getExternalLabel(e.second)));
                              }),
               found_.end());
  std::make_heap(found_.begin(), found_.end(), kCloser);
  while (found_.size() > width) {
    std::pop_heap(found_.begin(), found_.end(), kCloser);
    set_aside(found_.back(), width);
    found_.pop_back();
  }
  // Results set aside come back as the best ones are handed out, and are walked from.
  if (!spill_is_heap_ && found_.size() < width && !spill_.empty()) {
    std::make_heap(spill_.begin(), spill_.end(), kFarther);
    spill_is_heap_ = true;
  }
  while (found_.size() < width && !spill_.empty()) {
    std::pop_heap(spill_.begin(), spill_.end(), kFarther);
    const Entry e = spill_.back();
    spill_.pop_back();
    found_.push_back(e);
    std::push_heap(found_.begin(), found_.end(), kCloser);
    if (!bit(expanded_, e.second)) push_frontier(e, width);
  }
  while (!frontier_.empty()) {
    const Entry best = frontier_.front();
    if (found_.size() >= width && best.first > found_.front().first) break;
    std::pop_heap(frontier_.begin(), frontier_.end(), kFarther);
    frontier_.pop_back();
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
  // Settled: every item set aside is at least as far as the worst of these.
  ready_.swap(found_);
  found_.clear();
  std::sort(ready_.begin(), ready_.end(), kFarther);  // worst first: taken from the back
}

bool GraphWalk::take(const HnswShard& shard, Found* out) {
  const auto& h = shard.graph();
  while (!ready_.empty()) {
    const Entry best = ready_.back();
    if (best.first > floor_) return false;
    ready_.pop_back();
    if (best.second >= h.cur_element_count || h.isMarkedDeleted(best.second)) continue;
    // Walked from later, so that the region around every result handed out is explored.
    if (best.second < slots_ && !bit(expanded_, best.second)) {
      frontier_.push_back(best);
      std::push_heap(frontier_.begin(), frontier_.end(), kFarther);
    }
    *out = {best.first, h.getExternalLabel(best.second)};
    return true;
  }
  return false;
}

void GraphWalk::put_back(const HnswShard& shard, uint64_t label, float distance) {
  const auto& h = shard.graph();
  std::lock_guard<std::mutex> lock(h.label_lookup_lock);
  auto it = h.label_lookup_.find(label);
  if (it == h.label_lookup_.end()) return;
  spill_.push_back({distance, it->second});
  spill_is_heap_ = false;
}

size_t GraphWalk::memory_bytes() const {
  return (visited_.capacity() + expanded_.capacity()) * sizeof(uint64_t) +
         (frontier_.capacity() + found_.capacity() + spill_.capacity() + ready_.capacity()) * sizeof(Entry);
}

void scan_shard(const HnswShard& shard, const vectors::PreparedQuery& prepared,
                const std::function<void(uint64_t, float)>& visit) {
  const auto& h = shard.graph();
  const size_t n = shard.scannable_slots();
  for (size_t slot = 0; slot < n; ++slot) {
    const auto s = static_cast<hnswlib::tableint>(slot);
    // The flag before the label: an insert taking over a deleted slot writes the new (hidden)
    // label before it clears the flag.
    if (h.isMarkedDeleted(s)) continue;
    const uint64_t label = h.getExternalLabel(s);
    if (!shard.published(label)) continue;
    visit(label, h.fstdistfunc_(prepared.data(), h.getDataByInternalId(s), h.dist_func_param_));
  }
}

}  // namespace quiver::ann
