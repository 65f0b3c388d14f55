#include "index/item_validation.h"

#include <cmath>

#include "quiver/error.h"
#include "util/json_text.h"
#include "util/utf8.h"
#include "util/uuid.h"

namespace quiver::index {

void check_id(const std::string& id) {
  if (id.empty()) {
    throw Error(ErrorCode::InvalidArgument, "item id must be a non-empty string (omit it to get a UUID)");
  }
  if (id.size() > Limits::kMaxIdBytes) {
    throw Error(ErrorCode::Limit, "item id is " + std::to_string(id.size()) +
                                      " bytes; ids are limited to " +
                                      std::to_string(Limits::kMaxIdBytes) + " bytes");
  }
  // NUL would be cut off by every C string on the way (SQLite's text functions, C callers), so
  // two ids differing after it would collide; invalid UTF-8 would not read back as written.
  const size_t nul = id.find('\0');
  if (nul != std::string::npos) {
    throw Error(ErrorCode::InvalidArgument, "item id contains a NUL character (\\u0000) at byte " +
                                                std::to_string(nul) +
                                                "; ids must be text without NUL characters");
  }
  const size_t bad = util::first_invalid_utf8(id);
  if (bad != std::string::npos) {
    throw Error(ErrorCode::InvalidArgument, "item id is not valid UTF-8 (at byte " +
                                                std::to_string(bad) +
                                                "); ids must be valid Unicode text");
  }
}

void check_vector(const VectorView& v, uint32_t dims, Metric metric) {
  if (!v.present) throw Error(ErrorCode::InvalidArgument, "Vector is required");
  if (v.size == 0) throw Error(ErrorCode::InvalidArgument, "vector must not be empty");
  if (v.size > Limits::kMaxDimensions) {
    throw Error(ErrorCode::Limit, "vector has " + std::to_string(v.size) +
                                      " dimensions; at most " +
                                      std::to_string(Limits::kMaxDimensions) + " are supported");
  }
  if (dims != 0 && v.size != dims) {
    throw Error(ErrorCode::DimensionMismatch,
                "vector has " + std::to_string(v.size) + " dimensions but the index has " +
                    std::to_string(dims) + "; embed with the same model the index was built with");
  }
  double norm = 0;
  for (size_t i = 0; i < v.size; ++i) {
    if (!std::isfinite(v.data[i])) {
      throw Error(ErrorCode::InvalidArgument,
                  "vector[" + std::to_string(i) + "] is " +
                      (std::isnan(v.data[i]) ? "NaN" : "infinite") +
                      "; every component must be a finite number");
    }
    norm += static_cast<double>(v.data[i]) * v.data[i];
  }
  if (metric == Metric::Cosine && norm == 0) {
    throw Error(ErrorCode::InvalidArgument,
                "a zero vector has no direction, so cosine similarity is undefined for it; "
                "use a non-zero vector or the l2 metric");
  }
}

PreparedItem prepare_item(const ItemInput& input, uint32_t& dims, Metric metric) {
  PreparedItem out;
  if (input.id) {
    check_id(*input.id);
    out.id = *input.id;
  } else {
    out.id = util::uuid_v4();
  }
  // An empty vector is allowed on items (Vectra stores them, e.g. for metadata-only records):
  // such an item is stored and returned by reads, filters and keyword search, and is never a
  // vector-search result. It fixes no dimensions. Queries still need a vector (check_vector).
  if (!(input.vector.present && input.vector.size == 0)) {
    check_vector(input.vector, dims, metric);
    if (dims == 0) dims = static_cast<uint32_t>(input.vector.size);
  }
  out.vector.assign(input.vector.data, input.vector.data + input.vector.size);

  const std::string& text = input.metadata_json.empty() ? std::string("{}") : input.metadata_json;
  if (text.size() > Limits::kMaxMetadataBytes) {
    throw Error(ErrorCode::Limit, "metadata of item \"" + out.id + "\" is " +
                                      std::to_string(text.size()) + " bytes as JSON; the limit is " +
                                      std::to_string(Limits::kMaxMetadataBytes) +
                                      " bytes (store large documents elsewhere and keep a key)");
  }
  out.metadata = util::parse_caller_json(text, Limits::kMaxJsonDepth,
                                         "metadata of item \"" + out.id + "\"");
  if (!out.metadata.is_object()) {
    throw Error(ErrorCode::InvalidArgument,
                "metadata of item \"" + out.id + "\" must be an object like {\"key\": value}");
  }
  out.metadata_text = out.metadata.dump();
  return out;
}

}  // namespace quiver::index
