// The graph file of one HNSW shard: our 64-byte header, then hnswlib 0.8's own serialization of
// the graph (the "body": fields, the level-0 block holding links + stored vectors + labels, then
// each element's upper link lists).
//
// Format 2 (this version): header fields as in format 1 plus the codec's stored-form id; the
// body checksum is CRC-32C; fixed-width (hnswlib's size_t fields and labels are 8 bytes in the
// file on every platform, so the wasm32 and the native builds read each other's files). Format 1 held unit-normalized cosine vectors and a CRC-32 body
// checksum: such a file is reported and rebuilt, never read.
//
// Shards (fit format 2: the slot took its second reserved header word, which every earlier
// format-2 file has as 0 = "shard 0 of 1"): the header names the file's shard slot, and a file
// is used only in that slot.
//
// Saving streams the body straight from the graph's memory into the file (no intermediate
// file). Loading maps the level-0 block (ann/hnsw_graph.h: a private mapping the graph keeps;
// where a build cannot map, or the block's memory layout differs from the file's, it is read
// once straight into the graph's memory), checks the checksum and the structure on that memory,
// then fills hnswlib's members itself. No temporary copy of the file is made.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "vectors/codec.h"

namespace quiver::ann {

class CodecSpace;
class HnswGraph;

constexpr uint32_t kGraphFormatVersion = 2;

// Which shard of a set a file holds: a file is used only in the slot it was written for.
struct GraphFileSlot {
  uint32_t index = 0;  // 0 .. count-1
  uint32_t count = 1;  // 1 .. 65536
};

// Writes `graph` to `path` atomically: the whole file under a name unique to this save
// ("<path>.<pid>-<random>.tmp"), fsync, rename, fsync of the folder. The caller holds the graph
// exclusively (no addPoint may run) and the folder's save lock.
void save_graph_file(const HnswGraph& graph,
                     const vectors::VectorCodec& codec, size_t live_count, uint64_t seq,
                     const std::string& path, const GraphFileSlot& slot = {});

// The sequence number in the header of the file at `path`, when the header is intact and the
// file is of this format for this codec (the body is not read).
std::optional<uint64_t> graph_file_seq(const std::string& path, const vectors::VectorCodec& codec,
                                       const GraphFileSlot& slot = {});

struct LoadedGraphFile {
  std::unique_ptr<HnswGraph> graph;  // null when the file was not used
  uint64_t seq = 0;
  std::string problem;  // why not (missing, truncated, checksum, older format, ...)
};
// Never throws for a bad file. `space` must outlive the graph; `m` is the index's HNSW M.
LoadedGraphFile load_graph_file(const std::string& path, CodecSpace& space, size_t m,
                                const GraphFileSlot& slot = {});

}  // namespace quiver::ann
