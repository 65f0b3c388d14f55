// Quiver's metadata filter (MongoDB semantics): parse() turns filter JSON into a validated AST,
// matches() evaluates that AST against one item's metadata.
//
// matches() runs inside the HNSW search loop, thousands of times per query, so everything that
// allocates or inspects the filter's shape happens once in parse(): dotted paths are split into
// segments, operands are classified by type, $in lists become sorted lookup tables. Evaluation
// only reads the AST and walks the metadata in place; it never allocates and never throws.
#include "query/filter.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "query/filter_ast.h"
#include "quiver/config.h"
#include "quiver/error.h"
#include "util/json_text.h"

namespace quiver::query {

using json = nlohmann::json;

namespace {

// ---------------------------------------------------------------------------------------------
// Number comparison helpers.

template <class T>
int sign_of(T a, T b) noexcept {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int cmp_int_float(int64_t a, double b) noexcept {
  if (std::isnan(b)) return kUnordered;
  if (b >= 9223372036854775808.0) return -1;  // 2^63: above every int64
  if (b < -9223372036854775808.0) return 1;
  const double whole = std::trunc(b);  // in [-2^63, 2^63): the cast below is exact
  const int64_t w = static_cast<int64_t>(whole);
  if (a != w) return a < w ? -1 : 1;
  const double frac = b - whole;
  return frac > 0 ? -1 : (frac < 0 ? 1 : 0);
}

int cmp_uint_float(uint64_t a, double b) noexcept {
  if (std::isnan(b)) return kUnordered;
  if (b < 0) return 1;
  if (b >= 18446744073709551616.0) return -1;  // 2^64: above every uint64
  const double whole = std::trunc(b);
  const uint64_t w = static_cast<uint64_t>(whole);
  if (a != w) return a < w ? -1 : 1;
  return b > whole ? -1 : 0;
}

int cmp_int_uint(int64_t a, uint64_t b) noexcept {
  return a < 0 ? -1 : sign_of(static_cast<uint64_t>(a), b);
}

int flip(int c) noexcept { return c == kUnordered ? kUnordered : -c; }

}  // namespace

bool to_num(const json& v, Num* out) noexcept {
  switch (v.type()) {
    case json::value_t::number_integer:
      out->kind = Num::Kind::Int;
      out->i = *v.get_ptr<const json::number_integer_t*>();
      return true;
    case json::value_t::number_unsigned:
      out->kind = Num::Kind::Uint;
      out->u = *v.get_ptr<const json::number_unsigned_t*>();
      return true;
    case json::value_t::number_float:
      out->kind = Num::Kind::Float;
      out->f = *v.get_ptr<const json::number_float_t*>();
      return true;
    default:
      return false;
  }
}

int cmp_num(const Num& a, const Num& b) noexcept {
  using K = Num::Kind;
  switch (a.kind) {
    case K::Int:
      if (b.kind == K::Int) return sign_of(a.i, b.i);
      if (b.kind == K::Uint) return cmp_int_uint(a.i, b.u);
      return cmp_int_float(a.i, b.f);
    case K::Uint:
      if (b.kind == K::Int) return flip(cmp_int_uint(b.i, a.u));
      if (b.kind == K::Uint) return sign_of(a.u, b.u);
      return cmp_uint_float(a.u, b.f);
    case K::Float:
      if (b.kind == K::Int) return flip(cmp_int_float(b.i, a.f));
      if (b.kind == K::Uint) return flip(cmp_uint_float(b.u, a.f));
      if (std::isnan(a.f) || std::isnan(b.f)) return kUnordered;
      return sign_of(a.f, b.f);
  }
  return kUnordered;
}

bool exact_double(const Num& n, double* out) noexcept {
  constexpr int64_t kLimit = int64_t{1} << 53;
  switch (n.kind) {
    case Num::Kind::Float:
      *out = n.f;
      return true;
    case Num::Kind::Int:
      if (n.i > kLimit || n.i < -kLimit) return false;
      *out = static_cast<double>(n.i);
      return true;
    case Num::Kind::Uint:
      if (n.u > static_cast<uint64_t>(kLimit)) return false;
      *out = static_cast<double>(n.u);
      return true;
  }
  return false;
}

// Deep equality with numeric equivalence at every level; object key order is irrelevant (the
// metadata object is a sorted map, so both sides iterate in the same key order).
bool deep_equal(const json& a, const json& b) noexcept {
  Num na, nb;
  if (to_num(a, &na)) return to_num(b, &nb) && cmp_num(na, nb) == 0;
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case json::value_t::null:
      return true;
    case json::value_t::boolean:
      return *a.get_ptr<const bool*>() == *b.get_ptr<const bool*>();
    case json::value_t::string:
      return *a.get_ptr<const std::string*>() == *b.get_ptr<const std::string*>();
    case json::value_t::array: {
      const auto& x = *a.get_ptr<const json::array_t*>();
      const auto& y = *b.get_ptr<const json::array_t*>();
      if (x.size() != y.size()) return false;
      for (size_t k = 0; k < x.size(); ++k) {
        if (!deep_equal(x[k], y[k])) return false;
      }
      return true;
    }
    case json::value_t::object: {
      const auto& x = *a.get_ptr<const json::object_t*>();
      const auto& y = *b.get_ptr<const json::object_t*>();
      if (x.size() != y.size()) return false;
      for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j) {
        if (i->first != j->first || !deep_equal(i->second, j->second)) return false;
      }
      return true;
    }
    default:
      return false;  // binary / discarded values never come from JSON text
  }
}

namespace {

void append_canonical(const json& v, std::string& out) {
  Num n;
  if (to_num(v, &n)) {
    // Integral values are written as integers whatever their JSON type, so 1 and 1.0 agree;
    // other doubles with 17 significant digits (a unique text per double).
    if (n.kind == Num::Kind::Float && std::isfinite(n.f) && std::trunc(n.f) == n.f) {
      if (n.f >= -9223372036854775808.0 && n.f < 9223372036854775808.0) {
        out += std::to_string(static_cast<int64_t>(n.f));
        return;
      }
      if (n.f >= 0 && n.f < 18446744073709551616.0) {
        out += std::to_string(static_cast<uint64_t>(n.f));
        return;
      }
    }
    if (n.kind == Num::Kind::Int) {
      out += std::to_string(n.i);
    } else if (n.kind == Num::Kind::Uint) {
      out += std::to_string(n.u);
    } else {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", n.f);
      out += buf;
    }
    return;
  }
  switch (v.type()) {
    case json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const json& e : v) {
        if (!first) out.push_back(',');
        first = false;
        append_canonical(e, out);
      }
      out.push_back(']');
      return;
    }
    case json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, value] : *v.get_ptr<const json::object_t*>()) {  // sorted keys
        if (!first) out.push_back(',');
        first = false;
        out += json(key).dump(-1, ' ', false, json::error_handler_t::replace);
        out.push_back(':');
        append_canonical(value, out);
      }
      out.push_back('}');
      return;
    }
    default:
      out += v.dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

bool literal_equals(const json& v, const Literal& lit) noexcept {
  switch (lit.type) {
    case Literal::Type::Null:
      return v.is_null();
    case Literal::Type::Bool:
      return v.is_boolean() && *v.get_ptr<const bool*>() == lit.b;
    case Literal::Type::Number: {
      Num n;
      return to_num(v, &n) && cmp_num(n, lit.n) == 0;
    }
    case Literal::Type::String:
      return v.is_string() && *v.get_ptr<const std::string*>() == lit.s;
    case Literal::Type::Composite:
      return deep_equal(v, lit.composite);
  }
  return false;
}

}  // namespace

std::string canonical_text(const json& v) {
  std::string out;
  append_canonical(v, out);
  return out;
}

bool InSet::contains(const json& v) const noexcept {
  switch (v.type()) {
    case json::value_t::null:
      return has_null;
    case json::value_t::boolean:
      return *v.get_ptr<const bool*>() ? has_true : has_false;
    case json::value_t::string:
      return std::binary_search(strings.begin(), strings.end(), *v.get_ptr<const std::string*>());
    case json::value_t::array:
    case json::value_t::object:
      for (const json& c : composites) {
        if (deep_equal(v, c)) return true;
      }
      return false;
    default: {
      Num n;
      if (!to_num(v, &n)) return false;
      auto it = std::lower_bound(numbers.begin(), numbers.end(), n,
                                 [](const Num& a, const Num& b) { return cmp_num(a, b) == -1; });
      return it != numbers.end() && cmp_num(*it, n) == 0;
    }
  }
}

namespace {

constexpr const char* kSupportedOperators =
    "$eq $ne $gt $gte $lt $lte $in $nin $exists $not $and $or $nor";
constexpr int kMaxDepth = Limits::kMaxFilterDepth;


// ---------------------------------------------------------------------------------------------
// Parsing and validation.

[[noreturn]] void fail(const std::string& message) {
  throw Error(ErrorCode::InvalidArgument, message);
}

std::string quoted(const std::string& s) {
  return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

// "string \"abc\"", "object {...}": enough of the offending value to find it in a big filter.
std::string describe(const json& v) {
  std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 60) {
    size_t cut = 57;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
    text = text.substr(0, cut) + "...";
  }
  return std::string(v.type_name()) + " " + text;
}

[[noreturn]] void fail_too_deep() {
  throw Error(ErrorCode::Limit, "filter: nesting is deeper than " + std::to_string(kMaxDepth) +
                                    " levels ($and/$or/$nor branches, $not, objects and "
                                    "arrays each add one); flatten the filter");
}

void check_depth(int level) {
  if (level > kMaxDepth) fail_too_deep();
}

// A value used as-is (an $eq operand, an $in list): bounds its nesting so deep_equal's recursion
// stays shallow, and rejects NaN, which JSON cannot express and which would equal nothing.
void check_literal(const json& v, int level) {
  if (v.is_number_float() && std::isnan(v.get<double>())) {
    fail("filter: NaN is not a valid filter value; use a finite number");
  }
  if (!v.is_structured()) return;
  check_depth(level);
  for (const json& child : v) check_literal(child, level + 1);
}

Literal make_literal(const json& v) {
  Literal lit;
  if (v.is_null()) {
    lit.type = Literal::Type::Null;
  } else if (v.is_boolean()) {
    lit.type = Literal::Type::Bool;
    lit.b = v.get<bool>();
  } else if (to_num(v, &lit.n)) {
    lit.type = Literal::Type::Number;
  } else if (v.is_string()) {
    lit.type = Literal::Type::String;
    lit.s = v.get<std::string>();
  } else {
    lit.type = Literal::Type::Composite;
    lit.composite = v;
  }
  return lit;
}

std::unique_ptr<InSet> make_in_set(const json& list) {
  auto set = std::make_unique<InSet>();
  for (const json& v : list) {
    Num n;
    if (v.is_null()) {
      set->has_null = true;
    } else if (v.is_boolean()) {
      (v.get<bool>() ? set->has_true : set->has_false) = true;
    } else if (to_num(v, &n)) {
      set->numbers.push_back(n);
    } else if (v.is_string()) {
      set->strings.push_back(v.get<std::string>());
    } else {
      set->composites.push_back(v);
    }
  }
  std::sort(set->numbers.begin(), set->numbers.end(),
            [](const Num& a, const Num& b) { return cmp_num(a, b) == -1; });
  std::sort(set->strings.begin(), set->strings.end());
  return set;
}

Path split_path(const std::string& field) {
  Path path;
  size_t start = 0;
  while (true) {
    const size_t dot = field.find('.', start);
    std::string name =
        field.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (name.empty()) {
      fail("filter: field path " + quoted(field) +
           " has an empty segment; name fields like \"price\" or nested ones like \"a.b.c\"");
    }
    size_t index = std::string::npos;
    const bool canonical =
        name.size() <= 18 && (name == "0" || name[0] != '0') &&
        std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (canonical) index = std::stoull(name);
    path.push_back(Segment{std::move(name), index});
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (static_cast<int>(path.size()) > kMaxDepth) {
    throw Error(ErrorCode::Limit, "filter: field path " + quoted(field) + " has " +
                                      std::to_string(path.size()) + " segments; at most " +
                                      std::to_string(kMaxDepth) + " are supported");
  }
  return path;
}

bool is_operator_key(const std::string& key) { return !key.empty() && key[0] == '$'; }

std::vector<Op> parse_operators(const std::string& field, const json& ops, int level);

Op parse_operator(const std::string& field, const std::string& name, const json& operand,
                  int level) {
  static const std::pair<const char*, OpKind> kOps[] = {
      {"$eq", OpKind::Eq},   {"$ne", OpKind::Ne},   {"$gt", OpKind::Gt},
      {"$gte", OpKind::Gte}, {"$lt", OpKind::Lt},   {"$lte", OpKind::Lte},
      {"$in", OpKind::In},   {"$nin", OpKind::Nin}, {"$exists", OpKind::Exists},
      {"$not", OpKind::Not}};
  const auto* found = std::find_if(std::begin(kOps), std::end(kOps),
                                   [&](const auto& entry) { return name == entry.first; });
  const std::string where = name + " on field " + quoted(field);
  if (found == std::end(kOps)) {
    if (name == "$and" || name == "$or" || name == "$nor") {
      fail("filter: " + where + " is not allowed; " + name +
           " goes at the top level of a filter, e.g. {\"" + name + "\": [{" + quoted(field) +
           ": ...}, {...}]}");
    }
    fail("filter: unknown operator " + quoted(name) + " on field " + quoted(field) +
         "; supported: " + kSupportedOperators);
  }

  Op op;
  op.kind = found->second;
  switch (op.kind) {
    case OpKind::Eq:
    case OpKind::Ne:
      check_literal(operand, level + 1);
      op.literal = make_literal(operand);
      break;
    case OpKind::Gt:
    case OpKind::Gte:
    case OpKind::Lt:
    case OpKind::Lte:
      // A string operand is accepted, as Vectra accepts it, but no value satisfies it
      // (ordered_pred compares numbers only).
      if (!operand.is_number() && !operand.is_string()) {
        fail("filter: " + where + " needs a number or a string, got " + describe(operand));
      }
      check_literal(operand, level + 1);
      op.literal = make_literal(operand);
      break;
    case OpKind::In:
    case OpKind::Nin:
      if (!operand.is_array()) {
        fail("filter: " + where + " needs an array of values, e.g. {" + quoted(field) + ": {\"" +
             name + "\": [1, 2]}}, got " + describe(operand));
      }
      check_literal(operand, level + 1);
      op.set = make_in_set(operand);
      break;
    case OpKind::Exists:
      if (!operand.is_boolean()) {
        fail("filter: " + where + " needs true or false, got " + describe(operand));
      }
      op.exists = operand.get<bool>();
      break;
    case OpKind::Not: {
      const bool operators_only =
          operand.is_object() && !operand.empty() &&
          std::all_of(operand.items().begin(), operand.items().end(),
                      [](const auto& kv) { return is_operator_key(kv.key()); });
      if (!operators_only) {
        fail("filter: " + where + " needs an object of operators, e.g. {" + quoted(field) +
             ": {\"$not\": {\"$gt\": 5}}}, got " + describe(operand));
      }
      op.inner = parse_operators(field, operand, level + 1);
      break;
    }
  }
  return op;
}

// `ops` is an object whose keys all start with '$' and that sits at nesting `level`.
std::vector<Op> parse_operators(const std::string& field, const json& ops, int level) {
  check_depth(level);
  std::vector<Op> out;
  out.reserve(ops.size());
  for (const auto& kv : ops.items())
    out.push_back(parse_operator(field, kv.key(), kv.value(), level));
  return out;
}

FilterNode parse_field(const std::string& field, const json& condition, int level) {
  FilterNode node;
  node.kind = FilterNode::Kind::Field;
  node.path = split_path(field);
  node.path_text = field;
  size_t operator_keys = 0;
  if (condition.is_object()) {
    for (const auto& kv : condition.items()) operator_keys += is_operator_key(kv.key()) ? 1 : 0;
  }
  if (operator_keys > 0 && operator_keys != condition.size()) {
    fail("filter: the condition for field " + quoted(field) +
         " mixes operators and plain keys; use either operators ({\"$gt\": 1, \"$lt\": 5}) or "
         "a plain object for exact equality ({\"k\": \"v\"})");
  }
  if (operator_keys > 0) {
    node.ops = parse_operators(field, condition, level + 1);
  } else {
    // A plain value, including a plain object, is shorthand for $eq.
    check_literal(condition, level + 1);
    Op op;
    op.kind = OpKind::Eq;
    op.literal = make_literal(condition);
    node.ops.push_back(std::move(op));
  }
  return node;
}

FilterNode parse_document(const json& doc, int level);

FilterNode parse_logical(const std::string& name, const json& branches, int level) {
  // An empty list is allowed, as in Vectra: $and [] and $nor [] hold, $or [] does not.
  if (!branches.is_array()) {
    fail("filter: " + name + " needs an array of filter objects, e.g. {\"" + name +
         "\": [{\"a\": 1}, {\"b\": 2}]}, got " + describe(branches));
  }
  FilterNode node;
  node.kind = name == "$and"  ? FilterNode::Kind::And
              : name == "$or" ? FilterNode::Kind::Or
                              : FilterNode::Kind::Nor;
  node.children.reserve(branches.size());
  for (size_t k = 0; k < branches.size(); ++k) {
    if (!branches[k].is_object()) {
      fail("filter: " + name + "[" + std::to_string(k) + "] must be a filter object such as " +
           "{\"a\": 1}, got " + describe(branches[k]));
    }
    node.children.push_back(parse_document(branches[k], level + 1));
  }
  return node;
}

// A filter object (the top level or an $and/$or/$nor branch) at nesting `level`.
FilterNode parse_document(const json& doc, int level) {
  check_depth(level);
  FilterNode node;
  node.kind = FilterNode::Kind::And;  // keys of one object are implicitly ANDed
  for (const auto& kv : doc.items()) {
    const std::string& key = kv.key();
    if (!is_operator_key(key)) {
      node.children.push_back(parse_field(key, kv.value(), level));
    } else if (key == "$and" || key == "$or" || key == "$nor") {
      node.children.push_back(parse_logical(key, kv.value(), level));
    } else {
      fail("filter: unknown top-level operator " + quoted(key) +
           "; only $and, $or and $nor may appear there, other operators go under a field, e.g. "
           "{\"price\": {\"$gt\": 5}}; supported: " +
           kSupportedOperators);
    }
  }
  if (node.children.size() == 1) return std::move(node.children.front());
  return node;
}

// ---------------------------------------------------------------------------------------------
// Evaluation. A path usually resolves to one value or to "absent" (nullptr). When it crosses an
// array it fans out as in MongoDB: "a.b" on {"a": [{"b": 1}, {"b": 2}]} yields 1 and 2, a
// numeric segment also selects an array position, and an operator holds if any value satisfies
// it. Visitors return true to stop early.

template <class Pred>
bool visit_array(const json::array_t& arr, const Segment* seg, const Segment* end, Pred& pred);

template <class Pred>
bool visit_path(const json& start, const Segment* seg, const Segment* end, Pred& pred) {
  const json* cur = &start;
  for (; seg != end; ++seg) {
    if (const auto* obj = cur->get_ptr<const json::object_t*>()) {
      const auto it = obj->find(seg->name);
      if (it == obj->end()) return pred(nullptr);
      cur = &it->second;
    } else if (const auto* arr = cur->get_ptr<const json::array_t*>()) {
      return visit_array(*arr, seg, end, pred);
    } else {
      return pred(nullptr);  // a path through a scalar leads nowhere
    }
  }
  return pred(cur);
}

template <class Pred>
bool visit_array(const json::array_t& arr, const Segment* seg, const Segment* end, Pred& pred) {
  bool reached = false;
  if (seg->index < arr.size()) {
    reached = true;
    if (visit_path(arr[seg->index], seg + 1, end, pred)) return true;
  }
  // Like MongoDB, only one level of arrays is looked through: nested arrays are skipped.
  for (const json& element : arr) {
    if (!element.is_object()) continue;
    reached = true;
    if (visit_path(element, seg, end, pred)) return true;
  }
  return !reached && pred(nullptr);
}

class Candidates {
 public:
  Candidates(const json& root, const Path& path) noexcept : end_(path.data() + path.size()) {
    // Metadata that is not an object has no fields (an array root must not answer "0").
    const json* cur = root.is_object() ? &root : nullptr;
    if (cur == nullptr) return;
    for (const Segment* seg = path.data(); seg != end_; ++seg) {
      if (const auto* obj = cur->get_ptr<const json::object_t*>()) {
        const auto it = obj->find(seg->name);
        cur = it == obj->end() ? nullptr : &it->second;
      } else if (cur->is_array()) {
        fanout_ = seg;  // resume from here in any()
        break;
      } else {
        cur = nullptr;
      }
      if (cur == nullptr) break;
    }
    value_ = cur;
  }

  // True if pred holds for some value at the path; pred(nullptr) asks about "absent".
  template <class Pred>
  bool any(Pred pred) const noexcept {
    if (fanout_ == nullptr) return pred(value_);
    return visit_array(*value_->get_ptr<const json::array_t*>(), fanout_, end_, pred);
  }

 private:
  const Segment* end_;
  const Segment* fanout_ = nullptr;
  const json* value_ = nullptr;  // the value, or the array where fan-out starts
};

// $eq/$in/comparisons on an array field also look at its elements (one level).
template <class Test>
bool self_or_element(const json& v, Test test) noexcept {
  if (test(v)) return true;
  if (const auto* arr = v.get_ptr<const json::array_t*>()) {
    for (const json& element : *arr) {
      if (test(element)) return true;
    }
  }
  return false;
}

bool equals_pred(const json* v, const Literal& lit) noexcept {
  if (v == nullptr) return lit.type == Literal::Type::Null;  // {a: null} matches absent a
  return self_or_element(*v, [&](const json& x) { return literal_equals(x, lit); });
}

bool in_pred(const json* v, const InSet& set) noexcept {
  if (v == nullptr) return set.has_null;
  return self_or_element(*v, [&](const json& x) { return set.contains(x); });
}

// $gt $gte $lt $lte compare numbers only, as Vectra's do: a string field never satisfies them,
// and neither does anything against a string operand.
bool ordered_pred(const json* v, const Op& op) noexcept {
  if (v == nullptr || op.literal.type != Literal::Type::Number) return false;
  return self_or_element(*v, [&](const json& x) {
    Num n;
    if (!to_num(x, &n)) return false;
    const int c = cmp_num(n, op.literal.n);
    if (c == kUnordered) return false;
    switch (op.kind) {
      case OpKind::Gt:
        return c > 0;
      case OpKind::Gte:
        return c >= 0;
      case OpKind::Lt:
        return c < 0;
      default:
        return c <= 0;
    }
  });
}

bool eval_ops(const std::vector<Op>& ops, const Candidates& at) noexcept;

bool eval_op(const Op& op, const Candidates& at) noexcept {
  switch (op.kind) {
    case OpKind::Eq:
      return at.any([&](const json* v) { return equals_pred(v, op.literal); });
    case OpKind::Ne:
      return !at.any([&](const json* v) { return equals_pred(v, op.literal); });
    case OpKind::Gt:
    case OpKind::Gte:
    case OpKind::Lt:
    case OpKind::Lte:
      return at.any([&](const json* v) { return ordered_pred(v, op); });
    case OpKind::In:
      return at.any([&](const json* v) { return in_pred(v, *op.set); });
    case OpKind::Nin:
      return !at.any([&](const json* v) { return in_pred(v, *op.set); });
    case OpKind::Exists:
      return at.any([](const json* v) { return v != nullptr; }) == op.exists;
    case OpKind::Not:
      return !eval_ops(op.inner, at);
  }
  return false;
}

bool eval_ops(const std::vector<Op>& ops, const Candidates& at) noexcept {
  for (const Op& op : ops) {
    if (!eval_op(op, at)) return false;
  }
  return true;
}

bool eval_node(const FilterNode& node, const json& metadata) noexcept {
  switch (node.kind) {
    case FilterNode::Kind::And:
      for (const FilterNode& c : node.children) {
        if (!eval_node(c, metadata)) return false;
      }
      return true;
    case FilterNode::Kind::Or:
      for (const FilterNode& c : node.children) {
        if (eval_node(c, metadata)) return true;
      }
      return false;
    case FilterNode::Kind::Nor:
      for (const FilterNode& c : node.children) {
        if (eval_node(c, metadata)) return false;
      }
      return true;
    case FilterNode::Kind::Field:
      return eval_ops(node.ops, Candidates(metadata, node.path));
  }
  return false;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

Filter::Filter() = default;
Filter::~Filter() = default;
Filter::Filter(Filter&&) noexcept = default;
Filter& Filter::operator=(Filter&&) noexcept = default;

Filter Filter::parse(const std::string& json_text) {
  const bool blank = std::all_of(json_text.begin(), json_text.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  });
  if (blank) return Filter();
  // Nesting is bounded on the text, before parsing: see util/json_text.h.
  const size_t depth = util::json_nesting_depth(json_text);
  if (depth > Limits::kMaxJsonDepth) {
    throw Error(ErrorCode::Limit, "filter: nesting is " + std::to_string(depth) +
                                      " levels deep, deeper than " + std::to_string(kMaxDepth) +
                                      " levels ($and/$or/$nor branches, $not, objects and "
                                      "arrays each add one); flatten the filter");
  }
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception& e) {
    // parse_error for bad syntax, but also out_of_range for a number beyond double ("1e400").
    fail(std::string("filter is not valid JSON: ") + e.what() +
         "; pass a JSON object such as {\"field\": value}, or \"\" to match everything");
  }
  return parse(doc);
}

Filter Filter::parse(const json& doc) {
  if (!doc.is_object()) {
    fail("filter must be a JSON object such as {\"field\": value}, got " + describe(doc));
  }
  Filter filter;
  if (doc.empty()) return filter;
  try {
    filter.root_ = std::make_unique<FilterNode>(parse_document(doc, 1));
  } catch (const json::exception& e) {
    // Validation inspects types before every access, so this is a bug, not bad input.
    throw Error(ErrorCode::Internal, std::string("filter: unexpected JSON error: ") + e.what());
  }
  return filter;
}

bool Filter::empty() const noexcept { return root_ == nullptr; }

const FilterNode* Filter::root() const noexcept { return root_.get(); }

void visit_path_values(const json& root, const Path& path,
                       const std::function<void(const json*)>& visit) {
  const Candidates at(root, path);
  at.any([&](const json* v) {
    visit(v);
    return false;  // every value
  });
}

Path split_field_path(const std::string& field) { return split_path(field); }

bool Filter::matches(const json& metadata) const noexcept {
  return root_ == nullptr || eval_node(*root_, metadata);
}

}  // namespace quiver::query
