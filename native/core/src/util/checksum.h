// CRC-32 (IEEE 802.3 polynomial): detects every single-bit flip and short burst in a file, which
// is what we need to decide whether an HNSW cache file can be trusted.
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

}  // namespace quiver::util
