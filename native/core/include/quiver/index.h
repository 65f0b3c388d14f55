// The public entry point of the core: one Index per folder. Thread-safe: many concurrent reads,
// writes serialized. SQLite is the source of truth; the HNSW graph is a rebuildable cache.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "quiver/config.h"
#include "quiver/error.h"
#include "quiver/item.h"

namespace quiver {

namespace query {
struct QueryRequest;
}

// The options of the convenience query() below; bindings send query::QueryRequest instead.
struct QueryOptions {
  int top_k = 10;
  std::string filter_json;  // empty: no filter
  int ef_search = 0;        // 0: the index's configured efSearch
};

// Options of one write call (insertItems' `threads` and `signal`).
struct WriteOptions {
  // Threads that build the graph: 0 = every core. Validation and the SQLite transaction are one
  // thread either way.
  unsigned threads = 0;
  // Set to non-zero (by another thread: the binding's abort signal) to stop the write before it
  // commits: the transaction rolls back and the call throws Aborted. Once committed, a write is
  // never undone. Read with relaxed atomic loads; null: cannot be aborted.
  const int32_t* abort_flag = nullptr;
};

class Index {
 public:
  // Folder-level operations.
  static bool exists(const std::string& folder);
  // Creates the folder and database. Throws AlreadyExists ("Index already exists") unless
  // delete_if_exists, in which case the old index is removed first.
  static void create(const std::string& folder, const IndexConfig& config, bool delete_if_exists);
  // Removes the index files (and the folder if it is then empty). No-op if absent.
  static void destroy(const std::string& folder);
  // Throws NotFound ("Index does not exist") when absent; rebuilds the HNSW cache if needed.
  static std::unique_ptr<Index> open(const std::string& folder);
  // The same with options of this open only (parse_open_options: the query cache's size).
  static std::unique_ptr<Index> open(const std::string& folder, const std::string& options_json);

  ~Index();
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  IndexStats stats() const;
  // The SIMD level the distance kernels run at in this process: "avx512" | "avx2" | "sse4" |
  // "scalar" | "wasm-simd128" (chosen once per process; QUIVER_SIMD overrides). The graph's
  // stored form is IndexConfig::quantization, reported in stats().config_json.
  static const char* simd_kernel();
  // getIndexInfo's JSON: {dimensions, metric, hnsw: {M, efConstruction, efSearch},
  // quantization: "f32", simd: "avx512" | ..., shards: [{items, bytes, fileBytes}]} (bytes: the
  // shard's graph in memory; fileBytes: its file, 0 before the first save).
  std::string info_json() const;

  // Staged updates (Vectra's beginUpdate/endUpdate/cancelUpdate). While an update is open,
  // insert/upsert/remove stage their changes (validated immediately, invisible to readers) and
  // end_update commits them all in one transaction.
  void begin_update();
  void end_update();
  void cancel_update();
  bool update_in_progress() const;

  // Each call is all-or-nothing: either every item is valid and the whole batch commits in one
  // transaction (or is staged), or an Error is thrown and nothing changes. Returns the ids.
  std::vector<std::string> insert(const std::vector<ItemInput>& items);  // duplicates: error
  std::vector<std::string> upsert(const std::vector<ItemInput>& items);  // replace if present
  // The same with WriteOptions (threads, abort).
  std::vector<std::string> insert(const std::vector<ItemInput>& items, const WriteOptions& options);
  std::vector<std::string> upsert(const std::vector<ItemInput>& items, const WriteOptions& options);
  // Makes room in the graph for `additional` more items (an index without dimensions yet: no-op).
  void reserve(size_t additional);
  void remove(const std::vector<std::string>& ids);                      // unknown ids: no-op
  // Deletes every item whose metadata matches the filter (non-empty JSON object; "{}" or ""
  // deletes nothing and is InvalidArgument), in one transaction; returns how many. A bad filter
  // throws before anything is written. Not while an update is open (InvalidState).
  size_t remove_by_metadata(const std::string& filter_json);

  // ---- Reads: answered from memory (no SQLite read, no JSON parsed), one packed result each.
  PackedItems get_packed(const std::string& id) const;                 // 0 or 1 item
  PackedItems list_packed(const std::string& filter_json = "") const;  // insertion order
  // How many items match the filter ("" or "{}": all items). Counts from memory.
  size_t count(const std::string& filter_json = "") const;
  // Nearest neighbours, keyword (BM25) or hybrid search (query/request.h).
  PackedItems query(const query::QueryRequest& request) const;
  // The same two reads, answered on the calling thread only when that cannot wait or take
  // long: no writer holds the index, no other process committed since the last refresh, and the
  // work is small (query::runs_inline). False: nothing was done; call the blocking form (from a
  // worker thread). Bindings answer small reads inline this way: a thread-pool hop costs more
  // than a small search.
  bool try_get_packed(const std::string& id, PackedItems* out) const;
  bool try_query(const query::QueryRequest& request, PackedItems* out) const;
  // For a binding that set request.delivery_recorded_by_caller: the answer to `request` has been
  // handed to the caller (converted); records the query's latency from request.received.
  void query_delivered(const query::QueryRequest& request) const;

  // ---- Query cursors (query/cursor.h; queryStream in the bindings): a nearest-neighbour
  // search handed out in batches. options_json: {efSearch?, filter?, maxResults?}.
  uint64_t open_cursor(VectorView vector, const std::string& options_json);
  // The next results (at most `count`, 1..10000), best first after the previous batch; an empty
  // result when the stream is finished. InvalidState once the cursor is closed.
  PackedItems cursor_next(uint64_t cursor, double count);
  void close_cursor(uint64_t cursor);  // frees it at once; an unknown (closed) cursor: no-op
  size_t open_cursor_count() const;
  // The same two calls on the caller's thread, only when that cannot wait or take long (as
  // try_query): false means nothing was done; use the blocking form from a worker thread.
  bool try_open_cursor(VectorView vector, const std::string& options_json, uint64_t* cursor);
  bool try_cursor_next(uint64_t cursor, double count, PackedItems* out);
  size_t cursor_memory_bytes() const;  // held by the open cursors

  // Convenience for C++ callers (tests, tools): the same reads, unpacked into objects.
  std::optional<Item> get(const std::string& id) const;
  std::vector<Item> list(const std::string& filter_json = "") const;
  std::vector<QueryHit> query(VectorView vector, const QueryOptions& options) const;
  // options_json as for query::parse_query_request (keyword or hybrid when it has "text").
  std::vector<QueryHit> search(VectorView vector, const std::string& options_json) const;

  // Performance figures measured in the core (metrics/performance.cpp), as JSON: query latency
  // percentiles over a recent window, queries and inserts per second, the query cache, items,
  // bytes on disk and in memory, per shard, open streams.
  std::string performance_metrics() const;
  // The same after recording latencies the caller measured for its earlier queries:
  // options {"callerLatencies": [µs, ...]} (query/request.h), or empty.
  std::string performance_metrics(const std::string& options_json) const;

  // Verifies the HNSW cache against SQLite and rebuilds it if they disagree; returns a report.
  std::string verify();

  // Saves the HNSW cache and closes the database. Further calls throw Closed. Idempotent.
  void close();

  struct Impl;  // opaque; defined in src/index/index_impl.h

 private:
  explicit Index(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace quiver
