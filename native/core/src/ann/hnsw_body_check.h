// Structural check of hnswlib 0.8's serialization (the body of a graph file) before hnswlib's own
// loader sees it. hnswlib trusts every field it reads: a body whose CRC is valid but whose content
// is not a graph hnswlib wrote (a buggy or foreign writer, a crafted file) would make it allocate
// absurd sizes, read past its buffers or follow neighbour ids out of bounds. The CRC guards
// against random damage; this guards the loader's memory safety. Any finding means "rebuild".
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>

namespace quiver::ann {

struct HnswBodyExpectation {
  size_t data_size;  // bytes of one stored vector (the space's get_data_size())
  size_t m;          // HNSW M the index was created with
};

// Reads the body from `in` (positioned at its first byte, `body_size` bytes long). Returns an
// empty string when the layout is one hnswlib 0.8 writes for these parameters and every link is
// in range; otherwise what is wrong. Never throws for bad content.
std::string check_hnsw_body(std::istream& in, uint64_t body_size, const HnswBodyExpectation& want);

}  // namespace quiver::ann
