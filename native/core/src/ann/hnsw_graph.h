// hnswlib's graph, whose level-0 block (links + stored vectors + labels: nearly all of a graph's
// memory) may live in a private mapping of the graph file it was loaded from, instead of memory
// filled by reading the file.
//
// Why: reading a 660 MB level-0 block at a million vectors made the kernel zero 660 MB of fresh
// memory and then copy the file into it; a mapping of pages already in the page cache costs
// neither (most of a reopen's graph time, ARCHITECTURE.md "Opening").
//
// The mapping is MAP_PRIVATE: the graph's own writes (a new link, a delete mark) copy the page
// they touch and never reach the file, which stays the immutable snapshot it was saved as (saves
// write a new file and rename it over the old; a mapped old file lives on until unmapped).
// hnswlib frees and reallocs data_level0_memory_ itself (clear(), resizeIndex()), so before the
// graph grows own_level0() moves the block into malloc memory; the destructor unmaps.
// Builds without mmap (Emscripten) never map: the loader reads the file there.
#pragma once

#include <cstddef>
#include <cstdint>

#include <hnswlib/hnswlib.h>

namespace quiver::ann {

class HnswGraph : public hnswlib::HierarchicalNSW<float> {
 public:
  using hnswlib::HierarchicalNSW<float>::HierarchicalNSW;
  ~HnswGraph() override;
  HnswGraph(const HnswGraph&) = delete;
  HnswGraph& operator=(const HnswGraph&) = delete;

  // True where this build can map files (not Emscripten).
  static bool can_map();

  // Maps `level0_bytes` of the file `fd` from `file_offset` as the level-0 block, with room for
  // `capacity_bytes` (>= level0_bytes; the part beyond the file's is zeroed anonymous memory).
  // The pages are entered read-only first (MAP_POPULATE on a writable private mapping would copy
  // every page), then made writable. Returns false (nothing changed) when the system refuses;
  // the caller then reads the file instead. Only on a graph without a level-0 block yet.
  bool map_level0(int fd, uint64_t file_offset, uint64_t level0_bytes, uint64_t capacity_bytes);

  bool level0_mapped() const { return mapping_ != nullptr; }

  // Copies the level-0 block out of the mapping into memory of its own (malloc, as hnswlib
  // expects), then unmaps. No-op when not mapped. Throws std::bad_alloc when memory is short.
  void own_level0();

  // Grows the capacity (hnswlib's resizeIndex, after own_level0()).
  void resize(size_t max_elements);

 private:
  void unmap();

  void* mapping_ = nullptr;  // page-aligned start of the mapping
  size_t mapping_bytes_ = 0;
};

}  // namespace quiver::ann
