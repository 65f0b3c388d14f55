#include "query/query_cache.h"

#include <cstring>

namespace quiver::query {

void QueryCache::resize(size_t max_entries, size_t max_bytes) {
  std::lock_guard<std::mutex> guard(mutex_);
  max_entries_ = max_entries;
  max_bytes_ = max_bytes;
  evict_locked();
}

bool QueryCache::enabled() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return max_entries_ > 0 && max_bytes_ > 0;
}

QueryCache::Key::Key(std::string key_bytes)
    : bytes(std::move(key_bytes)), hash(std::hash<std::string_view>()(bytes)) {}

QueryCache::Key QueryCache::key_of(const VectorView& vector, const std::string& normalized_options) {
  std::string key;
  const size_t vector_bytes = vector.present ? vector.size * sizeof(float) : 0;
  key.reserve(vector_bytes + normalized_options.size() + 9);
  key.push_back(vector.present ? 'v' : 'n');
  const uint64_t n = vector.present ? vector.size : 0;
  key.append(reinterpret_cast<const char*>(&n), sizeof n);  // so no vector ends inside the options
  if (vector_bytes) key.append(reinterpret_cast<const char*>(vector.data), vector_bytes);
  key.append(normalized_options);
  return Key(std::move(key));
}

size_t QueryCache::bytes_of(const std::string& key, const PackedItems& p) {
  return sizeof(Entry) + key.size() + p.text.size() + p.numbers.size() * sizeof(double) +
         p.vectors.size() * sizeof(float) + 64;  // + list and map nodes
}

bool QueryCache::get(const Key& key, uint64_t state, PackedItems* out) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (max_entries_ == 0 || max_bytes_ == 0) return false;
  if (state != state_) {
    drop_all_locked();
    state_ = state;
  }
  auto it = by_key_.find(ref(key));
  if (it == by_key_.end()) {
    ++misses_;
    return false;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  *out = it->second->answer;
  ++hits_;
  return true;
}

void QueryCache::put(Key key, uint64_t state, const PackedItems& answer) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (max_entries_ == 0 || max_bytes_ == 0) return;
  if (state != state_) {
    drop_all_locked();
    state_ = state;
  }
  const size_t bytes = bytes_of(key.bytes, answer);
  if (bytes > max_bytes_) return;  // would evict everything else for one answer
  lru_.push_front({std::move(key), answer, bytes});
  bytes_ += bytes;
  auto [it, inserted] = by_key_.try_emplace(ref(lru_.front().key), lru_.begin());
  if (!inserted) {
    // Cached meanwhile (two threads missed the same query): the older entry goes; the map's key
    // viewed its bytes, so it is replaced too.
    bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    by_key_.erase(it);
    by_key_.emplace(ref(lru_.front().key), lru_.begin());
  }
  evict_locked();
}

void QueryCache::clear() {
  std::lock_guard<std::mutex> guard(mutex_);
  drop_all_locked();
}

QueryCacheStats QueryCache::stats() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return {hits_, misses_, lru_.size(), bytes_, max_entries_, max_bytes_};
}

void QueryCache::drop_all_locked() {
  lru_.clear();
  by_key_.clear();
  bytes_ = 0;
}

void QueryCache::evict_locked() {
  while (!lru_.empty() && (lru_.size() > max_entries_ || bytes_ > max_bytes_)) {
    bytes_ -= lru_.back().bytes;
    by_key_.erase(ref(lru_.back().key));
    lru_.pop_back();
  }
}

}  // namespace quiver::query
