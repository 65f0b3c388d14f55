// Items as they cross the core's boundary. Metadata travels as JSON text so that every binding
// (N-API, embind) hands the core the same thing; the core parses and validates it once.
#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace quiver {

// A borrowed view of caller-owned floats (e.g. a Float32Array's buffer). The caller keeps the
// memory alive and unchanged for the duration of the call that receives it.
struct VectorView {
  const float* data = nullptr;
  size_t size = 0;
  bool present = false;  // false: the caller gave no vector at all ("Vector is required")
};

struct ItemInput {
  std::optional<std::string> id;  // absent: the core assigns a random UUID v4
  VectorView vector;
  std::string metadata_json = "{}";  // must be a JSON object
};

struct Item {
  std::string id;
  std::vector<float> vector;  // as the user gave it (not normalized)
  std::string metadata_json;
};

struct QueryHit {
  Item item;
  float score;     // higher is better: cosine similarity, dot product, or -squared L2
                   // (Index::search: the BM25 score, or the fused RRF score in hybrid mode)
  float distance;  // the engine's distance: 1-cos, 1-dot, or squared L2 (NaN: none)
  // Index::search only (NaN when the item was not found that way): the vector similarity and
  // the BM25 score that went into a hybrid score.
  float vector_score = std::numeric_limits<float>::quiet_NaN();
  float text_score = std::numeric_limits<float>::quiet_NaN();
};

// A whole read result (query hits, or the items of get/list) as it leaves the core, packed so
// that a binding hands it to JS in one transfer instead of building objects per item: one text
// holds every id and metadata (the metadata is stored as JSON text, so it is copied, never
// parsed), one array every number and one array every vector. ts/src/packed.ts unpacks it.
struct PackedItems {
  // Per item, in `numbers`: the vector's norm (double precision), score, distance, vector score
  // and text score (the last four NaN where they do not apply, e.g. for get/list). The norm is
  // NaN for an item stored with an empty vector: its `dims` floats in `vectors` are unused.
  static constexpr size_t kNumbersPerItem = 5;
  size_t count = 0;
  uint32_t dims = 0;  // 0 with items: a query asked for no vectors ("includeVectors": false)
  // id, NUL, metadata JSON, NUL, id, ... in result order (no NUL after the last). NUL cannot
  // occur inside either: ids are checked for it, and JSON text escapes control characters.
  std::string text;
  std::vector<double> numbers;
  std::vector<float> vectors;  // count * dims, as the user gave them
  std::string explain;  // JSON (query/explain.h) when the query asked for `explain`; else empty
};

struct IndexStats {
  std::string config_json;  // same shape as parse_config_json's input, dimensions resolved
  size_t items = 0;
  uint64_t sequence = 0;    // last committed write
};

}  // namespace quiver
