// One mapping from a failed SQLite call to the quiver::Error users see: the result code picks the
// ErrorCode (BUSY, CORRUPT, IO or INTERNAL) and the message says what to do about it. Every
// caller in store/ throws through here, so the same SQLite failure reads the same wherever it
// happens.
#pragma once

#include <string>

struct sqlite3;

namespace quiver::store {

// What a CORRUPT message names as damaged, by default the whole database file.
inline constexpr const char* kDatabaseFile = "the database file";

// Throws for result code `rc` of a call described by `what` ("prepare", "commit", ...). The
// detail is SQLite's message for the connection, or the code's generic text when there is no
// connection (opening failed).
[[noreturn]] void throw_sqlite_error(sqlite3* db, int rc, const std::string& what,
                                     const char* damaged = kDatabaseFile);

// The same with the detail given (e.g. the message sqlite3_exec handed back).
[[noreturn]] void throw_sqlite_error(int rc, const std::string& what, const std::string& detail,
                                     const char* damaged = kDatabaseFile);

// For a failed sqlite3_prepare of one of our own fixed statements. They are prepared in tests
// against the schema we create, so a plain SQLITE_ERROR ("no such column", "vtable constructor
// failed") means the stored schema text is not the one we wrote: damage (CORRUPT), not a bug.
[[noreturn]] void throw_prepare_error(sqlite3* db, int rc, const std::string& what,
                                      const char* damaged = kDatabaseFile);

}  // namespace quiver::store
