// The distance kernels of every ISA level this machine runs (vectors/dispatch.cpp), each forced
// in turn, against a double-precision reference; and the CRC-32C of graph files, hardware
// against table.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "util/checksum.h"
#include "vectors/codec.h"
#include "vectors/kernels.h"

namespace quiver::vectors {
namespace {

constexpr size_t kDims[] = {1, 3, 7, 16, 17, 100, 128, 383, 384, 1536};

struct Reference {
  double value;
  double magnitude;  // sum of |terms|: what the rounding error of a float sum scales with
};

Reference l2_reference(const std::vector<float>& a, const std::vector<float>& b, size_t n) {
  Reference r{0, 0};
  for (size_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    r.value += d * d;
  }
  r.magnitude = r.value;
  return r;
}

Reference dot_reference(const std::vector<float>& a, const std::vector<float>& b, size_t n) {
  Reference r{0, 0};
  for (size_t i = 0; i < n; ++i) {
    r.value += static_cast<double>(a[i]) * b[i];
    r.magnitude += std::fabs(static_cast<double>(a[i]) * b[i]);
  }
  return r;
}

// A float sum of n terms, in any order and with or without FMA, is within
// n * u * sum|terms| of the exact sum (u = FLT_EPSILON / 2; each product adds at most u more).
// (n + 2) * FLT_EPSILON * sum|terms| is that bound with a factor of two to spare; a wrong lane,
// a dropped tail element or a missed accumulator is off by a whole term, far beyond it.
double tolerance(size_t n, double magnitude) {
  return (static_cast<double>(n) + 2) * FLT_EPSILON * magnitude + 1e-30;
}

std::vector<float> random_vector(std::mt19937& rng, size_t n) {
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> v(n + 1);  // room for the cosine inverse norm
  for (size_t i = 0; i < n; ++i) v[i] = g(rng);
  return v;
}

class KernelLevels : public ::testing::TestWithParam<IsaLevel> {};

TEST_P(KernelLevels, MatchTheDoublePrecisionReference) {
  const KernelTable* table = kernels_for(GetParam());
  ASSERT_NE(table, nullptr);
  std::mt19937 rng(42);
  for (size_t n : kDims) {
    for (int round = 0; round < 20; ++round) {
      std::vector<float> a = random_vector(rng, n), b = random_vector(rng, n);
      if (round == 0) b = a;  // identical vectors: L2 exactly 0
      const DistanceParams params{n};

      const Reference l2 = l2_reference(a, b, n);
      const float got_l2 = table->l2sq_f32(a.data(), b.data(), &params);
      EXPECT_NEAR(got_l2, l2.value, tolerance(n, l2.magnitude)) << table->name << " l2 n=" << n;
      if (round == 0) EXPECT_EQ(got_l2, 0.0f) << table->name << " n=" << n;

      const Reference dot = dot_reference(a, b, n);
      EXPECT_NEAR(table->ip_f32(a.data(), b.data(), &params), 1.0 - dot.value,
                  tolerance(n, dot.magnitude) + FLT_EPSILON)
          << table->name << " ip n=" << n;

      // Cosine: each side carries its inverse norm after the components.
      double na = 0, nb = 0;
      for (size_t i = 0; i < n; ++i) na += double(a[i]) * a[i], nb += double(b[i]) * b[i];
      a[n] = static_cast<float>(1 / std::sqrt(na));
      b[n] = static_cast<float>(1 / std::sqrt(nb));
      const double cos_ref = 1.0 - dot.value / std::sqrt(na * nb);
      // The dot's bound, scaled by the inverse norms, plus a few roundings of the products.
      const double cos_tol = tolerance(n, dot.magnitude) / std::sqrt(na * nb) + 4 * FLT_EPSILON;
      EXPECT_NEAR(table->cosine_f32(a.data(), b.data(), &params), cos_ref, cos_tol)
          << table->name << " cosine n=" << n;

      // hnswlib compares stored vectors in both orders while building: same bits either way.
      EXPECT_EQ(table->l2sq_f32(a.data(), b.data(), &params), table->l2sq_f32(b.data(), a.data(), &params));
      EXPECT_EQ(table->cosine_f32(a.data(), b.data(), &params),
                table->cosine_f32(b.data(), a.data(), &params));
    }
  }
}

// Read results' exact scores (ExactSumsFn): every level, whatever number of rows it runs side
// by side, gives the bits of the plain loop JS runs over a returned vector.
TEST_P(KernelLevels, ExactSumsAreTheJsLoopBitForBit) {
  const KernelTable* table = kernels_for(GetParam());
  ASSERT_NE(table, nullptr);
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> pick(0, 9);
  for (size_t n : kDims) {
    for (size_t count : {1, 2, 3, 4, 5, 7, 8, 9, 16, 19}) {
      std::vector<std::vector<float>> data;
      for (size_t r = 0; r < count; ++r) {
        auto v = random_vector(rng, n);
        // Extremes now and then: huge (squares overflow float, not double; only in odd rows, as
        // they swamp every other term of their sum), tiny, subnormal. Components 1000x smaller
        // than the query's make q - x need more than 26 bits, so (q - x)^2 rounds in double and
        // an FMA (one rounding instead of two) would change the L2 sum: that is what it checks.
        for (auto& x : v) {
          const int k = pick(rng);
          if (k == 0 && r % 2 == 1) x *= 1e30f;
          if (k == 1) x *= 1e-30f;
          if (k == 2) x = 1e-41f;
          if (k == 3 || k == 4) x *= 1e-3f;
        }
        data.push_back(std::move(v));
      }
      const auto query = random_vector(rng, n);
      std::vector<const float*> rows;
      for (const auto& v : data) rows.push_back(v.data());
      for (int mode = 0; mode < 3; ++mode) {  // no query, dot, l2
        const float* q = mode == 0 ? nullptr : query.data();
        const bool l2 = mode == 2;
        std::vector<double> norm_sq(count, -1), similarity(count, -1);
        table->exact_sums_f32(rows.data(), count, q, n, l2, norm_sq.data(), similarity.data());
        for (size_t r = 0; r < count; ++r) {
          double want_norm = 0, want_sim = 0;
          for (size_t i = 0; i < n; ++i) {
            const double x = rows[r][i];
            want_norm += x * x;
            if (q && l2) want_sim -= (q[i] - x) * (q[i] - x);
            if (q && !l2) want_sim += q[i] * x;
          }
          EXPECT_EQ(std::memcmp(&norm_sq[r], &want_norm, sizeof(double)), 0)
              << table->name << " norm n=" << n << " rows=" << count << " row " << r;
          if (q) {
            EXPECT_EQ(std::memcmp(&similarity[r], &want_sim, sizeof(double)), 0)
                << table->name << (l2 ? " l2" : " dot") << " n=" << n << " rows=" << count << " row " << r;
          }
        }
      }
    }
  }
}

TEST_P(KernelLevels, AreDeterministic) {
  const KernelTable* table = kernels_for(GetParam());
  ASSERT_NE(table, nullptr);
  std::mt19937 rng(7);
  for (size_t n : kDims) {
    const auto a = random_vector(rng, n), b = random_vector(rng, n);
    const DistanceParams params{n};
    const float first = table->ip_f32(a.data(), b.data(), &params);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(table->ip_f32(a.data(), b.data(), &params), first);
  }
}

INSTANTIATE_TEST_SUITE_P(Available, KernelLevels, ::testing::ValuesIn(available_levels()),
                         [](const auto& info) {
                           std::string name = level_name(info.param);
                           for (char& c : name) c = c == '-' ? '_' : c;
                           return name;
                         });

TEST(KernelDispatch, OffersScalarAndPicksTheBestOrTheNamedLevel) {
  const auto levels = available_levels();
  ASSERT_FALSE(levels.empty());
  EXPECT_EQ(levels.front(), IsaLevel::Scalar);
  const char* forced = std::getenv("QUIVER_SIMD");
  if (!forced) EXPECT_EQ(active_level(), levels.back());
  EXPECT_EQ(&active_kernels(), kernels_for(active_level()));
#if defined(__x86_64__) && defined(QUIVER_HAVE_XSIMD)
  // Every x86-64 CPU of the last 15 years has SSE4.1 (this project's CI machines do).
  EXPECT_NE(kernels_for(IsaLevel::Sse4), nullptr);
#endif
#if defined(__aarch64__) && defined(QUIVER_HAVE_XSIMD)
  // Advanced SIMD is part of AArch64 (scripts/test-arm64-core.mjs runs this under qemu).
  EXPECT_EQ(levels.back(), IsaLevel::Neon);
#endif
}

TEST(VectorCodec, CosineStoresTheVectorAsGivenPlusItsInverseNorm) {
  const VectorCodec codec(ScalarKind::F32, Metric::Cosine, 3);
  EXPECT_EQ(codec.stored_bytes(), 4 * sizeof(float));
  const float raw[3] = {3.0f, 0.0f, -4.0f};
  float stored[4];
  codec.encode(raw, stored);
  EXPECT_EQ(std::memcmp(stored, raw, sizeof raw), 0);
  EXPECT_EQ(stored[3], 0.2f);
  float back[3];
  codec.decode(stored, back);
  EXPECT_EQ(std::memcmp(back, raw, sizeof raw), 0);
  // A vector and a positive multiple of it are at cosine distance 0.
  const float twice[3] = {6.0f, 0.0f, -8.0f};
  const PreparedQuery q = codec.prepare(twice);
  EXPECT_NEAR(codec.distance(q.data(), stored), 0.0f, 1e-6f);
  EXPECT_NE(codec.stored_form_id(), VectorCodec(ScalarKind::F32, Metric::L2, 3).stored_form_id());
}

TEST(Crc32c, HardwareAndTableAgreeOnKnownAndRandomData) {
  const char* check = "123456789";
  EXPECT_EQ(util::Crc32c::software(check, 9), 0xE3069283u);  // the CRC-32C check value
  util::Crc32c whole;
  whole.update(check, 9);
  EXPECT_EQ(whole.value(), 0xE3069283u);
  std::mt19937 rng(1);
  std::vector<unsigned char> data(100003);
  for (auto& c : data) c = static_cast<unsigned char>(rng());
  // Sizes around the hardware path's three-lane blocks (3 x 8192 bytes) too.
  for (size_t size : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{4096}, size_t{24575},
                      size_t{24576}, size_t{24577}, size_t{73729}, data.size()}) {
    util::Crc32c pieces;
    const size_t half = size / 3;
    pieces.update(data.data(), half);  // split at an odd place: state carries over
    pieces.update(data.data() + half, size - half);
    EXPECT_EQ(pieces.value(), util::Crc32c::software(data.data(), size)) << size;
  }
}

}  // namespace
}  // namespace quiver::vectors
