// Portable kernels: one accumulator, in index order. The reference the SIMD levels are tested
// against, and what runs where no SIMD level is built or supported.
#include "vectors/kernel_parts.h"
#include "vectors/kernels.h"

namespace quiver::vectors {
namespace parts {

float l2_i8_from(int64_t sum, const void* params) { return scale_sq_of(params) * static_cast<float>(sum); }
float ip_i8_from(int64_t dot, const void* params) {
  const float scaled = scale_sq_of(params) * static_cast<float>(dot);
  return 1.0f - scaled;
}
float cosine_i8_from(int64_t dot, const void* a, const void* b, size_t n) {
  const float inv = inverse_norm_at(a, n) * inverse_norm_at(b, n);
  const float similarity = static_cast<float>(dot) * inv;
  return 1.0f - similarity;
}

namespace {

// `Lanes` rows at once: independent dependency chains the CPU overlaps, each in component order.
template <size_t Lanes, bool kQuery, bool kL2>
void exact_group(const float* const* r, const float* query, size_t dims, double* norm_sq, double* similarity) {
  double n[Lanes] = {};
  double s[Lanes] = {};
  for (size_t i = 0; i < dims; ++i) {
    const double q = kQuery ? static_cast<double>(query[i]) : 0.0;
    for (size_t l = 0; l < Lanes; ++l) {
      const double x = static_cast<double>(r[l][i]);
      n[l] += x * x;
      if (kQuery && kL2) {
        const double d = q - x;
        s[l] -= d * d;
      } else if (kQuery) {
        s[l] += q * x;
      }
    }
  }
  for (size_t l = 0; l < Lanes; ++l) {
    norm_sq[l] = n[l];
    if (kQuery) similarity[l] = s[l];
  }
}

template <bool kQuery, bool kL2>
void exact_rows(const float* const* rows, size_t count, const float* query, size_t dims, double* norm_sq,
                double* similarity) {
  size_t r = 0;
  for (; r + 4 <= count; r += 4) {
    exact_group<4, kQuery, kL2>(rows + r, query, dims, norm_sq + r, similarity + r);
  }
  for (; r < count; ++r) exact_group<1, kQuery, kL2>(rows + r, query, dims, norm_sq + r, similarity + r);
}

}  // namespace

void exact_sums_scalar(const float* const* rows, size_t count, const float* query, size_t dims, bool l2,
                       double* norm_sq, double* similarity) {
  if (!query) return exact_rows<false, false>(rows, count, query, dims, norm_sq, similarity);
  if (l2) return exact_rows<true, true>(rows, count, query, dims, norm_sq, similarity);
  exact_rows<true, false>(rows, count, query, dims, norm_sq, similarity);
}

}  // namespace parts

namespace {

using namespace parts;

float dot(const float* a, const float* b, size_t n) {
  float s = 0.0f;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

float l2sq(const void* a, const void* b, const void* params) {
  const auto* x = static_cast<const float*>(a);
  const auto* y = static_cast<const float*>(b);
  const size_t n = dims_of(params);
  float s = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    const float d = x[i] - y[i];
    s += d * d;
  }
  return s;
}

float ip(const void* a, const void* b, const void* params) {
  const size_t n = dims_of(params);
  return 1.0f - dot(static_cast<const float*>(a), static_cast<const float*>(b), n);
}

float cosine(const void* a, const void* b, const void* params) {
  const auto* x = static_cast<const float*>(a);
  const auto* y = static_cast<const float*>(b);
  const size_t n = dims_of(params);
  return 1.0f - dot(x, y, n) * (x[n] * y[n]);
}

const uint16_t* halves(const void* p) { return static_cast<const uint16_t*>(p); }
const int8_t* bytes(const void* p) { return static_cast<const int8_t*>(p); }

float l2sq_f16(const void* a, const void* b, const void* params) {
  return l2_f16_tail(halves(a), halves(b), 0, dims_of(params), 0.0f);
}
float ip_f16(const void* a, const void* b, const void* params) {
  return 1.0f - dot_f16_tail(halves(a), halves(b), 0, dims_of(params), 0.0f);
}
float cosine_f16(const void* a, const void* b, const void* params) {
  const size_t n = dims_of(params);
  const float d = dot_f16_tail(halves(a), halves(b), 0, n, 0.0f);
  return 1.0f - d * (inverse_norm_at(a, 2 * n) * inverse_norm_at(b, 2 * n));
}

float l2sq_i8(const void* a, const void* b, const void* params) {
  return l2_i8_from(l2_i8_tail(bytes(a), bytes(b), 0, dims_of(params), 0), params);
}
float ip_i8(const void* a, const void* b, const void* params) {
  return ip_i8_from(dot_i8_tail(bytes(a), bytes(b), 0, dims_of(params), 0), params);
}
float cosine_i8(const void* a, const void* b, const void* params) {
  const size_t n = dims_of(params);
  return cosine_i8_from(dot_i8_tail(bytes(a), bytes(b), 0, n, 0), a, b, n);
}

}  // namespace

const KernelTable kScalarKernels = {"scalar", &l2sq,     &ip,      &cosine,  &l2sq_f16,         &ip_f16,
                                    &cosine_f16, &l2sq_i8, &ip_i8, &cosine_i8, &parts::exact_sums_scalar};

}  // namespace quiver::vectors
