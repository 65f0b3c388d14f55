// Small pieces shared by every kernel file: reading the cosine inverse norm stored after the
// components, and the scalar loops that the SIMD levels use for their tails. Internal linkage
// (anonymous namespace): a copy compiled with AVX-512 flags must never be the one the linker
// keeps for code that runs on any x86-64.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "vectors/half.h"
#include "vectors/kernels.h"

namespace quiver::vectors::parts {
namespace {

inline size_t dims_of(const void* params) { return static_cast<const DistanceParams*>(params)->dims; }
inline float scale_sq_of(const void* params) {
  return static_cast<const DistanceParams*>(params)->scale_sq;
}

// The float after `offset` bytes of components (f16 and i8 leave it unaligned).
inline float inverse_norm_at(const void* stored, size_t offset) {
  float inv;
  std::memcpy(&inv, static_cast<const char*>(stored) + offset, sizeof inv);
  return inv;
}

inline float dot_f16_tail(const uint16_t* a, const uint16_t* b, size_t from, size_t n, float s) {
  for (size_t i = from; i < n; ++i) s += half_to_float(a[i]) * half_to_float(b[i]);
  return s;
}
inline float l2_f16_tail(const uint16_t* a, const uint16_t* b, size_t from, size_t n, float s) {
  for (size_t i = from; i < n; ++i) {
    const float d = half_to_float(a[i]) - half_to_float(b[i]);
    s += d * d;
  }
  return s;
}

// Exact: |q| <= 127, so a product is <= 16129 and a squared difference <= 64516; int64 never
// overflows for any allowed dims.
inline int64_t dot_i8_tail(const int8_t* a, const int8_t* b, size_t from, size_t n, int64_t s) {
  for (size_t i = from; i < n; ++i) s += int32_t{a[i]} * int32_t{b[i]};
  return s;
}
inline int64_t l2_i8_tail(const int8_t* a, const int8_t* b, size_t from, size_t n, int64_t s) {
  for (size_t i = from; i < n; ++i) {
    const int32_t d = int32_t{a[i]} - int32_t{b[i]};
    s += d * d;
  }
  return s;
}

}  // namespace

// The plain loop of ExactSumsFn (kernels.h), four rows at a time: the scalar level's, and the
// reference every level's must equal bit for bit. Defined in kernels_scalar.cpp.
void exact_sums_scalar(const float* const* rows, size_t count, const float* query, size_t dims, bool l2,
                       double* norm_sq, double* similarity);

// The i8 distances from the exact integer sums: the same float on every level. Defined in
// kernels_scalar.cpp, which is compiled without ISA flags, so no level contracts them into an
// FMA (which would round differently).
float l2_i8_from(int64_t sum, const void* params);
float ip_i8_from(int64_t dot, const void* params);
float cosine_i8_from(int64_t dot, const void* a, const void* b, size_t n);

}  // namespace quiver::vectors::parts
