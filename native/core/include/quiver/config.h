// Index settings chosen at creation time and persisted in the database.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace quiver {

enum class Metric { Cosine, L2, InnerProduct };

const char* metric_name(Metric m) noexcept;  // "cosine" | "l2" | "ip"
Metric parse_metric(const std::string& name);  // throws InvalidArgument

// How the graph stores vectors (vectors/codec.h); the exact f32 vectors stay in SQLite either way.
enum class Quantization { F32, F16, I8 };
const char* quantization_name(Quantization q) noexcept;  // "f32" | "f16" | "i8"

struct HnswParams {
  int M = 16;
  int ef_construction = 200;
  int ef_search = 64;
};

struct IndexConfig {
  int version = 1;                          // user-visible config version (Vectra's `version`)
  uint32_t dimensions = 0;                  // 0: fixed by the first vector ever written
  Metric metric = Metric::Cosine;
  HnswParams hnsw;
  std::vector<std::string> indexed_fields;  // Vectra's metadata_config.indexed
  // Whether `metadata_config.indexed` was given at all: Vectra reports `metadata_config` back
  // exactly as given ({} when omitted, {indexed: []} when given empty), and so do we.
  bool indexed_given = false;
  // Quiver addition: the metadata field (dotted path) whose string value is indexed for keyword
  // (BM25) search in the FTS5 table `items_text`; empty: no keyword index.
  std::string text_field;
  // Quiver addition: the graph's stored form ("quantization": "f32" | "f16" | "i8").
  Quantization quantization = Quantization::F32;
  // Quiver addition ("rescore": true): nearest-neighbour queries re-rank the graph's candidates
  // with the exact vectors (a query's own "rescore" option overrides it). Only changes results
  // when the graph is quantized.
  bool rescore = false;
  // Quiver addition: HNSW shards (ann/shard_set.h), fixed at creation; 1 = one graph file, as
  // every index written before shards. Reported by config_to_json only when not 1.
  uint32_t shards = 1;
};

// Limits that inputs are checked against; documented in the README.
struct Limits {
  static constexpr uint32_t kMaxDimensions = 65536;
  static constexpr size_t kMaxIdBytes = 512;
  static constexpr size_t kMaxMetadataBytes = 64 * 1024;  // serialized JSON per item
  static constexpr int kMaxTopK = 10000;
  static constexpr int kMaxFilterDepth = 32;
  static constexpr size_t kMaxJsonDepth = 64;  // nesting of metadata/filter/config JSON text
  static constexpr int kMaxM = 128;
  static constexpr int kMaxEf = 100000;
  static constexpr int kMaxShards = 64;
};

// Parses/serializes the JSON form that the bindings pass in:
// {"version":1,"dimensions":128,"metric":"cosine","hnsw":{"M":16,"efConstruction":200,
//  "efSearch":64},"metadata_config":{"indexed":["a"]},"shards":2}. Every field is optional; a key that is
// not one of these (at any level) is rejected with InvalidArgument naming it, so a misspelt
// option never silently does nothing.
IndexConfig parse_config_json(const std::string& json);  // throws InvalidArgument, Limit
std::string config_to_json(const IndexConfig& config);

// The one rule for integer options given as numbers (JS numbers arrive as double, JSON numbers
// are read as double): `value` must be finite, whole and in [min, max]. Throws InvalidArgument
// naming `name` otherwise ("efSearch must be an integer from 1 to 100000, got 1.5").
int validate_integer(double value, const std::string& name, int min, int max);

// Checks a caller-supplied topK and returns it as an int: an integer >= 1 (validate_integer),
// and Limit above Limits::kMaxTopK.
int validate_top_k(double top_k);

}  // namespace quiver
