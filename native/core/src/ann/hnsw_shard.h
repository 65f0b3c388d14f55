// One HNSW graph (hnswlib 0.8) over a set of vectors labelled by SQLite rowid. Vectors come in
// raw and are stored through the codec (CodecSpace), so the graph's memory holds exactly the
// stored form and is the only in-memory copy of the vectors. A cache of the database: it can
// always be rebuilt from it, and its file says which committed write it reflects.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ann/hnsw_file.h"
#include "ann/vector_index.h"
#include "quiver/config.h"

namespace hnswlib {
template <typename T>
class HierarchicalNSW;
}  // namespace hnswlib

namespace quiver::ann {

class CodecSpace;
class HnswGraph;

class HnswShard {
 public:
  // `label_stride`: the shard count of its set (its labels are label_stride apart: see
  // internal_of_).
  HnswShard(const vectors::VectorCodec& codec, const HnswParams& params, uint32_t label_stride = 1);
  ~HnswShard();
  HnswShard(const HnswShard&) = delete;
  HnswShard& operator=(const HnswShard&) = delete;

  const vectors::VectorCodec& codec() const;

  // hnsw_file.h; `slot`: which shard of its set this graph is (checked again at load).
  void save(const std::string& path, uint64_t seq, const GraphFileSlot& slot = {}) const;
  static std::optional<uint64_t> file_seq(const std::string& path, const vectors::VectorCodec& codec,
                                          const GraphFileSlot& slot = {});
  struct Loaded {
    std::unique_ptr<HnswShard> shard;  // null when the file could not be used
    uint64_t seq = 0;
    std::string problem;
  };
  static Loaded load(const std::string& path, const vectors::VectorCodec& codec,
                     const HnswParams& params, const GraphFileSlot& slot = {});

  void reserve(size_t additional);
  // Grows the label -> slot table to hold `max_label` (within its bound) now, so that upserts of
  // labels up to it only write entries: they may then run while readers use the table (a write
  // that lets searches in: Cache::build_graph).
  void reserve_label(uint64_t max_label);
  // Labels >= `label` are being inserted beside searches (Cache::build_graph): searches return
  // none of them, and their descent never stops on one (an element still being connected may
  // have upper-layer links but no base-layer ones yet: a search starting there finds nothing).
  static constexpr uint64_t kNothingHidden = UINT64_MAX;
  void hide_from(uint64_t label);
  // Whether `label` may be returned: not one being inserted beside searches.
  bool published(uint64_t label) const { return label < hidden_from_.load(std::memory_order_acquire); }
  // Slots a scan of every element may read: all of them, except while labels are hidden, when
  // only those that existed before (an appended slot being written may still hold another
  // allocation's bytes). A deleted element's slot among them may be taken over meanwhile: a
  // scan checks published() on each label, as a search does.
  size_t scannable_slots() const;

  // ---- copy-on-write updates (Cache::build_graph beside readers) ----
  // An update of a published item puts its new vector into an element of its own, under a
  // stand-in label, while searches keep using the item's element as it is; swap_in_staged()
  // then (exclusive lock) gives the new element the item's label and retires the old one: it
  // is marked deleted under the stand-in label (its slot is taken over by a later insert, as a
  // deleted item's). Stand-in labels lie above every rowid a shard holds, so hide_from() at or
  // below kStandInBase hides them; wasm32 labels have 32 bits.
  static constexpr uint64_t kStandInBase = sizeof(size_t) == 8 ? (uint64_t{1} << 62) : uint64_t{0xF0000000u};
  void stage_update(uint64_t label, const float* raw);  // may run on several threads at once
  void swap_in_staged();
  void drop_staged();  // a failed build: the stand-ins are marked deleted, the items keep their elements
  size_t slots() const;  // elements ever inserted (deleted ones included)
  void upsert(uint64_t label, const float* raw);
  void remove(uint64_t label);
  bool contains(uint64_t label) const;
  size_t size() const;
  std::vector<uint64_t> labels() const;
  bool vector_of(uint64_t label, float* out) const;
  // The same by internal id (a search result's slot), checked against the label it must hold.
  bool vector_at(uint32_t slot, uint64_t label, float* out) const;
  // Bytes of memory the graph holds (vectors, links, labels, label table), for getIndexInfo.
  size_t memory_bytes() const;

  std::vector<Neighbor> search(const vectors::PreparedQuery& query, size_t k, size_t ef,
                               const std::function<bool(uint64_t)>* allow) const;
  float distance(const vectors::PreparedQuery& query, uint64_t label) const;
  // The distance to `label` when it is live (false otherwise), without hnswlib's locked label
  // lookup: for exact scans, which call it once per match under the index's shared lock.
  bool try_distance(const vectors::PreparedQuery& query, uint64_t label, float* out) const;
  // VectorIndex::distances for labels of this shard: resolves them all, then computes the
  // distances with the vectors a few labels ahead prefetched (an exact scan's vectors are
  // scattered over the graph's memory: a cache miss each otherwise).
  void distances(const vectors::PreparedQuery& query, const uint64_t* labels, size_t n,
                 std::vector<Neighbor>& out) const;
  // The greedy descent through the upper layers (as hnswlib's searchKnn does): the base-layer
  // slot a search for `query` starts from, and its distance. The graph must not be empty.
  struct Entry {
    uint32_t slot;
    float distance;
  };
  Entry base_layer_entry(const vectors::PreparedQuery& query) const;

  // After a batch of upserts (no upsert running): when upserts rewrote elements in place, links
  // back every element that can no longer be reached (hnsw_reachability.h). `now` false: only
  // once the rewrites since the last walk number 1 / kRewritesPerWalk of the shard (the walk
  // reads the whole level 0); true (before a save, after open's or a catch-up's replay): at
  // once. Returns how many elements were linked.
  size_t relink_if_rewritten(bool now);
  static constexpr size_t kRewritesPerWalk = 256;

  // Read-only access to the graph for walks that keep state between calls (ann/graph_walk.h);
  // valid while the caller holds the index's shared lock.
  const hnswlib::HierarchicalNSW<float>& graph() const;
  // True while the level-0 block is still the graph file's mapping (ann/hnsw_graph.h).
  bool level0_mapped() const;

 private:
  HnswShard(const vectors::VectorCodec& codec, uint32_t label_stride);  // no graph yet (load)
  // The internal id of a live label (table, else the locked lookup), or kNoInternal.
  uint32_t live_internal(uint64_t label) const;
  // The internal id of a label by hnswlib's table (locked), or kNoInternal.
  uint32_t locked_lookup(uint64_t label) const;
  void remember_internal(uint64_t label, uint32_t internal);
  void rebuild_internal_table();

  static constexpr uint32_t kNoInternal = UINT32_MAX;
  std::unique_ptr<CodecSpace> space_;
  std::unique_ptr<HnswGraph> hnsw_;
  // label / label_stride_ -> hnswlib internal id: an array load instead of hnswlib's hash map
  // under its mutex (~150 ns a lookup in an exact scan). A hint, checked on use: an entry is
  // trusted only when that internal id still holds this label (a deleted element's slot can be
  // reused by another label); otherwise, or when absent, the locked lookup answers. Written by
  // upserts (which may run concurrently with each other: table_mutex_), read under the index's
  // shared lock: either no upsert runs, or only inserts of new labels whose entries
  // reserve_label made room for (the vector is never reallocated under a reader).
  uint32_t label_stride_ = 1;
  std::atomic<uint64_t> hidden_from_{kNothingHidden};
  std::atomic<size_t> rewrites_since_walk_{0};  // in-place rewrites since the last relink walk
  std::atomic<size_t> slots_before_hiding_{0};
  std::vector<uint32_t> internal_of_;
  std::mutex table_mutex_;
  // (label, stand-in) of the updates staged since the last swap_in_staged / drop_staged.
  std::vector<std::pair<uint64_t, uint64_t>> staged_;
  uint64_t next_stand_in_ = kStandInBase;  // above every stand-in in the graph
  std::mutex staged_mutex_;
};

}  // namespace quiver::ann
