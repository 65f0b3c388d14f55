// libFuzzer target: the index config parser (parse_config_json), which reads both what a caller
// passes to createIndex and the settings stored in quiver.db.
// Properties: it either returns a config within the documented limits or throws quiver::Error
// InvalidArgument; and a returned config survives config_to_json -> parse_config_json unchanged.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "quiver/config.h"

namespace {

using quiver::Error;
using quiver::ErrorCode;
using quiver::IndexConfig;
using quiver::Limits;

bool parse(const std::string& text, IndexConfig* out) {
  try {
    *out = quiver::parse_config_json(text);
    return true;
  } catch (const Error& e) {
    quiver_fuzz::expect_code(e, {ErrorCode::InvalidArgument, ErrorCode::Limit}, "parse_config_json");
    return false;
  }
}

void check_limits(const IndexConfig& c) {
  const bool ok = c.dimensions <= Limits::kMaxDimensions && c.hnsw.M >= 2 &&
                  c.hnsw.M <= Limits::kMaxM && c.hnsw.ef_construction >= 1 &&
                  c.hnsw.ef_construction <= Limits::kMaxEf && c.hnsw.ef_search >= 1 &&
                  c.hnsw.ef_search <= Limits::kMaxEf && c.version >= 0;
  if (!ok) quiver_fuzz::fail("parse_config_json returned a config outside the limits");
}

bool same(const IndexConfig& a, const IndexConfig& b) {
  return a.version == b.version && a.dimensions == b.dimensions && a.metric == b.metric &&
         a.hnsw.M == b.hnsw.M && a.hnsw.ef_construction == b.hnsw.ef_construction &&
         a.hnsw.ef_search == b.hnsw.ef_search && a.indexed_fields == b.indexed_fields;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  IndexConfig c;
  // Each of these is invalid whatever its depth; deep_object (unknown keys) must not crash.
  parse(quiver_fuzz::deep_object(200000), &c);
  for (const std::string& text :
       {quiver_fuzz::deep_array(200000), "{\"hnsw\": " + quiver_fuzz::deep_array(200000) + "}",
        "{\"hnsw\": {\"M\": " + quiver_fuzz::deep_object(200000) + "}}",
        "{\"metadata_config\": {\"indexed\": " + quiver_fuzz::deep_array(200000) + "}}"}) {
    if (parse(text, &c)) quiver_fuzz::fail("a config nested 200000 deep was accepted");
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  IndexConfig config;
  if (!parse(text, &config)) return 0;
  check_limits(config);
  IndexConfig again;
  const std::string saved = quiver::config_to_json(config);
  if (!parse(saved, &again)) quiver_fuzz::fail("config_to_json wrote a config it rejects: " + saved);
  if (!same(config, again)) quiver_fuzz::fail("config changed in a save/load round trip: " + saved);
  return 0;
}
