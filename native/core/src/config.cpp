// Index settings: the JSON form shared by every binding, and its validation.
#include "quiver/config.h"

#include <cmath>
#include <initializer_list>

#include <nlohmann/json.hpp>

#include "quiver/error.h"
#include "util/json_text.h"

namespace quiver {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& message) {
  throw Error(ErrorCode::InvalidArgument, message);
}

int int_field(const json& obj, const char* key, int fallback, int min, int max, const char* where) {
  if (!obj.contains(key) || obj[key].is_null()) return fallback;
  const json& v = obj[key];
  const std::string name = std::string(where) + key;
  if (!v.is_number()) {
    bad(name + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max) +
        ", got " + std::string(v.type_name()) + " " + v.dump());
  }
  return validate_integer(v.get<double>(), name, min, max);
}

// Rejects any key of `obj` that is not in `known`, naming it and listing the accepted ones: an
// option that is misspelt or not supported must not be silently ignored.
void check_keys(const json& obj, std::initializer_list<const char*> known, const char* where) {
  for (const auto& kv : obj.items()) {
    bool found = false;
    for (const char* k : known) found = found || kv.key() == k;
    if (found) continue;
    std::string list;
    for (const char* k : known) list += std::string(list.empty() ? "" : ", ") + k;
    bad(std::string(where) + " has an unknown option " + json(kv.key()).dump(-1, ' ', false, json::error_handler_t::replace) +
        "; the options are: " + list);
  }
}

// Field names become SQLite expression indexes on json_extract(metadata, '$.<name>'), so they
// are restricted to plain identifiers (dots for nesting) to keep the SQL injection-free.
bool is_identifier_path(const std::string& name) {
  bool segment_start = true;
  for (char c : name) {
    const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (c == '.') {
      if (segment_start) return false;
      segment_start = true;
    } else if (alpha || (digit && !segment_start)) {
      segment_start = false;
    } else {
      return false;
    }
  }
  return !name.empty() && !segment_start;
}

void check_indexed_field(const std::string& name) {
  if (name.size() > 128 || !is_identifier_path(name)) {
    bad("metadata_config.indexed: \"" + name +
        "\" is not a valid field name; use letters, digits and _ (dots for nested fields)");
  }
}

}  // namespace

const char* metric_name(Metric m) noexcept {
  switch (m) {
    case Metric::Cosine: return "cosine";
    case Metric::L2: return "l2";
    case Metric::InnerProduct: return "ip";
  }
  return "cosine";
}

const char* quantization_name(Quantization q) noexcept {
  switch (q) {
    case Quantization::F16: return "f16";
    case Quantization::I8: return "i8";
    case Quantization::F32: break;
  }
  return "f32";
}

Metric parse_metric(const std::string& name) {
  if (name == "cosine") return Metric::Cosine;
  if (name == "l2") return Metric::L2;
  if (name == "ip") return Metric::InnerProduct;
  bad("metric must be \"cosine\", \"l2\" or \"ip\", got \"" + name + "\"");
}

IndexConfig parse_config_json(const std::string& text) {
  json j;
  if (!text.empty()) j = util::parse_caller_json(text, Limits::kMaxJsonDepth, "index config");
  if (j.is_null()) j = json::object();
  if (!j.is_object()) bad("index config must be an object");
  check_keys(j, {"version", "dimensions", "metric", "hnsw", "metadata_config", "text", "quantization",
                 "rescore", "shards"},
             "index config");

  IndexConfig c;
  c.version = int_field(j, "version", 1, 0, 1 << 30, "");
  c.dimensions = static_cast<uint32_t>(
      int_field(j, "dimensions", 0, 0, static_cast<int>(Limits::kMaxDimensions), ""));
  if (j.contains("metric") && !j["metric"].is_null()) {
    if (!j["metric"].is_string()) bad("metric must be \"cosine\", \"l2\" or \"ip\"");
    c.metric = parse_metric(j["metric"].get<std::string>());
  }
  c.shards = static_cast<uint32_t>(int_field(j, "shards", 1, 1, Limits::kMaxShards, ""));
  if (j.contains("hnsw") && !j["hnsw"].is_null()) {
    const json& h = j["hnsw"];
    if (!h.is_object()) bad("hnsw must be an object like {M, efConstruction, efSearch}");
    check_keys(h, {"M", "efConstruction", "efSearch"}, "hnsw");
    c.hnsw.M = int_field(h, "M", c.hnsw.M, 2, Limits::kMaxM, "hnsw.");
    c.hnsw.ef_construction =
        int_field(h, "efConstruction", c.hnsw.ef_construction, 1, Limits::kMaxEf, "hnsw.");
    c.hnsw.ef_search = int_field(h, "efSearch", c.hnsw.ef_search, 1, Limits::kMaxEf, "hnsw.");
  }
  if (j.contains("quantization") && !j["quantization"].is_null()) {
    const json& q = j["quantization"];
    const std::string name = q.is_string() ? q.get<std::string>() : "";
    if (name == "f32") {
      c.quantization = Quantization::F32;
    } else if (name == "f16") {
      c.quantization = Quantization::F16;
    } else if (name == "i8") {
      c.quantization = Quantization::I8;
    } else {
      bad("quantization must be \"f32\", \"f16\" or \"i8\", got " + q.dump(-1, ' ', false, json::error_handler_t::replace));
    }
  }
  if (j.contains("rescore") && !j["rescore"].is_null()) {
    if (!j["rescore"].is_boolean()) bad("rescore must be true or false, got " + j["rescore"].dump());
    c.rescore = j["rescore"].get<bool>();
  }
  if (j.contains("text") && !j["text"].is_null()) {
    const json& t = j["text"];
    if (!t.is_object() || !t.contains("field") || !t["field"].is_string()) {
      bad("text must be an object like {field: \"body\"}: the metadata field to index for keyword search");
    }
    check_keys(t, {"field"}, "text");
    const std::string field = t["field"].get<std::string>();
    if (field.size() > 128 || !is_identifier_path(field)) {
      bad("text.field: \"" + field + "\" is not a valid field name; use letters, digits and _ (dots for nested fields)");
    }
    c.text_field = field;
  }
  if (j.contains("metadata_config") && !j["metadata_config"].is_null()) {
    const json& m = j["metadata_config"];
    if (!m.is_object()) bad("metadata_config must be an object like {indexed: [\"field\"]}");
    check_keys(m, {"indexed"}, "metadata_config");
    if (m.contains("indexed") && !m["indexed"].is_null()) {
      if (!m["indexed"].is_array()) bad("metadata_config.indexed must be an array of field names");
      c.indexed_given = true;
      for (const json& f : m["indexed"]) {
        if (!f.is_string()) bad("metadata_config.indexed must contain only strings");
        check_indexed_field(f.get<std::string>());
        c.indexed_fields.push_back(f.get<std::string>());
      }
    }
  }
  return c;
}

std::string config_to_json(const IndexConfig& c) {
  json j = {
      {"version", c.version},
      {"dimensions", c.dimensions},
      {"metric", metric_name(c.metric)},
      {"hnsw", {{"M", c.hnsw.M}, {"efConstruction", c.hnsw.ef_construction},
                {"efSearch", c.hnsw.ef_search}}},
      {"metadata_config", json::object()},
  };
  if (c.indexed_given) j["metadata_config"]["indexed"] = c.indexed_fields;
  if (!c.text_field.empty()) j["text"] = {{"field", c.text_field}};
  // Only when not the defaults: the stored config of an f32 index stays as before.
  if (c.quantization != Quantization::F32) j["quantization"] = quantization_name(c.quantization);
  if (c.rescore) j["rescore"] = true;
  if (c.shards != 1) j["shards"] = c.shards;
  return j.dump();
}

int validate_integer(double value, const std::string& name, int min, int max) {
  const bool whole = std::isfinite(value) && std::floor(value) == value;
  if (!whole || value < min || value > max) {
    std::string got = std::isnan(value) ? "NaN" : std::isinf(value) ? (value > 0 ? "Infinity" : "-Infinity") : json(value).dump();
    bad(name + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max) +
        ", got " + got);
  }
  return static_cast<int>(value);
}

int validate_top_k(double top_k) {
  if (std::isfinite(top_k) && std::floor(top_k) == top_k && top_k > Limits::kMaxTopK) {
    throw Error(ErrorCode::Limit, "topK must be at most " + std::to_string(Limits::kMaxTopK) +
                                      ", got " + json(top_k).dump() +
                                      "; page through results with a filter instead");
  }
  return validate_integer(top_k, "topK", 1, Limits::kMaxTopK);
}

}  // namespace quiver
