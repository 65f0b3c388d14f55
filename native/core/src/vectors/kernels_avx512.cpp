// The avx512 kernel table: kernels_xsimd_body.h instantiated for xsimd::avx512f. CMake compiles
// this file alone with -mavx512f -mavx512dq -mavx512bw (xsimd 8.1's avx512f horizontal sum uses
// an AVX512DQ instruction; the byte kernels widen with AVX512BW); dispatch.cpp hands the table
// out only after checking that the CPU runs them. A null table where not built for x86-64 with
// xsimd.
//
// Halves are converted with vcvtph2ps (AVX512F) and summed in float. AVX-512 FP16 arithmetic
// (vfmadd*ph) is deliberately not used even where the CPU has it: it would accumulate in half
// precision (11-bit mantissa, maximum 65504), so sums over hundreds of components lose the
// ordering of near neighbours and squared L2 sums can overflow to infinity.
#include "vectors/kernels.h"

#if defined(QUIVER_HAVE_XSIMD) && defined(__x86_64__) && defined(__AVX512F__) && defined(__AVX512BW__)
// GCC 12's avx512fintrin.h builds the widening conversions on an _mm512_undefined_* register,
// which -Wmaybe-uninitialized reports at every use (a known false positive of the header).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include "vectors/kernels_xsimd_body.h"

namespace quiver::vectors {
namespace {

using Arch = xsimd::avx512f;

int64_t lane_sum(__m512i v) {
  alignas(64) int32_t lanes[16];
  _mm512_store_si512(lanes, v);
  int64_t s = 0;
  for (int32_t lane : lanes) s += lane;
  return s;
}

__m512i widen(const int8_t* p) {
  return _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

struct Ops {
  static xsimd::batch<float, Arch> load_halves(const uint16_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  // 64 bytes per step in two int32 accumulators (see kernels_sse4.cpp for the overflow bound).
  static int64_t dot_i8(const int8_t* a, const int8_t* b, size_t n) {
    __m512i s0 = _mm512_setzero_si512(), s1 = s0;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
      s0 = _mm512_add_epi32(s0, _mm512_madd_epi16(widen(a + i), widen(b + i)));
      s1 = _mm512_add_epi32(s1, _mm512_madd_epi16(widen(a + i + 32), widen(b + i + 32)));
    }
    for (; i + 32 <= n; i += 32) s0 = _mm512_add_epi32(s0, _mm512_madd_epi16(widen(a + i), widen(b + i)));
    return parts::dot_i8_tail(a, b, i, n, lane_sum(s0) + lane_sum(s1));
  }
  static int64_t l2_i8(const int8_t* a, const int8_t* b, size_t n) {
    __m512i s0 = _mm512_setzero_si512(), s1 = s0;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
      const __m512i d0 = _mm512_sub_epi16(widen(a + i), widen(b + i));
      const __m512i d1 = _mm512_sub_epi16(widen(a + i + 32), widen(b + i + 32));
      s0 = _mm512_add_epi32(s0, _mm512_madd_epi16(d0, d0));
      s1 = _mm512_add_epi32(s1, _mm512_madd_epi16(d1, d1));
    }
    for (; i + 32 <= n; i += 32) {
      const __m512i d = _mm512_sub_epi16(widen(a + i), widen(b + i));
      s0 = _mm512_add_epi32(s0, _mm512_madd_epi16(d, d));
    }
    return parts::l2_i8_tail(a, b, i, n, lane_sum(s0) + lane_sum(s1));
  }
};

constexpr KernelTable kTable = simd_table<Arch, Ops>("avx512");
}  // namespace
const KernelTable* avx512_kernels() { return &kTable; }
}  // namespace quiver::vectors

#else

namespace quiver::vectors {
const KernelTable* avx512_kernels() { return nullptr; }
}  // namespace quiver::vectors

#endif
