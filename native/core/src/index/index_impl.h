// State behind quiver::Index. Locking: `rw` is shared by readers and exclusive for writers and
// for bringing the in-memory cache (graph + metadata) up to date; the store has its own mutex.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "ann/shard_set.h"
#include "index/item_table.h"
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

struct Index::Impl {
  static constexpr const char* kGraphFile = "shard-0.hnsw";
  // Save the graph in the write path after this many unsaved changes, so that a crash never
  // leaves more than this much for the next open to re-apply.
  static constexpr size_t kAutoSaveChanges = 50000;

  std::string folder;
  std::string graph_path;
  // The folder opened, held by a descriptor of our own (so its inode number cannot be reused
  // while we compare against it), and the (device, inode) of the folder and of its database file.
  // The graph file is only saved while they are still what we opened: an index deleted or
  // re-created under an open handle (Vectra users never close, so a handle may be closed much
  // later by the garbage collector) must not get a stale graph file written into its folder.
  // (A descriptor of the folder, never of quiver.db: closing any descriptor of a file drops the
  // process's POSIX locks on it, which SQLite's other connections rely on.)
  int folder_fd = -1;
  uint64_t folder_device = 0;
  uint64_t folder_inode = 0;
  uint64_t db_device = 0;
  uint64_t db_inode = 0;
  bool database_still_in_folder() const;
  std::unique_ptr<store::SqliteStore> store;
  std::unique_ptr<store::TextIndex> text_index;  // on store's connection; destroyed before it
  IndexConfig config;
  std::unique_ptr<ann::VectorIndex> graph;  // null while the index has no dimensions
  index::ItemTable items;  // id and metadata text of every live item: what reads return
  // Parsed metadata, for filters only. Opening parses nothing: it is built by the first filtered
  // read (under the shared lock, hence its own mutex) and kept up to date by writes from then on.
  mutable query::MetadataStore parsed;
  mutable std::atomic<bool> parsed_ready{false};
  mutable std::mutex parsed_mutex;
  uint64_t applied_seq = 0;  // the graph and metadata reflect the store up to this write
  uint64_t saved_seq = 0;    // the graph file on disk reflects this write
  size_t unsaved_changes = 0;
  std::string open_report;   // what happened to the graph file at open (for verify)
  int64_t seen_data_version = 0;  // store's data_version when the cache was last synced

  mutable std::shared_mutex rw;
  bool closed = false;

  // Hooks for what outlives one call (query cursors, the query cache; query/cursor.h,
  // query/query_cache.h): `changes` moves whenever the in-memory state changes (a write applied,
  // another process's writes caught up, a reload or rebuild), `graph_generation` whenever the
  // vector index object is replaced (its slots then mean nothing to a graph walk).
  std::atomic<uint64_t> changes{0};
  std::atomic<uint64_t> graph_generation{0};
  query::CursorTable cursors;
  mutable query::QueryCache query_cache{query::kDefaultCacheEntries, query::kDefaultCacheBytes};
  mutable metrics::LatencyWindow query_latency;  // every query() answered (query/serve.cpp)
  mutable metrics::LatencyWindow writes;         // items written by this process

  bool updating = false;
  std::vector<Op> staged;
  std::unordered_map<std::string, bool> staged_exists;  // id -> exists once staged ops apply
  uint32_t staged_dims = 0;

  // --- cache_sync.cpp: keeping graph + metadata equal to the store ---
  void load_cache();                  // at open: load or rebuild the graph, read metadata
  bool load_from_store();             // the same from a snapshot, no save; true if rebuilt
  void catch_up(uint64_t from_seq);   // apply rows/deletions committed after from_seq
  // Writes committed by other processes after applied_seq: read inside a transaction, applied
  // after it (cache_sync.cpp, "Several processes" in ARCHITECTURE.md).
  struct CatchUp {
    bool reload = false;        // the log cannot bring us up to date: load_from_store()
    int64_t data_version = 0;   // as read inside the transaction
    uint64_t seq = 0;           // the transaction's committed sequence
    size_t count = 0;           // items in the store at that point
    std::vector<int64_t> deleted;
    std::vector<store::Row> rows;
    std::vector<nlohmann::json> docs;  // parsed metadata of rows
  };
  CatchUp read_catch_up();
  void read_rows_since(uint64_t from_seq, CatchUp& gap);
  void apply_catch_up(CatchUp& gap);
  void rebuild_graph();               // from every row in the store
  void refresh_if_changed();          // another process committed: catch up (exclusive lock held)
  void save_graph(bool replace_unusable_file = false);  // write the graph file if it is behind
  std::string lock_path() const;      // the save lock, "shard-0.hnsw.lock"
  void remove_stale_temp_files();     // only with the save lock held exclusively
  std::string verify_cache();

  // --- reads.cpp ---
  const query::MetadataStore& filterable() const;  // builds `parsed` on first use
  void forget_parsed();                            // after a reload: rebuilt on next use
  // Appends one live item to a packed result (shared lock held).
  void pack(uint64_t label, PackedItems& out, double score, double distance, double vector_score,
            double text_score) const;
  PackedItems answer(const query::QueryRequest& request) const;  // shared lock held
  // --- query/serve.cpp: answer() behind the query cache, measured (shared lock held) ---
  PackedItems serve(const query::QueryRequest& request, std::chrono::steady_clock::time_point started) const;

  // --- index.cpp ---
  void check_open() const;
  void release();  // closes everything without saving the graph file (close() saves first)
  std::vector<std::string> write(Op::Kind kind, const std::vector<ItemInput>& items);
  void commit(std::vector<Op>& ops, uint32_t dims);
  void apply_to_memory(std::vector<std::pair<uint64_t, index::PreparedItem*>>& upserts,
                       const std::vector<uint64_t>& removed, uint32_t dims);
};

// Exclusive access that first brings the cache up to date with other processes' commits.
std::unique_lock<std::shared_mutex> lock_for_write(Index::Impl& impl);
// Shared access; takes the exclusive lock briefly only when another process has committed.
std::shared_lock<std::shared_mutex> lock_for_read(Index::Impl& impl);

}  // namespace quiver
