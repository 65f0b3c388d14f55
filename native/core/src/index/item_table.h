// The id and metadata (JSON text, as stored) of every live item, in memory: with the vectors in
// the vector index, this is what reads return, so that get/list/query never touch SQLite.
// Built at open from one scan of the store, without parsing any JSON; kept equal to the store by
// the write path and the cross-process catch-up (index/cache.cpp).
//
// Compact on purpose (most of an index's memory is its items): the bytes of every id and
// metadata text live in one arena, an entry is 32 bytes, the label -> entry map is an array
// indexed by label (labels are SQLite rowids: dense, never reused) and the id -> entry index is
// an open-addressing table of 32-bit entry numbers. About 44–52 bytes per item beyond its own text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

namespace quiver::index {

class ItemTable {
 public:
  static constexpr float kNoNorm = std::numeric_limits<float>::quiet_NaN();
  // Adds the item or replaces its id and metadata. `has_vector` false: an item stored with an
  // empty vector (Vectra allows them): returned by reads, never in the vector index. `norm`: its
  // vector's Euclidean norm, kept for a quantized index (whose graph holds approximations), so
  // that a query without vectors reports it without reading the row (NaN: not kept).
  void put(uint64_t label, std::string_view id, std::string_view metadata_json, bool has_vector = true,
           float norm = kNoNorm);
  void erase(uint64_t label);  // no-op when absent
  void clear();

  // Filling an empty table from one scan of the store (open): append() takes the items in
  // ascending label order without indexing their ids, finish_append() then builds the id index in
  // one pass that touches nothing but the index (put() compares each probe's entry: a cache miss
  // per item at a million, a fifth of opening's time). Same result as put() for each item,
  // including a damaged store that holds one id twice (the later label wins the id).
  void append(uint64_t label, std::string_view id, std::string_view metadata_json, bool has_vector = true,
              float norm = kNoNorm);
  void finish_append();
  // append() of every item of `later` in its order: a table filled by append() from a later
  // range of labels (open's scan in two parts).
  void append_all(const ItemTable& later);

  size_t size() const { return entries_.size(); }
  size_t with_vectors() const { return entries_.size() - vectorless_; }  // = vector index size
  bool contains(uint64_t label) const { return entry_of(label) != kNone; }
  // The label of the live item with this id.
  bool find(std::string_view id, uint64_t* label) const;
  // Views into the table: valid until the next change (readers hold the index's shared lock).
  std::string_view id(uint64_t label) const;        // label must be live
  std::string_view metadata(uint64_t label) const;  // label must be live
  bool has_vector(uint64_t label) const { return !entries_[entry_of(label)].vectorless; }  // live
  float norm(uint64_t label) const { return entries_[entry_of(label)].norm; }  // live; put()'s norm
  // Every live label, ascending (= insertion order: labels only grow).
  std::vector<uint64_t> labels() const;

  // Above every label ever put (labels only grow): items with a label at or beyond a bound taken
  // earlier were inserted after it (query cursors and item iterators leave them out).
  uint64_t label_bound() const { return label_end_; }

  // Bytes held (arena + entries + maps): the memory figure reported to users.
  size_t memory_bytes() const;

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Entry {
    uint64_t label;
    uint64_t offset;  // in arena_: the id's bytes, then the metadata's
    uint32_t id_bytes : 31;  // ids are at most Limits::kMaxIdBytes
    uint32_t vectorless : 1;
    uint32_t metadata_bytes;
    // The id's hash (low 32 bits): probes compare it before touching the id's bytes, and growing
    // the index rehashes no string (at a million items both were a sixth of opening's time).
    uint32_t hash;
    float norm;  // put()'s: in what would otherwise be the entry's padding
  };
  static_assert(sizeof(Entry) == 32, "an entry stays 32 bytes");

  uint32_t entry_of(uint64_t label) const {
    return label < entry_of_label_.size() ? entry_of_label_[label] : kNone;
  }
  std::string_view id_of(const Entry& e) const { return {arena_.data() + e.offset, e.id_bytes}; }
  static uint32_t hash(std::string_view id);
  // The id's slot, or the empty slot where it would go (`h` = hash(id)).
  size_t slot_of(std::string_view id, uint32_t h) const;
  void index_insert(uint32_t entry);
  void index_erase(std::string_view id);
  void grow_index(size_t slots);  // a power of two
  void compact_arena();

  uint64_t label_end_ = 0;  // one past the highest label ever put
  size_t unindexed_ = 0;    // entries appended but not yet in the id index (append())
  std::vector<char> arena_;
  size_t garbage_bytes_ = 0;  // arena bytes of replaced or erased items
  size_t vectorless_ = 0;     // entries with vectorless set
  std::vector<Entry> entries_;
  std::vector<uint32_t> entry_of_label_;
  std::vector<uint32_t> index_;  // open addressing, linear probing; kNone: empty
};

}  // namespace quiver::index
