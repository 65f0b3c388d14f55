// Evaluation of a filter over the metadata columns. The rules are filter.cpp's, restated per cell
// kind: an operator on a field holds when it holds for some value the path reaches, and a value
// that is an array also offers its elements ($eq, $in and comparisons). In a cell those are
// already flattened: a scalar cell is one value; a bag lists every value and element as atoms
// and says whether "absent" was reached ({a: null} and $in [null] match absent).
#include "query/compiled_filter.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "query/filter_ast.h"
#include "quiver/error.h"

namespace quiver::query {

namespace {

// A literal in the column's terms.
struct TypedLiteral {
  Literal::Type type = Literal::Type::Null;
  bool b = false;
  Num num;
  double d = 0;          // num as a double, when exact
  bool exact = false;    // d is num's exact value
  bool known = false;    // String / Composite: some item holds it (id is valid)
  uint32_t id = 0;
};

struct TypedSet {
  bool has_null = false, has_true = false, has_false = false;
  std::vector<Num> numbers;       // sorted by cmp_num
  std::vector<uint32_t> strings;  // sorted ids of the strings some item holds
  std::vector<uint32_t> composites;
};

struct CompiledOp {
  OpKind kind = OpKind::Eq;
  TypedLiteral lit;
  TypedSet set;
  bool exists = true;
  std::vector<CompiledOp> inner;  // $not
};

bool num_less(const Num& a, const Num& b) { return cmp_num(a, b) == -1; }

TypedLiteral typed(const Literal& lit, const MetadataColumns& columns) {
  TypedLiteral t;
  t.type = lit.type;
  t.b = lit.b;
  t.num = lit.n;
  if (lit.type == Literal::Type::Number) t.exact = exact_double(lit.n, &t.d);
  if (lit.type == Literal::Type::String) t.known = columns.find_string(lit.s, &t.id);
  if (lit.type == Literal::Type::Composite) t.known = columns.find_string(canonical_text(lit.composite), &t.id);
  return t;
}

TypedSet typed(const InSet& set, const MetadataColumns& columns) {
  TypedSet t;
  t.has_null = set.has_null;
  t.has_true = set.has_true;
  t.has_false = set.has_false;
  t.numbers = set.numbers;  // already sorted by cmp_num
  uint32_t id;
  for (const auto& s : set.strings) {
    if (columns.find_string(s, &id)) t.strings.push_back(id);
  }
  for (const auto& c : set.composites) {
    if (columns.find_string(canonical_text(c), &id)) t.composites.push_back(id);
  }
  std::sort(t.strings.begin(), t.strings.end());
  std::sort(t.composites.begin(), t.composites.end());
  return t;
}

CompiledOp compile_op(const Op& op, const MetadataColumns& columns) {
  CompiledOp c;
  c.kind = op.kind;
  c.exists = op.exists;
  if (op.set) c.set = typed(*op.set, columns);
  c.lit = typed(op.literal, columns);
  for (const Op& i : op.inner) c.inner.push_back(compile_op(i, columns));
  return c;
}

// ---- one value against an operator ----

bool number_equals(double v, const TypedLiteral& lit) {
  if (lit.exact) return v == lit.d;
  Num n;
  n.kind = Num::Kind::Float;
  n.f = v;
  return cmp_num(n, lit.num) == 0;
}

bool atom_equals(const Atom& a, const TypedLiteral& lit) {
  switch (lit.type) {
    case Literal::Type::Null: return a.type == AtomType::Null;
    case Literal::Type::Bool: return a.type == (lit.b ? AtomType::True : AtomType::False);
    case Literal::Type::Number: return a.type == AtomType::Number && cmp_num(a.num, lit.num) == 0;
    case Literal::Type::String: return a.type == AtomType::String && lit.known && a.id == lit.id;
    case Literal::Type::Composite: return a.type == AtomType::Composite && lit.known && a.id == lit.id;
  }
  return false;
}

bool set_has_number(const TypedSet& set, const Num& n) {
  const auto it = std::lower_bound(set.numbers.begin(), set.numbers.end(), n, num_less);
  return it != set.numbers.end() && cmp_num(*it, n) == 0;
}

bool set_has_atom(const TypedSet& set, const Atom& a) {
  switch (a.type) {
    case AtomType::Null: return set.has_null;
    case AtomType::False: return set.has_false;
    case AtomType::True: return set.has_true;
    case AtomType::Number: return set_has_number(set, a.num);
    case AtomType::String: return std::binary_search(set.strings.begin(), set.strings.end(), a.id);
    case AtomType::Composite: return std::binary_search(set.composites.begin(), set.composites.end(), a.id);
  }
  return false;
}

bool ordered_holds(int c, OpKind kind) {
  if (c == kUnordered) return false;
  switch (kind) {
    case OpKind::Gt: return c > 0;
    case OpKind::Gte: return c >= 0;
    case OpKind::Lt: return c < 0;
    default: return c <= 0;
  }
}

bool ordered_double(double v, const CompiledOp& op) {
  if (op.lit.exact) {
    switch (op.kind) {
      case OpKind::Gt: return v > op.lit.d;
      case OpKind::Gte: return v >= op.lit.d;
      case OpKind::Lt: return v < op.lit.d;
      default: return v <= op.lit.d;
    }
  }
  Num n;
  n.kind = Num::Kind::Float;
  n.f = v;
  return ordered_holds(cmp_num(n, op.lit.num), op.kind);
}

// ---- one cell against an operator ("holds for some value at the path") ----

bool eq_cell(const Column& col, uint64_t label, const TypedLiteral& lit) {
  switch (col.cell(label)) {
    case Cell::Absent:
    case Cell::Null: return lit.type == Literal::Type::Null;
    case Cell::False: return lit.type == Literal::Type::Bool && !lit.b;
    case Cell::True: return lit.type == Literal::Type::Bool && lit.b;
    case Cell::Number: return lit.type == Literal::Type::Number && number_equals(col.number(label), lit);
    case Cell::String:
      return lit.type == Literal::Type::String && lit.known && col.string_id(label) == lit.id;
    case Cell::Bag: {
      const ValueBag& bag = col.bag(label);
      if (bag.absent && lit.type == Literal::Type::Null) return true;
      for (const Atom& a : bag.atoms) {
        if (atom_equals(a, lit)) return true;
      }
      return false;
    }
  }
  return false;
}

bool in_cell(const Column& col, uint64_t label, const TypedSet& set) {
  switch (col.cell(label)) {
    case Cell::Absent:
    case Cell::Null: return set.has_null;
    case Cell::False: return set.has_false;
    case Cell::True: return set.has_true;
    case Cell::Number: {
      if (set.numbers.empty()) return false;
      Num n;
      n.kind = Num::Kind::Float;
      n.f = col.number(label);
      return set_has_number(set, n);
    }
    case Cell::String:
      return std::binary_search(set.strings.begin(), set.strings.end(), col.string_id(label));
    case Cell::Bag: {
      const ValueBag& bag = col.bag(label);
      if (bag.absent && set.has_null) return true;
      for (const Atom& a : bag.atoms) {
        if (set_has_atom(set, a)) return true;
      }
      return false;
    }
  }
  return false;
}

// $gt $gte $lt $lte: numbers only (a string operand matches nothing, as in filter.cpp).
bool ordered_cell(const Column& col, uint64_t label, const CompiledOp& op) {
  if (op.lit.type != Literal::Type::Number) return false;
  switch (col.cell(label)) {
    case Cell::Number: return ordered_double(col.number(label), op);
    case Cell::Bag:
      for (const Atom& a : col.bag(label).atoms) {
        if (a.type == AtomType::Number && ordered_holds(cmp_num(a.num, op.lit.num), op.kind)) return true;
      }
      return false;
    default: return false;
  }
}

bool present_cell(const Column& col, uint64_t label) {
  switch (col.cell(label)) {
    case Cell::Absent: return false;
    case Cell::Bag: return col.bag(label).present;
    default: return true;
  }
}

bool eval_ops(const std::vector<CompiledOp>& ops, const Column& col, uint64_t label);

bool eval_op(const CompiledOp& op, const Column& col, uint64_t label) {
  switch (op.kind) {
    case OpKind::Eq: return eq_cell(col, label, op.lit);
    case OpKind::Ne: return !eq_cell(col, label, op.lit);
    case OpKind::Gt:
    case OpKind::Gte:
    case OpKind::Lt:
    case OpKind::Lte: return ordered_cell(col, label, op);
    case OpKind::In: return in_cell(col, label, op.set);
    case OpKind::Nin: return !in_cell(col, label, op.set);
    case OpKind::Exists: return present_cell(col, label) == op.exists;
    case OpKind::Not: return !eval_ops(op.inner, col, label);
  }
  return false;
}

bool eval_ops(const std::vector<CompiledOp>& ops, const Column& col, uint64_t label) {
  for (const CompiledOp& op : ops) {
    if (!eval_op(op, col, label)) return false;
  }
  return true;
}

// ---- index bounds ----

constexpr size_t kUnbounded = CompiledFilter::kUnbounded;

size_t add_bounded(size_t a, size_t b) { return (a == kUnbounded || b == kUnbounded) ? kUnbounded : a + b; }

// The index ranges one operator's matches lie in, or false when the index cannot bound them.
// `exact` (optional) receives whether the ranges hold exactly the matches, given a column whose
// index is current and whose keys are exact (Column::stale_entries, inexact_keys): then a
// strict comparison excludes its bound (the next double), else the ranges are inclusive
// supersets.
struct Range {
  const SortedPostings* postings;
  double lo, hi;
};

bool op_ranges(const CompiledOp& op, const Column& col, std::vector<Range>& out, bool* exact = nullptr) {
  const auto atom = [&](AtomType type, uint32_t id) {
    const double key = Column::atom_key(type, id);
    out.push_back({&col.atom_index(), key, key});
  };
  const auto number = [&](double lo, double hi) { out.push_back({&col.number_index(), lo, hi}); };
  const auto as_double = [](const Num& n) {
    return n.kind == Num::Kind::Int    ? static_cast<double>(n.i)
           : n.kind == Num::Kind::Uint ? static_cast<double>(n.u)
                                       : n.f;
  };
  const bool precise_column = col.stale_entries() == 0 && col.inexact_keys() == 0;
  bool is_exact = precise_column;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  bool bounded = true;
  switch (op.kind) {
    case OpKind::Eq:
      switch (op.lit.type) {
        case Literal::Type::Null: bounded = false; break;  // absent matches too
        case Literal::Type::Bool: atom(op.lit.b ? AtomType::True : AtomType::False, 0); break;
        case Literal::Type::Number: {
          const double d = as_double(op.lit.num);
          number(d, d);
          is_exact = is_exact && op.lit.exact;
          break;
        }
        case Literal::Type::String:
        case Literal::Type::Composite:
          if (op.lit.known) {
            atom(op.lit.type == Literal::Type::String ? AtomType::String : AtomType::Composite, op.lit.id);
          }
          break;  // unknown: nothing can match, an empty range list
      }
      break;
    case OpKind::In:
      if (op.set.has_null) {
        bounded = false;
        break;
      }
      if (op.set.has_true) atom(AtomType::True, 0);
      if (op.set.has_false) atom(AtomType::False, 0);
      for (const Num& n : op.set.numbers) {
        double d;
        is_exact = is_exact && exact_double(n, &d);
        d = as_double(n);
        number(d, d);
      }
      for (uint32_t id : op.set.strings) atom(AtomType::String, id);
      for (uint32_t id : op.set.composites) atom(AtomType::Composite, id);
      break;
    case OpKind::Gt:
    case OpKind::Gte:
    case OpKind::Lt:
    case OpKind::Lte: {
      if (op.lit.type != Literal::Type::Number) break;  // matches nothing
      const bool precise = precise_column && op.lit.exact;
      const double d = as_double(op.lit.num);
      is_exact = precise;
      if (op.kind == OpKind::Gt) number(precise ? std::nextafter(d, kInf) : d, kInf);
      if (op.kind == OpKind::Gte) number(d, kInf);
      if (op.kind == OpKind::Lt) number(-kInf, precise ? std::nextafter(d, -kInf) : d);
      if (op.kind == OpKind::Lte) number(-kInf, d);
      break;
    }
    default:
      bounded = false;
  }
  if (exact) *exact = bounded && is_exact;
  return bounded;
}

size_t ranges_count(const std::vector<Range>& ranges) {
  size_t n = 0;
  for (const Range& r : ranges) n += r.postings->count(r.lo, r.hi);
  return n;
}

}  // namespace

struct CompiledNode {
  enum class Kind : uint8_t { And, Or, Nor, Field };
  Kind kind = Kind::And;
  std::vector<CompiledNode> children;
  const Column* column = nullptr;
  std::vector<CompiledOp> ops;

  bool eval(uint64_t label) const noexcept {
    switch (kind) {
      case Kind::And:
        for (const auto& c : children) {
          if (!c.eval(label)) return false;
        }
        return true;
      case Kind::Or:
        for (const auto& c : children) {
          if (c.eval(label)) return true;
        }
        return false;
      case Kind::Nor:
        for (const auto& c : children) {
          if (c.eval(label)) return false;
        }
        return true;
      case Kind::Field:
        return eval_ops(ops, *column, label);
    }
    return false;
  }

  // Upper bound of matches from the indexes (kUnbounded when none applies); `best` receives the
  // ranges that give it.
  size_t bound(std::vector<Range>* best) const {
    switch (kind) {
      case Kind::Field: {
        size_t result = kUnbounded;
        for (const CompiledOp& op : ops) {
          std::vector<Range> ranges;
          if (!op_ranges(op, *column, ranges)) continue;
          const size_t n = ranges_count(ranges);
          if (n < result) {
            result = n;
            if (best) *best = std::move(ranges);
          }
        }
        return result;
      }
      case Kind::And: {
        size_t result = kUnbounded;
        for (const auto& c : children) {
          std::vector<Range> ranges;
          const size_t n = c.bound(best ? &ranges : nullptr);
          if (n < result) {
            result = n;
            if (best) *best = std::move(ranges);
          }
        }
        return result;
      }
      case Kind::Or: {
        size_t result = 0;
        std::vector<Range> all;
        for (const auto& c : children) {
          std::vector<Range> ranges;
          result = add_bounded(result, c.bound(best ? &ranges : nullptr));
          if (result == kUnbounded) return kUnbounded;
          all.insert(all.end(), ranges.begin(), ranges.end());
        }
        if (best) *best = std::move(all);
        return result;
      }
      case Kind::Nor:
        return kUnbounded;
    }
    return kUnbounded;
  }

  // A conjunct of an $and (or one operator of a field with several): its bound, and how to
  // list it.
  struct Conjunct {
    size_t count;
    const CompiledNode* node;   // an $and's child, or
    const CompiledOp* op;       // a field's operator
  };

  std::vector<Conjunct> conjuncts() const {
    std::vector<Conjunct> out;
    if (kind == Kind::Field) {
      for (const CompiledOp& op : ops) {
        std::vector<Range> ranges;
        if (op_ranges(op, *column, ranges)) out.push_back({ranges_count(ranges), nullptr, &op});
      }
    } else {
      for (const auto& c : children) {
        const size_t n = c.bound(nullptr);
        if (n != kUnbounded) out.push_back({n, &c, nullptr});
      }
    }
    std::sort(out.begin(), out.end(), [](const Conjunct& a, const Conjunct& b) { return a.count < b.count; });
    return out;
  }

  // Whether collect_bits lists exactly the matching labels (no candidate needs testing): every
  // field operator involved is answered exactly by a current index (op_ranges), an $or's
  // children all are, and an $and (or a field with several operators) intersects all of its
  // conjuncts and each is exact.
  bool exact() const {
    switch (kind) {
      case Kind::Or:
        for (const auto& c : children) {
          if (!c.exact()) return false;
        }
        return true;
      case Kind::Field:
      case Kind::And: {
        const size_t total = kind == Kind::Field ? ops.size() : children.size();
        const std::vector<Conjunct> parts = conjuncts();
        if (parts.empty() || parts.size() != total) return false;
        if (parts.back().count > kIntersectFactor * parts.front().count) return false;
        for (const Conjunct& c : parts) {
          if (c.node && !c.node->exact()) return false;
          if (c.op) {
            std::vector<Range> ranges;
            bool op_exact = false;
            op_ranges(*c.op, *column, ranges, &op_exact);
            if (!op_exact) return false;
          }
        }
        return true;
      }
      case Kind::Nor:
        return false;
    }
    return false;
  }

  // Adds (ORs) to `words` the bits of the labels that may match (a superset), composing the
  // indexes: $or unites its children's sets; an $and (and a field with several operators)
  // intersects its tightest conjunct with those others whose bound is within
  // kIntersectFactor of it (listing a much larger one costs more than testing the candidates it
  // would remove). Only for a node with a finite bound().
  void collect_bits(std::vector<uint64_t>& words) const {
    if (kind == Kind::Or) {
      for (const auto& c : children) c.collect_bits(words);
      return;
    }
    if (kind == Kind::Nor) return;
    const std::vector<Conjunct> parts = conjuncts();
    if (parts.empty()) return;
    const auto collect = [&](const Conjunct& c, std::vector<uint64_t>& into) {
      if (c.node) {
        c.node->collect_bits(into);
        return;
      }
      std::vector<Range> ranges;
      op_ranges(*c.op, *column, ranges);
      for (const Range& r : ranges) r.postings->collect_bits(r.lo, r.hi, into);
    };
    std::vector<uint64_t> mine(words.size(), 0), other;
    collect(parts.front(), mine);
    for (size_t i = 1; i < parts.size(); ++i) {
      if (parts[i].count > kIntersectFactor * parts.front().count) break;
      other.assign(words.size(), 0);
      collect(parts[i], other);
      for (size_t w = 0; w < mine.size(); ++w) mine[w] &= other[w];
    }
    for (size_t w = 0; w < words.size(); ++w) words[w] |= mine[w];
  }

  static constexpr size_t kIntersectFactor = 4;
};

namespace {

CompiledNode compile_node(const FilterNode& node, const MetadataColumns& columns) {
  CompiledNode c;
  switch (node.kind) {
    case FilterNode::Kind::And: c.kind = CompiledNode::Kind::And; break;
    case FilterNode::Kind::Or: c.kind = CompiledNode::Kind::Or; break;
    case FilterNode::Kind::Nor: c.kind = CompiledNode::Kind::Nor; break;
    case FilterNode::Kind::Field:
      c.kind = CompiledNode::Kind::Field;
      c.column = columns.column(node.path_text);
      if (c.column == nullptr) {
        throw Error(ErrorCode::Internal, "filter: no column was built for field \"" + node.path_text + "\"");
      }
      for (const Op& op : node.ops) c.ops.push_back(compile_op(op, columns));
      break;
  }
  for (const auto& child : node.children) c.children.push_back(compile_node(child, columns));
  return c;
}

void collect_paths(const FilterNode& node, std::vector<std::string>& out) {
  if (node.kind == FilterNode::Kind::Field) {
    if (std::find(out.begin(), out.end(), node.path_text) == out.end()) out.push_back(node.path_text);
  }
  for (const auto& child : node.children) collect_paths(child, out);
}

}  // namespace

CompiledFilter::CompiledFilter() = default;
CompiledFilter::~CompiledFilter() = default;
CompiledFilter::CompiledFilter(CompiledFilter&&) noexcept = default;
CompiledFilter& CompiledFilter::operator=(CompiledFilter&&) noexcept = default;

std::vector<std::string> CompiledFilter::paths_of(const Filter& filter) {
  std::vector<std::string> out;
  if (filter.root()) collect_paths(*filter.root(), out);
  return out;
}

CompiledFilter CompiledFilter::compile(const Filter& filter, const MetadataColumns& columns) {
  CompiledFilter out;
  if (filter.root()) out.root_ = std::make_unique<CompiledNode>(compile_node(*filter.root(), columns));
  return out;
}

bool CompiledFilter::matches(uint64_t label) const noexcept { return root_ == nullptr || root_->eval(label); }

size_t CompiledFilter::bound() const { return root_ ? root_->bound(nullptr) : kUnbounded; }

bool CompiledFilter::candidate_bits(uint64_t label_end, std::vector<uint64_t>& words) const {
  words.assign(static_cast<size_t>((label_end + 63) / 64), 0);
  if (!root_ || root_->bound(nullptr) == kUnbounded) return false;
  root_->collect_bits(words);
  return true;
}

bool CompiledFilter::index_exact() const {
  return root_ && root_->bound(nullptr) != kUnbounded && root_->exact();
}

void CompiledFilter::candidates(std::vector<uint64_t>& out) const {
  if (!root_) return;
  std::vector<Range> ranges;
  if (root_->bound(&ranges) == kUnbounded) return;
  for (const Range& r : ranges) r.postings->collect(r.lo, r.hi, out);
}

}  // namespace quiver::query
