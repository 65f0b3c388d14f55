// The body of the x86 SIMD kernels, written once with xsimd and instantiated by
// kernels_{sse2,avx2,avx512}.cpp, each compiled with its own ISA flags. Included only there: no
// other translation unit may see code built for an instruction set the CPU might lack.
//
// Everything here has internal linkage (anonymous namespace) and is a template on the xsimd
// architecture, so no out-of-line copy built with AVX-512 instructions can be merged by the
// linker into code that runs on a CPU without them.
#pragma once

#include <xsimd/xsimd.hpp>

#include "vectors/kernels.h"

namespace quiver::vectors {
namespace {

// Four independent accumulators hide the add/FMA latency; their fixed combination order, the
// horizontal sum and the scalar tail make each level deterministic.
template <class Arch>
float simd_dot(const float* a, const float* b, size_t n) {
  using Batch = xsimd::batch<float, Arch>;
  constexpr size_t kWidth = Batch::size;
  Batch s0(0.0f), s1(0.0f), s2(0.0f), s3(0.0f);
  size_t i = 0;
  for (; i + 4 * kWidth <= n; i += 4 * kWidth) {
    s0 = xsimd::fma(Batch::load_unaligned(a + i), Batch::load_unaligned(b + i), s0);
    s1 = xsimd::fma(Batch::load_unaligned(a + i + kWidth), Batch::load_unaligned(b + i + kWidth), s1);
    s2 = xsimd::fma(Batch::load_unaligned(a + i + 2 * kWidth),
                    Batch::load_unaligned(b + i + 2 * kWidth), s2);
    s3 = xsimd::fma(Batch::load_unaligned(a + i + 3 * kWidth),
                    Batch::load_unaligned(b + i + 3 * kWidth), s3);
  }
  for (; i + kWidth <= n; i += kWidth) {
    s0 = xsimd::fma(Batch::load_unaligned(a + i), Batch::load_unaligned(b + i), s0);
  }
  float s = xsimd::hadd((s0 + s1) + (s2 + s3));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

template <class Arch>
float simd_l2sq(const void* pa, const void* pb, const void* params) {
  using Batch = xsimd::batch<float, Arch>;
  constexpr size_t kWidth = Batch::size;
  const auto* a = static_cast<const float*>(pa);
  const auto* b = static_cast<const float*>(pb);
  const size_t n = static_cast<const DistanceParams*>(params)->dims;
  Batch s0(0.0f), s1(0.0f), s2(0.0f), s3(0.0f);
  size_t i = 0;
  for (; i + 4 * kWidth <= n; i += 4 * kWidth) {
    const Batch d0 = Batch::load_unaligned(a + i) - Batch::load_unaligned(b + i);
    const Batch d1 = Batch::load_unaligned(a + i + kWidth) - Batch::load_unaligned(b + i + kWidth);
    const Batch d2 =
        Batch::load_unaligned(a + i + 2 * kWidth) - Batch::load_unaligned(b + i + 2 * kWidth);
    const Batch d3 =
        Batch::load_unaligned(a + i + 3 * kWidth) - Batch::load_unaligned(b + i + 3 * kWidth);
    s0 = xsimd::fma(d0, d0, s0);
    s1 = xsimd::fma(d1, d1, s1);
    s2 = xsimd::fma(d2, d2, s2);
    s3 = xsimd::fma(d3, d3, s3);
  }
  for (; i + kWidth <= n; i += kWidth) {
    const Batch d = Batch::load_unaligned(a + i) - Batch::load_unaligned(b + i);
    s0 = xsimd::fma(d, d, s0);
  }
  float s = xsimd::hadd((s0 + s1) + (s2 + s3));
  for (; i < n; ++i) {
    const float d = a[i] - b[i];
    s += d * d;
  }
  return s;
}

template <class Arch>
float simd_ip(const void* a, const void* b, const void* params) {
  const size_t n = static_cast<const DistanceParams*>(params)->dims;
  return 1.0f - simd_dot<Arch>(static_cast<const float*>(a), static_cast<const float*>(b), n);
}

template <class Arch>
float simd_cosine(const void* pa, const void* pb, const void* params) {
  const auto* a = static_cast<const float*>(pa);
  const auto* b = static_cast<const float*>(pb);
  const size_t n = static_cast<const DistanceParams*>(params)->dims;
  return 1.0f - simd_dot<Arch>(a, b, n) * (a[n] * b[n]);
}

template <class Arch>
constexpr KernelTable simd_table(const char* name) {
  return {name, &simd_l2sq<Arch>, &simd_ip<Arch>, &simd_cosine<Arch>};
}

}  // namespace
}  // namespace quiver::vectors
