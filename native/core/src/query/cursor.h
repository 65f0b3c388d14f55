// A resumable nearest-neighbour query: Index::open_cursor parses the request once, and each
// cursor_next(n) hands out the next n results, continuing the same search (bindings expose it as
// queryStream). Two phases:
// 1. a graph walk (ann/graph_walk.h): hnswlib's base-layer search made resumable, with the
//    query's efSearch as the width it keeps certain; results come out in the walk's order. With
//    several shards, one walk per shard, merged: each shows its next result, the best goes out;
// 2. an exact pass, once a walk cannot vouch for its next result (or at once when maxResults
//    covers every item, or when the graph was rebuilt): scans of every item for the next chunk
//    of results after the last one handed out.
// Over a quantized (f16/i8) graph both phases rank by the exact vectors, as query() does
// (query/exact_distances.h): the walk's items wait in a pool at their exact distance until no
// item the walk has yet to settle can come before them, and the exact pass scans the SQLite rows
// instead of the graph (its chunk growing with the results handed out, so that a whole stream
// costs a few scans). Each walked item's row is read once: the vector ranked is the one returned.
//
// What is guaranteed (with or without concurrent writes):
// - distances never decrease and scores never increase from one result to the next, across
//   batches; no item (label, hence id) is handed out twice;
// - with maxResults >= the number of items (or no maxResults and the stream read to its end) and
//   no writes meanwhile, every item is handed out exactly once when maxResults >= the items at
//   open (that request runs the exact pass from the start, so the order is exact); a walk-phase
//   stream is approximate like query(): an item the graph reaches only after a farther one was
//   handed out is left out (it would break the order), counted in `late`;
// - writes committed while the cursor is open (this process or another): items inserted after it
//   opened never appear (their labels are above the bound taken at open, so a deleted and
//   re-inserted id cannot appear twice); deleted items that were not handed out yet never appear;
//   an item is returned as it is when its batch is produced (current metadata and vector), and
//   one whose new distance would break the order is left out.
// Memory: the walk's O(width) ordered sets, one bit per graph slot, one bit per label, and the
// exact pass's chunk (O(batch); over a quantized graph up to 64 Ki entries, 1 MiB) — never the
// results already handed out.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "ann/graph_walk.h"
#include "query/filter.h"
#include "quiver/item.h"

#include "quiver/index.h"


namespace quiver::query {

struct CursorRequest {
  std::vector<float> vector;  // owned: the cursor outlives the call that opened it
  int ef_search = 0;          // 0: the index's setting
  Filter filter;
  uint64_t max_results = UINT64_MAX;
  bool include_vectors = true;  // "includeVectors": false, as in a query (query/request.h)
};

// What Index::open_cursor is asked for, from its options JSON parsed once: a query cursor
// ({efSearch?, filter?, maxResults?, includeVectors?} and a vector) or an item iterator ({"order":"insertion",
// filter?} and no vector: item_cursor.h). Unknown keys are rejected by name.
struct StreamRequest {
  bool item_order = false;
  CursorRequest query;  // an item iterator uses only query.filter
};
StreamRequest parse_stream_request(VectorView vector, std::string_view options_json);

// What the cursor table holds: a query cursor (below) or an item iterator (item_cursor.h).
class Cursor {
 public:
  virtual ~Cursor() = default;
  // The next results (at most n); none when finished. The index's shared lock is held.
  virtual PackedItems next(const Index::Impl& impl, size_t n) = 0;
  virtual size_t memory_bytes() const = 0;
  // Whether the next n results are cheap enough to produce on a binding's JS thread (the same
  // budget as query::runs_inline). Shared lock held.
  virtual bool cheap(const Index::Impl&, size_t) const { return false; }
};

// Opens the cursor the request asks for. Shared lock held.
std::shared_ptr<Cursor> open_cursor(const Index::Impl& impl, StreamRequest request);

// The open cursors of one index, by number. Closing (or closing the index) frees a cursor at
// once; a next() already running keeps its cursor alive until it returns.
class CursorTable {
 public:
  static constexpr size_t kMaxOpen = 10000;
  uint64_t add(std::shared_ptr<Cursor> cursor);  // Limit error beyond kMaxOpen
  std::shared_ptr<Cursor> find(uint64_t id) const;
  bool remove(uint64_t id);
  void clear();
  size_t size() const;
  size_t memory_bytes() const;

 private:
  mutable std::mutex mutex_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::shared_ptr<Cursor>> open_;
};

}  // namespace quiver::query
