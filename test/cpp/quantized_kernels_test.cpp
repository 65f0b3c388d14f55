// The f16 and i8 kernels of every ISA level this CPU runs (and QUIVER_SIMD's, which is one of
// them) against the scalar reference on random data, odd dimensions and extreme values; the
// half conversions against an independent double-based reference; the f16/i8 codec.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "vectors/codec.h"
#include "vectors/half.h"
#include "vectors/kernels.h"

namespace quiver::vectors {
namespace {

constexpr size_t kDims[] = {1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 100, 127, 128, 129, 383, 384, 768, 1536, 1537};

// The value of a half computed from its fields in double (no bit tricks shared with half.h).
double half_value(uint16_t h) {
  const int sign = (h & 0x8000) ? -1 : 1;
  const int exponent = (h >> 10) & 0x1f;
  const int mantissa = h & 0x3ff;
  if (exponent == 0x1f) return mantissa ? std::nan("") : sign * std::numeric_limits<double>::infinity();
  if (exponent == 0) return sign * std::ldexp(mantissa, -24);
  return sign * std::ldexp(1024 + mantissa, exponent - 25);
}

TEST(Half, DecodesEveryHalfExactly) {
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const double want = half_value(static_cast<uint16_t>(h));
    const float got = half_to_float(static_cast<uint16_t>(h));
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got)) << h;
    } else {
      EXPECT_EQ(static_cast<double>(got), want) << h;
    }
  }
}

TEST(Half, EncodesToTheNearestHalfTiesToEvenAndSaturates) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> exponent(-30.0f, 17.0f);
  for (int i = 0; i < 200000; ++i) {
    const float x = std::ldexp(std::uniform_real_distribution<float>(1.0f, 2.0f)(rng),
                               static_cast<int>(exponent(rng))) * (i % 2 ? -1.0f : 1.0f);
    const uint16_t h = float_to_half(x);
    const double got = half_value(h);
    if (std::fabs(x) >= 65504.0f) {
      EXPECT_EQ(std::fabs(got), 65504.0) << x;
      continue;
    }
    // No other half is closer; on a tie the chosen one has an even mantissa.
    const double err = std::fabs(got - x);
    for (int step : {-1, 1}) {
      const uint16_t other = static_cast<uint16_t>(h + step);
      if ((other & 0x7fff) > 0x7bff || ((other ^ h) & 0x8000)) continue;
      const double other_err = std::fabs(half_value(other) - x);
      EXPECT_LE(err, other_err) << x;
      if (err == other_err) EXPECT_EQ(h & 1, 0) << x;
    }
  }
  EXPECT_EQ(float_to_half(0.0f), 0u);
  EXPECT_EQ(float_to_half(-0.0f), 0x8000u);
  EXPECT_EQ(float_to_half(1.0f), 0x3c00u);
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -24)), 1u);             // smallest subnormal
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -25)), 0u);             // tie -> even (0)
  EXPECT_EQ(float_to_half(std::ldexp(1.5f, -25)), 1u);
  EXPECT_EQ(float_to_half(1e9f), 0x7bffu);                          // saturated, not infinity
  EXPECT_EQ(float_to_half(-std::numeric_limits<float>::infinity()), 0xfbffu);
}

// Random halves, half of them drawn from extreme classes: the largest finite values,
// subnormals, zeros of both signs.
std::vector<uint16_t> random_halves(std::mt19937& rng, size_t n, bool extreme) {
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<uint16_t> v(n + 2);  // + the cosine inverse norm (2 halves = 1 float)
  for (size_t i = 0; i < n; ++i) {
    if (!extreme) {
      v[i] = float_to_half(g(rng));
      continue;
    }
    switch (rng() % 5) {
      case 0: v[i] = static_cast<uint16_t>(0x7bff - rng() % 16); break;  // ~65504
      case 1: v[i] = static_cast<uint16_t>(1 + rng() % 0x3ff); break;     // subnormal
      case 2: v[i] = 0; break;
      case 3: v[i] = 0x8000; break;
      default: v[i] = float_to_half(g(rng) * 1000.0f);
    }
    if (rng() % 2) v[i] ^= 0x8000;
  }
  return v;
}

std::vector<int8_t> random_bytes(std::mt19937& rng, size_t n, bool extreme) {
  std::vector<int8_t> v(n + 4);
  for (size_t i = 0; i < n; ++i) {
    if (extreme) {
      v[i] = static_cast<int8_t>(rng() % 2 ? 127 : -127);
    } else {
      v[i] = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
    }
  }
  return v;
}

void put_inverse_norm(void* stored, size_t offset, float inv) {
  std::memcpy(static_cast<char*>(stored) + offset, &inv, sizeof inv);
}

class QuantizedKernelLevels : public ::testing::TestWithParam<IsaLevel> {};

// i8 sums are exact integers on every level: the result must equal the scalar one bit for bit.
TEST_P(QuantizedKernelLevels, I8MatchesTheScalarReferenceExactly) {
  const KernelTable* table = kernels_for(GetParam());
  ASSERT_NE(table, nullptr);
  std::mt19937 rng(11);
  for (size_t n : kDims) {
    for (int round = 0; round < 12; ++round) {
      const bool extreme = round % 3 == 0;
      auto a = random_bytes(rng, n, extreme), b = random_bytes(rng, n, extreme);
      if (round == 1) b = a;
      if (round == 2) {  // opposite extremes: the largest possible difference in every lane
        for (size_t i = 0; i < n; ++i) a[i] = 127, b[i] = -127;
      }
      put_inverse_norm(a.data(), n, 0.01f);
      put_inverse_norm(b.data(), n, 0.02f);
      DistanceParams params{n};
      params.scale_sq = 0.25f;
      for (auto [fn, ref, what] :
           {std::tuple{table->l2sq_i8, kScalarKernels.l2sq_i8, "l2"},
            std::tuple{table->ip_i8, kScalarKernels.ip_i8, "ip"},
            std::tuple{table->cosine_i8, kScalarKernels.cosine_i8, "cosine"}}) {
        EXPECT_EQ(fn(a.data(), b.data(), &params), ref(a.data(), b.data(), &params))
            << table->name << " i8 " << what << " n=" << n << " round " << round;
      }
      // Independent check of the integer sums.
      int64_t dot = 0, l2 = 0;
      for (size_t i = 0; i < n; ++i) dot += a[i] * b[i], l2 += (a[i] - b[i]) * (a[i] - b[i]);
      EXPECT_EQ(table->l2sq_i8(a.data(), b.data(), &params), 0.25f * static_cast<float>(l2));
      EXPECT_EQ(table->ip_i8(a.data(), b.data(), &params), 1.0f - 0.25f * static_cast<float>(dot));
    }
  }
}

// f16: summed in float like f32, so levels differ from the scalar loop only by rounding:
// within the float-sum bound of the exact (double) value of the same halves.
TEST_P(QuantizedKernelLevels, F16MatchesTheDoublePrecisionReference) {
  const KernelTable* table = kernels_for(GetParam());
  ASSERT_NE(table, nullptr);
  std::mt19937 rng(5);
  for (size_t n : kDims) {
    for (int round = 0; round < 12; ++round) {
      const bool extreme = round % 3 == 0;
      auto a = random_halves(rng, n, extreme), b = random_halves(rng, n, extreme);
      if (round == 1) b = a;
      double dot = 0, dot_mag = 0, l2 = 0, na = 0, nb = 0;
      for (size_t i = 0; i < n; ++i) {
        const double x = half_value(a[i]), y = half_value(b[i]);
        dot += x * y, dot_mag += std::fabs(x * y), l2 += (x - y) * (x - y), na += x * x, nb += y * y;
      }
      const double tol_l2 = (n + 2) * FLT_EPSILON * l2 + 1e-30;
      const double tol_dot = (n + 2) * FLT_EPSILON * dot_mag + FLT_EPSILON;
      const DistanceParams params{n};
      const float got_l2 = table->l2sq_f16(a.data(), b.data(), &params);
      if (std::isfinite(l2) && l2 < FLT_MAX / 2) {
        EXPECT_NEAR(got_l2, l2, tol_l2) << table->name << " f16 l2 n=" << n << " round " << round;
      }
      if (round == 1) EXPECT_EQ(got_l2, 0.0f);
      EXPECT_NEAR(table->ip_f16(a.data(), b.data(), &params), 1.0 - dot, tol_dot)
          << table->name << " f16 ip n=" << n;
      if (na > 0 && nb > 0) {
        const float ia = static_cast<float>(1 / std::sqrt(na)), ib = static_cast<float>(1 / std::sqrt(nb));
        put_inverse_norm(a.data(), 2 * n, ia);
        put_inverse_norm(b.data(), 2 * n, ib);
        const double cos_ref = 1.0 - dot * double(ia) * double(ib);
        EXPECT_NEAR(table->cosine_f16(a.data(), b.data(), &params), cos_ref,
                    tol_dot * double(ia) * double(ib) + 4 * FLT_EPSILON)
            << table->name << " f16 cosine n=" << n;
      }
      // Symmetric, as hnswlib needs.
      EXPECT_EQ(got_l2, table->l2sq_f16(b.data(), a.data(), &params));
      EXPECT_EQ(table->ip_f16(a.data(), b.data(), &params), table->ip_f16(b.data(), a.data(), &params));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Available, QuantizedKernelLevels, ::testing::ValuesIn(available_levels()),
                         [](const auto& info) {
                           std::string name = level_name(info.param);
                           for (char& c : name) c = c == '-' ? '_' : c;
                           return name;
                         });

TEST(QuantizedKernelDispatch, ThisMachineOffersEveryX86Level) {
#if defined(__x86_64__) && defined(QUIVER_HAVE_XSIMD)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")) {
    EXPECT_NE(kernels_for(IsaLevel::Avx512), nullptr);
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {  // + F16C: every AVX2 CPU
    EXPECT_NE(kernels_for(IsaLevel::Avx2), nullptr);
  }
  EXPECT_NE(kernels_for(IsaLevel::Sse4), nullptr);
#endif
  // QUIVER_SIMD forcing: the active level is the named one when it is available.
  if (const char* forced = std::getenv("QUIVER_SIMD")) {
    for (IsaLevel level : available_levels()) {
      if (std::string(forced) == level_name(level)) EXPECT_EQ(active_level(), level);
    }
  }
}

TEST(QuantizedCodec, F16StoresHalvesAndTheirInverseNorm) {
  const VectorCodec codec(ScalarKind::F16, Metric::Cosine, 3);
  EXPECT_EQ(codec.stored_bytes(), 3 * 2 + 4u);
  EXPECT_FALSE(codec.exact());
  const float raw[3] = {3.0f, 0.0f, -4.0f};
  std::vector<char> stored(codec.stored_bytes());
  codec.encode(raw, stored.data());
  float back[3];
  codec.decode(stored.data(), back);
  EXPECT_EQ(std::memcmp(back, raw, sizeof raw), 0);  // exactly representable in half
  const float twice[3] = {6.0f, 0.0f, -8.0f};
  EXPECT_NEAR(codec.distance(codec.prepare(twice).data(), stored.data()), 0.0f, 1e-6f);
  EXPECT_NE(codec.stored_form_id(), VectorCodec(ScalarKind::F32, Metric::Cosine, 3).stored_form_id());
}

TEST(QuantizedCodec, I8LearnsOneScaleForL2AndKeepsItInParamBits) {
  VectorCodec codec(ScalarKind::I8, Metric::L2, 4);
  EXPECT_TRUE(codec.needs_calibration());
  EXPECT_FALSE(codec.calibrated());
  const float a[4] = {1.0f, -2.0f, 0.5f, 0.0f}, b[4] = {0.0f, 2.54f, -1.0f, 0.25f};
  const float* batch[2] = {a, b};
  codec.calibrate(batch, 2);
  ASSERT_TRUE(codec.calibrated());
  EXPECT_FLOAT_EQ(codec.scale(), 2.54f / 127);
  std::vector<int8_t> qa(4), qb(4);
  codec.encode(a, qa.data());
  codec.encode(b, qb.data());
  EXPECT_EQ(qb[1], 127);
  EXPECT_EQ(qa[0], 50);
  const float far[4] = {100.0f, -100.0f, 0, 0};  // beyond the learned range: clipped
  std::vector<int8_t> qf(4);
  codec.encode(far, qf.data());
  EXPECT_EQ(qf[0], 127);
  EXPECT_EQ(qf[1], -127);
  // Squared L2 of the decoded vectors equals the kernel's distance.
  float da[4], db[4];
  codec.decode(qa.data(), da);
  codec.decode(qb.data(), db);
  double l2 = 0;
  for (int i = 0; i < 4; ++i) l2 += double(da[i] - db[i]) * (da[i] - db[i]);
  EXPECT_NEAR(codec.distance(qa.data(), qb.data()), l2, 1e-5);
  // The scale survives a header round trip.
  const VectorCodec reread = VectorCodec(ScalarKind::I8, Metric::L2, 4).with_param_bits(codec.param_bits());
  EXPECT_EQ(reread.scale(), codec.scale());
  EXPECT_FALSE(VectorCodec(ScalarKind::I8, Metric::L2, 4).with_param_bits(0).calibrated());
}

TEST(QuantizedCodec, I8CosineUsesTheFullByteRangePerVector) {
  const VectorCodec codec(ScalarKind::I8, Metric::Cosine, 3);
  EXPECT_FALSE(codec.needs_calibration());
  const float small[3] = {0.003f, -0.004f, 0.0f}, large[3] = {3000.0f, -4000.0f, 0.0f};
  std::vector<char> qs(codec.stored_bytes()), ql(codec.stored_bytes());
  codec.encode(small, qs.data());
  codec.encode(large, ql.data());
  EXPECT_EQ(static_cast<int8_t>(qs[1]), -127);
  EXPECT_EQ(qs, ql);  // cosine ignores the magnitude
  EXPECT_NEAR(codec.distance(qs.data(), ql.data()), 0.0f, 1e-6f);
  float unit[3];
  codec.decode(qs.data(), unit);
  EXPECT_NEAR(unit[0], 0.6f, 0.01f);
  EXPECT_NEAR(unit[1], -0.8f, 0.01f);
}

}  // namespace
}  // namespace quiver::vectors
