// The stored form of a vector and how distances between stored forms are computed. Callers hand
// raw floats in and get raw floats back; only the codec knows the bytes the graph keeps.
//
// Like usearch's casts_punned_t / metric_punned_t: the scalar kind is chosen at run time through
// one cast table (ScalarCasts) and the distance through one kernel table (kernels.h), so the
// graph and its callers never know which kind they hold.
//
// Stored forms (components, then for cosine one f32: the inverse norm of what is stored):
//   f32  the components as given, so decode() is bit-exact (no normalized copy);
//   f16  IEEE halves (round to nearest even; beyond +-65504 saturated), 2 bytes a component;
//   i8   signed bytes in [-127, 127], 1 byte a component:
//        cosine: each vector scaled by 127 / max|x_i| (cosine ignores the scale, so every
//                vector uses the full byte range and nothing is learned);
//        l2, ip: one scale for the whole index, q = round(x / scale), clipped; the scale is
//                learned from the first batch of vectors the graph receives (max |x| / 127;
//                calibrate()) and kept in the graph file's header (param_bits()).
// f16 and i8 are approximations: the exact vectors live in SQLite (the read path returns those
// and rescoring re-ranks with them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "quiver/config.h"
#include "vectors/kernels.h"

namespace quiver::vectors {

// Persisted in graph files: never renumber.
enum class ScalarKind : uint32_t { F32 = 1, F16 = 2, I8 = 3 };

const char* scalar_kind_name(ScalarKind kind);  // "f32" | "f16" | "i8"
ScalarKind scalar_kind_of(Quantization q);

// Conversions between user floats and one scalar kind's stored components. `scale`: what one
// unit of a stored component is worth (i8; ignored by f32 and f16).
struct ScalarCasts {
  ScalarKind kind;
  size_t bytes_per_component;
  void (*encode)(const float* in, size_t n, float scale, void* out);
  void (*decode)(const void* in, size_t n, float scale, float* out);  // exact inverse for f32
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
  // Whether decode() returns the vector as given (f32); otherwise an approximation (for i8
  // under cosine: the direction only, as a unit vector).
  bool exact() const { return casts_->kind == ScalarKind::F32; }
  // Bytes of one stored vector (hnswlib's data size).
  size_t stored_bytes() const { return stored_bytes_; }
  // An identifier of the stored form, kept in file headers: a file whose stored form differs
  // from what this build writes is never read as if it were the same.
  uint32_t stored_form_id() const;

  // Learned parameters (i8 under l2/ip: the scale). A codec that needs them encodes nothing
  // before calibrate() (or with_param_bits() from a file) gave them.
  bool needs_calibration() const { return kind() == ScalarKind::I8 && metric_ != Metric::Cosine; }
  bool calibrated() const { return !needs_calibration() || scale_ > 0; }
  // Learns the parameters from `count` raw vectors (the first batch): i8's scale = max |x| / 127
  // (1 / 127 when every component is 0). Larger components later are clipped to +-127.
  void calibrate(const float* const* vectors, size_t count);
  // The learned parameters as 32 bits for a file header (0: none), and back.
  uint32_t param_bits() const;
  VectorCodec with_param_bits(uint32_t bits) const;
  float scale() const { return scale_; }

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
  void set_scale(float scale);

  const ScalarCasts* casts_;
  Metric metric_;
  uint32_t dims_;
  size_t stored_bytes_;
  float scale_ = 0;  // i8 under l2/ip; 0 until calibrated
  DistanceFn distance_;
  DistanceParams params_;
};

// Score shown to users from a distance: higher is better for every metric.
float score_from_distance(Metric metric, float distance);

}  // namespace quiver::vectors
