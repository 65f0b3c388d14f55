// Portable kernels: one accumulator, in index order. The reference the SIMD levels are tested
// against, and what runs where no SIMD level is built or supported.
#include "vectors/kernels.h"

namespace quiver::vectors {
namespace {

float dot(const float* a, const float* b, size_t n) {
  float s = 0.0f;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

float l2sq(const void* a, const void* b, const void* params) {
  const auto* x = static_cast<const float*>(a);
  const auto* y = static_cast<const float*>(b);
  const size_t n = static_cast<const DistanceParams*>(params)->dims;
  float s = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    const float d = x[i] - y[i];
    s += d * d;
  }
  return s;
}

float ip(const void* a, const void* b, const void* params) {
  const size_t n = static_cast<const DistanceParams*>(params)->dims;
  return 1.0f - dot(static_cast<const float*>(a), static_cast<const float*>(b), n);
}

float cosine(const void* a, const void* b, const void* params) {
  const auto* x = static_cast<const float*>(a);
  const auto* y = static_cast<const float*>(b);
  const size_t n = static_cast<const DistanceParams*>(params)->dims;
  return 1.0f - dot(x, y, n) * (x[n] * y[n]);
}

}  // namespace

const KernelTable kScalarKernels = {"scalar", &l2sq, &ip, &cosine};

}  // namespace quiver::vectors
