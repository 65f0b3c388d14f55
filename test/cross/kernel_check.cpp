// The SIMD kernels of a target this machine cannot run natively, against the scalar reference:
// WebAssembly simd128 (compiled with em++, run under Node by scripts/test-wasm-kernels.mjs) and
// AArch64 NEON (cross-compiled, run under qemu-aarch64 by scripts/test-neon-kernels.mjs).
// GoogleTest is not built for either target, so this is a plain program.
// The same rules as test/cpp/quantized_kernels_test.cpp: i8 bit for bit (exact integer sums),
// f32/f16 within the float-sum bound of a double-precision reference; odd dimensions and
// extreme values (±65504 / subnormal halves, ±127 bytes). Exit status 0 when all hold.
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "vectors/half.h"
#include "vectors/kernels.h"

using namespace quiver::vectors;

namespace {

int failures = 0;

void check(bool ok, const char* what, size_t n, int round) {
  if (ok) return;
  if (++failures <= 20) std::printf("FAIL %s n=%zu round=%d\n", what, n, round);
}

}  // namespace

// The table of the target this file is compiled for.
const KernelTable* table_under_test() {
#if defined(__wasm_simd128__)
  return wasm_simd128_kernels();
#elif defined(__aarch64__)
  return neon_kernels();
#else
  return nullptr;
#endif
}

int main() {
  const KernelTable* simd = table_under_test();
  if (!simd) {
    std::printf("FAIL: this build has no SIMD kernel table for its target (simd128 or neon)\n");
    return 1;
  }
  const KernelTable& ref = kScalarKernels;
  std::mt19937 rng(9);
  std::normal_distribution<float> g(0.0f, 1.0f);
  const size_t dims[] = {1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 100, 127, 128, 129, 383, 384, 1536, 1537};
  size_t checks = 0;
  for (size_t n : dims) {
    for (int round = 0; round < 10; ++round) {
      const bool extreme = round % 3 == 0;
      // f32 (+1 float: the cosine inverse norm).
      std::vector<float> a(n + 1), b(n + 1);
      for (size_t i = 0; i < n; ++i) a[i] = g(rng), b[i] = g(rng);
      double dot = 0, mag = 0, l2 = 0;
      for (size_t i = 0; i < n; ++i) {
        dot += double(a[i]) * b[i], mag += std::fabs(double(a[i]) * b[i]);
        l2 += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
      }
      a[n] = b[n] = 1.0f;
      DistanceParams p{n};
      const double tol = (n + 2) * FLT_EPSILON;
      check(std::fabs(simd->l2sq_f32(a.data(), b.data(), &p) - l2) <= tol * l2 + 1e-30, "f32 l2", n, round);
      check(std::fabs(simd->ip_f32(a.data(), b.data(), &p) - (1 - dot)) <= tol * mag + FLT_EPSILON, "f32 ip", n, round);
      check(std::fabs(simd->cosine_f32(a.data(), b.data(), &p) - (1 - dot)) <= tol * mag + 4 * FLT_EPSILON, "f32 cosine", n, round);
      // f16.
      std::vector<uint16_t> ha(n + 2), hb(n + 2);
      for (size_t i = 0; i < n; ++i) {
        if (extreme) {
          const uint16_t pick[] = {0x7bff, 0xfbff, 0x0001, 0x83ff, 0x0000, 0x8000};
          ha[i] = pick[rng() % 6], hb[i] = pick[rng() % 6];
        } else {
          ha[i] = float_to_half(g(rng)), hb[i] = float_to_half(g(rng));
        }
      }
      double hdot = 0, hmag = 0, hl2 = 0;
      for (size_t i = 0; i < n; ++i) {
        const double x = half_to_float(ha[i]), y = half_to_float(hb[i]);
        hdot += x * y, hmag += std::fabs(x * y), hl2 += (x - y) * (x - y);
      }
      const float one = 1.0f;
      std::memcpy(reinterpret_cast<char*>(ha.data()) + 2 * n, &one, 4);
      std::memcpy(reinterpret_cast<char*>(hb.data()) + 2 * n, &one, 4);
      check(std::fabs(simd->l2sq_f16(ha.data(), hb.data(), &p) - hl2) <= tol * hl2 + 1e-30, "f16 l2", n, round);
      check(std::fabs(simd->ip_f16(ha.data(), hb.data(), &p) - (1 - hdot)) <= tol * hmag + FLT_EPSILON, "f16 ip", n, round);
      check(std::fabs(simd->cosine_f16(ha.data(), hb.data(), &p) - (1 - hdot)) <= tol * hmag + 4 * FLT_EPSILON, "f16 cosine", n, round);
      // i8: the same bits as the scalar kernels.
      std::vector<int8_t> qa(n + 4), qb(n + 4);
      for (size_t i = 0; i < n; ++i) {
        qa[i] = static_cast<int8_t>(extreme ? (rng() % 2 ? 127 : -127) : int(rng() % 255) - 127);
        qb[i] = static_cast<int8_t>(extreme ? (rng() % 2 ? 127 : -127) : int(rng() % 255) - 127);
      }
      const float inv = 0.01f;
      std::memcpy(qa.data() + n, &inv, 4);
      std::memcpy(qb.data() + n, &inv, 4);
      p.scale_sq = 0.25f;
      check(simd->l2sq_i8(qa.data(), qb.data(), &p) == ref.l2sq_i8(qa.data(), qb.data(), &p), "i8 l2", n, round);
      check(simd->ip_i8(qa.data(), qb.data(), &p) == ref.ip_i8(qa.data(), qb.data(), &p), "i8 ip", n, round);
      check(simd->cosine_i8(qa.data(), qb.data(), &p) == ref.cosine_i8(qa.data(), qb.data(), &p), "i8 cosine", n, round);
      checks += 9;
    }
    // Exact sums (read results' scores): the plain loop's bits, for several row counts.
    for (size_t count : {1, 2, 3, 5, 8, 11}) {
      std::vector<std::vector<float>> data(count, std::vector<float>(n));
      std::vector<const float*> rows;
      for (auto& v : data) {
        // Some components 1000x smaller than the query's: (q - x)^2 then rounds in double, and an
        // FMA in the L2 sum would show. One row count with huge values.
        for (size_t i = 0; i < n; ++i) v[i] = g(rng) * (count == 5 ? 1e20f : i % 3 == 0 ? 1e-3f : 1.0f);
        rows.push_back(v.data());
      }
      std::vector<float> q(n);
      for (auto& x : q) x = g(rng);
      for (int mode = 0; mode < 3; ++mode) {
        const bool l2 = mode == 2;
        const float* query = mode == 0 ? nullptr : q.data();
        std::vector<double> norm(count), sim(count);
        simd->exact_sums_f32(rows.data(), count, query, n, l2, norm.data(), sim.data());
        for (size_t r = 0; r < count; ++r) {
          double want_norm = 0, want_sim = 0;
          for (size_t i = 0; i < n; ++i) {
            const double x = rows[r][i];
            want_norm += x * x;
            if (query && l2) want_sim -= (q[i] - x) * (q[i] - x);
            if (query && !l2) want_sim += q[i] * x;
          }
          check(std::memcmp(&norm[r], &want_norm, sizeof(double)) == 0, "exact norm", n, mode);
          if (query) check(std::memcmp(&sim[r], &want_sim, sizeof(double)) == 0, "exact similarity", n, mode);
          checks += 2;
        }
      }
    }
  }
  std::printf("%s kernels: %zu checks, %d failed\n", simd->name, checks, failures);
  return failures == 0 ? 0 : 1;
}
