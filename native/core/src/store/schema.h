// The schema of quiver.db and the steps that bring an older database up to date. Each step
// moves schema_version from N to N+1; open() runs the missing ones in one write transaction.
// A new step (e.g. a full-text table) is one more entry in kMigrations (schema.cpp) and one more
// clause in the create script, and kSchemaVersion goes up by one.
#pragma once

struct sqlite3;

namespace quiver::store {

constexpr int kSchemaVersion = 3;

// Creates every table of the current version in an empty database (inside a transaction).
void create_schema(sqlite3* db);

// Runs the steps from `from_version` up to kSchemaVersion (inside the caller's BEGIN IMMEDIATE;
// the caller records the new schema_version). Throws quiver::Error.
void migrate_schema(sqlite3* db, int from_version);

// Registers the SQL function quiver_row_checksum(label, id, vector, metadata) used by the
// migration that adds row checksums (util/row_checksum.h).
void register_schema_functions(sqlite3* db);

}  // namespace quiver::store
