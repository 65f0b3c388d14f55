// One HNSW graph (hnswlib 0.8) over the vectors of an index, labelled by SQLite rowid. It is a
// cache of the database: it can always be rebuilt from it, and its file says which committed
// write (sequence number) it reflects.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "quiver/config.h"

namespace hnswlib {
template <typename T>
class HierarchicalNSW;
template <typename T>
class SpaceInterface;
}  // namespace hnswlib

namespace quiver::ann {

struct Neighbor {
  float distance;
  uint64_t label;
};

class HnswGraph {
 public:
  HnswGraph(Metric metric, uint32_t dims, const HnswParams& params);
  ~HnswGraph();
  HnswGraph(const HnswGraph&) = delete;
  HnswGraph& operator=(const HnswGraph&) = delete;

  Metric metric() const { return metric_; }
  uint32_t dims() const { return dims_; }

  // Writes the graph to `path` atomically (whole file under a name unique to this save, fsync,
  // rename, fsync of the folder), stamped with `seq`. Temp files are named
  // "<path>.<pid>-<random>.{body.tmp,tmp}"; load's copy is "<path>.<pid>-<random>.load.tmp".
  void save(const std::string& path, uint64_t seq) const;
  // The sequence number in the header of the file at `path`, when the header is intact and the
  // file is for this metric and dimension count (the body is not read).
  static std::optional<uint64_t> file_seq(const std::string& path, Metric metric, uint32_t dims);

  struct Loaded {
    std::unique_ptr<HnswGraph> graph;  // null when the file could not be used
    uint64_t seq = 0;
    std::string problem;  // why the file was not used (missing, truncated, checksum, ...)
  };
  // Never throws for a bad file: a damaged cache is reported in `problem` and rebuilt by the caller.
  static Loaded load(const std::string& path, Metric metric, uint32_t dims,
                     const HnswParams& params);

  // Copies a user vector into `out` in the form the graph stores (unit length under cosine).
  void prepare(const float* in, float* out) const;

  // Makes room for `additional` new elements (grows geometrically). Not concurrent with anything.
  void reserve(size_t additional);
  // Adds or replaces the vector of `label` (already prepared). Safe to call concurrently with
  // itself after reserve(); not with search.
  void upsert(uint64_t label, const float* prepared);
  void remove(uint64_t label);  // no-op when absent
  bool contains(uint64_t label) const;
  size_t size() const;  // live (not deleted) elements
  std::vector<uint64_t> labels() const;

  // k nearest live elements with `allow(label)` true (all when allow is null), best first.
  // `ef` is per call, so concurrent searches with different ef do not interfere.
  std::vector<Neighbor> search(const float* prepared_query, size_t k, size_t ef,
                               const std::function<bool(uint64_t)>* allow) const;
  // Copies the vector of a live `label` as the user gave it into `out` (dims floats); false when
  // the label is not live or the stored form is not the user's vector (cosine stores it
  // normalized today: callers then read it from the store).
  bool vector_of(uint64_t label, float* out) const;
  // Distance from a prepared query to a stored element (exact scans); label must be live.
  float distance_to(const float* prepared_query, uint64_t label) const;

 private:
  Metric metric_;
  uint32_t dims_;
  HnswParams params_;
  std::unique_ptr<hnswlib::SpaceInterface<float>> space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw_;
};

// Score shown to users from the engine's distance: higher is better for every metric.
float score_from_distance(Metric metric, float distance);

}  // namespace quiver::ann
