#include "util/checksum.h"

#include <array>
#include <cstring>

namespace quiver::util {
namespace {

constexpr std::array<uint32_t, 256> make_table(uint32_t reflected_polynomial) {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? reflected_polynomial ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr auto kTable = make_table(0xEDB88320u);

// Slicing-by-8 tables for CRC-32C: table[k][b] is the CRC of byte b followed by k zero bytes.
struct SlicingTables {
  uint32_t t[8][256];
};
const SlicingTables& crc32c_tables() {
  static const SlicingTables tables = [] {
    SlicingTables s{};
    const auto base = make_table(0x82F63B78u);
    for (int b = 0; b < 256; ++b) s.t[0][b] = base[b];
    for (int k = 1; k < 8; ++k) {
      for (int b = 0; b < 256; ++b) s.t[k][b] = (s.t[k - 1][b] >> 8) ^ s.t[0][s.t[k - 1][b] & 0xFF];
    }
    return s;
  }();
  return tables;
}

uint32_t crc32c_table(uint32_t c, const unsigned char* p, size_t n) {
  const SlicingTables& s = crc32c_tables();
  while (n >= 8) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
    lo ^= c;  // little-endian: the wasm and x86-64 targets
    c = s.t[7][lo & 0xFF] ^ s.t[6][(lo >> 8) & 0xFF] ^ s.t[5][(lo >> 16) & 0xFF] ^ s.t[4][lo >> 24] ^
        s.t[3][hi & 0xFF] ^ s.t[2][(hi >> 8) & 0xFF] ^ s.t[1][(hi >> 16) & 0xFF] ^ s.t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n--) c = s.t[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
  return c;
}

#if defined(__x86_64__) && defined(__GNUC__)
// The crc32 instruction takes 3 cycles but can start one every cycle: three independent lanes of
// kLane bytes each run at up to three times one chain's speed (a million-vector graph file is
// ~660 MB, checked at every open). The lanes' registers are then joined: appending n zero bytes
// to a message maps its register linearly (table steps with a zero byte), so
// crc(r, A B) = shift_n(crc(r, A)) ^ crc(0, B) with n = |B|; shift_kLane is kept as 4 byte tables.
constexpr size_t kLane = 8192;

struct ShiftTables {
  uint32_t t[4][256];
};
const ShiftTables& lane_shift() {
  static const ShiftTables tables = [] {
    const uint32_t* step = crc32c_tables().t[0];
    uint32_t column[32];
    for (int bit = 0; bit < 32; ++bit) {
      uint32_t c = 1u << bit;
      for (size_t i = 0; i < kLane; ++i) c = step[c & 0xFF] ^ (c >> 8);
      column[bit] = c;
    }
    ShiftTables s{};
    for (int k = 0; k < 4; ++k) {
      for (int b = 0; b < 256; ++b) {
        uint32_t v = 0;
        for (int bit = 0; bit < 8; ++bit) {
          if (b & (1 << bit)) v ^= column[8 * k + bit];
        }
        s.t[k][b] = v;
      }
    }
    return s;
  }();
  return tables;
}
inline uint32_t shift_lane(const ShiftTables& s, uint32_t c) {
  return s.t[0][c & 0xFF] ^ s.t[1][(c >> 8) & 0xFF] ^ s.t[2][(c >> 16) & 0xFF] ^ s.t[3][c >> 24];
}

// Compiled for SSE4.2 through the target attribute (this file is otherwise baseline x86-64);
// called only when the CPU reports SSE4.2.
__attribute__((target("sse4.2"))) uint32_t crc32c_hardware(uint32_t c, const unsigned char* p,
                                                           size_t n) {
  if (n >= 3 * kLane) {
    const ShiftTables& shift = lane_shift();
    while (n >= 3 * kLane) {
      uint64_t a = c, b = 0, d = 0;
      for (size_t i = 0; i < kLane; i += 8) {
        uint64_t va, vb, vd;
        std::memcpy(&va, p + i, 8);
        std::memcpy(&vb, p + kLane + i, 8);
        std::memcpy(&vd, p + 2 * kLane + i, 8);
        a = __builtin_ia32_crc32di(a, va);
        b = __builtin_ia32_crc32di(b, vb);
        d = __builtin_ia32_crc32di(d, vd);
      }
      c = shift_lane(shift, shift_lane(shift, static_cast<uint32_t>(a)) ^ static_cast<uint32_t>(b)) ^
          static_cast<uint32_t>(d);
      p += 3 * kLane;
      n -= 3 * kLane;
    }
  }
  uint64_t c64 = c;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c64 = __builtin_ia32_crc32di(c64, v);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c64);
  while (n--) c32 = __builtin_ia32_crc32qi(c32, *p++);
  return c32;
}

bool cpu_has_sse42() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#endif

}  // namespace

void Crc32::update(const void* data, size_t size) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  uint32_t c = state_;
  for (size_t i = 0; i < size; ++i) c = kTable[(c ^ p[i]) & 0xFFu] ^ (c >> 8);
  state_ = c;
}

bool Crc32c::hardware() noexcept {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool has = cpu_has_sse42();
  return has;
#else
  return false;
#endif
}

void Crc32c::update(const void* data, size_t size) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
#if defined(__x86_64__) && defined(__GNUC__)
  if (hardware()) {
    state_ = crc32c_hardware(state_, p, size);
    return;
  }
#endif
  state_ = crc32c_table(state_, p, size);
}

uint32_t Crc32c::software(const void* data, size_t size) noexcept {
  return ~crc32c_table(0xFFFFFFFFu, static_cast<const unsigned char*>(data), size);
}

}  // namespace quiver::util
