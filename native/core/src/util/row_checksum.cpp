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

inline uint64_t load_word(const unsigned char* p) noexcept {
  uint64_t w;
  std::memcpy(&w, p, 8);  // little-endian on every target we build (x86-64, wasm32)
  return w;
}

// Length first (so that field boundaries cannot shift), then the bytes as words. Four lanes of
// independent steps (words 0,4,8.. / 1,5,9.. / ...) let the CPU overlap the multiplications;
// each lane is a chain of bijections, and the lanes are folded into `h` by more steps, so a
// change confined to one word still always changes the result. The tail is zero-padded.
uint64_t add_field(uint64_t h, const void* data, size_t size) noexcept {
  h = step(h, static_cast<uint64_t>(size));
  const auto* p = static_cast<const unsigned char*>(data);
  size_t i = 0;
  if (size >= 32) {
    uint64_t lane[4] = {h ^ 0x243F6A8885A308D3ull, h ^ 0x13198A2E03707344ull,
                        h ^ 0xA4093822299F31D0ull, h ^ 0x082EFA98EC4E6C89ull};
    for (; i + 32 <= size; i += 32) {
      lane[0] = step(lane[0], load_word(p + i));
      lane[1] = step(lane[1], load_word(p + i + 8));
      lane[2] = step(lane[2], load_word(p + i + 16));
      lane[3] = step(lane[3], load_word(p + i + 24));
    }
    for (uint64_t l : lane) h = step(h, l);
  }
  for (; i + 8 <= size; i += 8) h = step(h, load_word(p + i));
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
