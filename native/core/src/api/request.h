// The core's API layer: what the bindings (native/node, wasm/binding.cpp) call to turn values
// that arrived from JS into core requests, and core failures into {code, message}. Every rule
// about such values lives here or below, once; the bindings only unpack JS values into these
// C++ types (a JS value of the wrong type is reported through wrong_type()).
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "quiver/error.h"
#include "quiver/index.h"

namespace quiver::api {

// A JS string as its UTF-16 code units -> UTF-8. Throws InvalidArgument naming `what` when it
// holds a lone surrogate (half of a broken pair: it has no UTF-8 form, so storing it would
// change it). Bindings read strings as UTF-16 and always come through here.
std::string text_from_utf16(const char16_t* units, size_t size, const std::string& what);

// A JS number as a float32 vector component. Beyond float's range it becomes +-infinity (which
// the core then rejects as not finite) rather than the undefined behaviour of a plain cast.
inline float to_float32(double value) {
  if (value > std::numeric_limits<float>::max()) return std::numeric_limits<float>::infinity();
  if (value < -std::numeric_limits<float>::max()) return -std::numeric_limits<float>::infinity();
  return static_cast<float>(value);  // NaN stays NaN (and is rejected by the core)
}

// The error for a JS value of the wrong type, e.g. wrong_type("topK", "a number").
[[noreturn]] void wrong_type(const std::string& what, const std::string& expected);

// insertItems' packed form: item i is ids[i] with the floats [i·dims, (i+1)·dims) of `vectors`
// (dims = floats / ids.size(), which must divide evenly) and metadata[i] (JSON text; "{}" for
// every item when `metadata` is null). The views borrow `vectors` and the strings: nothing is
// copied per item here (the core copies each item once while validating it).
std::vector<ItemInput> packed_items(const std::vector<std::string>& ids, const float* vectors,
                                    size_t floats, const std::vector<std::string>* metadata);

// A write call's options as JSON text from the bindings: {"threads"?: 1..256}; "" or "{}" for
// the defaults. Unknown keys are rejected by name. (The abort flag is the binding's to set.)
WriteOptions parse_write_options(const std::string& json);

// What a binding reports for a failure: the stable code name ("INVALID_ARGUMENT", ...) comes
// from code_name(code).
struct Failure {
  ErrorCode code;
  std::string message;
};

// Maps the exception being handled to a Failure; call it only inside a catch block. quiver::Error
// keeps its code; bad_alloc is Limit; anything else is Internal ("please report"), never a crash.
Failure current_failure();

}  // namespace quiver::api
