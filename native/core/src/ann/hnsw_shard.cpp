#include "ann/hnsw_shard.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "ann/codec_space.h"
#include "ann/hnsw_file.h"
#include "ann/hnsw_graph.h"
#include "ann/hnsw_insert.h"
#include "ann/hnsw_reachability.h"

namespace quiver::ann {
namespace {

class AllowFunctor : public hnswlib::BaseFilterFunctor {
 public:
  explicit AllowFunctor(const std::function<bool(uint64_t)>& allow) : allow_(allow) {}
  bool operator()(hnswlib::labeltype label) override { return allow_(label); }

 private:
  const std::function<bool(uint64_t)>& allow_;
};

}  // namespace

HnswShard::HnswShard(const vectors::VectorCodec& codec, uint32_t label_stride)
    : space_(std::make_unique<CodecSpace>(codec)), label_stride_(std::max<uint32_t>(1, label_stride)) {}

HnswShard::HnswShard(const vectors::VectorCodec& codec, const HnswParams& params, uint32_t label_stride)
    : HnswShard(codec, label_stride) {
  hnsw_ = std::make_unique<HnswGraph>(
      space_.get(), /*max_elements=*/1024, params.M, params.ef_construction,
      /*random_seed=*/100, /*allow_replace_deleted=*/true);
}

HnswShard::~HnswShard() = default;

const vectors::VectorCodec& HnswShard::codec() const { return space_->codec(); }

const hnswlib::HierarchicalNSW<float>& HnswShard::graph() const { return *hnsw_; }

bool HnswShard::level0_mapped() const { return hnsw_->level0_mapped(); }

void HnswShard::save(const std::string& path, uint64_t seq, const GraphFileSlot& slot) const {
  save_graph_file(*hnsw_, codec(), size(), seq, path, slot);
}

std::optional<uint64_t> HnswShard::file_seq(const std::string& path,
                                            const vectors::VectorCodec& codec,
                                            const GraphFileSlot& slot) {
  return graph_file_seq(path, codec, slot);
}

HnswShard::Loaded HnswShard::load(const std::string& path, const vectors::VectorCodec& codec,
                                  const HnswParams& params, const GraphFileSlot& slot) {
  Loaded result;
  std::unique_ptr<HnswShard> shard(new HnswShard(codec, slot.count));
  LoadedGraphFile file;
  try {
    file = load_graph_file(path, *shard->space_, static_cast<size_t>(params.M), slot);
  } catch (const std::exception& e) {  // allocation failures
    result.problem = std::string("could not be loaded: ") + e.what();
    return result;
  }
  if (!file.graph) {
    result.problem = file.problem;
    return result;
  }
  shard->hnsw_ = std::move(file.graph);
  shard->rebuild_internal_table();
  result.shard = std::move(shard);
  result.seq = file.seq;
  return result;
}

void HnswShard::reserve(size_t additional) {
  // A new element takes a deleted element's slot while there is one (upsert): only the rest
  // appends. (Counting them too doubled the capacity of a shard whose items were all updated
  // twice: an update's new element leaves its old one deleted.)
  const size_t vacant = hnsw_->num_deleted_.load();
  const size_t needed = hnsw_->cur_element_count + (additional > vacant ? additional - vacant : 0);
  if (needed > hnsw_->max_elements_) {
    // Out of the file's mapping first, if it is still there: hnswlib reallocs the block.
    hnsw_->resize(std::max(needed, hnsw_->max_elements_ * 2));
  }
}

void HnswShard::reserve_label(uint64_t max_label) {
  const uint64_t slot = max_label / label_stride_;
  const uint64_t bound = 2 * static_cast<uint64_t>(hnsw_->max_elements_) + 1024;  // remember_internal's
  if (slot >= UINT32_MAX || slot >= bound) return;
  std::lock_guard<std::mutex> lock(table_mutex_);
  if (slot >= internal_of_.size()) {
    internal_of_.resize(std::max<size_t>(slot + 1, internal_of_.size() + internal_of_.size() / 2), kNoInternal);
  }
}

void HnswShard::hide_from(uint64_t label) {
  // Called with the index's exclusive lock held: no insert runs, the count is settled.
  slots_before_hiding_.store(hnsw_->cur_element_count, std::memory_order_relaxed);
  hidden_from_.store(label, std::memory_order_release);
}

size_t HnswShard::scannable_slots() const {
  if (hidden_from_.load(std::memory_order_acquire) == kNothingHidden) return hnsw_->cur_element_count;
  return slots_before_hiding_.load(std::memory_order_relaxed);
}

size_t HnswShard::slots() const { return hnsw_->cur_element_count; }

void HnswShard::upsert(uint64_t label, const float* raw) {
  const vectors::VectorCodec& c = codec();
  std::vector<float> stored((c.stored_bytes() + sizeof(float) - 1) / sizeof(float));
  c.encode(raw, stored.data());
  bool exists = false;
  {
    std::lock_guard<std::mutex> lock(hnsw_->label_lookup_lock);
    auto it = hnsw_->label_lookup_.find(label);
    if (it != hnsw_->label_lookup_.end()) {
      exists = true;
      if (hnsw_->isMarkedDeleted(it->second)) hnsw_->unmarkDeletedInternal(it->second);
    }
  }
  bool vacant = false;
  {
    std::lock_guard<std::mutex> lock(hnsw_->deleted_elements_lock);
    vacant = !hnsw_->deleted_elements.empty();
  }
  if (!exists && !vacant) {
    insert_new_element(*hnsw_, stored.data(), label);  // hnsw_insert.h: no lock per node expanded
  } else {
    // An existing label is updated in place; a new one takes the slot of a deleted element. Such
    // a rewrite can cut elements off (hnsw_reachability.h): relink_if_rewritten() mends that.
    hnsw_->addPoint(stored.data(), label, /*replace_deleted=*/!exists);
    rewrites_since_walk_.fetch_add(1, std::memory_order_relaxed);
  }
  remember_internal(label, locked_lookup(label));
}

size_t HnswShard::relink_if_rewritten(bool now) {
  const size_t rewrites = rewrites_since_walk_.load(std::memory_order_relaxed);
  if (rewrites == 0) return 0;
  // The walk reads every level-0 list (~24 ms at 100k x 128 here, where one upsert took ~4 ms):
  // unless asked to run now, it waits until the rewrites since the last one number 1/256 of
  // the shard, so that it adds at most ~a walk / (size / 256) to each.
  if (!now && rewrites * kRewritesPerWalk < size()) return 0;
  rewrites_since_walk_.store(0, std::memory_order_relaxed);
  return relink_unreachable(*hnsw_);
}

uint32_t HnswShard::locked_lookup(uint64_t label) const {
  std::lock_guard<std::mutex> lock(hnsw_->label_lookup_lock);
  auto it = hnsw_->label_lookup_.find(label);
  return it == hnsw_->label_lookup_.end() ? kNoInternal : static_cast<uint32_t>(it->second);
}

void HnswShard::remember_internal(uint64_t label, uint32_t internal) {
  const uint64_t slot = label / label_stride_;
  // Labels are rowids, dense in a healthy index; a far larger one (churn of deletes and inserts,
  // a row inserted by hand with a huge rowid, a damaged file) is left to the locked lookup
  // rather than growing the table to its size (the graph-file fuzzer's 2 GB allocation).
  const uint64_t bound = 2 * static_cast<uint64_t>(hnsw_->max_elements_) + 1024;
  if (internal == kNoInternal || slot >= UINT32_MAX || slot >= bound) return;  // the locked lookup answers
  std::lock_guard<std::mutex> lock(table_mutex_);
  if (slot >= internal_of_.size()) {
    internal_of_.resize(std::max<size_t>(slot + 1, internal_of_.size() + internal_of_.size() / 2), kNoInternal);
  }
  internal_of_[slot] = internal;
}

void HnswShard::rebuild_internal_table() {
  internal_of_.clear();
  for (const auto& [label, internal] : hnsw_->label_lookup_) {
    remember_internal(label, static_cast<uint32_t>(internal));  // a stand-in is left to the locked lookup
    if (label >= kStandInBase) next_stand_in_ = std::max<uint64_t>(next_stand_in_, label + 1);
  }
}

void HnswShard::stage_update(uint64_t label, const float* raw) {
  uint64_t stand_in;
  {
    std::lock_guard<std::mutex> lock(staged_mutex_);
    stand_in = next_stand_in_++;
    staged_.emplace_back(label, stand_in);
  }
  upsert(stand_in, raw);  // a new label: a new element, or a deleted element's slot taken over
}

void HnswShard::swap_in_staged() {
  std::lock_guard<std::mutex> lock(staged_mutex_);
  for (const auto& [label, stand_in] : staged_) {
    const uint32_t fresh = locked_lookup(stand_in);
    const uint32_t old = locked_lookup(label);
    if (old != kNoInternal) {
      // Retired under the stand-in label: hnswlib finds a deleted element's label through the
      // element (when its slot is taken over, that label's table entry goes).
      hnsw_->setExternalLabel(old, stand_in);
      if (!hnsw_->isMarkedDeleted(old)) hnsw_->markDeletedInternal(old);
    }
    hnsw_->setExternalLabel(fresh, label);
    {
      std::lock_guard<std::mutex> table(hnsw_->label_lookup_lock);
      hnsw_->label_lookup_[label] = fresh;
      if (old != kNoInternal) {
        hnsw_->label_lookup_[stand_in] = old;
      } else {
        hnsw_->label_lookup_.erase(stand_in);
      }
    }
    remember_internal(label, fresh);
  }
  staged_.clear();
}

void HnswShard::drop_staged() {
  std::lock_guard<std::mutex> lock(staged_mutex_);
  for (const auto& [label, stand_in] : staged_) {
    const uint32_t fresh = locked_lookup(stand_in);
    if (fresh != kNoInternal && !hnsw_->isMarkedDeleted(fresh)) hnsw_->markDeletedInternal(fresh);
  }
  staged_.clear();
}

void HnswShard::remove(uint64_t label) {
  {
    std::lock_guard<std::mutex> lock(hnsw_->label_lookup_lock);
    auto it = hnsw_->label_lookup_.find(label);
    if (it == hnsw_->label_lookup_.end() || hnsw_->isMarkedDeleted(it->second)) return;
  }
  hnsw_->markDelete(label);
}

bool HnswShard::contains(uint64_t label) const {
  std::lock_guard<std::mutex> lock(hnsw_->label_lookup_lock);
  auto it = hnsw_->label_lookup_.find(label);
  return it != hnsw_->label_lookup_.end() && !hnsw_->isMarkedDeleted(it->second);
}

size_t HnswShard::size() const { return hnsw_->cur_element_count - hnsw_->num_deleted_; }

std::vector<uint64_t> HnswShard::labels() const {
  std::lock_guard<std::mutex> lock(hnsw_->label_lookup_lock);
  std::vector<uint64_t> out;
  out.reserve(hnsw_->label_lookup_.size());
  for (const auto& [label, internal] : hnsw_->label_lookup_) {
    if (!hnsw_->isMarkedDeleted(internal)) out.push_back(label);
  }
  return out;
}

bool HnswShard::vector_of(uint64_t label, float* out) const {
  const uint32_t internal = live_internal(label);  // the label -> slot table, not the locked lookup
  if (internal == kNoInternal) return false;
  codec().decode(hnsw_->getDataByInternalId(internal), out);
  return true;
}

bool HnswShard::vector_at(uint32_t slot, uint64_t label, float* out) const {
  const auto& h = *hnsw_;
  if (slot >= h.cur_element_count || h.getExternalLabel(slot) != label || h.isMarkedDeleted(slot)) {
    return vector_of(label, out);
  }
  codec().decode(h.getDataByInternalId(slot), out);
  return true;
}

size_t HnswShard::memory_bytes() const {
  const auto& h = *hnsw_;
  size_t upper = 0;
  for (size_t i = 0; i < h.cur_element_count; ++i) {
    if (h.element_levels_[i] > 0) upper += h.size_links_per_element_ * h.element_levels_[i];
  }
  // The level-0 block is allocated for the capacity; the label table costs about 4 words a label.
  return h.max_elements_ * h.size_data_per_element_ + upper +
         h.max_elements_ * (sizeof(void*) + sizeof(int)) + h.label_lookup_.size() * 4 * sizeof(void*) + internal_of_.capacity() * sizeof(uint32_t);
}

std::vector<Neighbor> HnswShard::search(const vectors::PreparedQuery& prepared, size_t k, size_t ef,
                                        const std::function<bool(uint64_t)>* allow) const {
  std::vector<Neighbor> out;
  auto& h = *hnsw_;
  if (h.cur_element_count == 0 || size() == 0 || k == 0) return out;
  const void* query = prepared.data();

  // The descent is ours so that the base-layer search below can take this call's ef instead of
  // the shared, mutable ef_ member.
  const hnswlib::tableint current = base_layer_entry(prepared).slot;

  static const std::function<bool(uint64_t)> kAllowAll = [](uint64_t) { return true; };
  const uint64_t hidden = hidden_from_.load(std::memory_order_acquire);
  std::function<bool(uint64_t)> published;
  if (hidden != kNothingHidden) {
    published = [hidden, allow](uint64_t label) { return label < hidden && (!allow || (*allow)(label)); };
    allow = &published;
  }
  AllowFunctor functor(allow ? *allow : kAllowAll);
  hnswlib::BaseFilterFunctor* filter = allow ? &functor : nullptr;
  const size_t width = std::max(ef, k);
  auto top = (h.num_deleted_ == 0 && !filter)
                 ? h.searchBaseLayerST<true>(current, query, width, nullptr)
                 : h.searchBaseLayerST<false>(current, query, width, filter);
  while (top.size() > k) top.pop();
  out.resize(top.size());
  for (size_t i = out.size(); i-- > 0;) {
    out[i] = {top.top().first, h.getExternalLabel(top.top().second), top.top().second};
    top.pop();
  }
  return out;
}

HnswShard::Entry HnswShard::base_layer_entry(const vectors::PreparedQuery& prepared) const {
  const auto& h = *hnsw_;
  const void* query = prepared.data();
  hnswlib::tableint current = h.enterpoint_node_;
  float best = h.fstdistfunc_(query, h.getDataByInternalId(current), h.dist_func_param_);
  // The entry's own level, not maxlevel_: an insert running beside this search (see
  // Cache::build_graph) sets the two one after the other, and only the entry's level is
  // always one it has links for.
  // The entry point is always fully connected (hnswlib sets it after the element's links).
  const uint64_t hidden = hidden_from_.load(std::memory_order_acquire);
  for (int level = h.element_levels_[current]; level > 0; --level) {
    for (bool moved = true; moved;) {
      moved = false;
      unsigned int* links = h.get_linklist(current, level);
      const int count = h.getListCount(links);
      const auto* neighbors = reinterpret_cast<const hnswlib::tableint*>(links + 1);
      for (int i = 0; i < count; ++i) {
        if (hidden != kNothingHidden && h.getExternalLabel(neighbors[i]) >= hidden) continue;
        const float d = h.fstdistfunc_(query, h.getDataByInternalId(neighbors[i]), h.dist_func_param_);
        if (d < best) {
          best = d;
          current = neighbors[i];
          moved = true;
        }
      }
    }
  }
  return {current, best};
}

uint32_t HnswShard::live_internal(uint64_t label) const {
  const auto& h = *hnsw_;
  const uint64_t slot = label / label_stride_;
  uint32_t internal = slot < internal_of_.size() ? internal_of_[slot] : kNoInternal;
  if (internal == kNoInternal || internal >= h.cur_element_count || h.getExternalLabel(internal) != label) {
    internal = locked_lookup(label);  // not in the table, or its entry went stale
    if (internal == kNoInternal) return kNoInternal;
  }
  return h.isMarkedDeleted(internal) ? kNoInternal : internal;
}

bool HnswShard::try_distance(const vectors::PreparedQuery& query, uint64_t label, float* out) const {
  const uint32_t internal = live_internal(label);
  if (internal == kNoInternal) return false;
  const auto& h = *hnsw_;
  *out = h.fstdistfunc_(query.data(), h.getDataByInternalId(internal), h.dist_func_param_);
  return true;
}

void HnswShard::distances(const vectors::PreparedQuery& query, const uint64_t* labels, size_t n,
                          std::vector<Neighbor>& out) const {
  const auto& h = *hnsw_;
  // An element's block holds its base-layer links (and deleted flag), its vector and its label:
  // all three are read, so the whole block is prefetched.
  const char* const base = h.data_level0_memory_;
  const size_t block = h.size_data_per_element_;
  const size_t lines = std::min<size_t>((block + 63) / 64, 32);
  const auto prefetch = [&](uint64_t label) {
    const uint64_t slot = label / label_stride_;
    const uint32_t internal = slot < internal_of_.size() ? internal_of_[slot] : kNoInternal;
    if (internal == kNoInternal || internal >= h.cur_element_count) return;
    const char* p = base + static_cast<size_t>(internal) * block;
    for (size_t line = 0; line < lines; ++line) __builtin_prefetch(p + line * 64);
  };
  constexpr size_t kAhead = 6;
  for (size_t i = 0; i < std::min(n, kAhead); ++i) prefetch(labels[i]);
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) prefetch(labels[i + kAhead]);
    const uint32_t internal = live_internal(labels[i]);
    if (internal == kNoInternal) continue;
    // The slot goes along: the hits' vectors are then read without a lookup (vector_at).
    out.push_back({h.fstdistfunc_(query.data(), h.getDataByInternalId(internal), h.dist_func_param_), labels[i],
                   internal});
  }
}

float HnswShard::distance(const vectors::PreparedQuery& query, uint64_t label) const {
  auto& h = *hnsw_;
  hnswlib::tableint internal;
  {
    std::lock_guard<std::mutex> lock(h.label_lookup_lock);
    internal = h.label_lookup_.at(label);
  }
  return h.fstdistfunc_(query.data(), h.getDataByInternalId(internal), h.dist_func_param_);
}

}  // namespace quiver::ann
