// What the rest of the core sees of the vectors: one interface over a set of graph shards
// (shard_set.h), taking and returning raw floats. The codec (vectors/codec.h) decides how they
// are stored; nothing outside ann/ and vectors/ prepares or converts vectors.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "vectors/codec.h"

namespace quiver::ann {

// Score shown to users from a distance (vectors/codec.h).
using vectors::score_from_distance;

struct Neighbor {
  static constexpr uint32_t kNoSlot = UINT32_MAX;
  float distance;
  uint64_t label;
  // Where the search found it inside its shard (hnswlib's internal id), so that reading its
  // vector skips the label lookup (a hash probe under a mutex, ~150 ns); kNoSlot when unknown.
  // Valid while the caller holds the index's read lock (no upsert or remove can move it).
  uint32_t slot = kNoSlot;
};

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;

  virtual const vectors::VectorCodec& codec() const = 0;
  Metric metric() const { return codec().metric(); }
  uint32_t dims() const { return codec().dims(); }

  // Called with every batch of raw vectors before they are upserted (not concurrent with
  // anything): a quantized codec that learns parameters (i8's scale under l2/ip) learns them
  // from the first batch an empty graph receives and keeps them; otherwise nothing happens.
  virtual void calibrate(const float* const* vectors, size_t count) {}
  // Makes room for `additional` new vectors. Not concurrent with anything.
  virtual void reserve(size_t additional) = 0;
  // Makes room for these labels (some may be present already: an upsert); lets a set of shards
  // reserve exactly what each one receives.
  virtual void reserve_for(const std::vector<uint64_t>& labels) { reserve(labels.size()); }
  // Adds or replaces the vector of `label` (dims() raw floats). Safe to call concurrently with
  // itself after reserve(); not with search.
  virtual void upsert(uint64_t label, const float* raw) = 0;
  virtual void remove(uint64_t label) = 0;  // no-op when absent
  // Called after a batch of upserts, none running: repairs what they may have cut off from the
  // graph's search paths (ann/hnsw_reachability.h), at once when `now`, else when enough has
  // been rewritten to pay for the walk. Returns how many elements it linked back.
  virtual size_t relink_if_rewritten(bool now) { return 0; }
  virtual bool contains(uint64_t label) const = 0;
  virtual size_t size() const = 0;  // live vectors
  virtual std::vector<uint64_t> labels() const = 0;
  // The vector of a live label, decoded from the graph's own memory into dims() floats (f32
  // storage: bit-exact as given). False when the label is not live. Like search, not
  // concurrent with upsert/remove (the index's reader/writer lock keeps them apart).
  virtual bool vector_of(uint64_t label, float* out) const = 0;
  // The same for a search result, through its slot when it has one.
  virtual bool vector_of(const Neighbor& n, float* out) const { return vector_of(n.label, out); }

  // k nearest live vectors with `allow(label)` true (all when null), best first. `ef` is per
  // call: concurrent searches with different ef do not interfere.
  virtual std::vector<Neighbor> search(const float* raw_query, size_t k, size_t ef,
                                       const std::function<bool(uint64_t)>* allow) const = 0;
  // For exact scans: prepare the query once, then measure it against labels (which must be live).
  vectors::PreparedQuery prepare_query(const float* raw_query) const {
    return codec().prepare(raw_query);
  }
  virtual float distance(const vectors::PreparedQuery& query, uint64_t label) const = 0;
  // The distance to `label` when it has a live vector, else false: one lookup per label, for
  // exact scans over matching sets (which may hold items stored without a vector).
  virtual bool try_distance(const vectors::PreparedQuery& query, uint64_t label, float* out) const {
    if (!contains(label)) return false;
    *out = distance(query, label);
    return true;
  }
  // {distance, label} appended to `out` for each of labels[0..n) with a live vector, in order:
  // the exact scan's inner loop (an implementation prefetches the vectors ahead).
  virtual void distances(const vectors::PreparedQuery& query, const uint64_t* labels, size_t n,
                         std::vector<Neighbor>& out) const {
    float d;
    for (size_t i = 0; i < n; ++i) {
      if (try_distance(query, labels[i], &d)) out.push_back({d, labels[i]});
    }
  }

  // Writes the vectors and graph into `folder` (one file per shard, each atomically), stamped
  // with the write sequence `seq`.
  virtual void save(const std::string& folder, uint64_t seq) const = 0;
};

}  // namespace quiver::ann
