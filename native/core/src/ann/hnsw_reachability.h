// Keeping every element of an HNSW graph reachable from its entry point.
//
// Why: hnswlib rewrites an element in place (an upsert of a label the graph holds, or a new
// label taking a deleted element's slot: updatePoint) by recomputing the level-0 link lists of
// its old neighbours from a two-hop candidate set. An element such a list held may be left out,
// and when that was its last in-link — or the last link into the island it belongs to — no
// search reaches it again: a query by its own vector does not find it, at any efSearch. The
// kill -9 suite's own-vector check caught this (about 1 run in 50 with f32, about 1 in 5 with
// f16 in two shards of ~3,000 16-dim items: a breadth-first walk over the saved graph found the
// element, 3 out-links, no in-link); hnsw_reachability_test's churn of 3,000 rewrites and reuses
// of 2,000 elements under inner product leaves 228 of 2,156 unreachable in hnswlib as it is.
//
// The repair: a breadth-first walk over level 0 from the entry point; each live element it does
// not reach is linked in from the nearest element a level-0 search from the entry point finds
// (reachable by construction) — appended to that element's list when it has room, else in place
// of its farthest link (whose element may be cut off in turn: the walk runs again, at most three
// passes). Cost: the walk reads every level-0 list once (~24 ms at 100k x 128 on this VM: a
// cache miss per element), plus a search per element linked in. So HnswShard runs it once the
// in-place rewrites since the last walk number 1/256 of the shard, and always before a save and
// after a replay at open or catch-up (HnswShard::relink_if_rewritten); between walks a rewrite
// may leave an element unreached for a while, as in hnswlib. Inserts of new elements into fresh
// slots do not count (and keep hnswlib's bytes: hnsw_insert_test).
#pragma once

#include <cstddef>

#include <hnswlib/hnswlib.h>

namespace quiver::ann {

// Links back every live element no level-0 path from the entry point reaches. Returns how many
// were linked. No other thread may write to the graph meanwhile; searches may run.
size_t relink_unreachable(hnswlib::HierarchicalNSW<float>& graph);

}  // namespace quiver::ann
