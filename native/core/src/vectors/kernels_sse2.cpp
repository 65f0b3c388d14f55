// The sse2 kernel table: kernels_xsimd_body.h instantiated for xsimd::sse2. CMake compiles this
// file alone with the flags its ISA needs (none: SSE2 is part of x86-64); dispatch.cpp hands the table out only
// after checking that the CPU runs it. A null table where not built for x86-64 with xsimd.
#include "vectors/kernels.h"

#if defined(QUIVER_HAVE_XSIMD) && defined(__x86_64__) && defined(__SSE2__)
#include "vectors/kernels_xsimd_body.h"

namespace quiver::vectors {
namespace {
constexpr KernelTable kTable = simd_table<xsimd::sse2>("sse2");
}  // namespace
const KernelTable* sse2_kernels() { return &kTable; }
}  // namespace quiver::vectors

#else

namespace quiver::vectors {
const KernelTable* sse2_kernels() { return nullptr; }
}  // namespace quiver::vectors

#endif
