#include "ann/shard_set.h"

namespace quiver::ann {

ShardSet::ShardSet(Metric metric, uint32_t dims, const HnswParams& params)
    : codec_(vectors::ScalarKind::F32, metric, dims) {
  shards_.push_back(std::make_unique<HnswShard>(codec_, params));
}

ShardSet::ShardSet(const vectors::VectorCodec& codec, std::unique_ptr<HnswShard> shard)
    : codec_(codec) {
  shards_.push_back(std::move(shard));
}

ShardSet::~ShardSet() = default;

std::optional<uint64_t> ShardSet::file_seq(const std::string& path, Metric metric, uint32_t dims) {
  return HnswShard::file_seq(path, vectors::VectorCodec(vectors::ScalarKind::F32, metric, dims));
}

ShardSet::Loaded ShardSet::load(const std::string& path, Metric metric, uint32_t dims,
                                const HnswParams& params) {
  const vectors::VectorCodec codec(vectors::ScalarKind::F32, metric, dims);
  Loaded result;
  auto shard = HnswShard::load(path, codec, params);
  if (!shard.shard) {
    result.problem = shard.problem;
    return result;
  }
  result.set.reset(new ShardSet(codec, std::move(shard.shard)));
  result.seq = shard.seq;
  return result;
}

void ShardSet::reserve(size_t additional) { shards_[0]->reserve(additional); }
void ShardSet::upsert(uint64_t label, const float* raw) { shards_[0]->upsert(label, raw); }
void ShardSet::remove(uint64_t label) { shards_[0]->remove(label); }
bool ShardSet::contains(uint64_t label) const { return shards_[0]->contains(label); }
size_t ShardSet::size() const { return shards_[0]->size(); }
std::vector<uint64_t> ShardSet::labels() const { return shards_[0]->labels(); }
bool ShardSet::vector_of(uint64_t label, float* out) const { return shards_[0]->vector_of(label, out); }

std::vector<Neighbor> ShardSet::search(const float* raw_query, size_t k, size_t ef,
                                       const std::function<bool(uint64_t)>* allow) const {
  // Prepared once for every shard (several shards: search each, merge by distance).
  const vectors::PreparedQuery query = codec_.prepare(raw_query);
  return shards_[0]->search(query, k, ef, allow);
}

float ShardSet::distance(const vectors::PreparedQuery& query, uint64_t label) const {
  return shards_[0]->distance(query, label);
}

void ShardSet::save(const std::string& path, uint64_t seq) const { shards_[0]->save(path, seq); }

}  // namespace quiver::ann
