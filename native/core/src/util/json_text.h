// Parsing JSON text that comes from callers (metadata, filters, index config). nlohmann's parser
// is iterative, but dump(), copies and comparisons of a parsed value recurse once per nesting
// level: a document nested 100,000 deep would overflow the stack (in WASM, with 5 MB of stack,
// far sooner). So nesting is measured on the text first, with a loop, and bounded before
// anything recursive touches it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace quiver::util {

// The deepest nesting of [ and { in `text`, ignoring brackets inside strings. Never recurses.
size_t json_nesting_depth(std::string_view text) noexcept;

// Parses `text`. Throws quiver::Error: Limit when it nests deeper than `max_depth` (checked
// before parsing), InvalidArgument with the parser's reason when it is not JSON. `what` names
// the value in messages ("metadata of item \"a\"", "filter", "index config").
nlohmann::json parse_caller_json(std::string_view text, size_t max_depth, const std::string& what);

// Parses metadata text read back from the store. We only ever store JSON objects nested at most
// `max_depth`, so anything else (not JSON, not an object, deeper: a damaged row) gives a
// discarded value, which callers report as CORRUPT. The depth is checked first, for the same
// reason as above: what a recursive walk would do with a damaged row nested 100,000 deep.
nlohmann::json parse_stored_object(std::string_view text, size_t max_depth) noexcept;

// Appends `text` (valid UTF-8) to `out` as a JSON string literal, quotes included: what a read
// result needs for ids (the packed results of quiver/item.h) without building a json value.
void append_json_string(std::string& out, std::string_view text);

}  // namespace quiver::util
