#include "query/request.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "quiver/config.h"
#include "quiver/error.h"
#include "util/json_text.h"

namespace quiver::query {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& message) { throw Error(ErrorCode::InvalidArgument, message); }

double finite_number(const json& v, const char* name, double min) {
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < min) {
    bad(std::string(name) + " must be a finite number >= " + json(min).dump() + ", got " + v.dump());
  }
  return v.get<double>();
}

// `internal`: keys accepted but not named to users (set by our own TS layer, not by them).
void reject_unknown_keys(const json& object, const char* what, std::initializer_list<const char*> known,
                         std::initializer_list<const char*> internal = {}) {
  for (const auto& [key, value] : object.items()) {
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    for (const char* k : internal) ok = ok || key == k;
    if (ok) continue;
    std::string list;
    for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    bad(std::string(what) + " has an unknown option \"" + key + "\"; the options are: " + list);
  }
}

HybridParams parse_hybrid(const json& h) {
  HybridParams p;
  if (!h.is_object()) bad("hybrid must be an object like {method: 'rrf', k?, weights?}");
  reject_unknown_keys(h, "hybrid", {"method", "k", "weights"});
  if (h.contains("method") && h["method"] != "rrf") bad("hybrid.method must be 'rrf' (reciprocal rank fusion)");
  if (h.contains("k") && !h["k"].is_null()) p.rrf_k = finite_number(h["k"], "hybrid.k", 0);
  if (h.contains("weights") && !h["weights"].is_null()) {
    const json& w = h["weights"];
    if (!w.is_object()) bad("hybrid.weights must be an object like {vector: 1, text: 1}");
    reject_unknown_keys(w, "hybrid.weights", {"vector", "text"});
    if (w.contains("vector")) p.vector_weight = finite_number(w["vector"], "hybrid.weights.vector", 0);
    if (w.contains("text")) p.text_weight = finite_number(w["text"], "hybrid.weights.text", 0);
  }
  return p;
}

}  // namespace

QueryRequest parse_query_request(VectorView vector, std::string_view options_json) {
  const auto received = std::chrono::steady_clock::now();
  json parsed = util::parse_caller_json(options_json, Limits::kMaxJsonDepth, "query options");
  const json& j = parsed;  // read-only below (operator[] on a const json never inserts)
  if (!j.is_object()) bad("query options must be an object like {topK: 10, filter?, efSearch?, text?}");
  reject_unknown_keys(j, "query options",
                      {"topK", "efSearch", "filter", "text", "mode", "hybrid", "plan", "rescore", "explain",
                       "includeVectors"},
                      {"callerLatencies"});
  QueryRequest r;
  r.vector = vector;
  r.received = received;
  const auto given = [&](const char* key) { return j.contains(key) && !j[key].is_null(); };
  if (!given("topK")) bad("topK must be given: the number of results wanted, from 1 to 10000");
  if (!j["topK"].is_number()) bad("topK must be a number from 1 to 10000, got " + j["topK"].dump());
  r.top_k = validate_top_k(j["topK"].get<double>());
  if (given("efSearch")) {
    if (!j["efSearch"].is_number()) {
      bad("efSearch must be a number from 1 to " + std::to_string(Limits::kMaxEf) + ", got " + j["efSearch"].dump());
    }
    r.ef_search = validate_ef_search(j["efSearch"].get<double>());
  }
  if (given("filter")) r.filter = Filter::parse(j["filter"]);
  if (given("text")) {
    if (!j["text"].is_string()) bad("text must be a string: the words to search for");
    r.text = j["text"].get<std::string>();
  }
  if (given("hybrid")) r.hybrid = parse_hybrid(j["hybrid"]);
  if (given("plan")) {
    const json& p = j["plan"];
    if (p == "auto") {
      r.plan = QueryRequest::PlanHint::Auto;
    } else if (p == "exact") {
      r.plan = QueryRequest::PlanHint::Exact;
    } else if (p == "filtered-hnsw") {
      r.plan = QueryRequest::PlanHint::FilteredHnsw;
    } else {
      bad("plan must be \"auto\", \"exact\" or \"filtered-hnsw\", got " + p.dump());
    }
  }
  if (given("rescore")) {
    if (!j["rescore"].is_boolean()) bad("rescore must be true or false, got " + j["rescore"].dump());
    r.rescore = j["rescore"].get<bool>() ? QueryRequest::Rescore::Yes : QueryRequest::Rescore::No;
  }
  const bool has_text = given("text");
  if (given("mode")) {
    const json& m = j["mode"];
    if (m == "vector") {
      r.mode = QueryRequest::Mode::Vector;
    } else if (m == "keyword") {
      r.mode = QueryRequest::Mode::Keyword;
    } else if (m == "hybrid") {
      r.mode = QueryRequest::Mode::Hybrid;
    } else {
      bad("mode must be \"vector\", \"keyword\" or \"hybrid\", got " + m.dump());
    }
  } else {
    r.mode = !has_text ? QueryRequest::Mode::Vector
                       : (vector.present ? QueryRequest::Mode::Hybrid : QueryRequest::Mode::Keyword);
  }
  if (r.mode != QueryRequest::Mode::Vector && !has_text) bad("text must be a string: the words to search for");
  if (given("explain")) {
    if (!j["explain"].is_boolean()) bad("explain must be true or false, got " + j["explain"].dump());
    r.explain = j["explain"].get<bool>();
  }
  if (given("includeVectors")) {
    if (!j["includeVectors"].is_boolean()) {
      bad("includeVectors must be true or false, got " + j["includeVectors"].dump());
    }
    r.include_vectors = j["includeVectors"].get<bool>();
  }
  if (auto it = parsed.find("callerLatencies"); it != parsed.end()) {
    r.timed_by_caller = true;
    r.caller_latencies_us = parse_caller_latencies(*it);
    parsed.erase(it);  // timing, not the question: the same cache key without it
  }
  r.normalized_options = j.dump();
  return r;
}

std::vector<double> parse_caller_latencies(const json& value) {
  constexpr size_t kMax = 4096;
  if (!value.is_array() || value.size() > kMax) {
    bad("callerLatencies must be an array of at most 4096 latencies in microseconds (numbers >= 0)");
  }
  std::vector<double> out;
  out.reserve(value.size());
  for (const auto& v : value) {
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0) {
      bad("callerLatencies must hold numbers >= 0 (microseconds), got " + v.dump());
    }
    out.push_back(v.get<double>());
  }
  return out;
}

int validate_ef_search(double ef_search) {
  return ef_search == 0 ? 0 : validate_integer(ef_search, "efSearch", 1, Limits::kMaxEf);
}

}  // namespace quiver::query
