// State behind quiver::Index. Locking: `rw` is shared by readers and exclusive for writers and
// for bringing the in-memory cache (index/cache.h) up to date, `writer` serializes the exclusive
// side (see below); the store has its own mutex.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "index/cache.h"
#include "index/item_validation.h"
#include "metrics/latency_window.h"
#include "query/cursor.h"
#include "query/planner.h"
#include "query/query_cache.h"
#include "query/request.h"
#include "quiver/index.h"
#include "store/sqlite_store.h"
#include "store/text_index.h"

namespace quiver {

struct Op {
  enum class Kind { Insert, Upsert, Delete } kind;
  index::PreparedItem item;  // for Delete only item.id is set
};

// The write path and the locks around the in-memory cache (index/cache.h): index.cpp writes
// (validation -> one SQLite transaction -> cache.begin_commit / build_graph / publish_commit)
// and holds staged updates; reads.cpp answers reads from the cache.
struct Index::Impl {
  // Save the graph in the write path after this many unsaved changes, so that a crash never
  // leaves more than this much for the next open to re-apply.
  static constexpr size_t kAutoSaveChanges = 50000;

  std::unique_ptr<store::SqliteStore> store;
  std::unique_ptr<store::TextIndex> text_index;  // on store's connection; destroyed before it
  index::Cache cache;

  mutable std::shared_mutex rw;
  // Taken before `rw` by everything that takes `rw` exclusively (lock_for_write, close): a write
  // holding it can trade `rw` for its shared side while it builds the graph (readers run then;
  // Cache::build_graph) and still be the only writer, with nothing torn down under it.
  std::mutex writer;
  // Shared by every read that reads the store (a quantized item's exact vector, keyword search,
  // the item count), exclusive for a commit that deletes or updates published items while its
  // transaction runs beside readers, from before its transaction until it is published: the
  // store is ahead of the cache meanwhile, and such a read would pair an item's new row with its
  // old metadata, or miss a deleted item's row while the graph still returns it. Taken after
  // `rw` (shared), only if free: a read that must wait lets go of `rw` first (the commit needs
  // `rw` exclusively to publish), waits here, and starts again (lock_for_read).
  mutable std::shared_mutex store_gate;
  bool closed = false;

  // The options of the write call running now (set under the exclusive lock, for its duration).
  WriteOptions write_options;
  void check_not_aborted() const;  // throws Aborted when the caller's signal fired
  // What outlives one call: query cursors (query/cursor.h) and the query cache
  // (query/query_cache.h), both checked against cache.changes / cache.graph_generation; and the
  // performance figures (metrics/, reported by metrics/performance.cpp).
  query::CursorTable cursors;
  mutable query::QueryCache query_cache{query::kDefaultCacheEntries, query::kDefaultCacheBytes};
  mutable metrics::LatencyWindow query_latency;  // every query() answered (query/serve.cpp)
  mutable metrics::LatencyWindow writes;         // items written by this process
  bool metrics_on = true;  // metrics::recording_requested() when opened

  bool updating = false;
  std::vector<Op> staged;
  std::unordered_map<std::string, bool> staged_exists;  // id -> exists once staged ops apply
  uint32_t staged_dims = 0;

  // --- reads.cpp ---
  // Whether answering reads SQLite rows: a quantized graph's items are returned with their
  // exact vectors, read from the store by pack (one row per item).
  bool reads_rows() const { return cache.graph && !cache.graph->codec().exact(); }
  // Holds one read transaction in `rows` when reads_rows(), for the row reads of one result:
  // SQLite then takes and drops its file and WAL locks once, not once per row (an f16 query of
  // topK 10 with vectors: 124-127 -> 106 us; its graph search alone 95 us). Taken around the packing
  // only, never a graph search: it holds the connection's mutex, which other readers need.
  void snapshot_rows(std::optional<store::SqliteStore::ReadTxn>& rows) const {
    if (reads_rows()) rows.emplace(*store);
  }
  // Appends one live item to a packed result (shared lock held); its norm is left to
  // exact_numbers(), which every packer calls once after its last pack().
  // `slot`: where a search found it in its shard (ann::Neighbor::slot), if known. `exact`: the
  // item's vector as its row holds it, when the caller has just read that row (a quantized
  // stream ranks by it: query/exact_distances.h), so that it is not read again.
  void pack(uint64_t label, PackedItems& out, double score, double distance, double vector_score,
            double text_score, uint32_t slot = ann::Neighbor::kNoSlot, const float* exact = nullptr) const;
  // For the items packed at `from` and after: the norm, in double precision and in order (what
  // JS's loop over the returned vector gives), and with a query, the exact similarity in number
  // `slot` (1: score; 3: a hybrid hit's vector part, skipped where it is NaN) and the distance.
  // Several items at once: the stored vectors' scores are the only per-hit arithmetic of a read.
  void exact_numbers(PackedItems& out, size_t from, const float* query, size_t slot) const;
  // Whether the request re-ranks a quantized graph's candidates by their exact vectors (its own
  // "rescore", else the index's).
  bool rescores(const query::QueryRequest& request) const;
  // Whether a quantized graph answers the request alone (pack_from_graph: no row read): a vector
  // query that returns no vectors and does not rescore.
  bool answers_from_graph(const query::QueryRequest& request) const;
  // Whether answering it reads SQLite rows: a quantized graph's exact vectors, unless it
  // answers_from_graph; keyword search reads FTS5.
  bool query_reads_rows(const query::QueryRequest& request) const {
    return reads_rows() && !answers_from_graph(request);
  }
  // query_reads_rows, or a keyword or hybrid query (FTS5): the reads that take `store_gate`.
  bool query_reads_store(const query::QueryRequest& request) const {
    return request.mode != query::QueryRequest::Mode::Vector || query_reads_rows(request);
  }
  // pack() of a search hit from the graph alone: score and distance as found, the norm the item
  // table keeps (a quantized index), no vector and no row read.
  void pack_from_graph(const ann::Neighbor& n, PackedItems& out) const;
  PackedItems answer(const query::QueryRequest& request) const;  // shared lock held
  PackedItems answer_with_vectors(const query::QueryRequest& request) const;  // answer() before "includeVectors"
  // --- query/serve.cpp: answer() behind the query cache, measured (shared lock held) ---
  PackedItems serve(const query::QueryRequest& request, std::chrono::steady_clock::time_point started) const;
  // When the query's latency starts (its `received`, else now; unset when nothing needs it).
  std::chrono::steady_clock::time_point query_started(const query::QueryRequest& request) const;
  // Records the latency unless the binding does it at delivery (Index::query_delivered).
  void record_latency(const query::QueryRequest& request, std::chrono::steady_clock::time_point started) const;
  // Latencies its caller measured for earlier queries (QueryRequest::caller_latencies_us).
  void record_caller_latencies(const std::vector<double>& us) const;  // microseconds

  // --- index.cpp ---
  void check_open() const;
  void release();  // closes everything without saving the graph file (close() saves first)
  std::vector<std::string> write(Op::Kind kind, const std::vector<ItemInput>& items);
  // `decide` (optional): runs inside the write transaction, once every other process's commit
  // has been applied to the cache, and appends the ops to commit (deleteItemsByMetadata finds
  // its matches there, so that no commit can come between finding and deleting them).
  void commit(std::vector<Op>& ops, uint32_t dims,
              const std::function<void(std::vector<Op>&)>& decide = nullptr);
  // Whether commit() may run the SQLite transaction with `rw` on its shared side, so that
  // searches go on meanwhile: any batch into an index whose dimensions are fixed. Nothing a
  // reader sees changes until the commit is published: the cache is changed only under the
  // exclusive lock, new labels are in no reader's cache, and a reader that reads the store
  // waits: for the connection's mutex, which the transaction holds, and after COMMIT, when the
  // batch changes published items (changes_published), for `store_gate`.
  bool transaction_beside_readers(const std::vector<Op>& ops, uint32_t dims) const;
  // Whether the batch deletes or updates an item this process's cache holds.
  bool changes_published(const std::vector<Op>& ops) const;
};

// Exclusive access (`writer`, then `rw`).
struct WriteLock {
  std::unique_lock<std::mutex> writer;
  std::unique_lock<std::shared_mutex> rw;
  void unlock() {
    rw.unlock();
    writer.unlock();
  }
};
WriteLock exclusive(Index::Impl& impl);
// Exclusive access that first brings the cache up to date with other processes' commits.
WriteLock lock_for_write(Index::Impl& impl);
// Shared access; takes the exclusive lock briefly only when another process has committed.
std::shared_lock<std::shared_mutex> lock_for_read(Index::Impl& impl);
// The same plus `store_gate` (shared) when `reads_store()` (asked with `rw` held: the graph may
// be replaced until then) says the read reads the store.
struct ReadLock {
  std::shared_lock<std::shared_mutex> rw;
  std::shared_lock<std::shared_mutex> store_gate;
};
ReadLock lock_for_read(Index::Impl& impl, const std::function<bool()>& reads_store);
// The shared lock only when it is free and the cache is current with other processes (catching
// up could take long): the condition for answering on the caller's thread. Not owned: wait.
std::shared_lock<std::shared_mutex> try_lock_current(Index::Impl& impl);
// try_lock_current for a read that answers on the caller's thread, plus, when answering reads
// the store (a quantized graph: each returned item's exact vector is a SQLite row), the
// connection's mutex and `store_gate`, also taken only if free: a pool thread may hold the mutex
// for a keyword search or a write transaction, and the caller's thread must not wait for that.
struct InlineReadLock {
  std::shared_lock<std::shared_mutex> rw;
  std::shared_lock<std::shared_mutex> store_gate;  // owned with `store`
  std::unique_lock<std::recursive_mutex> store;
  bool reads_rows = false;  // answering reads rows from the store (store is held when owned())
  bool owned() const { return rw.owns_lock(); }
};
InlineReadLock try_lock_inline(Index::Impl& impl);
// The same for a read that knows better whether it reads rows (asked once the shared lock is
// held: the graph may be replaced until then).
InlineReadLock try_lock_inline(Index::Impl& impl, const std::function<bool()>& reads_rows);

}  // namespace quiver
