// Conversions between JS values and core types. Only type adaptation lives here: a value of
// the wrong JS type is an INVALID_ARGUMENT (api::wrong_type); every rule about values is the
// core's. Strings are read as UTF-16 and converted by the core (api::text_from_utf16), so a lone
// surrogate is reported instead of being replaced by U+FFFD.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

#include "async_promise.h"
#include "quiver/item.h"

namespace quiver::node {

std::string to_string(const Napi::Value& v, const char* what);
// Float32Array: borrowed (kept alive in `keep`); number[] or other typed arrays: converted.
// undefined/null: a view with present = false.
VectorView to_vector(const Napi::Value& v, KeepAlive& keep, const std::string& what);
std::vector<ItemInput> to_items(const Napi::Value& v, KeepAlive& keep);
std::vector<std::string> to_ids(const Napi::Value& v);


}  // namespace quiver::node
