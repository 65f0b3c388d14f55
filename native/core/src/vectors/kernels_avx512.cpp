// The avx512 kernel table: kernels_xsimd_body.h instantiated for xsimd::avx512f. CMake compiles this
// file alone with the flags its ISA needs (-mavx512f -mavx512dq: xsimd 8.1's
// avx512f horizontal sum uses an AVX512DQ instruction); dispatch.cpp hands the table out only
// after checking that the CPU runs it. A null table where not built for x86-64 with xsimd.
#include "vectors/kernels.h"

#if defined(QUIVER_HAVE_XSIMD) && defined(__x86_64__) && defined(__AVX512F__)
#include "vectors/kernels_xsimd_body.h"

namespace quiver::vectors {
namespace {
constexpr KernelTable kTable = simd_table<xsimd::avx512f>("avx512");
}  // namespace
const KernelTable* avx512_kernels() { return &kTable; }
}  // namespace quiver::vectors

#else

namespace quiver::vectors {
const KernelTable* avx512_kernels() { return nullptr; }
}  // namespace quiver::vectors

#endif
