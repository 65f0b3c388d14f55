// Index::performance_metrics(): the figures of getPerformanceMetrics(), gathered from what the
// core measures anyway (metrics/latency_window.h, the query cache's counters) and from the
// structures themselves (sizes), under the shared lock. Cheap enough to call often: one pass
// over the graph's slots for the memory of its upper layers.
#include <filesystem>

#include <nlohmann/json.hpp>

#include "ann/codec_space.h"
#include "ann/shard_set.h"
#include "index/index_impl.h"
#include "query/request.h"
#include "util/json_text.h"

namespace quiver {
namespace {

using nlohmann::json;

// Bytes hnswlib holds for one shard: the base layer (vector + links + label per slot, for every
// slot allocated), the upper layers' link lists, the label map.
size_t shard_bytes(const ann::HnswShard& shard) {
  const auto& h = shard.graph();
  size_t bytes = h.max_elements_ * h.size_data_per_element_;
  for (size_t i = 0; i < h.cur_element_count; ++i) {
    if (h.element_levels_[i] > 0) bytes += h.size_links_per_element_ * static_cast<size_t>(h.element_levels_[i]);
  }
  bytes += h.max_elements_ * (sizeof(void*) + sizeof(int));        // link list pointers, levels
  bytes += h.label_lookup_.size() * (sizeof(uint64_t) + sizeof(uint32_t) + 2 * sizeof(void*));
  return bytes;
}

size_t folder_bytes(const std::string& folder) {
  size_t bytes = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    std::error_code size_ec;
    if (entry.is_regular_file(size_ec)) {
      const auto size = entry.file_size(size_ec);
      if (!size_ec) bytes += static_cast<size_t>(size);
    }
  }
  return bytes;
}

}  // namespace

std::string Index::performance_metrics(const std::string& options_json) const {
  if (!options_json.empty()) {
    const json j = util::parse_caller_json(options_json, Limits::kMaxJsonDepth, "metrics options");
    if (!j.is_object()) throw Error(ErrorCode::InvalidArgument, "metrics options must be an object like {callerLatencies: [0.1]}");
    for (const auto& [key, value] : j.items()) {
      if (key != "callerLatencies") {
        throw Error(ErrorCode::InvalidArgument, "metrics options: unknown key \"" + key + "\" (known: callerLatencies)");
      }
    }
    if (j.contains("callerLatencies")) impl_->record_caller_latencies(query::parse_caller_latencies(j["callerLatencies"]));
  }
  return performance_metrics();
}

std::string Index::performance_metrics() const {
  auto lock = lock_for_read(*impl_);
  const Impl& impl = *impl_;
  const auto latency = impl.query_latency.percentiles();
  const auto cache = impl.query_cache.stats();
  json shards = json::array();
  size_t vector_bytes = 0;
  if (const auto* set = dynamic_cast<const ann::ShardSet*>(impl.cache.graph.get())) {
    for (size_t s = 0; s < set->shard_count(); ++s) {
      const size_t bytes = shard_bytes(set->shard(s));
      vector_bytes += bytes;
      shards.push_back({{"items", set->shard(s).size()}, {"bytesInMemory", bytes}});
    }
  }
  const size_t item_bytes = impl.cache.items.memory_bytes();
  const size_t cursor_bytes = impl.cursors.memory_bytes();
  const uint64_t lookups = cache.hits + cache.misses;
  json j = {
      {"queries",
       {{"p50Ms", latency.p50_ms},
        {"p95Ms", latency.p95_ms},
        {"p99Ms", latency.p99_ms},
        {"count", latency.count},
        {"perSecond", impl.query_latency.queries_per_second()},
        {"windowSeconds", latency.window_seconds}}},
      {"inserts", {{"perSecond", impl.writes.rate_per_second()}}},
      {"cache",
       {{"hits", cache.hits},
        {"misses", cache.misses},
        {"hitRate", lookups ? static_cast<double>(cache.hits) / static_cast<double>(lookups) : 0.0},
        {"entries", cache.entries},
        {"bytes", cache.bytes},
        {"maxEntries", cache.max_entries},
        {"maxBytes", cache.max_bytes}}},
      {"items", impl.cache.items.size()},
      {"bytesOnDisk", folder_bytes(impl.cache.folder)},
      {"bytesInMemory",
       {{"total", item_bytes + vector_bytes + cache.bytes + cursor_bytes},
        {"items", item_bytes},
        {"vectors", vector_bytes},
        {"cache", cache.bytes},
        {"streams", cursor_bytes}}},
      {"shards", shards},
      {"streams", {{"open", impl.cursors.size()}, {"bytes", cursor_bytes}}},
  };
  return j.dump();
}

}  // namespace quiver
