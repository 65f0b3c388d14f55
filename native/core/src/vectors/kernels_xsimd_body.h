// The body of the x86 SIMD kernels, written once with xsimd and instantiated by
// kernels_{sse4,avx2,avx512}.cpp, each compiled with its own ISA flags. Included only there: no
// other translation unit may see code built for an instruction set the CPU might lack.
//
// f32 and f16 are summed in float with xsimd; what xsimd 8.1 lacks comes from the including file
// as `Ops` (its own intrinsics): `Ops::load_halves(p)` converts Batch::size IEEE halves to a
// float batch (F16C / AVX-512 vcvtph2ps, or integer steps on SSE4), and `Ops::dot_i8` /
// `Ops::l2_i8` return exact int64 sums over signed bytes (xsimd 8.1 has no widening
// multiply-add; vpmaddwd does it in one instruction).
//
// Everything here has internal linkage (anonymous namespace) and is a template on the xsimd
// architecture, so no out-of-line copy built with AVX-512 instructions can be merged by the
// linker into code that runs on a CPU without them.
#pragma once

#include <utility>

#include <xsimd/xsimd.hpp>

#include "vectors/kernel_parts.h"
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

// ---- f16: converted to float in registers, then the same four-accumulator sums ----

template <class Arch, class Ops>
float f16_dot(const uint16_t* a, const uint16_t* b, size_t n) {
  using Batch = xsimd::batch<float, Arch>;
  constexpr size_t kWidth = Batch::size;
  Batch s0(0.0f), s1(0.0f), s2(0.0f), s3(0.0f);
  size_t i = 0;
  for (; i + 4 * kWidth <= n; i += 4 * kWidth) {
    s0 = xsimd::fma(Ops::load_halves(a + i), Ops::load_halves(b + i), s0);
    s1 = xsimd::fma(Ops::load_halves(a + i + kWidth), Ops::load_halves(b + i + kWidth), s1);
    s2 = xsimd::fma(Ops::load_halves(a + i + 2 * kWidth), Ops::load_halves(b + i + 2 * kWidth), s2);
    s3 = xsimd::fma(Ops::load_halves(a + i + 3 * kWidth), Ops::load_halves(b + i + 3 * kWidth), s3);
  }
  for (; i + kWidth <= n; i += kWidth) {
    s0 = xsimd::fma(Ops::load_halves(a + i), Ops::load_halves(b + i), s0);
  }
  return parts::dot_f16_tail(a, b, i, n, xsimd::hadd((s0 + s1) + (s2 + s3)));
}

template <class Arch, class Ops>
float f16_l2sq(const void* pa, const void* pb, const void* params) {
  using Batch = xsimd::batch<float, Arch>;
  constexpr size_t kWidth = Batch::size;
  const auto* a = static_cast<const uint16_t*>(pa);
  const auto* b = static_cast<const uint16_t*>(pb);
  const size_t n = parts::dims_of(params);
  Batch s0(0.0f), s1(0.0f), s2(0.0f), s3(0.0f);
  size_t i = 0;
  for (; i + 4 * kWidth <= n; i += 4 * kWidth) {
    const Batch d0 = Ops::load_halves(a + i) - Ops::load_halves(b + i);
    const Batch d1 = Ops::load_halves(a + i + kWidth) - Ops::load_halves(b + i + kWidth);
    const Batch d2 = Ops::load_halves(a + i + 2 * kWidth) - Ops::load_halves(b + i + 2 * kWidth);
    const Batch d3 = Ops::load_halves(a + i + 3 * kWidth) - Ops::load_halves(b + i + 3 * kWidth);
    s0 = xsimd::fma(d0, d0, s0);
    s1 = xsimd::fma(d1, d1, s1);
    s2 = xsimd::fma(d2, d2, s2);
    s3 = xsimd::fma(d3, d3, s3);
  }
  for (; i + kWidth <= n; i += kWidth) {
    const Batch d = Ops::load_halves(a + i) - Ops::load_halves(b + i);
    s0 = xsimd::fma(d, d, s0);
  }
  return parts::l2_f16_tail(a, b, i, n, xsimd::hadd((s0 + s1) + (s2 + s3)));
}

template <class Arch, class Ops>
float f16_ip(const void* a, const void* b, const void* params) {
  return 1.0f - f16_dot<Arch, Ops>(static_cast<const uint16_t*>(a), static_cast<const uint16_t*>(b),
                                   parts::dims_of(params));
}

template <class Arch, class Ops>
float f16_cosine(const void* a, const void* b, const void* params) {
  const size_t n = parts::dims_of(params);
  const float d = f16_dot<Arch, Ops>(static_cast<const uint16_t*>(a), static_cast<const uint16_t*>(b), n);
  return 1.0f - d * (parts::inverse_norm_at(a, 2 * n) * parts::inverse_norm_at(b, 2 * n));
}

// ---- i8: exact integer sums from Ops ----

template <class Ops>
float i8_l2sq(const void* a, const void* b, const void* params) {
  return parts::l2_i8_from(Ops::l2_i8(static_cast<const int8_t*>(a), static_cast<const int8_t*>(b),
                                      parts::dims_of(params)),
                           params);
}

template <class Ops>
float i8_ip(const void* a, const void* b, const void* params) {
  return parts::ip_i8_from(Ops::dot_i8(static_cast<const int8_t*>(a), static_cast<const int8_t*>(b),
                                       parts::dims_of(params)),
                           params);
}

template <class Ops>
float i8_cosine(const void* a, const void* b, const void* params) {
  const size_t n = parts::dims_of(params);
  return parts::cosine_i8_from(
      Ops::dot_i8(static_cast<const int8_t*>(a), static_cast<const int8_t*>(b), n), a, b, n);
}

// ---- exact sums (ExactSumsFn): one row per double lane, each lane in component order ----

// Component i of the rows r[0..W), widened to double, as one batch (built in registers: storing
// the lanes and loading them back as a vector would stall on store forwarding every component).
template <class Arch, size_t... L>
__attribute__((always_inline)) inline xsimd::batch<double, Arch> column(const float* const* r, size_t i, std::index_sequence<L...>) {
  return xsimd::batch<double, Arch>{static_cast<double>(r[L][i])...};
}

template <class Arch, bool kQuery, bool kL2>
void exact_rows(const float* const* rows, size_t count, const float* query, size_t dims, double* norm_sq,
                double* similarity) {
  using Batch = xsimd::batch<double, Arch>;
  constexpr size_t kLanes = Batch::size;
  const float* r[kLanes];
  for (size_t at = 0; at < count; at += kLanes) {
    const size_t lanes = count - at < kLanes ? count - at : kLanes;
    for (size_t l = 0; l < kLanes; ++l) r[l] = rows[at + (l < lanes ? l : 0)];  // spare lanes: a row again
    Batch n(0.0), s(0.0);
    for (size_t i = 0; i < dims; ++i) {
      const Batch x = column<Arch>(r, i, std::make_index_sequence<kLanes>{});
      n = n + x * x;  // a multiply then an add (no FMA: -ffp-contract=off, see CMakeLists.txt)
      if (kQuery) {
        const Batch q(static_cast<double>(query[i]));
        if (kL2) {
          const Batch d = q - x;
          s = s - d * d;
        } else {
          s = s + q * x;
        }
      }
    }
    alignas(64) double ns[kLanes];
    alignas(64) double ss[kLanes];
    n.store_aligned(ns);
    s.store_aligned(ss);
    for (size_t l = 0; l < lanes; ++l) {
      norm_sq[at + l] = ns[l];
      if (kQuery) similarity[at + l] = ss[l];
    }
  }
}

template <class Arch>
void simd_exact_sums(const float* const* rows, size_t count, const float* query, size_t dims, bool l2,
                     double* norm_sq, double* similarity) {
  if (!query) return exact_rows<Arch, false, false>(rows, count, query, dims, norm_sq, similarity);
  if (l2) return exact_rows<Arch, true, true>(rows, count, query, dims, norm_sq, similarity);
  exact_rows<Arch, true, false>(rows, count, query, dims, norm_sq, similarity);
}

template <class Arch, class Ops>
constexpr KernelTable simd_table(const char* name) {
  return {name,
          &simd_l2sq<Arch>,
          &simd_ip<Arch>,
          &simd_cosine<Arch>,
          &f16_l2sq<Arch, Ops>,
          &f16_ip<Arch, Ops>,
          &f16_cosine<Arch, Ops>,
          &i8_l2sq<Ops>,
          &i8_ip<Ops>,
          &i8_cosine<Ops>,
          &simd_exact_sums<Arch>};
}

}  // namespace
}  // namespace quiver::vectors
