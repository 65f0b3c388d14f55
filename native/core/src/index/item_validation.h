// Validation of everything a write brings in: ids, vectors, metadata. All-or-nothing batches
// validate every item through here before anything is written.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "quiver/config.h"
#include "quiver/item.h"

namespace quiver::index {

struct PreparedItem {
  std::string id;
  std::vector<float> vector;
  std::string metadata_text;  // canonical JSON text, as stored
  nlohmann::json metadata;    // parsed, for filters
};

void check_id(const std::string& id);

// Throws InvalidArgument/DimensionMismatch unless `v` is a usable vector for an index of
// `dims` dimensions (0: any length, which then fixes it) under `metric`.
void check_vector(const VectorView& v, uint32_t dims, Metric metric);

// Validates one item and copies it into owned storage. `dims` is in/out: 0 on entry means the
// index has no dimensions yet, and the first vector fixes it. An empty vector is accepted (an
// item without a vector: never in the vector index, never a vector-search result).
PreparedItem prepare_item(const ItemInput& input, uint32_t& dims, Metric metric);

}  // namespace quiver::index
