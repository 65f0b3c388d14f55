// Exact distances for a query cursor over a quantized index (query/cursor.h). The graph of an
// f16 or i8 index holds approximations, so its distances can order two near items the wrong
// way; query() re-ranks by the exact vectors (index/reads.cpp), and a stream must hand its
// results out in that same exact order. The exact vectors are the f32 rows in SQLite: one
// indexed read per item (of_label), or one scan of every row (scan_store: the exact pass).
// Distances are computed as an f32 graph computes them (the same codec and kernel), so that a
// stream over an f16 index orders its results exactly as one over an f32 index.
#pragma once

#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "quiver/index.h"
#include "vectors/codec.h"

namespace quiver::query {

class ExactDistances {
 public:
  ExactDistances(const Index::Impl& impl, const float* query);

  // The exact distance to a live item with a vector; false when its row is gone (deleted by
  // another process since this process's cache was brought up to date) or has no vector. `keep`:
  // the row's vector is kept for kept(), so that returning the item does not read it again.
  bool of_label(const Index::Impl& impl, uint64_t label, float* out, bool keep = false);
  // A vector of_label kept (nullptr: none), until forget(label) or forget_all().
  const float* kept(uint64_t label) const;
  void forget(uint64_t label) { kept_.erase(label); }
  void forget_all() { kept_.clear(); }
  // visit(label, distance) for every row with a vector, in label order, from one snapshot.
  void scan_store(const Index::Impl& impl, const std::function<void(uint64_t, float)>& visit);

  size_t memory_bytes() const;

 private:
  float of_raw(const float* raw);  // `raw`: dims floats

  vectors::VectorCodec codec_;  // f32, the index's metric
  vectors::PreparedQuery query_;
  std::vector<float> raw_;      // a row's vector, copied out of SQLite's (unaligned) memory
  std::vector<float> encoded_;  // its f32 stored form (for cosine: with its inverse norm)
  std::unordered_map<uint64_t, std::vector<float>> kept_;  // by label: the cursor's pools
};

}  // namespace quiver::query
