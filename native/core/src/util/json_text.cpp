#include "util/json_text.h"

#include "quiver/error.h"

namespace quiver::util {

size_t json_nesting_depth(std::string_view text) noexcept {
  size_t depth = 0;
  size_t deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // skip the escaped character (an escaped quote does not end the string)
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

nlohmann::json parse_stored_object(std::string_view text, size_t max_depth) noexcept {
  nlohmann::json discarded(nlohmann::json::value_t::discarded);
  if (json_nesting_depth(text) > max_depth) return discarded;
  auto doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  return doc.is_object() ? doc : discarded;
}

nlohmann::json parse_caller_json(std::string_view text, size_t max_depth, const std::string& what) {
  const size_t depth = json_nesting_depth(text);
  if (depth > max_depth) {
    throw Error(ErrorCode::Limit, what + " is nested " + std::to_string(depth) +
                                      " levels deep; at most " + std::to_string(max_depth) +
                                      " levels of objects and arrays are supported (flatten it)");
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // parse_error for bad syntax, out_of_range for numbers beyond a double (1e400): both are the
    // caller's text, never an internal failure.
    throw Error(ErrorCode::InvalidArgument, what + " is not valid JSON (" + e.what() + ")");
  }
}

void append_json_string(std::string& out, std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out += "\\u00";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace quiver::util
