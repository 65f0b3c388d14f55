// Text encoding checks. Ids and every other string the core stores must be valid UTF-8 so that
// they read back exactly as written on every binding; JS strings arrive as UTF-16 and may hold
// lone surrogates, which have no UTF-8 form, so conversion from UTF-16 is checked here too.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace quiver::util {

// Offset of the first byte that does not start a valid UTF-8 sequence (overlong forms,
// surrogates and code points above U+10FFFF are invalid), or npos when `text` is valid.
size_t first_invalid_utf8(std::string_view text) noexcept;

// Converts UTF-16 to UTF-8. Returns false (and leaves `out` unspecified) when `text` holds a
// lone surrogate; `*bad_index` is then the index of that code unit.
bool utf16_to_utf8(const char16_t* text, size_t size, std::string* out, size_t* bad_index);

}  // namespace quiver::util
