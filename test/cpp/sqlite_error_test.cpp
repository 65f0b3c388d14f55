// The one mapping from SQLite result codes to quiver::Error (store/sqlite_error.h) that the
// store, the keyword index and the migrations all throw through.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <functional>
#include <string>

#include "quiver/error.h"
#include "store/sqlite_error.h"

namespace quiver::store {
namespace {

Error caught(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no quiver::Error was thrown";
  return Error(ErrorCode::Internal, "");
}

TEST(SqliteErrorTest, PrimaryCodeChoosesTheErrorCode) {
  const struct {
    int rc;
    ErrorCode code;
  } cases[] = {
      {SQLITE_BUSY, ErrorCode::Busy},         {SQLITE_LOCKED, ErrorCode::Busy},
      {SQLITE_BUSY_SNAPSHOT, ErrorCode::Busy}, {SQLITE_CORRUPT, ErrorCode::Corrupt},
      {SQLITE_NOTADB, ErrorCode::Corrupt},    {SQLITE_CORRUPT_INDEX, ErrorCode::Corrupt},
      {SQLITE_IOERR, ErrorCode::Io},          {SQLITE_IOERR_FSYNC, ErrorCode::Io},
      {SQLITE_FULL, ErrorCode::Io},           {SQLITE_CANTOPEN, ErrorCode::Io},
      {SQLITE_READONLY, ErrorCode::Io},       {SQLITE_PERM, ErrorCode::Io},
      {SQLITE_ERROR, ErrorCode::Internal},    {SQLITE_MISUSE, ErrorCode::Internal},
  };
  for (const auto& c : cases) {
    const Error e = caught([&] { throw_sqlite_error(c.rc, "commit", "detail text"); });
    EXPECT_EQ(e.code(), c.code) << "rc " << c.rc;
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("commit: ", 0), 0u) << message;
    EXPECT_NE(message.find("detail text"), std::string::npos) << message;
  }
}

TEST(SqliteErrorTest, MessagesSayWhatToDo) {
  EXPECT_STREQ(caught([] { throw_sqlite_error(SQLITE_BUSY, "commit", "database is locked"); }).what(),
               "commit: the index is locked by another writer (database is locked); retry later "
               "or close the other connection");
  EXPECT_STREQ(caught([] { throw_sqlite_error(SQLITE_FULL, "commit", "disk full"); }).what(),
               "commit: disk full (check disk space and permissions)");
  EXPECT_STREQ(caught([] { throw_sqlite_error(SQLITE_CORRUPT, "read", "malformed"); }).what(),
               "read: the database file is damaged (malformed); restore it from a backup or "
               "recreate the index");
  EXPECT_STREQ(
      caught([] { throw_sqlite_error(SQLITE_CORRUPT, "keyword search", "x", "the keyword index"); })
          .what(),
      "keyword search: the keyword index is damaged (x); restore it from a backup or recreate "
      "the index");
}

TEST(SqliteErrorTest, WithoutAConnectionTheDetailIsTheCodesText) {
  const Error e = caught([] { throw_sqlite_error(nullptr, SQLITE_CANTOPEN, "cannot open \"f\""); });
  EXPECT_EQ(e.code(), ErrorCode::Io);
  EXPECT_NE(std::string(e.what()).find(sqlite3_errstr(SQLITE_CANTOPEN)), std::string::npos);
}

// A statement of ours that no longer prepares against the stored schema: damage, not a bug.
TEST(SqliteErrorTest, PrepareFailingWithSqliteErrorIsADamagedSchema) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  const int rc = sqlite3_prepare_v2(db, "SELECT label FROM items", -1, &s, nullptr);
  ASSERT_EQ(rc, SQLITE_ERROR);
  const Error e = caught([&] { throw_prepare_error(db, rc, "prepare"); });
  EXPECT_EQ(e.code(), ErrorCode::Corrupt);
  EXPECT_STREQ(e.what(),
               "the database schema is damaged (no such table: items); restore the index folder "
               "from a backup or recreate the index");
  // Any other failure to prepare follows the common mapping.
  EXPECT_EQ(caught([&] { throw_prepare_error(db, SQLITE_NOMEM, "prepare"); }).code(),
            ErrorCode::Internal);
  sqlite3_close(db);
}

}  // namespace
}  // namespace quiver::store
