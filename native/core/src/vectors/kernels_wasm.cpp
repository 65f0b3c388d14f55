// WebAssembly SIMD (simd128) kernels, written with wasm_simd128.h intrinsics because xsimd 8.1
// has no wasm architecture. Four 4-lane accumulators, combined in a fixed order (no FMA in
// simd128 without relaxed-SIMD, so each step is a multiply then an add). A null table outside
// a simd128 build. f16: halves converted with the integer steps of vectors/half.h, summed in
// float; i8: widened to i16 and multiplied pairwise into i32 lanes (i32x4.dot_i16x8), exact.
#include "vectors/kernel_parts.h"
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

// Four halves -> four floats, bit for bit as half_to_float (the same steps).
v128_t load_halves(const uint16_t* p) {
  const v128_t h = wasm_u32x4_load16x4(p);
  const v128_t sign = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x8000)), 16);
  const v128_t magnitude = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x7fff)), 13);
  const v128_t exponent = wasm_v128_and(h, wasm_i32x4_splat(0x7c00));
  const v128_t normal = wasm_i32x4_add(magnitude, wasm_i32x4_splat(0x38000000));
  const v128_t special = wasm_v128_or(magnitude, wasm_i32x4_splat(0x70000000));
  const v128_t small = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_v128_and(h, wasm_i32x4_splat(0x3ff))),
                                      wasm_f32x4_splat(5.9604644775390625e-8f));
  v128_t bits = wasm_v128_bitselect(special, normal, wasm_i32x4_eq(exponent, wasm_i32x4_splat(0x7c00)));
  bits = wasm_v128_bitselect(small, bits, wasm_i32x4_eq(exponent, wasm_i32x4_splat(0)));
  return wasm_v128_or(bits, sign);
}

float dot_f16(const uint16_t* a, const uint16_t* b, size_t n) {
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(load_halves(a + i), load_halves(b + i)));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(load_halves(a + i + 4), load_halves(b + i + 4)));
  }
  for (; i + 4 <= n; i += 4) s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(load_halves(a + i), load_halves(b + i)));
  return parts::dot_f16_tail(a, b, i, n, lane_sum(wasm_f32x4_add(s0, s1)));
}

float l2sq_f16(const void* pa, const void* pb, const void* params) {
  const auto* a = static_cast<const uint16_t*>(pa);
  const auto* b = static_cast<const uint16_t*>(pb);
  const size_t n = parts::dims_of(params);
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const v128_t d0 = wasm_f32x4_sub(load_halves(a + i), load_halves(b + i));
    const v128_t d1 = wasm_f32x4_sub(load_halves(a + i + 4), load_halves(b + i + 4));
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(d0, d0));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(d1, d1));
  }
  for (; i + 4 <= n; i += 4) {
    const v128_t d = wasm_f32x4_sub(load_halves(a + i), load_halves(b + i));
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(d, d));
  }
  return parts::l2_f16_tail(a, b, i, n, lane_sum(wasm_f32x4_add(s0, s1)));
}

float ip_f16(const void* a, const void* b, const void* params) {
  return 1.0f - dot_f16(static_cast<const uint16_t*>(a), static_cast<const uint16_t*>(b), parts::dims_of(params));
}

float cosine_f16(const void* a, const void* b, const void* params) {
  const size_t n = parts::dims_of(params);
  const float d = dot_f16(static_cast<const uint16_t*>(a), static_cast<const uint16_t*>(b), n);
  return 1.0f - d * (parts::inverse_norm_at(a, 2 * n) * parts::inverse_norm_at(b, 2 * n));
}

int64_t int_lane_sum(v128_t v) {
  return int64_t{wasm_i32x4_extract_lane(v, 0)} + wasm_i32x4_extract_lane(v, 1) +
         wasm_i32x4_extract_lane(v, 2) + wasm_i32x4_extract_lane(v, 3);
}

int64_t dot_i8(const int8_t* a, const int8_t* b, size_t n) {
  v128_t s = wasm_i32x4_splat(0);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    s = wasm_i32x4_add(s, wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(a + i), wasm_i16x8_load8x8(b + i)));
  }
  return parts::dot_i8_tail(a, b, i, n, int_lane_sum(s));
}

int64_t l2_i8(const int8_t* a, const int8_t* b, size_t n) {
  v128_t s = wasm_i32x4_splat(0);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const v128_t d = wasm_i16x8_sub(wasm_i16x8_load8x8(a + i), wasm_i16x8_load8x8(b + i));
    s = wasm_i32x4_add(s, wasm_i32x4_dot_i16x8(d, d));
  }
  return parts::l2_i8_tail(a, b, i, n, int_lane_sum(s));
}

const int8_t* bytes(const void* p) { return static_cast<const int8_t*>(p); }

float l2sq_i8(const void* a, const void* b, const void* params) {
  return parts::l2_i8_from(l2_i8(bytes(a), bytes(b), parts::dims_of(params)), params);
}
float ip_i8(const void* a, const void* b, const void* params) {
  return parts::ip_i8_from(dot_i8(bytes(a), bytes(b), parts::dims_of(params)), params);
}
float cosine_i8(const void* a, const void* b, const void* params) {
  const size_t n = parts::dims_of(params);
  return parts::cosine_i8_from(dot_i8(bytes(a), bytes(b), n), a, b, n);
}

// Exact sums: the scalar loop (simd128 has two double lanes, and the rows' components would
// have to be gathered into them one by one).
constexpr KernelTable kTable = {"wasm-simd128", &l2sq,     &ip,      &cosine,  &l2sq_f16,
                                &ip_f16,        &cosine_f16, &l2sq_i8, &ip_i8, &cosine_i8,
                                &parts::exact_sums_scalar};

}  // namespace
const KernelTable* wasm_simd128_kernels() { return &kTable; }
}  // namespace quiver::vectors

#else

namespace quiver::vectors {
const KernelTable* wasm_simd128_kernels() { return nullptr; }
}  // namespace quiver::vectors

#endif
