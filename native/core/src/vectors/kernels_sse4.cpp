// The sse4 kernel table: kernels_xsimd_body.h instantiated for xsimd::sse4_1. CMake compiles this
// file alone with -msse4.1; dispatch.cpp hands the table out only after checking that the CPU
// runs SSE4.1. Halves are converted with integer steps (F16C is an AVX-era extension), the same
// steps as vectors/half.h. A null table where not built for x86-64 with xsimd.
#include "vectors/kernels.h"

#if defined(QUIVER_HAVE_XSIMD) && defined(__x86_64__) && defined(__SSE4_1__)
#include <smmintrin.h>

#include "vectors/kernels_xsimd_body.h"

namespace quiver::vectors {
namespace {

using Arch = xsimd::sse4_1;

int64_t lane_sum(__m128i v) {
  alignas(16) int32_t lanes[4];
  _mm_store_si128(reinterpret_cast<__m128i*>(lanes), v);
  return int64_t{lanes[0]} + lanes[1] + lanes[2] + lanes[3];
}

struct Ops {
  // The steps of half_to_float (vectors/half.h), four lanes at a time.
  static xsimd::batch<float, Arch> load_halves(const uint16_t* p) {
    const __m128i h = _mm_cvtepu16_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
    const __m128i sign = _mm_slli_epi32(_mm_and_si128(h, _mm_set1_epi32(0x8000)), 16);
    const __m128i magnitude = _mm_slli_epi32(_mm_and_si128(h, _mm_set1_epi32(0x7fff)), 13);
    const __m128i exponent = _mm_and_si128(h, _mm_set1_epi32(0x7c00));
    const __m128i normal = _mm_add_epi32(magnitude, _mm_set1_epi32(0x38000000));
    const __m128i special = _mm_or_si128(magnitude, _mm_set1_epi32(0x70000000));
    const __m128i small = _mm_castps_si128(_mm_mul_ps(
        _mm_cvtepi32_ps(_mm_and_si128(h, _mm_set1_epi32(0x3ff))), _mm_set1_ps(5.9604644775390625e-8f)));
    __m128i bits = _mm_blendv_epi8(normal, special, _mm_cmpeq_epi32(exponent, _mm_set1_epi32(0x7c00)));
    bits = _mm_blendv_epi8(bits, small, _mm_cmpeq_epi32(exponent, _mm_setzero_si128()));
    return _mm_castsi128_ps(_mm_or_si128(bits, sign));
  }

  // 16 bytes per step, widened to int16, vpmaddwd into int32 lanes (each lane gains at most
  // 2 * 255^2 per step: no overflow below 2^31 for dims up to 65536), summed as int64.
  static int64_t dot_i8(const int8_t* a, const int8_t* b, size_t n) {
    __m128i s0 = _mm_setzero_si128(), s1 = s0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      const __m128i va = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i));
      const __m128i vb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i));
      s0 = _mm_add_epi32(s0, _mm_madd_epi16(_mm_cvtepi8_epi16(va), _mm_cvtepi8_epi16(vb)));
      s1 = _mm_add_epi32(s1, _mm_madd_epi16(_mm_cvtepi8_epi16(_mm_srli_si128(va, 8)),
                                            _mm_cvtepi8_epi16(_mm_srli_si128(vb, 8))));
    }
    return parts::dot_i8_tail(a, b, i, n, lane_sum(s0) + lane_sum(s1));
  }
  static int64_t l2_i8(const int8_t* a, const int8_t* b, size_t n) {
    __m128i s0 = _mm_setzero_si128(), s1 = s0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      const __m128i va = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i));
      const __m128i vb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i));
      const __m128i d0 = _mm_sub_epi16(_mm_cvtepi8_epi16(va), _mm_cvtepi8_epi16(vb));
      const __m128i d1 = _mm_sub_epi16(_mm_cvtepi8_epi16(_mm_srli_si128(va, 8)),
                                       _mm_cvtepi8_epi16(_mm_srli_si128(vb, 8)));
      s0 = _mm_add_epi32(s0, _mm_madd_epi16(d0, d0));
      s1 = _mm_add_epi32(s1, _mm_madd_epi16(d1, d1));
    }
    return parts::l2_i8_tail(a, b, i, n, lane_sum(s0) + lane_sum(s1));
  }
};

constexpr KernelTable kTable = simd_table<Arch, Ops>("sse4");
}  // namespace
const KernelTable* sse4_kernels() { return &kTable; }
}  // namespace quiver::vectors

#else

namespace quiver::vectors {
const KernelTable* sse4_kernels() { return nullptr; }
}  // namespace quiver::vectors

#endif
