// The avx2 kernel table: kernels_xsimd_body.h instantiated for xsimd::fma3<xsimd::avx2>. CMake
// compiles this file alone with the flags its ISA needs (-mavx2 -mfma -mf16c); dispatch.cpp
// hands the table out only after checking that the CPU runs all three. A null table where not
// built for x86-64 with xsimd.
#include "vectors/kernels.h"

#if defined(QUIVER_HAVE_XSIMD) && defined(__x86_64__) && defined(__AVX2__) && defined(__F16C__)
#include <immintrin.h>

#include "vectors/kernels_xsimd_body.h"

namespace quiver::vectors {
namespace {

using Arch = xsimd::fma3<xsimd::avx2>;

int64_t lane_sum(__m256i v) {
  alignas(32) int32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), v);
  int64_t s = 0;
  for (int32_t lane : lanes) s += lane;
  return s;
}

struct Ops {
  static xsimd::batch<float, Arch> load_halves(const uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  // 32 bytes per step in two int32 accumulators (see kernels_sse4.cpp for the overflow bound).
  static int64_t dot_i8(const int8_t* a, const int8_t* b, size_t n) {
    __m256i s0 = _mm256_setzero_si256(), s1 = s0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
      const __m128i* pa = reinterpret_cast<const __m128i*>(a + i);
      const __m128i* pb = reinterpret_cast<const __m128i*>(b + i);
      s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128(pa)),
                                                  _mm256_cvtepi8_epi16(_mm_loadu_si128(pb))));
      s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128(pa + 1)),
                                                  _mm256_cvtepi8_epi16(_mm_loadu_si128(pb + 1))));
    }
    for (; i + 16 <= n; i += 16) {
      s0 = _mm256_add_epi32(
          s0, _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i))),
                                _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i)))));
    }
    return parts::dot_i8_tail(a, b, i, n, lane_sum(s0) + lane_sum(s1));
  }
  static int64_t l2_i8(const int8_t* a, const int8_t* b, size_t n) {
    __m256i s0 = _mm256_setzero_si256(), s1 = s0;
    size_t i = 0;
    const auto diff = [&](size_t at) {
      return _mm256_sub_epi16(
          _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + at))),
          _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + at))));
    };
    for (; i + 32 <= n; i += 32) {
      const __m256i d0 = diff(i), d1 = diff(i + 16);
      s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(d0, d0));
      s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(d1, d1));
    }
    for (; i + 16 <= n; i += 16) {
      const __m256i d = diff(i);
      s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(d, d));
    }
    return parts::l2_i8_tail(a, b, i, n, lane_sum(s0) + lane_sum(s1));
  }
};

constexpr KernelTable kTable = simd_table<Arch, Ops>("avx2");
}  // namespace
const KernelTable* avx2_kernels() { return &kTable; }
}  // namespace quiver::vectors

#else

namespace quiver::vectors {
const KernelTable* avx2_kernels() { return nullptr; }
}  // namespace quiver::vectors

#endif
