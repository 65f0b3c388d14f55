#include "query/metadata_columns.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <utility>

namespace quiver::query {

using json = nlohmann::json;

// ---- StringDictionary ----

uint32_t StringDictionary::intern(const std::string& s) {
  return ids_.try_emplace(s, static_cast<uint32_t>(ids_.size())).first->second;
}

bool StringDictionary::find(const std::string& s, uint32_t* id) const {
  const auto it = ids_.find(s);
  if (it == ids_.end()) return false;
  *id = it->second;
  return true;
}

// ---- SortedPostings ----

namespace {

using Entry = std::pair<double, uint64_t>;

// Appends the sorted `more` to the sorted `into`, keeping it sorted.
void merge_into(std::vector<Entry>& into, const std::vector<Entry>& more) {
  const size_t middle = into.size();
  into.insert(into.end(), more.begin(), more.end());
  std::inplace_merge(into.begin(), into.begin() + static_cast<ptrdiff_t>(middle), into.end());
}

std::pair<std::vector<Entry>::const_iterator, std::vector<Entry>::const_iterator> range_of(
    const std::vector<Entry>& sorted, double lo, double hi) {
  const auto first = std::lower_bound(sorted.begin(), sorted.end(), lo,
                                      [](const Entry& e, double key) { return e.first < key; });
  const auto last = std::upper_bound(first, sorted.end(), hi,
                                     [](double key, const Entry& e) { return key < e.first; });
  return {first, last};
}

// Calls `f(label)` for every entry of the three levels with lo <= key <= hi.
template <typename F>
void for_each_in(const std::vector<Entry>& sorted, const std::vector<Entry>& recent,
                 const std::vector<Entry>& tail, double lo, double hi, F&& f) {
  for (const auto* run : {&sorted, &recent}) {
    const auto [first, last] = range_of(*run, lo, hi);
    for (auto it = first; it != last; ++it) f(it->second);
  }
  for (const auto& e : tail) {
    if (e.first >= lo && e.first <= hi) f(e.second);
  }
}

}  // namespace

void SortedPostings::add(double key, uint64_t label) {
  tail_.emplace_back(key, label);
  if (tail_.size() >= kTail) settle_tail();
}

void SortedPostings::settle_tail() {
  // Amortized: the tail's sort and merge cost |recent| / kTail moves per addition, and the
  // recent run's merge into the main run |sorted| / (|sorted| / 8) = 8 moves per addition.
  std::sort(tail_.begin(), tail_.end());
  merge_into(recent_, tail_);
  tail_.clear();
  if (recent_.size() >= 1024 + sorted_.size() / 8) {
    merge_into(sorted_, recent_);
    recent_.clear();
  }
}

void SortedPostings::compact() {
  std::sort(tail_.begin(), tail_.end());
  merge_into(recent_, tail_);
  tail_.clear();
  merge_into(sorted_, recent_);
  recent_.clear();
  sorted_.shrink_to_fit();
}

void SortedPostings::clear() {
  sorted_.clear();
  recent_.clear();
  tail_.clear();
}

size_t SortedPostings::count(double lo, double hi) const {
  size_t n = 0;
  for (const auto* run : {&sorted_, &recent_}) {
    const auto [first, last] = range_of(*run, lo, hi);
    n += static_cast<size_t>(last - first);
  }
  for (const auto& e : tail_) n += (e.first >= lo && e.first <= hi) ? 1 : 0;
  return n;
}

void SortedPostings::collect(double lo, double hi, std::vector<uint64_t>& out) const {
  for_each_in(sorted_, recent_, tail_, lo, hi, [&](uint64_t label) { out.push_back(label); });
}

void SortedPostings::collect_bits(double lo, double hi, std::vector<uint64_t>& words) const {
  const uint64_t end = static_cast<uint64_t>(words.size()) * 64;
  for_each_in(sorted_, recent_, tail_, lo, hi, [&](uint64_t label) {
    if (label < end) words[label >> 6] |= uint64_t{1} << (label & 63);
  });
}

// ---- Column ----

namespace {

Atom atom_of(const json& v, StringDictionary& dict) {
  Atom a;
  switch (v.type()) {
    case json::value_t::null:
      a.type = AtomType::Null;
      break;
    case json::value_t::boolean:
      a.type = v.get<bool>() ? AtomType::True : AtomType::False;
      break;
    case json::value_t::string:
      a.type = AtomType::String;
      a.id = dict.intern(*v.get_ptr<const std::string*>());
      break;
    case json::value_t::array:
    case json::value_t::object:
      a.type = AtomType::Composite;
      a.id = dict.intern(canonical_text(v));
      break;
    default:
      a.type = AtomType::Number;
      to_num(v, &a.num);
      break;
  }
  return a;
}

}  // namespace

void Column::put(uint64_t label, const json& doc, StringDictionary& dict) {
  if (label >= cells_.size()) {
    const size_t size = std::max<size_t>(label + 1, cells_.size() + cells_.size() / 2);
    cells_.resize(size, Cell::Absent);
    numbers_.resize(size, 0);
    ids_.resize(size, 0);
  }
  erase(label);
  ValueBag bag;
  size_t yields = 0;
  visit_path_values(doc, path_, [&](const json* v) {
    ++yields;
    if (v == nullptr) {
      bag.absent = true;
      return;
    }
    bag.present = true;
    bag.atoms.push_back(atom_of(*v, dict));
    if (v->is_array()) {
      for (const json& element : *v) bag.atoms.push_back(atom_of(element, dict));
    }
  });
  Cell cell = Cell::Bag;
  if (yields == 1 && bag.absent) {
    cell = Cell::Absent;
  } else if (yields == 1 && bag.atoms.size() == 1) {
    const Atom& a = bag.atoms.front();
    switch (a.type) {
      case AtomType::Null: cell = Cell::Null; break;
      case AtomType::False: cell = Cell::False; break;
      case AtomType::True: cell = Cell::True; break;
      case AtomType::String:
        cell = Cell::String;
        ids_[label] = a.id;
        break;
      case AtomType::Number:
        if (exact_double(a.num, &numbers_[label])) cell = Cell::Number;
        break;
      case AtomType::Composite:
        break;  // an empty array or an object: a bag keeps its composite atom
    }
  }
  if (cell == Cell::Bag) {
    uint32_t slot;
    if (!free_bags_.empty()) {
      slot = free_bags_.back();
      free_bags_.pop_back();
      bags_[slot] = std::move(bag);
    } else {
      slot = static_cast<uint32_t>(bags_.size());
      bags_.push_back(std::move(bag));
    }
    ids_[label] = slot;
  }
  cells_[label] = cell;
  index_cell(label);
}

void Column::erase(uint64_t label) {
  if (label >= cells_.size() || cells_[label] == Cell::Absent) return;
  if (cells_[label] == Cell::Bag) {
    bags_[ids_[label]] = ValueBag();
    free_bags_.push_back(ids_[label]);
  }
  if (cells_[label] != Cell::Null) ++stale_;  // its index entries now point at nothing
  cells_[label] = Cell::Absent;
}

namespace {

// The index key of a number: NaN is left out (it equals and orders against nothing); integers
// beyond 2^53 go in rounded (lookups use inclusive bounds, so they are still found).
bool number_key(const Num& n, double* key) {
  double d = n.kind == Num::Kind::Int    ? static_cast<double>(n.i)
             : n.kind == Num::Kind::Uint ? static_cast<double>(n.u)
                                         : n.f;
  if (std::isnan(d)) return false;
  *key = d;
  return true;
}

}  // namespace

void Column::index_cell(uint64_t label) {
  switch (cells_[label]) {
    case Cell::Absent:
    case Cell::Null:  // null is matched by absent too: never answered from the index
      return;
    case Cell::False:
      atom_index_.add(atom_key(AtomType::False, 0), label);
      break;
    case Cell::True:
      atom_index_.add(atom_key(AtomType::True, 0), label);
      break;
    case Cell::Number:
      if (!std::isnan(numbers_[label])) number_index_.add(numbers_[label], label);
      break;
    case Cell::String:
      atom_index_.add(atom_key(AtomType::String, ids_[label]), label);
      break;
    case Cell::Bag:
      for (const Atom& a : bags_[ids_[label]].atoms) {
        double key;
        if (a.type == AtomType::Number) {
          double value;
          if (!exact_double(a.num, &value)) ++inexact_keys_;
          if (number_key(a.num, &key)) number_index_.add(key, label);
        } else if (a.type != AtomType::Null) {
          atom_index_.add(atom_key(a.type, a.id), label);
        }
      }
      break;
  }
}

void Column::reindex(const std::vector<uint8_t>& live) {
  number_index_.clear();
  atom_index_.clear();
  stale_ = 0;
  inexact_keys_ = 0;
  for (uint64_t label = 0; label < cells_.size() && label < live.size(); ++label) {
    if (live[label]) index_cell(label);
  }
  number_index_.compact();
  atom_index_.compact();
}

// ---- MetadataColumns ----

void MetadataColumns::reset(const std::vector<uint64_t>& live_labels, std::vector<std::string> indexed) {
  clear();
  indexed_ = std::move(indexed);
  for (uint64_t label : live_labels) {
    if (label >= live_.size()) live_.resize(label + 1, 0);
    live_count_ += live_[label] ? 0 : 1;
    live_[label] = 1;
  }
}

void MetadataColumns::clear() {
  std::lock_guard<std::mutex> guard(mutex_);
  live_.clear();
  live_count_ = 0;
  columns_.clear();
  dict_ = StringDictionary();
}

void MetadataColumns::set(uint64_t label, const json& doc) {
  if (label >= live_.size()) live_.resize(std::max<size_t>(label + 1, live_.size() + live_.size() / 2), 0);
  live_count_ += live_[label] ? 0 : 1;
  live_[label] = 1;
  for (auto& [path, column] : columns_) {
    column->put(label, doc, dict_);
    // A changed cell leaves its old index entries behind: rebuild once they are many.
    if (column->stale_ > 1024 + live_count_ / 4) column->reindex(live_);
  }
}

void MetadataColumns::erase(uint64_t label) {
  if (!live(label)) return;
  live_[label] = 0;
  --live_count_;
  for (auto& [path, column] : columns_) {
    column->erase(label);
    if (column->stale_ > 1024 + live_count_ / 4) column->reindex(live_);
  }
}

void MetadataColumns::ensure(const std::vector<std::string>& paths, const ParseFn& parse) const {
  std::lock_guard<std::mutex> guard(mutex_);
  std::vector<std::unique_ptr<Column>> missing;
  const auto add_missing = [&](const std::string& text) {
    if (columns_.count(text)) return;
    for (const auto& m : missing) {
      if (m->path_text_ == text) return;
    }
    auto column = std::make_unique<Column>();
    column->path_ = split_field_path(text);
    column->path_text_ = text;
    missing.push_back(std::move(column));
  };
  for (const auto& text : paths) add_missing(text);
  if (missing.empty()) return;
  // The first columns bring the configured indexed fields with them (the same parse pass).
  if (columns_.empty()) {
    for (const auto& text : indexed_) {
      try {
        add_missing(text);
      } catch (const std::exception&) {
        // A configured name that is no valid filter path: no filter can name it either.
      }
    }
  }
  for (auto& column : missing) {
    column->cells_.assign(live_.size(), Cell::Absent);
    column->numbers_.assign(live_.size(), 0);
    column->ids_.assign(live_.size(), 0);
  }
  for (uint64_t label = 0; label < live_.size(); ++label) {
    if (!live_[label]) continue;
    const json doc = parse(label);
    for (auto& column : missing) column->put(label, doc, dict_);
  }
  for (auto& column : missing) {
    column->number_index_.compact();
    column->atom_index_.compact();
    const std::string key = column->path_text_;
    columns_.emplace(key, std::move(column));
  }
}

bool MetadataColumns::has_columns(const std::vector<std::string>& paths) const {
  std::lock_guard<std::mutex> guard(mutex_);
  for (const auto& p : paths) {
    if (!columns_.count(p)) return false;
  }
  return true;
}

bool MetadataColumns::find_string(const std::string& s, uint32_t* id) const {
  std::lock_guard<std::mutex> guard(mutex_);
  return dict_.find(s, id);
}

const Column* MetadataColumns::column(const std::string& path_text) const {
  std::lock_guard<std::mutex> guard(mutex_);
  const auto it = columns_.find(path_text);
  return it == columns_.end() ? nullptr : it->second.get();
}

}  // namespace quiver::query
