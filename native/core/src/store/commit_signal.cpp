#include "store/commit_signal.h"

#ifndef __EMSCRIPTEN__
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace quiver::store {

namespace {
// The file holds one counter (each mapping is rounded up to a page).
constexpr size_t kBytes = sizeof(uint64_t);
}  // namespace

std::unique_ptr<CommitSignal> CommitSignal::open(const std::string& path) {
#ifdef __EMSCRIPTEN__
  (void)path;
  return nullptr;
#else
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return nullptr;
  struct stat st {};
  // Two processes may create it at once: both grow it to the same size (zeros), and a file that
  // already holds a count keeps it.
  bool ok = ::fstat(fd, &st) == 0 && (st.st_size >= static_cast<off_t>(kBytes) || ::ftruncate(fd, kBytes) == 0);
  void* map = ok ? ::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
  ::close(fd);  // the mapping keeps the file
  if (map == MAP_FAILED) return nullptr;
  return std::unique_ptr<CommitSignal>(new CommitSignal(static_cast<uint64_t*>(map)));
#endif
}

CommitSignal::~CommitSignal() {
#ifndef __EMSCRIPTEN__
  ::munmap(counter_, kBytes);
#endif
}

// Atomic builtins on the shared page (a 64-bit aligned word: lock-free on every target we build
// for), with acquire/release so that what a process did before its bump is ordered before it.
uint64_t CommitSignal::count() const { return __atomic_load_n(counter_, __ATOMIC_ACQUIRE); }

void CommitSignal::bump() { __atomic_fetch_add(counter_, 1, __ATOMIC_ACQ_REL); }

}  // namespace quiver::store
