// Advisory whole-file locks between processes (flock), used to keep two processes from writing
// the graph file at once, and unique names for temporary files. An flock belongs to an open file
// description, so two Index objects of one process exclude each other too.
//
// Under Emscripten there are no locks: the browser build is one process per index (the tab holds
// a Web Lock on it), and Emscripten's Node filesystem (NODERAWFS) has no flock at all; SQLite's
// own fcntl locks are no-ops there as well, so several processes on one index are only supported
// by the native addon. The lock then always "succeeds" and does nothing.
#pragma once

#include <memory>
#include <string>

namespace quiver::util {

class FileLock {
 public:
  enum class Mode { Shared, Exclusive };
  // Blocks until the lock is held. Throws Io when the lock file cannot be opened or created.
  static FileLock acquire(const std::string& path, Mode mode);
  // Returns an unheld lock (held() == false) at once when another process holds it.
  static FileLock try_acquire(const std::string& path, Mode mode);

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();  // releases

  bool held() const { return held_; }

 private:
  FileLock(int fd, bool held) : fd_(fd), held_(held) {}
  static FileLock lock(const std::string& path, Mode mode, bool wait);
  int fd_ = -1;
  bool held_ = false;
};

// "<pid>-<16 random hex digits>": unique among processes and among calls of one process.
std::string unique_name_part();

}  // namespace quiver::util
