// Index::info_json: what getIndexInfo reports beyond Vectra's stats (the configuration in
// effect, the stored form of vectors, the distance kernels' instruction set, and each shard's
// items, memory and file size).
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "index/index_impl.h"
#include "util/files.h"
#include "vectors/kernels.h"

namespace quiver {
namespace {

uint64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

}  // namespace

std::string Index::info_json() const {
  auto lock = lock_for_read(*impl_);
  const IndexConfig& c = impl_->cache.config;
  nlohmann::json j = {
      {"dimensions", c.dimensions},
      {"metric", metric_name(c.metric)},
      {"hnsw", {{"M", c.hnsw.M}, {"efConstruction", c.hnsw.ef_construction}, {"efSearch", c.hnsw.ef_search}}},
      {"quantization", quantization_name(c.quantization)},
      {"simd", vectors::level_name(vectors::active_level())},
  };
  nlohmann::json shards = nlohmann::json::array();
  for (uint32_t i = 0; i < c.shards; ++i) {
    const auto info = impl_->cache.graph ? impl_->cache.graph->shard_info(i) : ann::ShardSet::ShardInfo{0, 0};
    shards.push_back({{"items", info.items},
                      {"bytes", info.memory_bytes},
                      {"fileBytes", file_size(util::join_path(impl_->cache.folder, ann::ShardSet::file_name(i)))}});
  }
  j["shards"] = std::move(shards);
  return j.dump();
}

}  // namespace quiver
