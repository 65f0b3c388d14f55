// The neon kernel table (AArch64 Advanced SIMD): kernels_xsimd_body.h instantiated for
// xsimd::neon64. NEON is part of every AArch64 CPU, so no flags and no run-time check are needed
// beyond building for aarch64; dispatch.cpp offers it there. Halves are converted by the FP16
// conversion instructions of ARMv8 (fcvtl, exact for every half), bytes are widened to int16 and
// multiplied into int32 lanes (smlal). A null table elsewhere.
// Tested under emulation on x86-64 by scripts/test-neon-kernels.mjs (qemu-aarch64).
#include "vectors/kernels.h"

#if defined(QUIVER_HAVE_XSIMD) && defined(__aarch64__)
#include <arm_neon.h>

#include "vectors/kernels_xsimd_body.h"

namespace quiver::vectors {
namespace {

using Arch = xsimd::neon64;

int64_t lane_sum(int32x4_t v) { return vaddlvq_s32(v); }

// Each int32 lane gains at most 2 * 254^2 per 16-byte step (two widening multiply-adds per
// lane): no overflow below 2^31 for dims up to 65536, as in the x86 files.
struct Ops {
  static xsimd::batch<float, Arch> load_halves(const uint16_t* p) {
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
  }
  static int64_t dot_i8(const int8_t* a, const int8_t* b, size_t n) {
    int32x4_t s0 = vdupq_n_s32(0), s1 = s0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      const int8x16_t va = vld1q_s8(a + i), vb = vld1q_s8(b + i);
      const int16x8_t alo = vmovl_s8(vget_low_s8(va)), blo = vmovl_s8(vget_low_s8(vb));
      const int16x8_t ahi = vmovl_high_s8(va), bhi = vmovl_high_s8(vb);
      s0 = vmlal_s16(s0, vget_low_s16(alo), vget_low_s16(blo));
      s0 = vmlal_high_s16(s0, alo, blo);
      s1 = vmlal_s16(s1, vget_low_s16(ahi), vget_low_s16(bhi));
      s1 = vmlal_high_s16(s1, ahi, bhi);
    }
    return parts::dot_i8_tail(a, b, i, n, lane_sum(s0) + lane_sum(s1));
  }
  static int64_t l2_i8(const int8_t* a, const int8_t* b, size_t n) {
    int32x4_t s0 = vdupq_n_s32(0), s1 = s0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      const int8x16_t va = vld1q_s8(a + i), vb = vld1q_s8(b + i);
      const int16x8_t dlo = vsubl_s8(vget_low_s8(va), vget_low_s8(vb));
      const int16x8_t dhi = vsubl_high_s8(va, vb);
      s0 = vmlal_s16(s0, vget_low_s16(dlo), vget_low_s16(dlo));
      s0 = vmlal_high_s16(s0, dlo, dlo);
      s1 = vmlal_s16(s1, vget_low_s16(dhi), vget_low_s16(dhi));
      s1 = vmlal_high_s16(s1, dhi, dhi);
    }
    return parts::l2_i8_tail(a, b, i, n, lane_sum(s0) + lane_sum(s1));
  }
};

constexpr KernelTable kTable = simd_table<Arch, Ops>("neon");
}  // namespace
const KernelTable* neon_kernels() { return &kTable; }
}  // namespace quiver::vectors

#else

namespace quiver::vectors {
const KernelTable* neon_kernels() { return nullptr; }
}  // namespace quiver::vectors

#endif
