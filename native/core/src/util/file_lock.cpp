#include "util/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "quiver/error.h"

namespace quiver::util {

FileLock FileLock::acquire(const std::string& path, Mode mode) { return lock(path, mode, true); }

FileLock FileLock::try_acquire(const std::string& path, Mode mode) { return lock(path, mode, false); }

FileLock FileLock::lock(const std::string& path, Mode mode, bool wait) {
#ifdef __EMSCRIPTEN__
  (void)path, (void)mode, (void)wait;
  return FileLock(-1, true);  // one process per index under Emscripten (see the header)
#else
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw Error(ErrorCode::Io, "cannot open the lock file \"" + path + "\": " + std::strerror(errno) +
                                   " (check the folder's permissions)");
  }
  const int op = (mode == Mode::Exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);
  int rc;
  do {
    rc = ::flock(fd, op);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int err = errno;
    ::close(fd);
    if (!wait && err == EWOULDBLOCK) return FileLock(-1, false);
    throw Error(ErrorCode::Io, "cannot lock \"" + path + "\": " + std::strerror(err));
  }
  return FileLock(fd, true);
#endif
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(other.fd_), held_(other.held_) {
  other.fd_ = -1;
  other.held_ = false;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

std::string unique_name_part() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[48];
  std::snprintf(buf, sizeof buf, "%ld-%016llx", static_cast<long>(::getpid()),
                static_cast<unsigned long long>(rng()));
  return buf;
}

}  // namespace quiver::util
