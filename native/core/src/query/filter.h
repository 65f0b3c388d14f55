// The one implementation of Quiver's metadata filter language (MongoDB semantics):
// JSON text -> validated AST (parse) -> evaluation against an item's metadata (matches).
// Used by listItemsByMetadata and inside the HNSW search; no other layer interprets filters.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace quiver::query {

struct FilterNode;  // AST node, defined in filter.cpp

class Filter {
 public:
  // Empty filter: matches everything.
  Filter();
  ~Filter();
  Filter(Filter&&) noexcept;
  Filter& operator=(Filter&&) noexcept;

  // Parses and validates. Throws quiver::Error: InvalidArgument for malformed JSON, unknown
  // operators, wrong operand types; Limit for nesting deeper than Limits::kMaxFilterDepth.
  // An empty string or "{}" gives the empty filter.
  static Filter parse(const std::string& json_text);
  static Filter parse(const nlohmann::json& json);

  bool empty() const noexcept;
  // metadata is an item's metadata object. Never throws.
  bool matches(const nlohmann::json& metadata) const noexcept;
  // The validated tree (filter_ast.h), null for the empty filter: what compiled_filter.* reads.
  const FilterNode* root() const noexcept;

 private:
  std::unique_ptr<FilterNode> root_;
};

}  // namespace quiver::query
