// The parsed form of a filter (filter.cpp builds it, validated) and the value rules it is
// evaluated with. Two evaluators share these rules: Filter::matches walks an item's parsed JSON
// (the reference, also used by tests and the fuzzer), and the compiled filter
// (compiled_filter.*) tests the typed metadata columns (metadata_columns.*) that the search uses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace quiver::query {

// ---------------------------------------------------------------------------------------------
// Numbers. JSON numbers arrive as int64, uint64 or double; comparing them exactly (instead of
// casting everything to double) keeps 1 == 1.0 while 2^53 + 1 stays distinct from 2^53.

constexpr int kUnordered = 2;  // a comparison involving NaN: neither less, equal nor greater

struct Num {
  enum class Kind : uint8_t { Int, Uint, Float };
  Kind kind = Kind::Int;
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0;
};

bool to_num(const nlohmann::json& v, Num* out) noexcept;
// -1, 0, 1, or kUnordered; exact for every pair of kinds.
int cmp_num(const Num& a, const Num& b) noexcept;
// The number as a double when that double is exactly its value (false for |int| > 2^53 that
// a double cannot hold).
bool exact_double(const Num& n, double* out) noexcept;
// Deep equality with numeric equivalence at every level; object key order is irrelevant.
bool deep_equal(const nlohmann::json& a, const nlohmann::json& b) noexcept;
// A text that is equal for two values exactly when deep_equal holds (numbers written by value:
// 1, 1.0 and 1e0 give "1"), so composite values compare by interned text.
std::string canonical_text(const nlohmann::json& v);

// ---------------------------------------------------------------------------------------------
// AST pieces.

// An operand classified at parse time, so the common scalar cases skip the generic comparison.
struct Literal {
  enum class Type : uint8_t { Null, Bool, Number, String, Composite };
  Type type = Type::Null;
  bool b = false;
  Num n;
  std::string s;
  nlohmann::json composite;  // arrays and objects
};

// The values of an $in / $nin list, bucketed by type; numbers and strings sorted for binary search.
struct InSet {
  bool has_null = false;
  bool has_true = false;
  bool has_false = false;
  std::vector<Num> numbers;
  std::vector<std::string> strings;
  std::vector<nlohmann::json> composites;

  bool contains(const nlohmann::json& v) const noexcept;
};

struct Segment {
  std::string name;
  size_t index;  // name as an array position, or npos when name is not a canonical integer
};
using Path = std::vector<Segment>;

enum class OpKind : uint8_t { Eq, Ne, Gt, Gte, Lt, Lte, In, Nin, Exists, Not };

struct Op {
  OpKind kind = OpKind::Eq;
  Literal literal;             // $eq $ne $gt $gte $lt $lte
  std::unique_ptr<InSet> set;  // $in $nin (boxed: most ops don't need it)
  bool exists = true;          // $exists
  std::vector<Op> inner;       // $not: ANDed operators on the same field
};

struct FilterNode {
  enum class Kind : uint8_t { And, Or, Nor, Field };
  Kind kind = Kind::And;
  std::vector<FilterNode> children;  // And / Or / Nor
  Path path;                         // Field
  std::string path_text;             // Field: the dotted path as written
  std::vector<Op> ops;               // Field: all must hold
};

// Calls `visit` with every value the path reaches in `root` (MongoDB's fan-out through arrays),
// nullptr standing for "absent" where a branch of the path leads nowhere. An operator on a field
// holds when it holds for some visited value.
void visit_path_values(const nlohmann::json& root, const Path& path,
                       const std::function<void(const nlohmann::json*)>& visit);

// Splits "a.b.0" into segments (validated as in filters; throws InvalidArgument / Limit).
Path split_field_path(const std::string& field);

}  // namespace quiver::query
