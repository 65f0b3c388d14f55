#include "util/row_checksum.h"

#include <cstring>

namespace quiver::util {
namespace {

constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;  // odd: multiplication is invertible mod 2^64

inline uint64_t step(uint64_t h, uint64_t word) noexcept {
  h ^= word;
  h *= kMul;
  return h ^ (h >> 29);
}

// Length first (so that field boundaries cannot shift), then the bytes as little-endian words,
// the last one zero-padded.
uint64_t add_field(uint64_t h, const void* data, size_t size) noexcept {
  h = step(h, static_cast<uint64_t>(size));
  const auto* p = static_cast<const unsigned char*>(data);
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);  // little-endian on every target we build (x86-64, wasm32)
    h = step(h, w);
  }
  if (i < size) {
    uint64_t w = 0;
    std::memcpy(&w, p + i, size - i);
    h = step(h, w);
  }
  return h;
}

}  // namespace

uint64_t row_checksum(int64_t label, std::string_view id, const void* vector, size_t vector_bytes,
                      std::string_view metadata) noexcept {
  uint64_t h = step(0x51554956524f5731ull, static_cast<uint64_t>(label));  // "QUIVROW1"
  h = add_field(h, id.data(), id.size());
  h = add_field(h, vector, vector_bytes);
  h = add_field(h, metadata.data(), metadata.size());
  // Final avalanche (invertible), so that nearby inputs give unrelated checksums.
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  return h;
}

}  // namespace quiver::util
