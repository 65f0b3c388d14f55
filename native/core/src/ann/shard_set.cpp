#include "ann/shard_set.h"

#include <algorithm>
#include <atomic>

#include "util/files.h"
#include "util/task_pool.h"

namespace quiver::ann {
namespace {

// A thread hop costs 20–40 µs on a loaded 2-core machine; a shard's search is fanned out only
// when it is estimated to cost several times that (the same estimate as query::runs_inline:
// min(items, ef·2M) distances of `dims` floats at ~25 ns + dims/16 ns each).
constexpr double kFanOutMicros = 150.0;

// Searches running in this process right now: with as many as there are cores, every core is
// already busy and fanning out would only add hops (8 queries in flight on 2 cores).
std::atomic<size_t> g_searches{0};

GraphFileSlot slot_of(uint32_t shard, size_t count) {
  return GraphFileSlot{shard, static_cast<uint32_t>(count)};
}

}  // namespace

ShardSet::ShardSet(const vectors::VectorCodec& codec, const HnswParams& params)
    : codec_(codec), params_(params) {}

ShardSet::ShardSet(Metric metric, uint32_t dims, const HnswParams& params, Quantization quantization,
                   uint32_t shard_count)
    : ShardSet(vectors::VectorCodec(vectors::scalar_kind_of(quantization), metric, dims), params) {
  const uint32_t count = std::max<uint32_t>(1, shard_count);
  for (uint32_t i = 0; i < count; ++i) {
    shards_.push_back(std::make_unique<HnswShard>(codec_, params_, count));
  }
  make_file_seqs();
}

void ShardSet::make_file_seqs() {
  file_seq_ = std::make_unique<std::atomic<uint64_t>[]>(shards_.size());
  for (size_t i = 0; i < shards_.size(); ++i) file_seq_[i].store(0);
}

uint64_t ShardSet::clean_through(uint32_t shard) const { return file_seq_[shard].load(); }

void ShardSet::calibrate(const float* const* vectors, size_t count) {
  if (codec_.calibrated() || count == 0) return;
  // Only an empty set learns (the shards were built with the uncalibrated codec and hold no
  // vector yet): they are recreated with the learned parameters.
  codec_.calibrate(vectors, count);
  for (auto& shard : shards_) shard = std::make_unique<HnswShard>(codec_, params_, shard_count());
  for (uint32_t i = 0; i < shards_.size(); ++i) mark_changed(i);
}

ShardSet::~ShardSet() = default;

std::string ShardSet::file_name(uint32_t shard) { return "shard-" + std::to_string(shard) + ".hnsw"; }

bool ShardSet::is_graph_file_name(const std::string& name) {
  const std::string prefix = "shard-";
  if (name.compare(0, prefix.size(), prefix) != 0) return false;
  size_t i = prefix.size();
  const size_t digits = i;
  while (i < name.size() && name[i] >= '0' && name[i] <= '9') ++i;
  if (i == digits || name.compare(i, 5, ".hnsw") != 0) return false;
  return i + 5 == name.size() || name[i + 5] == '.';
}

std::optional<uint64_t> ShardSet::file_seq(const std::string& folder, Metric metric, uint32_t dims,
                                           Quantization quantization, uint32_t shard_count) {
  const vectors::VectorCodec codec(vectors::scalar_kind_of(quantization), metric, dims);
  std::optional<uint64_t> oldest;
  for (uint32_t i = 0; i < std::max<uint32_t>(1, shard_count); ++i) {
    auto seq = HnswShard::file_seq(util::join_path(folder, file_name(i)), codec,
                                   slot_of(i, std::max<uint32_t>(1, shard_count)));
    if (!seq) return std::nullopt;
    oldest = oldest ? std::min(*oldest, *seq) : *seq;
  }
  return oldest;
}

size_t ShardSet::Loaded::loaded() const {
  return static_cast<size_t>(std::count(problem.begin(), problem.end(), std::string()));
}

ShardSet::Loaded ShardSet::load(const std::string& folder, Metric metric, uint32_t dims,
                                const HnswParams& params, Quantization quantization,
                                uint32_t shard_count) {
  const vectors::VectorCodec codec(vectors::scalar_kind_of(quantization), metric, dims);
  const uint32_t n = std::max<uint32_t>(1, shard_count);
  Loaded result;
  std::vector<std::unique_ptr<HnswShard>> shards(n);
  std::optional<vectors::VectorCodec> set_codec;  // the first loaded shard's (i8: its scale)
  for (uint32_t i = 0; i < n; ++i) {
    auto shard = HnswShard::load(util::join_path(folder, file_name(i)), codec, params, slot_of(i, n));
    std::string problem = shard.shard ? "" : (shard.problem.empty() ? "could not be loaded" : shard.problem);
    if (shard.shard && set_codec && shard.shard->codec().param_bits() != set_codec->param_bits()) {
      problem = "holds other codec parameters than the other shards";
    }
    if (problem.empty()) {
      if (!set_codec) set_codec = shard.shard->codec();
      shards[i] = std::move(shard.shard);
      result.seq.push_back(shard.seq);
    } else {
      result.seq.push_back(0);
    }
    result.problem.push_back(problem);
  }
  result.set.reset(new ShardSet(set_codec ? *set_codec : codec, params));
  for (auto& shard : shards) {
    // Damaged shards start empty, with the set's codec, for the caller to refill.
    result.set->shards_.push_back(shard ? std::move(shard)
                                        : std::make_unique<HnswShard>(result.set->codec_, params,
                                                                      static_cast<uint32_t>(shards.size())));
  }
  result.set->make_file_seqs();
  for (uint32_t i = 0; i < n; ++i) {
    if (result.problem[i].empty()) result.set->file_seq_[i].store(result.seq[i]);
  }
  return result;
}

void ShardSet::replace_shard(uint32_t shard) {
  shards_.at(shard) = std::make_unique<HnswShard>(codec_, params_, shard_count());
  mark_changed(shard);
}

ShardSet::ShardInfo ShardSet::shard_info(uint32_t shard) const {
  const auto& s = *shards_.at(shard);
  return {s.size(), s.memory_bytes()};
}

void ShardSet::reserve(size_t additional) {
  // Without the labels: room for all of them in every shard would over-allocate N times, so
  // each gets its even share plus slack; callers that know the labels use reserve_for.
  const size_t n = shards_.size();
  for (auto& s : shards_) s->reserve(n == 1 ? additional : additional / n + additional / (4 * n) + 64);
}

void ShardSet::reserve_for(const std::vector<uint64_t>& labels) {
  std::vector<size_t> per_shard(shards_.size(), 0);
  std::vector<uint64_t> max_label(shards_.size(), 0);
  for (uint64_t label : labels) {
    ++per_shard[shard_of(label)];
    max_label[shard_of(label)] = std::max(max_label[shard_of(label)], label);
  }
  for (size_t i = 0; i < shards_.size(); ++i) {
    shards_[i]->reserve(per_shard[i]);
    if (per_shard[i] > 0) shards_[i]->reserve_label(max_label[i]);
  }
}

void ShardSet::hide_from(uint64_t label) {
  for (auto& s : shards_) s->hide_from(label);
}

void ShardSet::show_all() {
  for (auto& s : shards_) s->hide_from(HnswShard::kNothingHidden);
}

bool ShardSet::shard_is_empty(uint64_t label) const {
  return shards_[shard_of(label)]->slots() == 0;
}

void ShardSet::upsert(uint64_t label, const float* raw) {
  const uint32_t shard = shard_of(label);
  mark_changed(shard);
  shards_[shard]->upsert(label, raw);
}

void ShardSet::stage_update(uint64_t label, const float* raw) {
  const uint32_t shard = shard_of(label);
  mark_changed(shard);
  shards_[shard]->stage_update(label, raw);
}

void ShardSet::swap_in_staged() {
  for (auto& s : shards_) s->swap_in_staged();
}

void ShardSet::drop_staged() {
  for (auto& s : shards_) s->drop_staged();
}

size_t ShardSet::relink_if_rewritten(bool now) {
  size_t linked = 0;
  for (uint32_t i = 0; i < shards_.size(); ++i) {
    const size_t n = shards_[i]->relink_if_rewritten(now);
    if (n > 0) mark_changed(i);
    linked += n;
  }
  return linked;
}

void ShardSet::remove(uint64_t label) {
  const uint32_t shard = shard_of(label);
  if (!shards_[shard]->contains(label)) return;  // nothing changes: the shard stays clean
  mark_changed(shard);
  shards_[shard]->remove(label);
}
bool ShardSet::contains(uint64_t label) const { return shards_[shard_of(label)]->contains(label); }

size_t ShardSet::size() const {
  size_t total = 0;
  for (const auto& s : shards_) total += s->size();
  return total;
}

std::vector<uint64_t> ShardSet::labels() const {
  std::vector<uint64_t> out;
  for (const auto& s : shards_) {
    auto part = s->labels();
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

bool ShardSet::vector_of(uint64_t label, float* out) const {
  return shards_[shard_of(label)]->vector_of(label, out);
}

bool ShardSet::vector_of(const Neighbor& n, float* out) const {
  const HnswShard& shard = *shards_[shard_of(n.label)];
  return n.slot != Neighbor::kNoSlot ? shard.vector_at(n.slot, n.label, out) : shard.vector_of(n.label, out);
}

std::vector<Neighbor> ShardSet::search(const float* raw_query, size_t k, size_t ef,
                                       const std::function<bool(uint64_t)>* allow) const {
  // Prepared once for every shard.
  const vectors::PreparedQuery query = codec_.prepare(raw_query);
  const size_t n = shards_.size();
  if (n == 1) return shards_[0]->search(query, k, ef, allow);

  std::vector<std::vector<Neighbor>> parts(n);
  auto search_shard = [&](size_t i) { parts[i] = shards_[i]->search(query, k, ef, allow); };
  size_t largest = 0;
  for (const auto& s : shards_) largest = std::max(largest, s->size());
  const double width = static_cast<double>(std::max(ef, k));
  const double distances = std::min(static_cast<double>(largest), width * 2.0 * params_.M);
  const double micros = distances * (25.0 + codec_.dims() / 16.0) / 1000.0;
  const size_t running = g_searches.fetch_add(1) + 1;
  try {
    // Filtered searches walk further than the estimate says: they are fanned out too.
    if ((micros >= kFanOutMicros || allow) && running < util::piece_threads()) {
      util::run_pieces(n, search_shard);
    } else {
      for (size_t i = 0; i < n; ++i) search_shard(i);
    }
  } catch (...) {
    g_searches.fetch_sub(1);
    throw;
  }
  g_searches.fetch_sub(1);

  // Exact merge: the k smallest distances over every shard's k best (ties: smaller label).
  std::vector<Neighbor> merged;
  for (auto& part : parts) merged.insert(merged.end(), part.begin(), part.end());
  auto better = [](const Neighbor& a, const Neighbor& b) {
    return a.distance < b.distance || (a.distance == b.distance && a.label < b.label);
  };
  const size_t keep = std::min(k, merged.size());
  std::partial_sort(merged.begin(), merged.begin() + static_cast<std::ptrdiff_t>(keep), merged.end(), better);
  merged.resize(keep);
  return merged;
}

float ShardSet::distance(const vectors::PreparedQuery& query, uint64_t label) const {
  return shards_[shard_of(label)]->distance(query, label);
}

void ShardSet::distances(const vectors::PreparedQuery& query, const uint64_t* labels, size_t n,
                         std::vector<Neighbor>& out) const {
  if (shards_.size() == 1) return shards_[0]->distances(query, labels, n, out);
  // Each shard's labels together (its prefetching looks ahead within its own); order changes,
  // which an exact scan's heap does not mind.
  std::vector<uint64_t> mine;
  for (uint32_t s = 0; s < shards_.size(); ++s) {
    mine.clear();
    for (size_t i = 0; i < n; ++i) {
      if (shard_of(labels[i]) == s) mine.push_back(labels[i]);
    }
    shards_[s]->distances(query, mine.data(), mine.size(), out);
  }
}

bool ShardSet::try_distance(const vectors::PreparedQuery& query, uint64_t label, float* out) const {
  const size_t shard = shards_.size() == 1 ? 0 : shard_of(label);
  return shards_[shard]->try_distance(query, label, out);
}

void ShardSet::save(const std::string& folder, uint64_t seq) const {
  for (uint32_t i = 0; i < shards_.size(); ++i) {
    if (file_seq_[i].load() != 0) continue;  // unchanged since its file: that file stays
    shards_[i]->save(util::join_path(folder, file_name(i)), seq, slot_of(i, shards_.size()));
    file_seq_[i].store(seq);
  }
}

}  // namespace quiver::ann
