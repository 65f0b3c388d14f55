#include "store/schema.h"

#include <sqlite3.h>

#include <string>
#include <string_view>

#include "quiver/error.h"
#include "store/sqlite_error.h"
#include "store/text_index.h"
#include "util/row_checksum.h"

namespace quiver::store {
namespace {

void exec(sqlite3* db, const char* sql, const char* what) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  const std::string detail = err ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  if (rc != SQLITE_OK) throw_sqlite_error(rc, what, detail);
}

// Version 1 -> 2: a checksum per row (id, vector, metadata, label), computed for every row that
// is there. The column stays nullable in migrated databases (ALTER TABLE cannot add NOT NULL
// without a default); a NULL checksum reads as damage all the same.
void add_row_checksums(sqlite3* db) {
  exec(db, "ALTER TABLE items ADD COLUMN checksum INTEGER", "add row checksums");
  exec(db, "UPDATE items SET checksum = quiver_row_checksum(label, id, vector, metadata)",
       "compute row checksums");
}

// Version 2 -> 3: the FTS5 table of keyword search (store/text_index.h). Empty: databases from
// before it have no text field configured, so there is nothing to index.
void add_text_index(sqlite3* db) {
  exec(db, kCreateTextIndexSql, "add the keyword index");
}

struct Migration {
  int from;  // schema_version before the step
  void (*apply)(sqlite3* db);
};

constexpr Migration kMigrations[] = {
    {1, add_row_checksums},
    {2, add_text_index},
};

void checksum_function(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  (void)argc;
  const auto* id = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  const int id_bytes = sqlite3_value_bytes(argv[1]);
  const void* vector = sqlite3_value_blob(argv[2]);
  const int vector_bytes = sqlite3_value_bytes(argv[2]);
  const auto* metadata = reinterpret_cast<const char*>(sqlite3_value_text(argv[3]));
  const int metadata_bytes = sqlite3_value_bytes(argv[3]);
  const uint64_t sum = util::row_checksum(
      sqlite3_value_int64(argv[0]), std::string_view(id ? id : "", id ? id_bytes : 0),
      vector, vector ? static_cast<size_t>(vector_bytes) : 0,
      std::string_view(metadata ? metadata : "", metadata ? metadata_bytes : 0));
  sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(sum));
}

}  // namespace

void create_schema(sqlite3* db) {
  exec(db, R"sql(
CREATE TABLE quiver_settings(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE items(
  label INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  vector BLOB NOT NULL,
  metadata TEXT NOT NULL,
  seq INTEGER NOT NULL,
  checksum INTEGER NOT NULL);
CREATE INDEX items_by_seq ON items(seq);
CREATE TABLE deletions(label INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
)sql",
       "create schema");
  exec(db, kCreateTextIndexSql, "create the keyword index");
}

void migrate_schema(sqlite3* db, int from_version) {
  for (const auto& step : kMigrations) {
    if (step.from >= from_version && step.from < kSchemaVersion) step.apply(db);
  }
}

void register_schema_functions(sqlite3* db) {
  const int rc = sqlite3_create_function_v2(db, "quiver_row_checksum", 4,
                                            SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                            checksum_function, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throw Error(ErrorCode::Internal, "cannot register quiver_row_checksum");
}

}  // namespace quiver::store
