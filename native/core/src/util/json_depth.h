// A cheap guard to run on JSON text before handing it to nlohmann: nlohmann parses iteratively,
// but copying, comparing and dumping a parsed value recurse once per nesting level, so a value
// nested tens of thousands deep (a 20 KB "[[[[..." string) overflows the stack later, far from
// where it came in. Every parser of untrusted JSON text (filters, metadata, settings) checks the
// text first and rejects it with a typed error instead.
#pragma once

#include <cstddef>
#include <string_view>

namespace quiver::util {

// True when arrays/objects in `text` nest deeper than `max_depth` (the outermost one is depth 1).
// Brackets inside strings do not count. Does not validate the JSON; O(size), no allocation.
bool json_nesting_exceeds(std::string_view text, size_t max_depth) noexcept;

}  // namespace quiver::util
