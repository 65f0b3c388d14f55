// The in-memory state of one open index, kept equal to the SQLite store: the vector index
// (graph shards), the item table (ids + metadata text), the parsed metadata filters use, the
// settings, and the write sequences they reflect. It is loaded at open (graph file if it can be
// trusted, newer writes re-applied, otherwise rebuilt), catches up with other processes' commits,
// takes the write path's changes after each commit, and saves the graph file.
//
// Everything reads answer comes from here, never from SQLite. Locking is the owner's (Index::Impl):
// readers hold its shared lock, and every method that changes the cache is called with the
// exclusive lock held. The only state built under the shared lock, the parsed metadata, has its
// own mutex.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "ann/shard_set.h"
#include "index/item_table.h"
#include "index/item_validation.h"
#include "query/compiled_filter.h"
#include "query/metadata_columns.h"
#include "quiver/config.h"
#include "quiver/error.h"
#include "store/sqlite_store.h"

namespace quiver::index {

struct Cache {
  // Shard 0's file ("shard-<i>.hnsw": ann::ShardSet); its ".lock" serializes saves of the set.
  static constexpr const char* kGraphFile = "shard-0.hnsw";

  // Where the cache lives and what it mirrors. The store is owned by Index::Impl and outlives
  // every use here (release() clears the cache before the store goes).
  store::SqliteStore* store = nullptr;
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

  // ---- the state ----
  IndexConfig config;                       // the store's settings as of applied_seq
  std::unique_ptr<ann::ShardSet> graph;  // null while the index has no dimensions
  ItemTable items;  // id and metadata text of every live item: what reads return
  uint64_t applied_seq = 0;       // graph and items reflect the store up to this write
  uint64_t saved_seq = 0;         // the graph file on disk reflects this write
  size_t unsaved_changes = 0;
  int64_t seen_data_version = 0;  // the store's data_version when the cache was last synced
  std::string open_report;        // what happened to the graph file at open (for verify)
  std::string item_scan_report;   // how open read the items (for verify: one or two connections)
  // For what outlives one call (query cursors, the query cache): `changes` moves whenever the
  // state changes (a commit applied, a catch-up, a reload or rebuild, release),
  // `graph_generation` whenever `graph` is replaced (its slots then mean nothing to a walk).
  std::atomic<uint64_t> changes{0};
  std::atomic<uint64_t> graph_generation{0};

  // ---- opening and closing ----
  // Records the folder's identity and loads (or rebuilds and saves) the graph and the items.
  void open(const std::string& folder_path, store::SqliteStore& owner_store);
  bool load_from_store();  // the same from a snapshot, no save; true if the graph was rebuilt
  void release();          // drops everything (no save) and the folder descriptor

  // ---- other processes' commits ----
  // Writes committed by other processes after applied_seq: read inside a transaction, applied
  // after it ("Several processes" in ARCHITECTURE.md).
  struct CatchUp {
    bool reload = false;        // the log cannot bring us up to date: load_from_store()
    int64_t data_version = 0;   // as read inside the transaction
    uint64_t seq = 0;           // the transaction's committed sequence
    size_t count = 0;           // items in the store at that point
    std::vector<int64_t> deleted;
    std::vector<store::Row> rows;
    std::vector<nlohmann::json> docs;  // parsed metadata of rows
    // Open only: per shard, rows committed at or before this are already in its graph.
    std::vector<uint64_t> present_through;
  };
  CatchUp read_catch_up();
  void apply_catch_up(CatchUp& gap);
  void refresh_if_changed();  // another process committed: catch up
  bool is_current() const { return store->data_version_for_read() == seen_data_version; }

  // ---- this process's commits (the write path, index.cpp) ----
  // The changes of one committed transaction, `upserts` (label, validated item; the item's
  // parsed metadata is moved out) and `removed` labels, then applied_seq = seq; in three steps,
  // so that a large insert does not hold readers off while it builds the graph (`threads`
  // build it: 0 = every core): begin_commit (exclusive lock) replaces and reserves; build_graph
  // inserts the new vectors, under the shared lock when `beside_readers` (searches run meanwhile
  // and leave the new labels out: HnswShard::hide_from), else the exclusive one; publish_commit
  // (exclusive) puts the items in the item table, and the commit shows at once. The deleted
  // items go in publish_commit when `beside_readers`, else in begin_commit.
  struct PendingCommit {
    std::vector<std::pair<uint64_t, PreparedItem*>> upserts;  // final: one per label
    std::vector<uint64_t> graph_labels;  // of upserts with a vector, not in the graph yet
    std::vector<const float*> graph_vectors;
    // graph_labels from here on are published items', staged copy-on-write beside readers
    // (ShardSet::stage_update); the size when there are none, or when not beside readers.
    size_t staged_from = 0;
    std::vector<uint64_t> removed;  // deleted labels, until taken out of the graph and items
    bool beside_readers = false;
    uint64_t seq = 0;
    size_t changes = 0;
  };
  PendingCommit begin_commit(std::vector<std::pair<uint64_t, PreparedItem*>>& upserts,
                             const std::vector<uint64_t>& removed, uint64_t seq, size_t changes);
  void build_graph(PendingCommit& pending, unsigned threads);  // lock: see beside_readers
  void publish_commit(PendingCommit& pending);

  // ---- the graph file ----
  void save_graph(bool replace_unusable_file = false);  // writes the file if it is behind
  std::string verify();  // checks the graph against the store, rebuilds if they disagree

  // ---- metadata columns, for filters (query/metadata_columns.h) ----
  const query::MetadataColumns& filterable() const;  // starts the columns on first use
  // The filter compiled against the columns, its fields' columns built first if missing
  // (shared lock held: the columns have their own mutex). Empty filter: empty result.
  query::CompiledFilter compile(const query::Filter& filter) const;
  void forget_parsed();                              // after a reload: restarted on next use
  // CompiledFilter::bound() of the filter when its columns exist, else kUnbounded; builds
  // nothing (for deciding whether a query may run on the caller's thread).
  size_t filter_bound_if_built(const query::Filter& filter) const;

 private:
  // Apply rows/deletions committed after from_seq (add_rows in cache.cpp: `present_through`).
  void catch_up(uint64_t from_seq, const std::vector<uint64_t>& present_through = {});
  void read_rows_since(uint64_t from_seq, CatchUp& gap);
  void rebuild_graph();              // from every row in the store
  void rebuild_shard(uint32_t shard); // one shard, from its own rows only
  void remove_published(PendingCommit& pending);  // pending.removed out of graph, items, columns
  bool database_still_in_folder() const;
  std::string lock_path() const;     // the save lock, "shard-0.hnsw.lock"
  void remove_stale_temp_files();    // only with the save lock held exclusively

  // Open's scan of the items in two parts on two connections (the larger half of opening a
  // million items is that scan: SQLite's record decoding, the row checksum, the copies), when the
  // labels span at least kSplitItemScanFrom: the labels above lower_through are read through a
  // second connection, if its snapshot holds the same commits. No upper_store: one connection.
  static constexpr int64_t kSplitItemScanFrom = 100'000;
  struct ItemScanSplit {
    std::unique_ptr<store::SqliteStore> upper_store;
    int64_t lower_through = 0;
  };
  ItemScanSplit split_item_scan();

  // Metadata as typed columns, for filters only. Opening parses nothing: the first filtered read
  // starts it (under the shared lock, hence its own mutex), each field's column is built when a
  // filter first names it, and writes keep the columns up to date from then on.
  mutable query::MetadataColumns parsed_;
  mutable std::atomic<bool> parsed_ready_{false};
  mutable std::mutex parsed_mutex_;
};

}  // namespace quiver::index
