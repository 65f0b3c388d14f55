// WebAssembly SIMD (simd128) kernels, written with wasm_simd128.h intrinsics because xsimd 8.1
// has no wasm architecture. Four 4-lane accumulators, combined in a fixed order (no FMA in
// simd128 without relaxed-SIMD, so each step is a multiply then an add). A null table outside
// a simd128 build.
#include "vectors/kernels.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

namespace quiver::vectors {
namespace {

float lane_sum(v128_t v) {
  return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
         (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

float dot(const float* a, const float* b, size_t n) {
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4)));
    s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_v128_load(a + i + 8), wasm_v128_load(b + i + 8)));
    s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(wasm_v128_load(a + i + 12), wasm_v128_load(b + i + 12)));
  }
  for (; i + 4 <= n; i += 4) {
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  }
  float s = lane_sum(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

v128_t squared_difference(const float* a, const float* b) {
  const v128_t d = wasm_f32x4_sub(wasm_v128_load(a), wasm_v128_load(b));
  return wasm_f32x4_mul(d, d);
}

float l2sq(const void* pa, const void* pb, const void* params) {
  const auto* a = static_cast<const float*>(pa);
  const auto* b = static_cast<const float*>(pb);
  const size_t n = static_cast<const DistanceParams*>(params)->dims;
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = wasm_f32x4_add(s0, squared_difference(a + i, b + i));
    s1 = wasm_f32x4_add(s1, squared_difference(a + i + 4, b + i + 4));
    s2 = wasm_f32x4_add(s2, squared_difference(a + i + 8, b + i + 8));
    s3 = wasm_f32x4_add(s3, squared_difference(a + i + 12, b + i + 12));
  }
  for (; i + 4 <= n; i += 4) s0 = wasm_f32x4_add(s0, squared_difference(a + i, b + i));
  float s = lane_sum(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
  for (; i < n; ++i) {
    const float d = a[i] - b[i];
    s += d * d;
  }
  return s;
}

float ip(const void* a, const void* b, const void* params) {
  const size_t n = static_cast<const DistanceParams*>(params)->dims;
  return 1.0f - dot(static_cast<const float*>(a), static_cast<const float*>(b), n);
}

float cosine(const void* pa, const void* pb, const void* params) {
  const auto* a = static_cast<const float*>(pa);
  const auto* b = static_cast<const float*>(pb);
  const size_t n = static_cast<const DistanceParams*>(params)->dims;
  return 1.0f - dot(a, b, n) * (a[n] * b[n]);
}

constexpr KernelTable kTable = {"wasm-simd128", &l2sq, &ip, &cosine};

}  // namespace
const KernelTable* wasm_simd128_kernels() { return &kTable; }
}  // namespace quiver::vectors

#else

namespace quiver::vectors {
const KernelTable* wasm_simd128_kernels() { return nullptr; }
}  // namespace quiver::vectors

#endif
