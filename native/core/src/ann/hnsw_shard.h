// One HNSW graph (hnswlib 0.8) over a set of vectors labelled by SQLite rowid. Vectors come in
// raw and are stored through the codec (CodecSpace), so the graph's memory holds exactly the
// stored form and is the only in-memory copy of the vectors. A cache of the database: it can
// always be rebuilt from it, and its file says which committed write it reflects.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
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

class HnswShard {
 public:
  HnswShard(const vectors::VectorCodec& codec, const HnswParams& params);
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
  // The greedy descent through the upper layers (as hnswlib's searchKnn does): the base-layer
  // slot a search for `query` starts from, and its distance. The graph must not be empty.
  struct Entry {
    uint32_t slot;
    float distance;
  };
  Entry base_layer_entry(const vectors::PreparedQuery& query) const;

  // Read-only access to the graph for walks that keep state between calls (ann/graph_walk.h);
  // valid while the caller holds the index's shared lock.
  const hnswlib::HierarchicalNSW<float>& graph() const { return *hnsw_; }

 private:
  HnswShard(const vectors::VectorCodec& codec);  // no graph yet (load)

  std::unique_ptr<CodecSpace> space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw_;
};

}  // namespace quiver::ann
