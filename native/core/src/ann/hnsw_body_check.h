// Structural check of hnswlib 0.8's serialization (the body of a graph file) before any of it is
// trusted. hnswlib trusts every field it reads: a body whose checksum is valid but whose content
// is not a graph hnswlib wrote (a buggy or foreign writer, a crafted file) would make it allocate
// absurd sizes, read past its buffers or follow neighbour ids out of bounds. The checksum guards
// against random damage; this guards memory safety. Any finding means "rebuild".
//
// The body is checked where it already lies in memory (hnsw_file.cpp reads it once, straight
// into the buffers the graph keeps): the fixed fields, then the level-0 block, then the upper
// link lists. Duplicate labels are found by the loader while it builds its label table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace quiver::ann {

// hnswlib 0.8's saveIndex writes these fields, in this order, before the level-0 block.
struct HnswBodyFields {
  uint64_t offset_level0, max_elements, count, size_per_element, label_offset, data_offset;
  int32_t max_level;
  uint32_t entry_point;
  uint64_t max_m, max_m0, m;
  double mult;
  uint64_t ef_construction;
};
constexpr uint64_t kHnswFieldsBytes = 6 * 8 + 4 + 4 + 3 * 8 + 8 + 8;

struct HnswBodyExpectation {
  size_t data_size;  // bytes of one stored vector (the codec's stored_bytes())
  size_t m;          // HNSW M the index was created with
};

// Decodes the kHnswFieldsBytes bytes at `bytes`.
HnswBodyFields parse_hnsw_fields(const char* bytes);
// Writes `f` as hnswlib 0.8 does (kHnswFieldsBytes bytes).
void write_hnsw_fields(const HnswBodyFields& f, char* out);

// Each returns an empty string when the part is one hnswlib 0.8 writes for these parameters and
// every link is in range; otherwise what is wrong. None throws for bad content.
std::string check_hnsw_fields(const HnswBodyFields& f, uint64_t body_size,
                              const HnswBodyExpectation& want);
// `elements`: `n` consecutive elements of the level-0 block, n * f.size_per_element bytes
// (fields already checked). The loader checks the block chunk by chunk as it reads it.
std::string check_hnsw_level0(const char* elements, uint64_t n, const HnswBodyFields& f);
// `upper`: what follows level 0 (a size, then that many bytes of link lists, per element), to
// the end of the body. Fills `levels` (one per element) on success.
std::string check_hnsw_upper(const char* upper, uint64_t size, const HnswBodyFields& f,
                             std::vector<uint8_t>* levels);

}  // namespace quiver::ann
