// The stored form of a vector and how distances between stored forms are computed. Callers hand
// raw floats in and get raw floats back; only the codec knows the bytes the graph keeps.
//
// Like usearch's casts_punned_t / metric_punned_t: the scalar kind is chosen at run time through
// one cast table (ScalarCasts) and the distance through one kernel table (kernels.h), so f16/i8
// storage plugs in as new table entries without touching the graph or its callers.
//
// Stored form (f32): the components as given; for cosine followed by one f32, the inverse of the
// vector's norm. So decode() returns a cosine vector bit-exact as the user gave it (no normalized
// copy, no second copy elsewhere), and the cosine kernel is 1 - dot(a, b) * inv_a * inv_b.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "quiver/config.h"
#include "vectors/kernels.h"

namespace quiver::vectors {

// Persisted in graph files: never renumber.
enum class ScalarKind : uint32_t { F32 = 1 };

// Conversions between user floats and one scalar kind's stored components.
struct ScalarCasts {
  ScalarKind kind;
  size_t bytes_per_component;
  void (*encode)(const float* in, size_t n, void* out);
  void (*decode)(const void* in, size_t n, float* out);  // exact inverse for f32
};
const ScalarCasts& casts_for(ScalarKind kind);

// A query in stored form, ready for the codec's distance kernel (what hnswlib's search and the
// exact scan compare against stored vectors).
class PreparedQuery {
 public:
  const void* data() const { return storage_.data(); }

 private:
  friend class VectorCodec;
  std::vector<float> storage_;  // floats for alignment; holds stored_bytes() bytes
};

class VectorCodec {
 public:
  VectorCodec(ScalarKind kind, Metric metric, uint32_t dims,
              const KernelTable& kernels = active_kernels());

  ScalarKind kind() const { return casts_->kind; }
  Metric metric() const { return metric_; }
  uint32_t dims() const { return dims_; }
  // Bytes of one stored vector (hnswlib's data size).
  size_t stored_bytes() const { return stored_bytes_; }
  // An identifier of the stored form, kept in file headers: a file whose stored form differs
  // from what this build writes is never read as if it were the same.
  uint32_t stored_form_id() const;

  // `raw` has dims() floats; `stored` receives stored_bytes() bytes.
  void encode(const float* raw, void* stored) const;
  // `out` receives dims() floats.
  void decode(const void* stored, float* out) const;
  PreparedQuery prepare(const float* raw) const;

  // The kernel and its parameters, in hnswlib's signature (both sides in stored form).
  DistanceFn distance_fn() const { return distance_; }
  const void* distance_params() const { return &params_; }
  float distance(const void* a_stored, const void* b_stored) const {
    return distance_(a_stored, b_stored, &params_);
  }

 private:
  const ScalarCasts* casts_;
  Metric metric_;
  uint32_t dims_;
  size_t stored_bytes_;
  DistanceFn distance_;
  DistanceParams params_;
};

// Score shown to users from a distance: higher is better for every metric.
float score_from_distance(Metric metric, float distance);

}  // namespace quiver::vectors
