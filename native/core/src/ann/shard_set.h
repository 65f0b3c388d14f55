// The vector index of one Quiver index: N HNSW shards behind VectorIndex (N = config `shards`,
// fixed at creation). Routing: an item lives in shard `label % N`. The label is the item's
// SQLite rowid, fixed for its whole life (an upsert keeps it, labels are never reused), so every
// upsert, delete and lookup finds the same shard; consecutive inserts spread evenly; and the store
// can select one shard's rows by label alone (rebuilding a damaged shard reads only its rows).
// Each shard is its own file, "shard-<i>.hnsw", with its own header (seq, slot, checksum).
// A query searches every shard (in parallel when a shard is big enough to pay for the thread
// hop, util/task_pool.h) and merges their top-k by distance: exact, since each shard's k best
// include every one of the overall k best it holds.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ann/hnsw_shard.h"
#include "ann/vector_index.h"

namespace quiver::ann {

class ShardSet : public VectorIndex {
 public:
  // An empty set of `shard_count` shards for vectors of `dims` floats compared by `metric`,
  // stored as `quantization`. Every shard uses the set's one codec (i8: one learned scale).
  ShardSet(Metric metric, uint32_t dims, const HnswParams& params,
           Quantization quantization = Quantization::F32, uint32_t shard_count = 1);
  ~ShardSet() override;

  // File names: "shard-<i>.hnsw"; save() writes each (plus "<name>.<unique>.tmp" while it does).
  static std::string file_name(uint32_t shard);
  // True for a shard file, its lock or a temp file of one ("shard-<digits>.hnsw" or "….hnsw.*").
  static bool is_graph_file_name(const std::string& name);

  // The oldest sequence number the files in `folder` reflect, when every shard's header is intact
  // and matches (bodies are not read).
  static std::optional<uint64_t> file_seq(const std::string& folder, Metric metric, uint32_t dims,
                                          Quantization quantization, uint32_t shard_count);
  struct Loaded {
    std::unique_ptr<ShardSet> set;  // every shard present; the unusable ones empty
    std::vector<uint64_t> seq;      // per shard, as its file says (0 for an unusable one)
    std::vector<std::string> problem;  // per shard: empty when loaded, else why not
    size_t loaded() const;          // shards whose file was used
  };
  // Never throws for a bad file: a damaged shard is reported (and left empty) for the caller to
  // rebuild alone (replace_shard + its rows from the store). The set takes the codec (with its
  // parameters, e.g. i8's scale) of the first shard that loaded; a shard whose file holds other
  // parameters is reported as damaged.
  static Loaded load(const std::string& folder, Metric metric, uint32_t dims,
                     const HnswParams& params, Quantization quantization, uint32_t shard_count);

  uint32_t shard_count() const { return static_cast<uint32_t>(shards_.size()); }
  uint32_t shard_of(uint64_t label) const { return static_cast<uint32_t>(label % shards_.size()); }
  // Empties one shard (to be refilled from the store).
  void replace_shard(uint32_t shard);
  struct ShardInfo {
    size_t items;
    size_t memory_bytes;
  };
  ShardInfo shard_info(uint32_t shard) const;

  const vectors::VectorCodec& codec() const override { return codec_; }
  void calibrate(const float* const* vectors, size_t count) override;
  void reserve(size_t additional) override;
  void reserve_for(const std::vector<uint64_t>& labels) override;
  void upsert(uint64_t label, const float* raw) override;
  void remove(uint64_t label) override;
  size_t relink_if_rewritten(bool now) override;
  bool contains(uint64_t label) const override;
  size_t size() const override;
  std::vector<uint64_t> labels() const override;
  bool vector_of(uint64_t label, float* out) const override;
  bool vector_of(const Neighbor& n, float* out) const override;
  std::vector<Neighbor> search(const float* raw_query, size_t k, size_t ef,
                               const std::function<bool(uint64_t)>* allow) const override;
  float distance(const vectors::PreparedQuery& query, uint64_t label) const override;
  bool try_distance(const vectors::PreparedQuery& query, uint64_t label, float* out) const override;
  void distances(const vectors::PreparedQuery& query, const uint64_t* labels, size_t n,
                 std::vector<Neighbor>& out) const override;
  // Writes into `folder` ("shard-<i>.hnsw", each atomically, stamped with `seq`) every shard
  // that changed since its file was loaded or saved by this set (or has no such file); a shard
  // that did not change keeps its file and that file's older sequence number (open catches each
  // shard up from its own number; Cache trims the deletion log only to the oldest file's).
  void save(const std::string& folder, uint64_t seq) const override;
  // Per shard: the sequence number of the file this shard's memory equals, 0 when it changed
  // since (or has none). Rows committed at or before it are already in the shard.
  uint64_t clean_through(uint32_t shard) const;

  // ---- inserting beside readers (Cache::build_graph) ----
  // While labels >= `label` are being inserted under the index's shared lock, searches leave
  // them out (their items are not in the item table yet); show_all() when they are published.
  // Labels are SQLite rowids under AUTOINCREMENT: a commit's new labels are all above every
  // published one.
  void hide_from(uint64_t label);
  void show_all();
  // True when `label`'s shard has no element yet: its first insert sets the entry point, which
  // a search reads, so it runs with the exclusive lock.
  bool shard_is_empty(uint64_t label) const;
  // Copy-on-write updates (HnswShard::stage_update): the new vector of published `label` goes in
  // beside its element, hidden (hide_from at or below HnswShard::kStandInBase), until
  // swap_in_staged (exclusive lock); drop_staged after a failed build.
  void stage_update(uint64_t label, const float* raw);
  void swap_in_staged();
  void drop_staged();

  // The shards, for walks that keep state between calls (ann/graph_walk.h).
  const HnswShard& shard(size_t i) const { return *shards_[i]; }

 private:
  explicit ShardSet(const vectors::VectorCodec& codec, const HnswParams& params);

  void mark_changed(uint32_t shard) const { file_seq_[shard].store(0, std::memory_order_relaxed); }
  void make_file_seqs();  // one per shard, all 0 (changed: nothing on disk known)

  vectors::VectorCodec codec_;
  HnswParams params_;
  std::vector<std::unique_ptr<HnswShard>> shards_;
  // clean_through() per shard; atomic because upserts run on several threads. save() is const
  // (it changes no vector) but records what it wrote.
  mutable std::unique_ptr<std::atomic<uint64_t>[]> file_seq_;
};

}  // namespace quiver::ann
