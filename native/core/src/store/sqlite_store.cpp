#include "store/sqlite_store.h"

#include <sqlite3.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_map>

#include "quiver/error.h"
#include "store/schema.h"
#include "store/sqlite_error.h"
#include "util/files.h"
#include "util/row_checksum.h"

namespace quiver::store {
// A cached prepared statement, reset after each use by its user.
class SqliteStore::Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr);
    // A plain SQLITE_ERROR ("no such column: label") is a damaged schema: see sqlite_error.h.
    if (rc != SQLITE_OK) throw_prepare_error(db, rc, "prepare");
  }
  ~Stmt() { sqlite3_finalize(s_); }
  sqlite3_stmt* get() { return s_; }
  // Steps once; true when a row is available.
  bool step(const char* what) {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    sqlite3_reset(s_);
    throw_sqlite_error(db_, rc, what);
  }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

namespace {
// Resets a statement when the scope ends, also on exceptions.
struct Resetter {
  sqlite3_stmt* s;
  ~Resetter() {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
};
}  // namespace

bool SqliteStore::exists(const std::string& folder) {
  return util::file_exists(util::join_path(folder, kFileName));
}

namespace {

// Whether `path` holds a committed Quiver database (its settings say so).
bool holds_an_index(const std::string& path) {
  sqlite3* db = nullptr;
  bool found = false;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM quiver_settings WHERE key = 'format'", -1, &s,
                           nullptr) == SQLITE_OK) {
      found = sqlite3_step(s) == SQLITE_ROW;
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return found;
}

}  // namespace

void SqliteStore::create(const std::string& folder, const IndexConfig& config) {
  if (exists(folder)) throw Error(ErrorCode::AlreadyExists, "Index already exists");
  util::make_dirs(folder);
  const std::string path = util::join_path(folder, kFileName);
  try {
    create_database(path, config);
  } catch (...) {
    // A half-created database (e.g. the disk filled up) would make the folder look like a
    // damaged index: "already exists" to create, CORRUPT to open. Remove it, unless another
    // process's create committed in between (then it is theirs).
    if (!holds_an_index(path)) {
      try {
        destroy(folder);
      } catch (...) {
      }
    }
    throw;
  }
}

void SqliteStore::create_database(const std::string& path, const IndexConfig& config) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close(db);
    throw_sqlite_error(nullptr, rc, "cannot create \"" + path + "\"");
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, path));
  store->exec("PRAGMA journal_mode=WAL");
  store->exec("BEGIN IMMEDIATE");
  try {
    create_schema(db);
    for (size_t i = 0; i < config.indexed_fields.size(); ++i) {
      // Field names were checked to be identifiers in parse_config_json, so splicing is safe.
      const std::string sql = "CREATE INDEX meta_" + std::to_string(i) +
                              " ON items(json_extract(metadata, '$." + config.indexed_fields[i] +
                              "'))";
      store->exec(sql.c_str());
    }
    Stmt put(db, "INSERT INTO quiver_settings(key, value) VALUES(?, ?)");
    const std::pair<std::string, std::string> settings[] = {
        {"format", "quiverdb"},
        {"schema_version", std::to_string(kSchemaVersion)},
        {"config", config_to_json(config)},
        {"sequence", "0"},
    };
    for (const auto& [k, v] : settings) {
      sqlite3_bind_text(put.get(), 1, k.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(put.get(), 2, v.c_str(), -1, SQLITE_TRANSIENT);
      put.step("write settings");
      put.reset();
    }
    store->commit_and_signal();
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::unique_ptr<SqliteStore> SqliteStore::open(const std::string& folder) {
  if (!exists(folder)) throw Error(ErrorCode::NotFound, "Index does not exist");
  const std::string path = util::join_path(folder, kFileName);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close(db);
    throw_sqlite_error(nullptr, rc, "cannot open \"" + path + "\"");
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, path));
  store->load_config();
  if (store->schema_version_ < kSchemaVersion) store->migrate();
  return store;
}

void SqliteStore::destroy(const std::string& folder) {
  const std::string path = util::join_path(folder, kFileName);
  for (const char* suffix : {"", "-wal", "-shm", "-journal", "-signal"}) util::remove_file(path + suffix);
}

#ifdef __EMSCRIPTEN__
namespace {

// Commits to each database file by any connection of this process (the process is alone on the
// index under Emscripten), keyed by SQLite's full path of the file. Nodes never move.
uint64_t* commits_of(const char* file) {
  static std::unordered_map<std::string, uint64_t> commits;
  return &commits[file ? file : ""];
}

int count_commit(void* counter) {
  ++*static_cast<uint64_t*>(counter);
  return 0;  // 0: the commit goes ahead
}

}  // namespace
#endif

SqliteStore::SqliteStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {
#ifdef __EMSCRIPTEN__
  uint64_t* commits = commits_of(sqlite3_db_filename(db_, "main"));
  sqlite3_commit_hook(db_, count_commit, commits);
  file_commits_ = commits;
#else
  signal_ = CommitSignal::open(path_ + "-signal");
#endif
  register_schema_functions(db_);
  sqlite3_busy_timeout(db_, 5000);
  sqlite3_extended_result_codes(db_, 1);
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA foreign_keys=OFF");
}

SqliteStore::~SqliteStore() {
  statements_.clear();
  sqlite3_close(db_);
}

void SqliteStore::exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) throw_sqlite_error(db_, rc, "database");
}

SqliteStore::Stmt& SqliteStore::stmt(const char* sql) {
  for (auto& [key, s] : statements_) {
    if (key == sql) return *s;
  }
  statements_.emplace_back(sql, std::make_unique<Stmt>(db_, sql));
  return *statements_.back().second;
}

void SqliteStore::load_config() {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  std::string format, schema, config;
  try {
    Stmt s(db_, "SELECT key, value FROM quiver_settings");
    while (s.step("read settings")) {
      const auto* kp = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0));
      const auto* vp = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 1));
      if (kp == nullptr || vp == nullptr) {
        throw Error(ErrorCode::Corrupt,
                    "\"" + path_ + "\" is damaged: the setting \"" + std::string(kp ? kp : "?") +
                        "\" is NULL; restore the index folder from a backup or recreate the index");
      }
      std::string k = kp;
      std::string v = vp;
      if (k == "format") format = v;
      if (k == "schema_version") schema = v;
      if (k == "config") config = v;
    }
  } catch (const Error& e) {
    if (e.code() != ErrorCode::Internal) throw;
    throw Error(ErrorCode::Corrupt, "\"" + path_ +
                                        "\" is not a Quiver index (no settings table); delete "
                                        "the index and create it again");
  }
  if (format != "quiverdb") {
    throw Error(ErrorCode::Corrupt, "\"" + path_ + "\" is not a Quiver index");
  }
  int version = 0;
  for (int v = 1; v <= kSchemaVersion; ++v) {
    if (schema == std::to_string(v)) version = v;
  }
  if (version == 0) {
    throw Error(ErrorCode::Corrupt, "\"" + path_ + "\" has schema version " + schema +
                                        "; this quiverdb reads versions 1 to " +
                                        std::to_string(kSchemaVersion) + ": upgrade quiverdb");
  }
  schema_version_ = version;
  try {
    config_ = parse_config_json(config);
  } catch (const Error& e) {
    throw Error(ErrorCode::Corrupt, "stored index settings are damaged: " + std::string(e.what()));
  }
}

// Brings an older database to kSchemaVersion in one write transaction (all steps or none). The
// version is read again under the write lock: another process may have migrated meanwhile.
void SqliteStore::migrate() {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  exec("BEGIN IMMEDIATE");
  try {
    load_config();
    if (schema_version_ < kSchemaVersion) {
      migrate_schema(db_, schema_version_);
      Stmt s(db_, "UPDATE quiver_settings SET value = ? WHERE key = 'schema_version'");
      const std::string v = std::to_string(kSchemaVersion);
      sqlite3_bind_text(s.get(), 1, v.c_str(), -1, SQLITE_TRANSIENT);
      s.step("write schema version");
    }
    commit_and_signal();
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  load_config();
}

uint64_t SqliteStore::sequence() { return read_counter("sequence", true); }

uint64_t SqliteStore::deletions_trimmed_through() { return read_counter("deletions_trimmed", false); }

// A non-negative integer kept as text in quiver_settings; a damaged one is CORRUPT.
uint64_t SqliteStore::read_counter(const char* key, bool required) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Stmt& s = stmt("SELECT value FROM quiver_settings WHERE key = ?");
  Resetter r{s.get()};
  sqlite3_bind_text(s.get(), 1, key, -1, SQLITE_STATIC);
  const bool found = s.step("read settings");
  if (!found && !required) return 0;
  const auto* text = found ? reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0)) : nullptr;
  uint64_t value = 0;
  bool valid = text != nullptr && *text != '\0';
  for (const char* p = text; valid && *p; ++p) {
    valid = *p >= '0' && *p <= '9' && value <= (UINT64_MAX - 9) / 10;
    value = value * 10 + static_cast<uint64_t>(*p - '0');
  }
  if (!valid) {
    throw Error(ErrorCode::Corrupt, "\"" + path_ + "\" is damaged: the setting \"" + key + "\" is " +
                                        (text ? "\"" + std::string(text) + "\"" : "missing") +
                                        "; restore the index folder from a backup or recreate the index");
  }
  return value;
}

size_t SqliteStore::count() {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Stmt& s = stmt("SELECT count(*) FROM items");
  Resetter r{s.get()};
  s.step("count items");
  return static_cast<size_t>(sqlite3_column_int64(s.get(), 0));
}

int64_t SqliteStore::ask_data_version() {
  Stmt& s = stmt("PRAGMA data_version");
  Resetter r{s.get()};
  s.step("read data_version");
  return sqlite3_column_int64(s.get(), 0);
}

int64_t SqliteStore::data_version() {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  // Inside our own write transaction the value asked at its BEGIN is exact (no other connection
  // can commit meanwhile): the transaction's catch-up (Cache::read_catch_up) need not ask again.
  if (in_write_txn_.load(std::memory_order_relaxed)) return write_txn_version_.load(std::memory_order_relaxed);
#ifdef __EMSCRIPTEN__
  // No commit to the file since the last look: the value cannot have changed, and the PRAGMA's
  // read transaction (a stat() through Node's fs under NODERAWFS) is skipped.
  if (*file_commits_ == commits_seen_) return version_seen_;
  commits_seen_ = *file_commits_;
  version_seen_ = ask_data_version();
  return version_seen_;
#else
  // A later exact value is as good for the reads' shortcut: the signal's count was read before it.
  version_seen_ = ask_data_version();
  return version_seen_;
#endif
}

int64_t SqliteStore::data_version_for_read() {
  if (in_write_txn_.load(std::memory_order_acquire)) return write_txn_version_.load(std::memory_order_acquire);
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (!signal_) return data_version();
  // Read before asking: a commit the ask below does not see is signalled after it, past `commits`.
  const uint64_t commits = signal_->count();
  const auto now = std::chrono::steady_clock::now();
  if (commits == commits_seen_ && now - asked_at_ < kAskSqliteEvery) return version_seen_;
  version_seen_ = ask_data_version();
  commits_seen_ = commits;
  asked_at_ = now;
  return version_seen_;
}

bool SqliteStore::try_data_version_for_read(int64_t* version) {
  if (in_write_txn_.load(std::memory_order_acquire)) {
    *version = write_txn_version_.load(std::memory_order_acquire);
    return true;
  }
  std::unique_lock<std::recursive_mutex> lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return false;
  *version = data_version_for_read();
  return true;
}

void SqliteStore::commit_and_signal() {
  exec("COMMIT");
  if (signal_) signal_->bump();
}

// Every column is checked before it is used: a byte flip (or a tool) can leave NULL, a value of
// another type, or a blob of the wrong size in any column, and PRAGMA integrity_check does not
// notice. Such a row is CORRUPT, named by its id (or label when the id itself is damaged).
RowView SqliteStore::view_row(sqlite3_stmt* s) {
  RowView row;
  row.label = sqlite3_column_int64(s, 0);
  const auto damaged = [&](const char* column, const std::string& problem) -> Error {
    const std::string id(row.id);
    const std::string item = id.empty() ? "the item with label " + std::to_string(row.label)
                                        : "item \"" + id + "\" (label " +
                                              std::to_string(row.label) + ")";
    const std::string undo = id.empty() ? "" : "delete the item (deleteItem) and insert it again, or ";
    return Error(ErrorCode::Corrupt,
                 "\"" + path_ + "\" is damaged: " + item + " has " + column + " " + problem +
                     "; " + undo + "remove the row (sqlite3 quiver.db \"DELETE FROM items WHERE label = " +
                     std::to_string(row.label) +
                     "\"; the graph is rebuilt at the next open), or restore the index folder "
                     "from a backup");
  };
  const auto type_name = [](int type) -> std::string {
    switch (type) {
      case SQLITE_NULL: return "NULL";
      case SQLITE_INTEGER: return "an integer";
      case SQLITE_FLOAT: return "a float";
      case SQLITE_TEXT: return "text";
      default: return "a blob";
    }
  };
  // Views of SQLite's own memory for the column: valid until the statement steps (no other
  // column's access converts this one).
  const auto text = [&](int col, const char* column) -> std::string_view {
    const int type = sqlite3_column_type(s, col);
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
    if (type != SQLITE_TEXT || p == nullptr) {
      throw damaged(column, type_name(type) + " instead of text");
    }
    return {p, static_cast<size_t>(sqlite3_column_bytes(s, col))};
  };
  row.id = text(1, "an id");
  {
    const int type = sqlite3_column_type(s, 2);
    if (type != SQLITE_BLOB) throw damaged("a vector", type_name(type) + " instead of a blob");
    const void* blob = sqlite3_column_blob(s, 2);
    const int bytes = sqlite3_column_bytes(s, 2);
    // 0 bytes: an item stored with an empty vector (SQLite returns no pointer for it).
    if ((blob == nullptr && bytes != 0) || bytes < 0 || bytes % sizeof(float) != 0 ||
        (bytes != 0 && config_.dimensions != 0 &&
         static_cast<size_t>(bytes) != config_.dimensions * sizeof(float))) {
      throw damaged("a vector", "of " + std::to_string(bytes) + " bytes (the index has " +
                                    std::to_string(config_.dimensions) + " dimensions)");
    }
    row.vector = blob;
    row.vector_bytes = static_cast<size_t>(bytes);
  }
  row.metadata = text(3, "metadata");
  const int seq_type = sqlite3_column_type(s, 4);
  if (seq_type != SQLITE_INTEGER) throw damaged("a seq", type_name(seq_type) + " instead of an integer");
  row.seq = static_cast<uint64_t>(sqlite3_column_int64(s, 4));
  const int sum_type = sqlite3_column_type(s, 5);
  if (sum_type != SQLITE_INTEGER) {
    throw damaged("a checksum", type_name(sum_type) + " instead of an integer");
  }
  const uint64_t stored = static_cast<uint64_t>(sqlite3_column_int64(s, 5));
  if (stored != util::row_checksum(row.label, row.id, row.vector, row.vector_bytes, row.metadata)) {
    throw damaged("a checksum", "that does not match its label, id, vector and metadata (damaged on "
                                "disk, or changed outside quiverdb)");
  }
  return row;
}

Row SqliteStore::read_row(sqlite3_stmt* s, bool with_vectors) {
  const RowView v = view_row(s);
  Row row;
  row.label = v.label;
  row.id.assign(v.id);
  row.has_vector = v.vector_bytes != 0;
  if (with_vectors && v.vector_bytes > 0) {  // memcpy from SQLite's null pointer is undefined even for 0
    row.vector.resize(v.vector_bytes / sizeof(float));
    std::memcpy(row.vector.data(), v.vector, v.vector_bytes);
  }
  row.metadata.assign(v.metadata);
  row.seq = v.seq;
  return row;
}

std::optional<int64_t> SqliteStore::find_label(const std::string& id) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Stmt& s = stmt("SELECT label FROM items WHERE id = ?");
  Resetter r{s.get()};
  sqlite3_bind_text(s.get(), 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
  if (!s.step("find item")) return std::nullopt;
  return sqlite3_column_int64(s.get(), 0);
}

std::optional<Row> SqliteStore::find(const std::string& id) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Stmt& s = stmt("SELECT label, id, vector, metadata, seq, checksum FROM items WHERE id = ?");
  Resetter r{s.get()};
  sqlite3_bind_text(s.get(), 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
  if (!s.step("read item")) return std::nullopt;
  return read_row(s.get(), true);
}

std::optional<Row> SqliteStore::find_by_label(int64_t label) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Stmt& s = stmt("SELECT label, id, vector, metadata, seq, checksum FROM items WHERE label = ?");
  Resetter r{s.get()};
  sqlite3_bind_int64(s.get(), 1, label);
  if (!s.step("read item")) return std::nullopt;
  return read_row(s.get(), true);
}

void SqliteStore::scan(const std::function<void(Row&&)>& fn, bool with_vectors) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  // Not a cached statement: a callback may itself query the store.
  // The vector column is read (and checked) either way: it sits before metadata in the record,
  // so SQLite reads its bytes anyway.
  Stmt s(db_, "SELECT label, id, vector, metadata, seq, checksum FROM items ORDER BY label");
  while (s.step("scan items")) fn(read_row(s.get(), with_vectors));
}

SqliteStore::MappedReads::MappedReads(SqliteStore& store) : store_(store) {
#ifndef __EMSCRIPTEN__
  std::lock_guard<std::recursive_mutex> lock(store_.mutex_);
  on_ = sqlite3_exec(store_.db_, "PRAGMA mmap_size=2147418112", nullptr, nullptr, nullptr) == SQLITE_OK;
#endif
}

SqliteStore::MappedReads::~MappedReads() {
  if (!on_) return;
  std::lock_guard<std::recursive_mutex> lock(store_.mutex_);
  sqlite3_exec(store_.db_, "PRAGMA mmap_size=0", nullptr, nullptr, nullptr);
}

void SqliteStore::scan_views(const std::function<void(const RowView&)>& fn, int64_t after_label,
                             int64_t through_label) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Stmt s(db_, "SELECT label, id, vector, metadata, seq, checksum FROM items WHERE label > ? AND label <= ? ORDER BY label");
  sqlite3_bind_int64(s.get(), 1, after_label);
  sqlite3_bind_int64(s.get(), 2, through_label);
  while (s.step("scan items")) fn(view_row(s.get()));
}

bool SqliteStore::label_bounds(int64_t* first, int64_t* last) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  // Two statements: SQLite answers a lone min() or max() of the rowid from one end of the
  // b-tree, but both in one SELECT by scanning every row.
  Stmt& low = stmt("SELECT label FROM items ORDER BY label LIMIT 1");
  Resetter r_low{low.get()};
  if (!low.step("read the first label")) return false;
  Stmt& high = stmt("SELECT label FROM items ORDER BY label DESC LIMIT 1");
  Resetter r_high{high.get()};
  if (!high.step("read the last label")) return false;
  *first = sqlite3_column_int64(low.get(), 0);
  *last = sqlite3_column_int64(high.get(), 0);
  return true;
}

void SqliteStore::scan_page(int64_t after_label, size_t limit, const std::function<void(Row&&)>& fn) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Stmt s(db_, "SELECT label, id, vector, metadata, seq, checksum FROM items WHERE label > ? ORDER BY label LIMIT ?");
  sqlite3_bind_int64(s.get(), 1, after_label);
  sqlite3_bind_int64(s.get(), 2, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  while (s.step("scan items")) fn(read_row(s.get(), /*with_vectors=*/true));
}

void SqliteStore::begin_snapshot() {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (sqlite3_get_autocommit(db_) != 0) exec("BEGIN");
}

void SqliteStore::end_snapshot() {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
}

void SqliteStore::scan_since(uint64_t seq, const std::function<void(Row&&)>& fn) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Stmt s(db_, "SELECT label, id, vector, metadata, seq, checksum FROM items WHERE seq > ? ORDER BY label");
  sqlite3_bind_int64(s.get(), 1, static_cast<int64_t>(seq));
  while (s.step("scan changed items")) fn(read_row(s.get(), true));
}

void SqliteStore::scan_shard(uint32_t shard, uint32_t shard_count,
                             const std::function<void(Row&&)>& fn) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Stmt s(db_, "SELECT label, id, vector, metadata, seq, checksum FROM items WHERE label % ? = ? ORDER BY label");
  sqlite3_bind_int64(s.get(), 1, static_cast<int64_t>(shard_count));
  sqlite3_bind_int64(s.get(), 2, static_cast<int64_t>(shard));
  while (s.step("scan one shard's items")) fn(read_row(s.get(), true));
}

std::vector<int64_t> SqliteStore::deletions_since(uint64_t seq) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Stmt& s = stmt("SELECT label FROM deletions WHERE seq > ?");
  Resetter r{s.get()};
  sqlite3_bind_int64(s.get(), 1, static_cast<int64_t>(seq));
  std::vector<int64_t> out;
  while (s.step("read deletions")) out.push_back(sqlite3_column_int64(s.get(), 0));
  return out;
}

SqliteStore::WriteTxn::WriteTxn(SqliteStore& store) : store_(store), lock_(store.mutex_) {
  store_.exec("BEGIN IMMEDIATE");
  store_.next_label_ = 0;  // read again under the write lock at the first insert
  try {
    seq_ = store_.sequence() + 1;
    store_.write_txn_version_.store(store_.ask_data_version(), std::memory_order_release);
    store_.in_write_txn_.store(true, std::memory_order_release);
  } catch (...) {
    store_.exec("ROLLBACK");
    throw;
  }
}

SqliteStore::WriteTxn::~WriteTxn() {
  store_.in_write_txn_.store(false, std::memory_order_release);
  if (done_) return;
  sqlite3_exec(store_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
  try {
    store_.load_config();  // undo an in-memory set_dimensions of the rolled-back write
  } catch (...) {
  }
}

void SqliteStore::WriteTxn::commit_without_new_sequence() {
  store_.commit_and_signal();
  done_ = true;
}

void SqliteStore::WriteTxn::commit() {
  Stmt& s = store_.stmt("UPDATE quiver_settings SET value = ? WHERE key = 'sequence'");
  {
    Resetter r{s.get()};
    const std::string v = std::to_string(seq_);
    sqlite3_bind_text(s.get(), 1, v.c_str(), -1, SQLITE_TRANSIENT);
    s.step("write sequence");
  }
  store_.commit_and_signal();
  done_ = true;
}

SqliteStore::ReadTxn::ReadTxn(SqliteStore& store) : store_(store), lock_(store.mutex_) {
  if (sqlite3_get_autocommit(store_.db_) == 0) return;  // already inside a transaction
  store_.exec("BEGIN");
  began_ = true;
}

SqliteStore::ReadTxn::~ReadTxn() {
  if (began_) sqlite3_exec(store_.db_, "COMMIT", nullptr, nullptr, nullptr);
}

namespace {

// A vector blob; an empty vector is a zero-length blob (a null pointer would bind NULL).
void bind_vector(sqlite3_stmt* s, int column, const float* vector, size_t bytes) {
  if (bytes == 0) {
    sqlite3_bind_zeroblob(s, column, 0);
  } else {
    sqlite3_bind_blob(s, column, vector, static_cast<int>(bytes), SQLITE_STATIC);
  }
}

}  // namespace

int64_t SqliteStore::insert_row(const std::string& id, const float* vector, size_t dims,
                                const std::string& metadata, uint64_t seq) {
  // The label is chosen here (not by SQLite) because the row's checksum covers it. It follows
  // AUTOINCREMENT's rule: above every label ever used, so a label is never reused.
  if (next_label_ == 0) {
    Stmt& q = stmt("SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'items'), 0), "
                   "coalesce((SELECT max(label) FROM items), 0))");
    Resetter rq{q.get()};
    q.step("read the last label");
    next_label_ = sqlite3_column_int64(q.get(), 0) + 1;
  }
  const int64_t label = next_label_;
  const size_t bytes = dims * sizeof(float);
  Stmt& s = stmt("INSERT INTO items(label, id, vector, metadata, seq, checksum) VALUES(?, ?, ?, ?, ?, ?)");
  Resetter r{s.get()};
  sqlite3_bind_int64(s.get(), 1, label);
  sqlite3_bind_text(s.get(), 2, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
  bind_vector(s.get(), 3, vector, bytes);
  sqlite3_bind_text(s.get(), 4, metadata.data(), static_cast<int>(metadata.size()), SQLITE_STATIC);
  sqlite3_bind_int64(s.get(), 5, static_cast<int64_t>(seq));
  sqlite3_bind_int64(s.get(), 6, static_cast<int64_t>(util::row_checksum(label, id, vector, bytes, metadata)));
  s.step("insert item");
  ++next_label_;
  return label;
}

void SqliteStore::update_row(int64_t label, const std::string& id, const float* vector, size_t dims,
                             const std::string& metadata, uint64_t seq) {
  const size_t bytes = dims * sizeof(float);
  Stmt& s = stmt("UPDATE items SET vector = ?, metadata = ?, seq = ?, checksum = ? WHERE label = ?");
  Resetter r{s.get()};
  bind_vector(s.get(), 1, vector, bytes);
  sqlite3_bind_text(s.get(), 2, metadata.data(), static_cast<int>(metadata.size()), SQLITE_STATIC);
  sqlite3_bind_int64(s.get(), 3, static_cast<int64_t>(seq));
  sqlite3_bind_int64(s.get(), 4, static_cast<int64_t>(util::row_checksum(label, id, vector, bytes, metadata)));
  sqlite3_bind_int64(s.get(), 5, label);
  s.step("update item");
}

void SqliteStore::delete_row(int64_t label, uint64_t seq) {
  Stmt& del = stmt("DELETE FROM items WHERE label = ?");
  {
    Resetter r{del.get()};
    sqlite3_bind_int64(del.get(), 1, label);
    del.step("delete item");
  }
  Stmt& log = stmt("INSERT OR REPLACE INTO deletions(label, seq) VALUES(?, ?)");
  Resetter r{log.get()};
  sqlite3_bind_int64(log.get(), 1, label);
  sqlite3_bind_int64(log.get(), 2, static_cast<int64_t>(seq));
  log.step("log deletion");
}

void SqliteStore::set_dimensions(uint32_t dims) {
  config_.dimensions = dims;
  Stmt& s = stmt("UPDATE quiver_settings SET value = ? WHERE key = 'config'");
  Resetter r{s.get()};
  const std::string v = config_to_json(config_);
  sqlite3_bind_text(s.get(), 1, v.c_str(), -1, SQLITE_TRANSIENT);
  s.step("write settings");
}

void SqliteStore::trim_deletions(uint64_t up_to_seq) {
  WriteTxn txn(*this);
  if (deletions_trimmed_through() >= up_to_seq) return;  // rolls back: nothing to do
  {
    Stmt& s = stmt("DELETE FROM deletions WHERE seq <= ?");
    Resetter r{s.get()};
    sqlite3_bind_int64(s.get(), 1, static_cast<int64_t>(up_to_seq));
    s.step("trim deletions");
  }
  {
    Stmt& s = stmt("INSERT OR REPLACE INTO quiver_settings(key, value) VALUES('deletions_trimmed', ?)");
    Resetter r{s.get()};
    const std::string v = std::to_string(up_to_seq);
    sqlite3_bind_text(s.get(), 1, v.c_str(), -1, SQLITE_TRANSIENT);
    s.step("record trimmed deletions");
  }
  txn.commit_without_new_sequence();
}

}  // namespace quiver::store
