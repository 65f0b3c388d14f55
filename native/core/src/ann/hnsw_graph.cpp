#include "ann/hnsw_graph.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#ifndef __EMSCRIPTEN__
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace quiver::ann {

HnswGraph::~HnswGraph() {
  // Before hnswlib's destructor, which frees data_level0_memory_ (free(nullptr) is a no-op).
  unmap();
}

bool HnswGraph::can_map() {
#ifdef __EMSCRIPTEN__
  return false;
#else
  return true;
#endif
}

bool HnswGraph::map_level0(int fd, uint64_t file_offset, uint64_t level0_bytes,
                           uint64_t capacity_bytes) {
#ifdef __EMSCRIPTEN__
  (void)fd, (void)file_offset, (void)level0_bytes, (void)capacity_bytes;
  return false;
#else
  if (data_level0_memory_ != nullptr || mapping_ != nullptr || capacity_bytes < level0_bytes) return false;
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const uint64_t aligned_offset = file_offset / page * page;
  const uint64_t lead = file_offset - aligned_offset;  // the block starts this far into the first page
  const uint64_t total = (lead + std::max<uint64_t>(1, capacity_bytes) + page - 1) / page * page;
  const uint64_t file_part = (lead + level0_bytes + page - 1) / page * page;
  if (total > SIZE_MAX) return false;
  // The whole range first, anonymous (zero pages for the capacity beyond the file's elements),
  // then the file over its start. Read-only while populating: see the header.
  void* base = ::mmap(nullptr, static_cast<size_t>(total), PROT_READ,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) return false;
  if (level0_bytes > 0) {
#ifdef MAP_POPULATE
    constexpr int kPopulate = MAP_POPULATE;  // Linux: enter every page now, in one call
#else
    constexpr int kPopulate = 0;  // elsewhere: read-ahead advice below, pages entered on touch
#endif
    void* file = ::mmap(base, static_cast<size_t>(file_part), PROT_READ,
                        MAP_PRIVATE | MAP_FIXED | kPopulate, fd, static_cast<off_t>(aligned_offset));
    if (file == MAP_FAILED) {
      ::munmap(base, static_cast<size_t>(total));
      return false;
    }
    if (kPopulate == 0) ::madvise(base, static_cast<size_t>(file_part), MADV_WILLNEED);
  }
  if (::mprotect(base, static_cast<size_t>(total), PROT_READ | PROT_WRITE) != 0) {
    ::munmap(base, static_cast<size_t>(total));
    return false;
  }
  mapping_ = base;
  mapping_bytes_ = static_cast<size_t>(total);
  data_level0_memory_ = static_cast<char*>(base) + lead;
  return true;
#endif
}

void HnswGraph::own_level0() {
  if (mapping_ == nullptr) return;
  const size_t bytes = max_elements_ * size_data_per_element_;
  char* own = static_cast<char*>(std::malloc(std::max<size_t>(1, bytes)));
  if (own == nullptr) throw std::bad_alloc();
  std::memcpy(own, data_level0_memory_, bytes);
  unmap();
  data_level0_memory_ = own;
}

void HnswGraph::resize(size_t max_elements) {
  own_level0();
  resizeIndex(max_elements);
}

void HnswGraph::unmap() {
#ifndef __EMSCRIPTEN__
  if (mapping_ == nullptr) return;
  ::munmap(mapping_, mapping_bytes_);
  mapping_ = nullptr;
  mapping_bytes_ = 0;
  data_level0_memory_ = nullptr;
#endif
}

}  // namespace quiver::ann
