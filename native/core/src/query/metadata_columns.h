// Metadata in the typed form filters test: one column per field path a filter has used (and per
// `metadata_config.indexed` field), each cell the value(s) that path reaches in one item, plus a
// field index over the column. Replaces the parsed JSON tree per item: a filter is compiled
// against these columns once per query (compiled_filter.h) and tests a candidate in nanoseconds.
//
// A cell is what MongoDB's path rules make of the item (filter_ast.h, visit_path_values): most
// paths reach one scalar, stored inline (a number as a double when the double is exact, a string
// as an id in the interned dictionary); anything else (arrays, fan-out through arrays of objects,
// objects, integers beyond 2^53) becomes a bag: whether "absent" was reached, whether a value
// was, and every value and array element as a typed atom (objects and arrays as the interned
// canonical text, so deep equality is an id comparison).
//
// Cells are indexed by label (labels are SQLite rowids: dense, never reused), like ItemTable.
// Columns are built on first use from the stored metadata text (one parse of every item, for
// every missing path at once) and kept up to date by every write from then on.
//
// Threads: writes (set/erase/clear) run under the index's exclusive lock. ensure() runs under
// the shared lock, possibly in several readers at once: it builds under its own mutex and
// publishes a finished column; a published column only changes under the exclusive lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "query/filter_ast.h"

namespace quiver::query {

enum class AtomType : uint8_t { Null, False, True, Number, String, Composite };

struct Atom {
  AtomType type = AtomType::Null;
  uint32_t id = 0;  // String / Composite: dictionary id
  Num num;          // Number
};

// The cell kinds; Absent also stands for labels that have no cell.
enum class Cell : uint8_t { Absent, Null, False, True, Number, String, Bag };

struct ValueBag {
  bool absent = false;   // some branch of the path led nowhere
  bool present = false;  // some value was reached
  std::vector<Atom> atoms;
};

// Interned strings (values and composite canonical texts). Ids are stable; never shrinks while
// the columns live (cleared with them).
class StringDictionary {
 public:
  uint32_t intern(const std::string& s);
  // The id of `s`, or false when no item has ever held it (then nothing can equal it).
  bool find(const std::string& s, uint32_t* id) const;
  size_t size() const { return ids_.size(); }

 private:
  std::unordered_map<std::string, uint32_t> ids_;
};

// Sorted (key, label) entries, with recent additions in two smaller levels so that a lookup
// stays a few binary searches however the entries arrived: a short unsorted tail (at most
// kTail entries, scanned) merged into a sorted `recent` run, itself merged into the main run when
// it reaches an eighth of it. Entries may be stale (the label changed or left since), so every
// candidate is re-tested against the cells.
class SortedPostings {
 public:
  void add(double key, uint64_t label);
  // Everything into the main run (after a bulk build: lookups are then one binary search).
  void compact();
  void clear();
  // Entries with lo <= key <= hi (superset of the matches; may repeat a label).
  size_t count(double lo, double hi) const;
  void collect(double lo, double hi, std::vector<uint64_t>& out) const;
  // The same entries as bits of `words` (bit `label`; labels at or beyond 64 * words.size() are
  // left out: the caller sizes the bitmap to every label).
  void collect_bits(double lo, double hi, std::vector<uint64_t>& words) const;
  size_t size() const { return sorted_.size() + recent_.size() + tail_.size(); }

 private:
  static constexpr size_t kTail = 64;
  void settle_tail();

  std::vector<std::pair<double, uint64_t>> sorted_;
  std::vector<std::pair<double, uint64_t>> recent_;
  std::vector<std::pair<double, uint64_t>> tail_;
};

class Column {
 public:
  const Path& path() const { return path_; }
  const std::string& path_text() const { return path_text_; }

  Cell cell(uint64_t label) const noexcept {
    return label < cells_.size() ? cells_[label] : Cell::Absent;
  }
  double number(uint64_t label) const noexcept { return numbers_[label]; }    // Cell::Number
  uint32_t string_id(uint64_t label) const noexcept { return ids_[label]; }    // Cell::String
  const ValueBag& bag(uint64_t label) const noexcept { return bags_[ids_[label]]; }  // Cell::Bag

  // Field index: number values (and number atoms of bags) sorted, the other atoms by
  // (type, id) key. Candidate sets are supersets (stale entries); counts are upper bounds.
  const SortedPostings& number_index() const { return number_index_; }
  const SortedPostings& atom_index() const { return atom_index_; }
  // Index entries left behind by changed or erased cells (0: every entry is current), and number
  // keys that are not their value (integers beyond 2^53, rounded): when both are 0, a lookup
  // lists exactly the labels whose cell holds a value in range.
  size_t stale_entries() const { return stale_; }
  size_t inexact_keys() const { return inexact_keys_; }
  static double atom_key(AtomType type, uint32_t id) {
    return static_cast<double>((static_cast<uint64_t>(type) << 32) | id);
  }

 private:
  friend class MetadataColumns;
  void put(uint64_t label, const nlohmann::json& doc, StringDictionary& dict);
  void erase(uint64_t label);
  void index_cell(uint64_t label);
  void reindex(const std::vector<uint8_t>& live);

  Path path_;
  std::string path_text_;
  std::vector<Cell> cells_;
  std::vector<double> numbers_;
  std::vector<uint32_t> ids_;  // string id, or bag number
  std::vector<ValueBag> bags_;
  std::vector<uint32_t> free_bags_;
  SortedPostings number_index_;
  SortedPostings atom_index_;
  size_t stale_ = 0;  // index entries left behind by changed or erased cells
  size_t inexact_keys_ = 0;
};

class MetadataColumns {
 public:
  using ParseFn = std::function<nlohmann::json(uint64_t label)>;

  // Starts tracking these live labels (no column yet). `indexed`: paths built with the first
  // columns even before a filter names them (metadata_config.indexed).
  void reset(const std::vector<uint64_t>& live_labels, std::vector<std::string> indexed);
  void clear();

  // Writes (exclusive lock): the item's parsed metadata object.
  void set(uint64_t label, const nlohmann::json& doc);
  void erase(uint64_t label);

  // Builds the columns of `paths` that do not exist yet, parsing each live item once with
  // `parse` (which throws for damaged metadata). Shared lock: see the file comment.
  void ensure(const std::vector<std::string>& paths, const ParseFn& parse) const;
  // Whether every one of these paths has its column (then ensure() would build nothing).
  bool has_columns(const std::vector<std::string>& paths) const;
  // A built column (null when not built).
  const Column* column(const std::string& path_text) const;

  // The dictionary id of a string or composite canonical text (false: no item holds it).
  bool find_string(const std::string& s, uint32_t* id) const;
  size_t size() const { return live_count_; }
  // Labels are below label_end(); live(label) says which are items.
  uint64_t label_end() const { return live_.size(); }
  bool live(uint64_t label) const noexcept { return label < live_.size() && live_[label]; }

 private:
  std::vector<uint8_t> live_;
  size_t live_count_ = 0;
  std::vector<std::string> indexed_;
  mutable StringDictionary dict_;
  mutable std::map<std::string, std::unique_ptr<Column>> columns_;
  mutable std::mutex mutex_;  // guards columns_ (the map) and dict_ while ensure() builds
};

}  // namespace quiver::query
