#include "vectors/codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "quiver/error.h"
#include "vectors/half.h"

namespace quiver::vectors {
namespace {

void encode_f32(const float* in, size_t n, float, void* out) { std::memcpy(out, in, n * sizeof(float)); }
void decode_f32(const void* in, size_t n, float, float* out) { std::memcpy(out, in, n * sizeof(float)); }

void encode_f16(const float* in, size_t n, float, void* out) {
  auto* h = static_cast<uint16_t*>(out);
  for (size_t i = 0; i < n; ++i) h[i] = float_to_half(in[i]);
}
void decode_f16(const void* in, size_t n, float, float* out) {
  const auto* h = static_cast<const uint16_t*>(in);
  for (size_t i = 0; i < n; ++i) out[i] = half_to_float(h[i]);
}

// q = round(x / scale) clipped to [-127, 127] (-128 is never produced: the range is symmetric,
// so negating a vector negates its stored form).
void encode_i8(const float* in, size_t n, float scale, void* out) {
  auto* q = static_cast<int8_t*>(out);
  const double inv = scale > 0 ? 1.0 / scale : 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double v = std::nearbyint(static_cast<double>(in[i]) * inv);
    q[i] = static_cast<int8_t>(std::clamp(v, -127.0, 127.0));
  }
}
void decode_i8(const void* in, size_t n, float scale, float* out) {
  const auto* q = static_cast<const int8_t*>(in);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(q[i]) * scale;
}

constexpr ScalarCasts kF32Casts = {ScalarKind::F32, sizeof(float), &encode_f32, &decode_f32};
constexpr ScalarCasts kF16Casts = {ScalarKind::F16, sizeof(uint16_t), &encode_f16, &decode_f16};
constexpr ScalarCasts kI8Casts = {ScalarKind::I8, sizeof(int8_t), &encode_i8, &decode_i8};

// In double and in index order on every ISA: the stored inverse norm of a vector does not depend
// on the machine that wrote it.
float inverse_norm(const float* v, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += static_cast<double>(v[i]) * v[i];
  return sum > 0 ? static_cast<float>(1.0 / std::sqrt(sum)) : 0.0f;
}

float max_abs(const float* v, size_t n) {
  float m = 0;
  for (size_t i = 0; i < n; ++i) m = std::max(m, std::fabs(v[i]));
  return m;
}

}  // namespace

const char* scalar_kind_name(ScalarKind kind) {
  switch (kind) {
    case ScalarKind::F32: return "f32";
    case ScalarKind::F16: return "f16";
    case ScalarKind::I8: return "i8";
  }
  return "unknown";
}

ScalarKind scalar_kind_of(Quantization q) {
  switch (q) {
    case Quantization::F16: return ScalarKind::F16;
    case Quantization::I8: return ScalarKind::I8;
    case Quantization::F32: break;
  }
  return ScalarKind::F32;
}

const ScalarCasts& casts_for(ScalarKind kind) {
  switch (kind) {
    case ScalarKind::F32: return kF32Casts;
    case ScalarKind::F16: return kF16Casts;
    case ScalarKind::I8: return kI8Casts;
  }
  throw Error(ErrorCode::InvalidArgument, "unknown vector scalar kind");
}

VectorCodec::VectorCodec(ScalarKind kind, Metric metric, uint32_t dims, const KernelTable& kernels)
    : casts_(&casts_for(kind)), metric_(metric), dims_(dims) {
  const bool with_norm = metric == Metric::Cosine;
  stored_bytes_ = dims * casts_->bytes_per_component + (with_norm ? sizeof(float) : 0);
  const bool l2 = metric == Metric::L2, cosine = metric == Metric::Cosine;
  switch (kind) {
    case ScalarKind::F32:
      distance_ = l2 ? kernels.l2sq_f32 : cosine ? kernels.cosine_f32 : kernels.ip_f32;
      break;
    case ScalarKind::F16:
      distance_ = l2 ? kernels.l2sq_f16 : cosine ? kernels.cosine_f16 : kernels.ip_f16;
      break;
    case ScalarKind::I8:
      distance_ = l2 ? kernels.l2sq_i8 : cosine ? kernels.cosine_i8 : kernels.ip_i8;
      break;
  }
  params_.dims = dims;
}

uint32_t VectorCodec::stored_form_id() const {
  // Scalar kind in the low byte; bit 8: an inverse norm follows the components.
  return static_cast<uint32_t>(casts_->kind) | (metric_ == Metric::Cosine ? 0x100u : 0u);
}

void VectorCodec::set_scale(float scale) {
  scale_ = scale;
  params_.scale_sq = scale * scale;
}

void VectorCodec::calibrate(const float* const* vectors, size_t count) {
  if (!needs_calibration()) return;
  float m = 0;
  for (size_t v = 0; v < count; ++v) m = std::max(m, max_abs(vectors[v], dims_));
  set_scale(m > 0 && std::isfinite(m) ? m / 127.0f : 1.0f / 127.0f);
}

uint32_t VectorCodec::param_bits() const {
  uint32_t bits = 0;
  if (needs_calibration()) std::memcpy(&bits, &scale_, sizeof bits);
  return bits;
}

VectorCodec VectorCodec::with_param_bits(uint32_t bits) const {
  VectorCodec out = *this;
  if (needs_calibration()) {
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    out.set_scale(std::isfinite(scale) && scale > 0 ? scale : 0.0f);
  }
  return out;
}

void VectorCodec::encode(const float* raw, void* stored) const {
  const size_t components = dims_ * casts_->bytes_per_component;
  if (metric_ != Metric::Cosine) {
    if (!calibrated()) throw Error(ErrorCode::Internal, "i8 codec used before its scale was learned");
    casts_->encode(raw, dims_, scale_, stored);
    return;
  }
  float inv;
  if (casts_->kind == ScalarKind::F32) {
    casts_->encode(raw, dims_, 0, stored);
    inv = inverse_norm(raw, dims_);
  } else {
    // The inverse norm of what is stored (so a vector is at distance 0 from itself); i8 scales
    // each vector to the full byte range first.
    const float m = max_abs(raw, dims_);
    casts_->encode(raw, dims_, m > 0 ? m / 127.0f : 1.0f, stored);
    std::vector<float> back(dims_);
    casts_->decode(stored, dims_, 1.0f, back.data());
    inv = inverse_norm(back.data(), dims_);
  }
  std::memcpy(static_cast<char*>(stored) + components, &inv, sizeof inv);
}

void VectorCodec::decode(const void* stored, float* out) const {
  if (metric_ == Metric::Cosine && casts_->kind == ScalarKind::I8) {
    float inv;
    std::memcpy(&inv, static_cast<const char*>(stored) + dims_, sizeof inv);
    casts_->decode(stored, dims_, inv, out);  // the unit vector of the stored direction
    return;
  }
  casts_->decode(stored, dims_, scale_, out);
}

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
