// libFuzzer target: the metadata filter language (query/filter.cpp), parse and evaluation.
// Input: filter JSON text, optionally followed by a NUL byte and a metadata JSON object to
// evaluate it against (besides a few fixed documents).
// Properties: parse either succeeds or throws quiver::Error InvalidArgument/Limit; matches()
// never crashes; {"$nor": [F]} matches exactly the documents F does not; and F compiled against
// typed metadata columns (query/compiled_filter.h) matches exactly what F matches on the JSON,
// with the field index's candidates holding every match.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_support.h"
#include "query/compiled_filter.h"
#include "query/filter.h"
#include "query/metadata_columns.h"
#include "util/json_text.h"

namespace {

using nlohmann::json;
using quiver::Error;
using quiver::ErrorCode;
using quiver::query::Filter;

const std::vector<json>& fixed_docs() {
  static const std::vector<json> docs = {
      json::object(),
      json::parse(R"({"a": 1, "b": "x", "c": [1, 2, {"d": null}], "e": {"f": [true, 2.5]}})"),
      json::parse(R"({"a": [1, [2, 3]], "b": null, "n": -9007199254740993, "u": 18446744073709551615,
                      "s": "", "o": {"0": {"1": [{"a": 1}]}}, "f": 1e308})"),
      json::parse(R"({"a": {"b": {"c": {"d": {"e": [0, {"f": "g"}]}}}}, "x": [[], {}, ""]})"),
  };
  return docs;
}

// Returns the parsed filter, or false when the input is (correctly) rejected.
bool parse_filter(const std::string& text, Filter* out) {
  try {
    *out = Filter::parse(text);
    return true;
  } catch (const Error& e) {
    quiver_fuzz::expect_code(e, {ErrorCode::InvalidArgument, ErrorCode::Limit}, "Filter::parse");
    return false;
  }
}

void check_on(const Filter& filter, const Filter* negated, const json& doc) {
  const bool matched = filter.matches(doc);
  if (negated && negated->matches(doc) == matched) {
    quiver_fuzz::fail("{\"$nor\": [F]} agrees with F on " + doc.dump());
  }
}

// The compiled evaluator over columns against the reference, on every object document.
void check_compiled(const Filter& filter, const std::vector<const json*>& docs) {
  quiver::query::MetadataColumns columns;
  columns.reset({}, {});
  for (size_t label = 0; label < docs.size(); ++label) columns.set(label, *docs[label]);
  columns.ensure(quiver::query::CompiledFilter::paths_of(filter), [&](uint64_t label) { return *docs[label]; });
  const auto compiled = quiver::query::CompiledFilter::compile(filter, columns);
  std::vector<uint64_t> candidates;
  const bool bounded = compiled.bound() != quiver::query::CompiledFilter::kUnbounded;
  if (bounded) compiled.candidates(candidates);
  for (size_t label = 0; label < docs.size(); ++label) {
    const bool want = filter.matches(*docs[label]);
    if (compiled.matches(label) != want) {
      quiver_fuzz::fail("the compiled filter disagrees with the reference on " + docs[label]->dump());
    }
    if (want && bounded && std::find(candidates.begin(), candidates.end(), label) == candidates.end()) {
      quiver_fuzz::fail("a match is missing from the field index's candidates: " + docs[label]->dump());
    }
  }
}

void check_deep_inputs() {
  for (const std::string& text :
       {quiver_fuzz::deep_array(200000), quiver_fuzz::deep_object(200000),
        "{\"a\": {\"$exists\": " + quiver_fuzz::deep_array(200000) + "}}",
        "{\"$and\": " + quiver_fuzz::deep_array(200000) + "}"}) {
    Filter f;
    if (parse_filter(text, &f)) quiver_fuzz::fail("a filter nested 200000 deep was accepted");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  check_deep_inputs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string text = input.substr(0, nul);

  Filter filter;
  if (!parse_filter(text, &filter)) return 0;

  // F parsed, so wrapping it in $nor can only fail on the depth limit (it adds two levels).
  // A blank F (the empty filter) is not wrapped: {"$nor": [ ]} is the empty $nor list, valid
  // and matching everything (Vectra's rule for empty logical lists), not the negation of F.
  Filter negated;
  bool has_negated = false;
  const bool blank = text.find_first_not_of(" \t\r\n") == std::string::npos;
  if (!blank) {
    try {
      negated = Filter::parse("{\"$nor\": [" + text + "]}");
      has_negated = true;
    } catch (const Error& e) {
      // A UTF-8 byte order mark is only skipped at the very start of a text; otherwise only the
      // depth limit may fail.
      const bool bom = text.rfind("\xEF\xBB\xBF", 0) == 0;
      if (!bom) quiver_fuzz::expect_code(e, {ErrorCode::Limit}, "parse of {\"$nor\": [F]}");
    }
  }

  std::vector<const json*> objects;
  for (const json& doc : fixed_docs()) {
    check_on(filter, has_negated ? &negated : nullptr, doc);
    objects.push_back(&doc);
  }

  json doc;
  if (nul != std::string::npos) {
    const std::string metadata = input.substr(nul + 1);
    if (quiver::util::json_nesting_depth(metadata) > 256) return 0;
    doc = json::parse(metadata, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_discarded()) check_on(filter, has_negated ? &negated : nullptr, doc);
    // Stored metadata is always an object of bounded depth (64): only such documents get columns.
    if (doc.is_object() && quiver::util::json_nesting_depth(metadata) <= 64) objects.push_back(&doc);
  }
  check_compiled(filter, objects);
  return 0;
}
