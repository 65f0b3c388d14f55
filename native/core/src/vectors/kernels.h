// Distance kernels over stored vectors and the table that picks, once per process, the fastest
// set this CPU can run. Every kernel has hnswlib's distance signature
// `float(const void* a, const void* b, const void* params)` so that the graph calls it directly
// (one indirect call per distance, as with hnswlib's own spaces), and is symmetric in a and b
// (hnswlib measures stored element against stored element while building).
//
// Determinism: a given ISA level always returns the same float for the same inputs (fixed
// accumulation order, no fast-math); different levels may differ in the last bits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace quiver::vectors {

using DistanceFn = float (*)(const void* a, const void* b, const void* params);

// What a kernel needs besides the two vectors (hnswlib hands it back as dist_func_param).
struct DistanceParams {
  size_t dims;  // components, not counting the stored inverse norm of cosine
  // i8 under l2/ip: the square of the index's scale (a stored component q means q * scale), so
  // l2 = scale_sq * sum (qa - qb)^2 and ip = 1 - scale_sq * sum qa qb. Unused otherwise.
  float scale_sq = 1.0f;
};

// Exact sums for read results (index/reads.cpp): for each of `count` rows of `dims` floats,
// norm_sq[r] = sum x*x and, when `query` is not null, similarity[r] = sum q*x or, with `l2`,
// -sum (q-x)^2; in double, each row summed in component order with a multiply then an add per
// component: the value of a JS loop over the components, bit for bit, on every level. (SIMD
// levels run rows side by side, one row per lane, never components side by side.)
using ExactSumsFn = void (*)(const float* const* rows, size_t count, const float* query, size_t dims, bool l2,
                             double* norm_sq, double* similarity);

// One set of kernels per stored scalar kind. Cosine vectors carry their inverse norm (a float,
// possibly unaligned: read with memcpy) after the dims components, so the cosine kernels read
// one more float from each side.
//   f32: components as given.
//   f16: IEEE half components (vectors/half.h), converted to float and summed in float.
//   i8:  signed bytes in [-127, 127]; sums in exact integer arithmetic (int64 at the end), so
//        every level returns the same bits; the float result is formed from the exact sum.
struct KernelTable {
  const char* name;
  DistanceFn l2sq_f32;    // sum (a_i - b_i)^2
  DistanceFn ip_f32;      // 1 - sum a_i b_i
  DistanceFn cosine_f32;  // 1 - (sum a_i b_i) * (inv_a * inv_b)
  DistanceFn l2sq_f16;
  DistanceFn ip_f16;
  DistanceFn cosine_f16;
  DistanceFn l2sq_i8;     // scale_sq * sum (qa_i - qb_i)^2
  DistanceFn ip_i8;       // 1 - scale_sq * sum qa_i qb_i
  DistanceFn cosine_i8;   // 1 - (sum qa_i qb_i) * (inv_a * inv_b), inverse norms of the q's
  ExactSumsFn exact_sums_f32;
};

// Best first. `Scalar` is plain C++ and always present; the others exist only where built for
// (x86-64 and AArch64 with xsimd; WebAssembly SIMD) and are offered only when the CPU runs them.
// x86 levels: Sse4 = SSE4.1 (half conversion done with integer steps); Avx2 = AVX2 + FMA + F16C;
// Avx512 = AVX-512 F/DQ/BW (vcvtph2ps for halves, vpmaddwd for bytes). Neon = AArch64 Advanced
// SIMD (always present there).
enum class IsaLevel { Scalar, Sse4, Avx2, Avx512, WasmSimd128, Neon };

const char* level_name(IsaLevel level);
// Levels compiled in and supported by this CPU, best last.
std::vector<IsaLevel> available_levels();
// The table of a level, or null when it is not available here.
const KernelTable* kernels_for(IsaLevel level);
// The level every new codec uses: the best available one, unless the environment variable
// QUIVER_SIMD names another available level (scalar | sse4 | avx2 | avx512 | wasm-simd128 | neon),
// for benchmarks and for reproducing a result from another machine. Chosen once.
IsaLevel active_level();
const KernelTable& active_kernels();

// Tables defined by the kernels_*.cpp files (null when that file was built without its ISA).
extern const KernelTable kScalarKernels;
const KernelTable* sse4_kernels();
const KernelTable* avx2_kernels();
const KernelTable* avx512_kernels();
const KernelTable* wasm_simd128_kernels();
const KernelTable* neon_kernels();

}  // namespace quiver::vectors
