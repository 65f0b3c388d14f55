// A probe of SQLite's write lock, for tests of writes that run beside readers.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

namespace quiver::test {

// Whether some connection holds the database's write lock (an open write transaction), asked
// through a connection of our own that gives the lock straight back when it gets it.
class WriteLockProbe {
 public:
  explicit WriteLockProbe(const std::string& folder) {
    EXPECT_EQ(sqlite3_open_v2((folder + "/quiver.db").c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  }
  ~WriteLockProbe() { sqlite3_close(db_); }
  bool held() {
    const int rc = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return false;
    }
    EXPECT_EQ(rc, SQLITE_BUSY) << sqlite3_errmsg(db_);
    return true;
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace quiver::test
