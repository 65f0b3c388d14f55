// Checksums of our own files.
// - Crc32 (IEEE 802.3 polynomial): small headers and rows; detects every single-bit flip and
//   short burst.
// - Crc32c (Castagnoli polynomial, the one SSE4.2's crc32 instruction computes): graph file
//   bodies, hundreds of MB that must be verified on every open. Same detection guarantees as
//   Crc32; on x86-64 with SSE4.2 (checked at run time) it runs in hardware at several GB/s,
//   elsewhere (WASM, old CPUs) with a slicing-by-8 table.
#pragma once

#include <cstddef>
#include <cstdint>

namespace quiver::util {

class Crc32 {
 public:
  void update(const void* data, size_t size) noexcept;
  uint32_t value() const noexcept { return ~state_; }

 private:
  uint32_t state_ = 0xFFFFFFFFu;
};

class Crc32c {
 public:
  void update(const void* data, size_t size) noexcept;
  uint32_t value() const noexcept { return ~state_; }
  // Whether update() uses the CPU's crc32 instruction (for reports and tests).
  static bool hardware() noexcept;
  // The table version, whatever the CPU (tests compare both).
  static uint32_t software(const void* data, size_t size) noexcept;

 private:
  uint32_t state_ = 0xFFFFFFFFu;
};

}  // namespace quiver::util
