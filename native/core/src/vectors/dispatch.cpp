// Chooses the kernel table once per process: the best level this CPU runs, or the one named by
// QUIVER_SIMD. The prebuilt addon must run on any x86-64, so the AVX levels are compiled in
// separate files and only called after the CPU says it has them (never -march=native).
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#endif

#include "vectors/kernels.h"

namespace quiver::vectors {
namespace {

const KernelTable* compiled_table(IsaLevel level) {
  switch (level) {
    case IsaLevel::Scalar: return &kScalarKernels;
    case IsaLevel::Sse4: return sse4_kernels();
    case IsaLevel::Avx2: return avx2_kernels();
    case IsaLevel::Avx512: return avx512_kernels();
    case IsaLevel::WasmSimd128: return wasm_simd128_kernels();
    case IsaLevel::Neon: return neon_kernels();
  }
  return nullptr;
}

#if defined(__x86_64__) && defined(__GNUC__)
// CPUID leaf 1, ECX bit 29. Asked directly: clang 14's __builtin_cpu_supports has no "f16c".
// (AVX2 being usable already implies the OS saves the YMM state F16C needs.)
bool cpu_has_f16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
}
#endif

bool cpu_runs(IsaLevel level) {
#if defined(__x86_64__) && defined(__GNUC__)
  // libgcc's / compiler-rt's CPU model checks both CPUID and that the OS saves the YMM / ZMM
  // registers (XGETBV) before reporting avx2 or avx512f.
  __builtin_cpu_init();
  switch (level) {
    case IsaLevel::Sse4: return __builtin_cpu_supports("sse4.1");
    // F16C converts halves; every AVX2 CPU so far has it, but it is a separate CPUID bit.
    case IsaLevel::Avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_has_f16c();
    // xsimd 8.1's avx512f horizontal sum uses an AVX512DQ instruction (vextractf32x8); the byte
    // kernels widen with AVX512BW.
    case IsaLevel::Avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx512bw");
    default: return true;  // scalar
  }
#else
  // WebAssembly: a simd128 module does not instantiate at all where simd128 is missing.
  // AArch64: Advanced SIMD is part of the architecture.
  return true;
#endif
}

IsaLevel choose_level() {
  const std::vector<IsaLevel> levels = available_levels();
  if (const char* wanted = std::getenv("QUIVER_SIMD")) {
    for (IsaLevel level : levels) {
      if (std::strcmp(wanted, level_name(level)) == 0) return level;
    }
  }
  return levels.back();
}

}  // namespace

const char* level_name(IsaLevel level) {
  switch (level) {
    case IsaLevel::Scalar: return "scalar";
    case IsaLevel::Sse4: return "sse4";
    case IsaLevel::Avx2: return "avx2";
    case IsaLevel::Avx512: return "avx512";
    case IsaLevel::WasmSimd128: return "wasm-simd128";
    case IsaLevel::Neon: return "neon";
  }
  return "unknown";
}

std::vector<IsaLevel> available_levels() {
  std::vector<IsaLevel> out;
  for (IsaLevel level : {IsaLevel::Scalar, IsaLevel::Sse4, IsaLevel::Avx2, IsaLevel::Avx512,
                         IsaLevel::WasmSimd128, IsaLevel::Neon}) {
    if (compiled_table(level) && cpu_runs(level)) out.push_back(level);
  }
  return out;
}

const KernelTable* kernels_for(IsaLevel level) {
  return compiled_table(level) && cpu_runs(level) ? compiled_table(level) : nullptr;
}

IsaLevel active_level() {
  static const IsaLevel level = choose_level();
  return level;
}

const KernelTable& active_kernels() { return *kernels_for(active_level()); }

}  // namespace quiver::vectors
