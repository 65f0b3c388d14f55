#include "vectors/codec.h"

#include <cmath>
#include <cstring>

#include "quiver/error.h"

namespace quiver::vectors {
namespace {

void encode_f32(const float* in, size_t n, void* out) { std::memcpy(out, in, n * sizeof(float)); }
void decode_f32(const void* in, size_t n, float* out) { std::memcpy(out, in, n * sizeof(float)); }

constexpr ScalarCasts kF32Casts = {ScalarKind::F32, sizeof(float), &encode_f32, &decode_f32};

// In double and in index order on every ISA: the stored inverse norm of a vector does not depend
// on the machine that wrote it.
float inverse_norm(const float* v, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += static_cast<double>(v[i]) * v[i];
  return sum > 0 ? static_cast<float>(1.0 / std::sqrt(sum)) : 0.0f;
}

}  // namespace

const ScalarCasts& casts_for(ScalarKind kind) {
  switch (kind) {
    case ScalarKind::F32: return kF32Casts;
  }
  throw Error(ErrorCode::InvalidArgument, "unknown vector scalar kind");
}

VectorCodec::VectorCodec(ScalarKind kind, Metric metric, uint32_t dims, const KernelTable& kernels)
    : casts_(&casts_for(kind)), metric_(metric), dims_(dims) {
  const bool with_norm = metric == Metric::Cosine;
  stored_bytes_ = dims * casts_->bytes_per_component + (with_norm ? sizeof(float) : 0);
  distance_ = metric == Metric::L2       ? kernels.l2sq_f32
              : metric == Metric::Cosine ? kernels.cosine_f32
                                         : kernels.ip_f32;
  params_.dims = dims;
}

uint32_t VectorCodec::stored_form_id() const {
  // Scalar kind in the low byte; bit 8: an inverse norm follows the components.
  return static_cast<uint32_t>(casts_->kind) | (metric_ == Metric::Cosine ? 0x100u : 0u);
}

void VectorCodec::encode(const float* raw, void* stored) const {
  casts_->encode(raw, dims_, stored);
  if (metric_ == Metric::Cosine) {
    const float inv = inverse_norm(raw, dims_);
    std::memcpy(static_cast<char*>(stored) + dims_ * casts_->bytes_per_component, &inv, sizeof inv);
  }
}

void VectorCodec::decode(const void* stored, float* out) const { casts_->decode(stored, dims_, out); }

PreparedQuery VectorCodec::prepare(const float* raw) const {
  PreparedQuery q;
  q.storage_.resize((stored_bytes_ + sizeof(float) - 1) / sizeof(float));
  encode(raw, q.storage_.data());
  return q;
}

float score_from_distance(Metric metric, float distance) {
  // Inner product and cosine distances are 1 - similarity; L2 is the squared distance.
  return metric == Metric::L2 ? -distance : 1.0f - distance;
}

}  // namespace quiver::vectors
