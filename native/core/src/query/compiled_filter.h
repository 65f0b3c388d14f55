// A filter compiled once per query against the metadata columns (metadata_columns.h): every
// field resolved to its column, every literal to its typed form (strings to dictionary ids, so a
// string nobody holds is known to equal nothing), $in lists to sorted id/number sets. matches()
// then tests a label with a few loads and compares: no JSON, no allocation, no lock.
//
// The field indexes give candidate supersets: bound() says how many entries an index-answerable
// filter can match at most (cheap: binary searches), candidates() lists them; a filter with no
// index-answerable part ($ne, $nin, $exists, null, $nor) has no bound.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "query/filter.h"
#include "query/metadata_columns.h"

namespace quiver::query {

struct CompiledNode;

class CompiledFilter {
 public:
  static constexpr size_t kUnbounded = std::numeric_limits<size_t>::max();

  CompiledFilter();
  ~CompiledFilter();
  CompiledFilter(CompiledFilter&&) noexcept;
  CompiledFilter& operator=(CompiledFilter&&) noexcept;

  // The paths the filter names (build them with MetadataColumns::ensure before compile()).
  static std::vector<std::string> paths_of(const Filter& filter);
  // Every path of the filter must have its column in `columns`.
  static CompiledFilter compile(const Filter& filter, const MetadataColumns& columns);

  bool empty() const noexcept { return root_ == nullptr; }
  // Whether the item `label` (live) matches. Never throws.
  bool matches(uint64_t label) const noexcept;

  // Upper bound on the matches from the field indexes, or kUnbounded.
  size_t bound() const;
  // Labels that may match (a superset, unsorted, possibly repeated); only when bound() is finite.
  void candidates(std::vector<uint64_t>& out) const;
  // The labels below `label_end` that may match, as a bitmap (bit l of words[l / 64]), composed
  // from the indexes: $and intersects its children's sets, $or unites them, so the superset is
  // often much tighter than bound() (an $and's bound is its smallest child's). False (and no
  // bits) when bound() is kUnbounded.
  bool candidate_bits(uint64_t label_end, std::vector<uint64_t>& words) const;
  // Whether candidate_bits() lists exactly the live labels that match (then none needs testing):
  // every operator is one the indexes answer exactly, on columns whose indexes hold no stale
  // entry and no rounded key, and every $and is fully intersected.
  bool index_exact() const;

 private:
  std::unique_ptr<CompiledNode> root_;
};

}  // namespace quiver::query
