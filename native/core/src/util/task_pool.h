// A small process-wide pool for fanning one call out over a few independent pieces of work (the
// shards of one query). The caller works too: it claims pieces like the workers, so a piece never
// waits for a busy pool — with every worker busy the caller simply does all of them itself, which
// is also what happens in WASM builds without threads. Workers start on first use.
#pragma once

#include <cstddef>
#include <functional>

namespace quiver::util {

// Runs fn(i) for i in [0, n), spread over the calling thread and up to (cores - 1) pool threads;
// returns when all are done. The first exception thrown by fn is rethrown (the others still run).
void run_pieces(size_t n, const std::function<void(size_t)>& fn);

// Threads a call to run_pieces can use at most (the caller included): 1 without threads.
size_t piece_threads();

}  // namespace quiver::util
