// The insert of a new element into an HNSW graph: hnswlib's addPoint for a label the graph does
// not hold, with our own base-layer search, which reads each node's links without taking the
// node's lock.
//
// Why: a graph build spends most of its time in that search (efConstruction candidates per
// insert), and hnswlib locks a node's mutex for every node it expands there: 200-400 lock and
// unlock pairs per insert, on mutexes packed 40 bytes apart that the build threads share. A perf
// profile of a 2-thread build put pthread_mutex_lock at ~9 % of its CPU.
//
// Why reading without the lock is sound here: a level-0 link list lives in memory allocated for
// the graph's capacity before any insert, and writers only ever store valid element ids into it
// (and its count) word by word; a reader racing with a writer sees an older or newer list, or a
// list still zero (element 0, or no links): at worst a slightly different candidate set, never
// an invalid read. An element's vector is written, and a release barrier passed, before any list
// links to it, so a reader that finds it reads its vector, not the zeros before it. hnswlib's
// own searchBaseLayerST reads level 0 the same way while inserts run beside it
// (Cache::build_graph relies on that for searches during a load). The upper layers,
// whose lists are allocated by the insert that creates them, are still searched by hnswlib's
// locking code (and hold ~1/M of the work). Writers keep hnswlib's locks: the new element's for
// its whole insert, each neighbour's while its list changes (mutuallyConnectNewElement).
//
// Single-threaded, the result is hnswlib's to the byte (same levels from the same generator,
// same candidates in the same order): hnsw_insert_test compares two graphs built both ways.
#pragma once

#include <hnswlib/hnswlib.h>

namespace quiver::ann {

// Inserts `stored` (the codec's stored form) under `label`, which the graph must not hold, into a
// free slot at the end (never a deleted element's: the caller uses hnswlib's addPoint when it
// wants one reused). Returns the element's internal id. Throws std::runtime_error (as hnswlib)
// when the graph is full. Safe beside other inserts and beside searches, as hnswlib's addPoint.
hnswlib::tableint insert_new_element(hnswlib::HierarchicalNSW<float>& graph, const void* stored,
                                     hnswlib::labeltype label);

}  // namespace quiver::ann
