// A commit counter shared by every process that has one database open: a small file beside it
// ("quiver.db-signal"), mapped into each process and bumped after each of our commits.
//
// Why: every read first checks that no other process committed since this one last looked.
// Asked of SQLite (PRAGMA data_version) that check is a read transaction: three or four fcntl
// lock calls and the WAL-index header, ~2.5 µs, a tenth of a small query. An unchanged counter
// answers "nothing new" with one load from shared memory.
//
// The counter is a hint, never the truth: a commit whose process died before its bump, or one
// made by another program, leaves it unchanged. So the reader still asks SQLite when the counter
// moved and at least every SqliteStore::kAskSqliteEvery, and writers never use it (inside a
// write transaction the version is always read from SQLite). A write resolves only after its
// bump, so a read that starts after a write resolved, in any process, sees that write.
//
// Native only: under Emscripten one process has the index (util/file_lock.h) and SqliteStore
// counts its own commits instead.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace quiver::store {

class CommitSignal {
 public:
  // Maps `path`, creating it (zeros) when missing. nullptr when it cannot (a read-only folder,
  // no mmap): the caller then asks SQLite every time, as without a signal.
  static std::unique_ptr<CommitSignal> open(const std::string& path);
  ~CommitSignal();
  CommitSignal(const CommitSignal&) = delete;
  CommitSignal& operator=(const CommitSignal&) = delete;

  // Commits signalled so far, by every process.
  uint64_t count() const;
  // After a commit: tells every other process to look again.
  void bump();

 private:
  explicit CommitSignal(uint64_t* counter) : counter_(counter) {}
  uint64_t* counter_;  // in a MAP_SHARED mapping of the file
};

}  // namespace quiver::store
