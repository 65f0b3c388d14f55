#include "ann/shard_set.h"

namespace quiver::ann {

ShardSet::ShardSet(Metric metric, uint32_t dims, const HnswParams& params, Quantization quantization)
    : codec_(vectors::scalar_kind_of(quantization), metric, dims), params_(params) {
  shards_.push_back(std::make_unique<HnswShard>(codec_, params));
}

ShardSet::ShardSet(const vectors::VectorCodec& codec, const HnswParams& params,
                   std::unique_ptr<HnswShard> shard)
    : codec_(codec), params_(params) {
  shards_.push_back(std::move(shard));
}

void ShardSet::calibrate(const float* const* vectors, size_t count) {
  if (codec_.calibrated() || count == 0) return;
  // Only an empty graph learns (the shards were built with the uncalibrated codec and hold no
  // vector yet): they are recreated with the learned parameters.
  codec_.calibrate(vectors, count);
  for (auto& shard : shards_) shard = std::make_unique<HnswShard>(codec_, params_);
}

ShardSet::~ShardSet() = default;

std::optional<uint64_t> ShardSet::file_seq(const std::string& path, Metric metric, uint32_t dims,
                                           Quantization quantization) {
  return HnswShard::file_seq(path, vectors::VectorCodec(vectors::scalar_kind_of(quantization), metric, dims));
}

ShardSet::Loaded ShardSet::load(const std::string& path, Metric metric, uint32_t dims,
                                const HnswParams& params, Quantization quantization) {
  const vectors::VectorCodec codec(vectors::scalar_kind_of(quantization), metric, dims);
  Loaded result;
  auto shard = HnswShard::load(path, codec, params);
  if (!shard.shard) {
    result.problem = shard.problem;
    return result;
  }
  // The shard's codec carries the parameters read from the file (i8's scale).
  const vectors::VectorCodec loaded_codec = shard.shard->codec();
  result.set.reset(new ShardSet(loaded_codec, params, std::move(shard.shard)));
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
