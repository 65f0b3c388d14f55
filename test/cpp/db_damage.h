// Helpers for the tests that damage quiver.db from a second SQLite connection, the way a byte
// flip or a careless tool would leave the file, and expect CORRUPT from the core.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "quiver/error.h"

namespace quiver::test {

// Runs `sql` on `db`; a failure fails the test.
inline void exec_sql(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  const std::string message = err ? err : "";
  sqlite3_free(err);
  ASSERT_EQ(rc, SQLITE_OK) << sql << ": " << message;
}

// Runs `sql` on a connection of its own to the index in `folder`.
inline void exec_on_index(const std::string& folder, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((folder + "/quiver.db").c_str(), &db), SQLITE_OK);
  exec_sql(db, sql);
  sqlite3_close(db);
}

// Replaces `from` by `to` in the stored CREATE text of `table` (PRAGMA writable_schema), as a
// damaged sqlite_schema page would read. Connections opened afterwards see the new text.
inline void rewrite_schema(const std::string& folder, const std::string& table,
                           const std::string& from, const std::string& to) {
  exec_on_index(folder, "PRAGMA writable_schema=ON; UPDATE sqlite_schema SET sql = replace(sql, '" +
                            from + "', '" + to + "') WHERE name = '" + table +
                            "'; PRAGMA writable_schema=OFF");
}

// Expects `fn` to throw CORRUPT whose message contains every string of `needles` and says what
// to do (restore from a backup).
template <typename Fn>
void expect_corrupt(Fn&& fn, const std::vector<std::string>& needles, const std::string& what) {
  try {
    fn();
    ADD_FAILURE() << what << ": no error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.code(), ErrorCode::Corrupt) << what << ": " << message;
    for (const auto& needle : needles) {
      EXPECT_NE(message.find(needle), std::string::npos)
          << what << ": message lacks \"" << needle << "\": " << message;
    }
    EXPECT_NE(message.find("backup"), std::string::npos) << what << ": " << message;
  }
}

}  // namespace quiver::test
