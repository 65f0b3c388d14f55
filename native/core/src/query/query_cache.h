// An LRU cache of query answers, one per open index, in memory (each process has its own).
//
// Key: the query vector's bytes plus the normalized options (the request's options JSON as
// parsed and dumped again: keys sorted, whitespace gone) — topK, efSearch, filter, text, mode,
// hybrid. Two requests with the same key get the same answer from the same index state.
//
// Invalidation rule: an entry is served only while the index's in-memory state is the one it
// was computed from (Index::Impl::changes, which moves on every committed write applied in this
// process — insert, upsert, delete, endUpdate — on every catch-up with another process's
// commits, and on every reload or rebuild of the graph). The first lookup that sees the state
// moved drops every entry. Why everything: an HNSW answer depends on the whole graph (an insert
// anywhere adds edges that can change which nodes any search reaches, a delete can change the
// route), so there is no smaller set of entries a write provably leaves unchanged; and why it is
// exact: reads run under the index's shared lock, during which the state cannot move, and a
// read first catches up with other processes' commits (PRAGMA data_version) before looking here.
// Staged updates (beginUpdate) change nothing readers see until endUpdate commits.
//
// Bounded by entries and by bytes (the packed answers' sizes plus the keys); 0 for either: off.
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "quiver/item.h"

namespace quiver::query {

// On by default, small: most repeated queries are few and their answers small (topK hits).
constexpr size_t kDefaultCacheEntries = 256;
constexpr size_t kDefaultCacheBytes = 4u << 20;

struct QueryCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  size_t entries = 0;
  size_t bytes = 0;
  size_t max_entries = 0;
  size_t max_bytes = 0;
};

class QueryCache {
 public:
  QueryCache(size_t max_entries, size_t max_bytes) { resize(max_entries, max_bytes); }

  void resize(size_t max_entries, size_t max_bytes);
  bool enabled() const;

  // A request's key (vector bytes + normalized options JSON, ~530 bytes for 128 dimensions),
  // hashed once: a miss then costs one lookup, and put() and eviction hash nothing again nor
  // copy the bytes (in WASM a miss cost ~10 µs more than with the cache off before).
  struct Key {
    Key(std::string key_bytes);  // NOLINT: implicit, for tests and tools
    Key(const char* key_bytes) : Key(std::string(key_bytes)) {}  // NOLINT
    std::string bytes;
    size_t hash;
  };
  static Key key_of(const VectorView& vector, const std::string& normalized_options);

  // True and a copy in `out` when `key` is cached for this `state`; counts a hit or a miss.
  bool get(const Key& key, uint64_t state, PackedItems* out);
  void put(Key key, uint64_t state, const PackedItems& answer);
  void clear();
  QueryCacheStats stats() const;

 private:
  struct Entry {
    Key key;
    PackedItems answer;
    size_t bytes;
  };
  // The map's key: a view of an entry's key bytes (list nodes never move) and its hash.
  struct KeyRef {
    std::string_view bytes;
    size_t hash;
    bool operator==(const KeyRef& o) const { return hash == o.hash && bytes == o.bytes; }
  };
  struct KeyRefHash {
    size_t operator()(const KeyRef& k) const { return k.hash; }
  };
  static KeyRef ref(const Key& k) { return {k.bytes, k.hash}; }
  static size_t bytes_of(const std::string& key, const PackedItems& p);
  void drop_all_locked();
  void evict_locked();

  mutable std::mutex mutex_;
  size_t max_entries_ = 0;
  size_t max_bytes_ = 0;
  uint64_t state_ = 0;  // the index state every entry was computed from
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<KeyRef, std::list<Entry>::iterator, KeyRefHash> by_key_;
  size_t bytes_ = 0;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

}  // namespace quiver::query
