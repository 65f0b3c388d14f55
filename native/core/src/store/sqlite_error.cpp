#include "store/sqlite_error.h"

#include <sqlite3.h>

#include "quiver/error.h"

namespace quiver::store {

void throw_sqlite_error(int rc, const std::string& what, const std::string& detail,
                        const char* damaged) {
  switch (rc & 0xFF) {  // the primary code: extended codes (SQLITE_IOERR_WRITE...) share it
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw Error(ErrorCode::Busy, what + ": the index is locked by another writer (" + detail +
                                       "); retry later or close the other connection");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      throw Error(ErrorCode::Corrupt, what + ": " + damaged + " is damaged (" + detail +
                                          "); restore it from a backup or recreate the index");
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      throw Error(ErrorCode::Io, what + ": " + detail + " (check disk space and permissions)");
    default:
      throw Error(ErrorCode::Internal, what + ": " + detail);
  }
}

void throw_sqlite_error(sqlite3* db, int rc, const std::string& what, const char* damaged) {
  throw_sqlite_error(rc, what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), damaged);
}

void throw_prepare_error(sqlite3* db, int rc, const std::string& what, const char* damaged) {
  if ((rc & 0xFF) == SQLITE_ERROR) {
    throw Error(ErrorCode::Corrupt, std::string("the database schema is damaged (") +
                                        sqlite3_errmsg(db) +
                                        "); restore the index folder from a backup or recreate "
                                        "the index");
  }
  throw_sqlite_error(db, rc, what, damaged);
}

}  // namespace quiver::store
