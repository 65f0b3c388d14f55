// The vector index of one Quiver index: a set of HNSW shards behind VectorIndex. Today one
// shard, whose file is the path given to save/load ("shard-0.hnsw"); the seam for several
// shards (routing upserts by label, searching all and merging) is here and nowhere else.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ann/hnsw_shard.h"
#include "ann/vector_index.h"

namespace quiver::ann {

class ShardSet : public VectorIndex {
 public:
  // An empty set for vectors of `dims` floats compared by `metric`, stored as `quantization`.
  ShardSet(Metric metric, uint32_t dims, const HnswParams& params,
           Quantization quantization = Quantization::F32);
  ~ShardSet() override;

  // The sequence number the file at `path` reflects, when its header is intact and matches.
  static std::optional<uint64_t> file_seq(const std::string& path, Metric metric, uint32_t dims,
                                          Quantization quantization = Quantization::F32);
  struct Loaded {
    std::unique_ptr<ShardSet> set;  // null when the file could not be used
    uint64_t seq = 0;
    std::string problem;  // why ("is missing", "body checksum mismatch", ...)
  };
  // Never throws for a bad file: a damaged cache is reported and rebuilt by the caller.
  static Loaded load(const std::string& path, Metric metric, uint32_t dims,
                     const HnswParams& params, Quantization quantization = Quantization::F32);

  const vectors::VectorCodec& codec() const override { return codec_; }
  void calibrate(const float* const* vectors, size_t count) override;
  void reserve(size_t additional) override;
  void upsert(uint64_t label, const float* raw) override;
  void remove(uint64_t label) override;
  bool contains(uint64_t label) const override;
  size_t size() const override;
  std::vector<uint64_t> labels() const override;
  bool vector_of(uint64_t label, float* out) const override;
  std::vector<Neighbor> search(const float* raw_query, size_t k, size_t ef,
                               const std::function<bool(uint64_t)>* allow) const override;
  float distance(const vectors::PreparedQuery& query, uint64_t label) const override;
  void save(const std::string& path, uint64_t seq) const override;

  // The shards, for walks that keep state between calls (ann/graph_walk.h).
  size_t shard_count() const { return shards_.size(); }
  const HnswShard& shard(size_t i) const { return *shards_[i]; }

 private:
  ShardSet(const vectors::VectorCodec& codec, const HnswParams& params, std::unique_ptr<HnswShard> shard);

  vectors::VectorCodec codec_;
  HnswParams params_;
  std::vector<std::unique_ptr<HnswShard>> shards_;  // one for now
};

}  // namespace quiver::ann
