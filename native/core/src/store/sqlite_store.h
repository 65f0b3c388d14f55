// The SQLite database of one index: the source of truth for items, settings and the sequence
// number that stamps every committed write. WAL mode, synchronous=FULL: a commit that returned
// survives a process crash and a power cut.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/config.h"
#include "store/commit_signal.h"

struct sqlite3;
struct sqlite3_stmt;

namespace quiver::store {

struct Row {
  int64_t label = 0;  // SQLite rowid; never reused (AUTOINCREMENT), doubles as the HNSW label
  std::string id;
  std::vector<float> vector;  // empty when read without vectors, or stored without one
  bool has_vector = true;     // false: stored with an empty vector (never in the vector index)
  std::string metadata;
  uint64_t seq = 0;
};

// A row as SQLite holds it while a scan stands on it (SqliteStore::scan_views): checked like a
// Row, nothing copied; every view is valid only during the callback.
struct RowView {
  int64_t label = 0;
  std::string_view id;
  const void* vector = nullptr;  // vector_bytes of floats (0: stored without a vector)
  size_t vector_bytes = 0;
  std::string_view metadata;
  uint64_t seq = 0;
};

class SqliteStore {
 public:
  static constexpr const char* kFileName = "quiver.db";

  static bool exists(const std::string& folder);
  // Creates the database with its schema; throws AlreadyExists when one is there.
  static void create(const std::string& folder, const IndexConfig& config);
  // Throws NotFound ("Index does not exist"), Corrupt or Io.
  static std::unique_ptr<SqliteStore> open(const std::string& folder);
  // Removes the database and its -wal/-shm files.
  static void destroy(const std::string& folder);

  ~SqliteStore();
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  const IndexConfig& config() const { return config_; }
  // The connection, for tables managed elsewhere (store/text_index.h). Use it only inside a
  // WriteTxn or ReadTxn of this store, which hold its mutex.
  sqlite3* handle() const { return db_; }
  uint64_t sequence();
  size_t count();
  // SQLite's PRAGMA data_version: changes when another connection (another process) commits,
  // never for this connection's own commits. Exact: what a write transaction uses.
  int64_t data_version();
  // For a read's freshness check: the same value, taken from the commit signal
  // (store/commit_signal.h) without asking SQLite when no process signalled a commit since the
  // last ask and that ask is less than kAskSqliteEvery old.
  int64_t data_version_for_read();
  // data_version_for_read() without waiting: false when another thread is using the connection.
  bool try_data_version_for_read(int64_t* version);
  // The connection's mutex when no other thread holds it (a lock that owns nothing otherwise),
  // for a caller that must not wait and then makes several reads (they lock it again: it is
  // recursive).
  std::unique_lock<std::recursive_mutex> try_hold() {
    return std::unique_lock<std::recursive_mutex>(mutex_, std::try_to_lock);
  }
  // A commit that was never signalled (its process died between COMMIT and the bump, or another
  // program made it) is seen by reads within this time.
  static constexpr std::chrono::milliseconds kAskSqliteEvery{100};
  // Re-reads the settings (another process may have fixed the dimensions).
  void reload_config() { load_config(); }

  std::optional<int64_t> find_label(const std::string& id);
  std::optional<Row> find(const std::string& id);
  std::optional<Row> find_by_label(int64_t label);
  // Rows in label (= insertion) order. with_vectors=false leaves Row::vector empty.
  void scan(const std::function<void(Row&&)>& fn, bool with_vectors = true);
  // The same rows (those with after_label < label <= through_label: a part of open's scan, run
  // on a second connection by Cache::load_from_store), every column checked as scan() checks it,
  // handed over as views of SQLite's memory (open's scan into the item table: no string is
  // copied or allocated per row).
  void scan_views(const std::function<void(const RowView&)>& fn, int64_t after_label = INT64_MIN,
                  int64_t through_label = INT64_MAX);
  // The smallest and largest label; false when there is no row.
  bool label_bounds(int64_t* first, int64_t* last);
  void scan_since(uint64_t seq, const std::function<void(Row&&)>& fn);
  // The rows of one HNSW shard (label % shard_count == shard: ann::ShardSet's routing). The
  // vectors of other rows are not read.
  void scan_shard(uint32_t shard, uint32_t shard_count, const std::function<void(Row&&)>& fn);
  // Rows with label > after_label in label order, at most `limit` (item iterators, query/
  // item_cursor.h). Inside an open snapshot every page reads the same committed state.
  void scan_page(int64_t after_label, size_t limit, const std::function<void(Row&&)>& fn);
  // A read transaction kept open across calls (and threads): only for a store that serves one
  // reader, which calls these in turn (an item iterator's own connection).
  void begin_snapshot();
  void end_snapshot();
  std::vector<int64_t> deletions_since(uint64_t seq);
  // Deletions logged at or before this write have been trimmed (a saved graph file reflects
  // them): a cache older than this cannot catch up from the log and must reload.
  uint64_t deletions_trimmed_through();

  // A write transaction (BEGIN IMMEDIATE: one writer at a time, across processes too). The
  // destructor rolls back unless commit() succeeded.
  class WriteTxn {
   public:
    explicit WriteTxn(SqliteStore& store);
    ~WriteTxn();
    uint64_t seq() const { return seq_; }  // the sequence number this write will commit as
    void commit();
    // Housekeeping that changes no item (trimming the deletion log): the sequence stays.
    void commit_without_new_sequence();

   private:
    SqliteStore& store_;
    std::unique_lock<std::recursive_mutex> lock_;
    uint64_t seq_ = 0;
    bool done_ = false;
  };

  // A consistent read snapshot across several calls (deferred read transaction). Inside another
  // transaction of this connection it does nothing: that one already gives a snapshot.
  class ReadTxn {
   public:
    explicit ReadTxn(SqliteStore& store);
    ~ReadTxn();

   private:
    SqliteStore& store_;
    std::unique_lock<std::recursive_mutex> lock_;
    bool began_ = false;
  };

  // While it lives, this connection reads the database file through a memory mapping (SQLite's
  // mmap_size, up to 2 GB): open's scan of every row then reads each page where the page cache
  // holds it instead of copying it out with a read call (a sixth of a million-item open).
  // Dropped at the end, so that the process does not keep the whole file mapped (and counted in
  // its RSS) afterwards. Create it outside any transaction of the connection. No-op under
  // Emscripten (its mmap copies the file).
  class MappedReads {
   public:
    explicit MappedReads(SqliteStore& store);
    ~MappedReads();
    MappedReads(const MappedReads&) = delete;
    MappedReads& operator=(const MappedReads&) = delete;

   private:
    SqliteStore& store_;
    bool on_ = false;
  };

  // Only inside a WriteTxn:
  int64_t insert_row(const std::string& id, const float* vector, size_t dims,
                     const std::string& metadata, uint64_t seq);
  // `id` is the row's current id (the label was found by it); the checksum covers it.
  void update_row(int64_t label, const std::string& id, const float* vector, size_t dims,
                  const std::string& metadata, uint64_t seq);
  void delete_row(int64_t label, uint64_t seq);
  void set_dimensions(uint32_t dims);
  // Outside transactions: forget deletions that a saved HNSW file already reflects, and record
  // how far the log was trimmed (deletions_trimmed_through), in one transaction.
  void trim_deletions(uint64_t up_to_seq);

 private:
  class Stmt;
  explicit SqliteStore(sqlite3* db, std::string path);
  static void create_database(const std::string& path, const IndexConfig& config);
  void exec(const char* sql);
  // COMMIT of a write transaction, then the commit signal's bump.
  void commit_and_signal();
  int64_t ask_data_version();  // the PRAGMA itself
  Stmt& stmt(const char* sql);
  RowView view_row(sqlite3_stmt* s);  // every column checked (CORRUPT names the item)
  Row read_row(sqlite3_stmt* s, bool with_vectors);
  void load_config();
  uint64_t read_counter(const char* key, bool required);
  void migrate();

  sqlite3* db_ = nullptr;
  std::string path_;
  IndexConfig config_;
  int schema_version_ = 0;      // as stored; open() migrates older ones to kSchemaVersion
  int64_t next_label_ = 0;      // inside a WriteTxn: the label of the next insert (0: not read yet)
  std::recursive_mutex mutex_;  // one connection shared by worker threads
  std::vector<std::pair<const char*, std::unique_ptr<Stmt>>> statements_;
  // The last data_version asked of SQLite, and the commit count (this process's under
  // Emscripten, the signal's natively) read just before that ask; UINT64_MAX: never asked.
  uint64_t commits_seen_ = UINT64_MAX;
  int64_t version_seen_ = 0;
  std::chrono::steady_clock::time_point asked_at_;
  // While this connection holds a write transaction, no other connection can commit (BEGIN
  // IMMEDIATE took SQLite's write lock), so data_version cannot move: the value asked right after
  // BEGIN answers reads from other threads without the mutex, which the transaction holds
  // (Index::Impl::commit lets searches run during a large insert's transaction).
  std::atomic<bool> in_write_txn_{false};
  std::atomic<int64_t> write_txn_version_{0};
  std::unique_ptr<CommitSignal> signal_;  // null under Emscripten or where it cannot be mapped
#ifdef __EMSCRIPTEN__
  // One process per index under Emscripten (util/file_lock.h), so this process's commit count
  // of the file tells when data_version can have changed (see data_version()).
  const uint64_t* file_commits_ = nullptr;
#endif
};

}  // namespace quiver::store
