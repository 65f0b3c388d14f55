// The checksum stored with every row of `items` (column `checksum`), so that damage SQLite does
// not notice (it checksums no row content) is caught when the row is read: a flipped byte in the
// id, the vector, the metadata or the label.
//
// 64 bits over 8-byte words. Each step (h ^ w, multiply by an odd constant, xor-shift) is a
// bijection of the state for a fixed word and of the word for a fixed state, so a change confined
// to one word (every single-bit flip, every change of up to 8 aligned bytes) always changes the
// result; other changes go unnoticed with probability about 2^-64. Not cryptographic: it guards
// against accidents, not against someone who rewrites a row and its checksum on purpose.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace quiver::util {

uint64_t row_checksum(int64_t label, std::string_view id, const void* vector, size_t vector_bytes,
                      std::string_view metadata) noexcept;

}  // namespace quiver::util
