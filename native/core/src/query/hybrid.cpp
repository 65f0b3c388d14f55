#include "query/hybrid.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "quiver/config.h"
#include "quiver/error.h"

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

}  // namespace

SearchOptions parse_search_options(const std::string& json_text) {
  const json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) bad("search options must be a JSON object");
  SearchOptions o;
  if (!j.contains("topK") || !j["topK"].is_number()) bad("topK must be a number");
  o.top_k = validate_top_k(j["topK"].get<double>());
  if (!j.contains("text") || !j["text"].is_string()) {
    bad("text must be a string: the words to search for");
  }
  o.text = j["text"].get<std::string>();
  if (j.contains("filter") && !j["filter"].is_null()) o.filter_json = j["filter"].dump();
  if (j.contains("efSearch") && !j["efSearch"].is_null()) {
    const double ef = finite_number(j["efSearch"], "efSearch", 0);
    if (ef > Limits::kMaxEf || std::floor(ef) != ef) {
      bad("efSearch must be an integer between 1 and " + std::to_string(Limits::kMaxEf));
    }
    o.ef_search = static_cast<int>(ef);
  }
  const std::string mode = j.value("mode", std::string("keyword"));
  if (mode == "keyword") {
    o.mode = SearchOptions::Mode::Keyword;
  } else if (mode == "hybrid") {
    o.mode = SearchOptions::Mode::Hybrid;
  } else {
    bad("mode must be \"keyword\" or \"hybrid\", got \"" + mode + "\"");
  }
  if (j.contains("hybrid") && !j["hybrid"].is_null()) {
    const json& h = j["hybrid"];
    if (!h.is_object()) bad("hybrid must be an object like {method: 'rrf', k?, weights?}");
    if (h.contains("method") && h["method"] != "rrf") bad("hybrid.method must be 'rrf' (reciprocal rank fusion)");
    if (h.contains("k") && !h["k"].is_null()) o.rrf_k = finite_number(h["k"], "hybrid.k", 0);
    if (h.contains("weights") && !h["weights"].is_null()) {
      const json& w = h["weights"];
      if (!w.is_object()) bad("hybrid.weights must be an object like {vector: 1, text: 1}");
      if (w.contains("vector")) o.vector_weight = finite_number(w["vector"], "hybrid.weights.vector", 0);
      if (w.contains("text")) o.text_weight = finite_number(w["text"], "hybrid.weights.text", 0);
    }
  }
  return o;
}

std::vector<Fused> reciprocal_rank_fusion(const std::vector<uint64_t>& by_vector,
                                          const std::vector<uint64_t>& by_text, const SearchOptions& options,
                                          size_t top_k) {
  std::unordered_map<uint64_t, Fused> fused;
  auto add = [&](const std::vector<uint64_t>& ranking, double weight, bool vector) {
    for (size_t i = 0; i < ranking.size(); ++i) {
      auto [it, inserted] = fused.try_emplace(ranking[i], Fused{ranking[i], 0.0});
      it->second.score += weight / (options.rrf_k + static_cast<double>(i + 1));
      (vector ? it->second.vector_rank : it->second.text_rank) = static_cast<int>(i + 1);
    }
  };
  add(by_vector, options.vector_weight, true);
  add(by_text, options.text_weight, false);
  std::vector<Fused> out;
  out.reserve(fused.size());
  for (auto& [label, f] : fused) out.push_back(f);
  auto key = [](const Fused& f) { return f.vector_rank == 0 ? INT32_MAX : f.vector_rank; };
  std::sort(out.begin(), out.end(), [&](const Fused& a, const Fused& b) {
    if (a.score != b.score) return a.score > b.score;
    if (key(a) != key(b)) return key(a) < key(b);
    return a.label < b.label;
  });
  if (out.size() > top_k) out.resize(top_k);
  return out;
}

}  // namespace quiver::query
