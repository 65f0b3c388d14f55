// IEEE 754 binary16 ("half") <-> float, portable and exact: decoding is exact for every half
// (normals, subnormals, infinities, NaN); encoding rounds to nearest, ties to even. Used by the
// f16 codec and by the scalar kernels and SIMD tails (the SIMD levels convert with F16C /
// AVX-512 vcvtph2ps, or the same bit steps in vector registers, and must agree bit for bit).
// Internal linkage (anonymous namespace): kernel files built with AVX flags include this too,
// and the linker must never pick their copy for code that runs on any x86-64.
#pragma once

#include <cstdint>
#include <cstring>

namespace quiver::vectors {
namespace {

inline float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = h & 0x7c00u;
  const uint32_t magnitude = static_cast<uint32_t>(h & 0x7fffu) << 13;
  uint32_t bits;
  if (exponent == 0x7c00u) {
    bits = magnitude | 0x70000000u;  // exponent 31 -> 255: infinity or NaN (payload kept)
  } else if (exponent != 0) {
    bits = magnitude + 0x38000000u;  // normal: rebias the exponent (15 -> 127)
  } else {
    // Zero or subnormal: mantissa * 2^-24, exact, and never a float subnormal on the way (an
    // operation on a subnormal float costs ~100 cycles on x86).
    const float f = static_cast<float>(h & 0x3ffu) * 5.9604644775390625e-8f;  // 2^-24
    std::memcpy(&bits, &f, sizeof bits);
  }
  bits |= sign;
  float out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

// Finite floats beyond the half range (|x| > 65504) saturate to +-65504 instead of becoming
// infinity: a stored vector must never turn a finite distance into inf or NaN. NaN stays NaN
// (the core never stores one: vectors are checked finite before they reach the codec).
inline uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, sizeof x);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t abs = x & 0x7fffffffu;
  if (abs > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u);  // NaN
  if (abs >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7bffu);  // rounds past 65504
  if (abs < 0x38800000u) {
    // Result is a half subnormal (or zero): value / 2^-24, rounded to nearest even.
    if (abs < 0x33000000u) return sign;  // below half of the smallest subnormal: +-0
    const uint32_t mantissa = (abs & 0x7fffffu) | 0x800000u;
    const int shift = 126 - static_cast<int>(abs >> 23);  // 14..24 + ... (>= 14)
    const uint32_t value = mantissa >> shift;
    const uint32_t rest = mantissa & ((1u << shift) - 1);
    const uint32_t halfway = 1u << (shift - 1);
    const uint32_t rounded = value + ((rest > halfway || (rest == halfway && (value & 1))) ? 1 : 0);
    return static_cast<uint16_t>(sign | rounded);
  }
  // Normal: rebias the exponent, round the 13 dropped mantissa bits to nearest even (a carry
  // into the exponent is the correct result).
  const uint32_t rebased = abs - 0x38000000u;  // exponent - 112
  const uint32_t value = rebased >> 13;
  const uint32_t rest = rebased & 0x1fffu;
  const uint32_t rounded = value + ((rest > 0x1000u || (rest == 0x1000u && (value & 1))) ? 1 : 0);
  return static_cast<uint16_t>(sign | rounded);
}

}  // namespace
}  // namespace quiver::vectors
