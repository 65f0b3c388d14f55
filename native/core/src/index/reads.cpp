// The read path: get, list and query answered from memory (ids and metadata text from the item
// table, vectors from the vector index), each into one packed result (quiver/item.h). No JSON
// parsing per item; SQLite is read by keyword search (FTS5) and, for a quantized graph, for the
// exact vectors returned or rescored (one row per item; none for a query that answers_from_graph).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "index/index_impl.h"
#include "query/hybrid.h"
#include "vectors/kernels.h"

namespace quiver {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

}  // namespace

void Index::Impl::pack(uint64_t label, PackedItems& out, double score, double distance, double vector_score,
                       double text_score, uint32_t slot, const float* exact) const {
  const auto& items = cache.items;
  const auto& graph = cache.graph;
  const uint32_t dims = cache.config.dimensions;
  if (!items.contains(label)) return;  // cannot happen while the cache is in sync; never a ghost
  // A quantized graph holds approximations: the vector returned is the exact one, from SQLite
  // (one indexed row read per item, checksum verified; see ARCHITECTURE "Quantization").
  const bool from_graph = graph && graph->codec().exact();
  const bool has_vector = items.has_vector(label);
  std::optional<store::Row> row;
  if (!from_graph && has_vector && !exact) {
    row = store->find_by_label(static_cast<int64_t>(label));
    // Deleted by another process after this read's refresh: the read reflects an instant just
    // before that delete, minus this item. (f32 never gets here for a live item.)
    if (!row && graph && graph->contains(label)) return;
  }
  if (out.count > 0) out.text.push_back('\0');
  out.text.append(items.id(label));
  out.text.push_back('\0');
  out.text.append(items.metadata(label));
  const size_t at = out.vectors.size();
  out.vectors.resize(at + dims);  // zeros for an item without a vector (its slot is unused)
  float* v = out.vectors.data() + at;
  if (!has_vector) {
    out.numbers.insert(out.numbers.end(), {std::nan(""), score, distance, vector_score, text_score});
    ++out.count;
    return;
  }
  if (exact) {
    std::copy(exact, exact + dims, v);
  } else if (!from_graph || !graph->vector_of(ann::Neighbor{0, label, slot}, v)) {
    // Reachable with f32 too (the row-decoder fuzzer finds it: a damaged row can be in the item
    // table and not in the vector index): the row is read, and checked, from the store.
    if (from_graph) row = store->find_by_label(static_cast<int64_t>(label));
    if (!row || row->vector.size() != dims) {
      throw Error(ErrorCode::Corrupt, "item \"" + std::string(items.id(label)) + "\" (label " +
                                          std::to_string(label) +
                                          ") is no longer in the database as it was written: the "
                                          "database was changed by another program; reopen the index, "
                                          "or restore the index folder from a backup");
    }
    std::copy(row->vector.begin(), row->vector.end(), v);
  }
  // The norm (0 here) is computed by exact_numbers(), for all packed items at once.
  out.numbers.insert(out.numbers.end(), {0.0, score, distance, vector_score, text_score});
  ++out.count;
}

void Index::Impl::exact_numbers(PackedItems& out, size_t from, const float* query, size_t slot) const {
  const uint32_t dims = cache.config.dimensions;
  const Metric metric = cache.config.metric;
  const auto& kernels = vectors::active_kernels();
  double query_norm = 0;
  if (query) {
    const float* rows[1] = {query};
    kernels.exact_sums_f32(rows, 1, nullptr, dims, false, &query_norm, nullptr);
    query_norm = std::sqrt(query_norm);
  }
  // Up to kBlock items per kernel call (every item's vector is in out.vectors, one after another).
  constexpr size_t kBlock = 64;
  const float* rows[kBlock];
  double* numbers[kBlock];
  double norm_sq[kBlock];
  double similarity[kBlock];
  size_t n = 0;
  auto flush = [&] {
    kernels.exact_sums_f32(rows, n, query, dims, metric == Metric::L2, norm_sq, similarity);
    for (size_t h = 0; h < n; ++h) {
      double* x = numbers[h];
      x[0] = std::sqrt(norm_sq[h]);
      if (!query || std::isnan(x[slot])) continue;  // hybrid: not found by the vector ranking
      double s = similarity[h];
      if (metric == Metric::Cosine) s /= query_norm * x[0];
      x[slot] = s;
      x[2] = metric == Metric::L2 ? -s : 1 - s;
    }
    n = 0;
  };
  for (size_t h = from; h < out.count; ++h) {
    double* x = out.numbers.data() + h * PackedItems::kNumbersPerItem;
    if (std::isnan(x[0])) continue;  // stored without a vector: nothing to score
    rows[n] = out.vectors.data() + h * dims;
    numbers[n] = x;
    if (++n == kBlock) flush();
  }
  if (n > 0) flush();
}

namespace {

void finish(PackedItems& out, uint32_t dims) { out.dims = dims; }

// Keeps the first `k` packed items.
void truncate(PackedItems& out, size_t k) {
  if (out.count <= k) return;
  size_t end = 0;
  for (size_t parts = 0; parts < 2 * k; ++parts) end = out.text.find('\0', end) + 1;
  out.text.resize(k == 0 ? 0 : end - 1);
  out.numbers.resize(k * PackedItems::kNumbersPerItem);
  out.vectors.resize(k * out.dims);
  out.count = k;
}

// Puts hits in order of their (double) score, best first, when rescoring moved a near-tie.
void sort_by_score(PackedItems& out) {
  const auto score = [&](size_t h) { return out.numbers[h * PackedItems::kNumbersPerItem + 1]; };
  std::vector<size_t> order(out.count);
  for (size_t h = 0; h < out.count; ++h) order[h] = h;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score(a) > score(b); });
  bool sorted = true;
  for (size_t h = 0; h < out.count; ++h) sorted = sorted && order[h] == h;
  if (sorted) return;
  std::vector<std::string_view> parts;  // id, metadata, id, metadata, ...
  for (size_t at = 0, end; at <= out.text.size(); at = end + 1) {
    end = std::min(out.text.find('\0', at), out.text.size());
    parts.emplace_back(out.text.data() + at, end - at);
  }
  PackedItems sorted_out;
  sorted_out.count = out.count;
  sorted_out.dims = out.dims;
  bool first = true;
  for (size_t h : order) {
    if (!first) sorted_out.text.push_back('\0');
    first = false;
    sorted_out.text.append(parts[2 * h]).push_back('\0');
    sorted_out.text.append(parts[2 * h + 1]);
    const double* n = out.numbers.data() + h * PackedItems::kNumbersPerItem;
    sorted_out.numbers.insert(sorted_out.numbers.end(), n, n + PackedItems::kNumbersPerItem);
    const float* v = out.vectors.data() + h * out.dims;
    sorted_out.vectors.insert(sorted_out.vectors.end(), v, v + out.dims);
  }
  out = std::move(sorted_out);
}

// The `k` best keyword matches that pass the filter, best first. FTS5 ranks without knowing the
// filter, so candidates are fetched in growing rounds until k pass or the matches run out.
std::vector<std::pair<int64_t, double>> keyword_ranking(const Index::Impl& impl, const std::string& text,
                                                        const query::Filter& filter, size_t k) {
  std::vector<std::pair<int64_t, double>> out;
  if (impl.cache.config.text_field.empty() || k == 0) return out;
  const query::CompiledFilter compiled = impl.cache.compile(filter);
  store::SqliteStore::ReadTxn snapshot(*impl.store);  // holds the connection's mutex
  size_t limit = filter.empty() ? k : k * 4 + 16;
  while (true) {
    auto candidates = impl.text_index->search(text, static_cast<int>(std::min<size_t>(limit, INT32_MAX)));
    out.clear();
    for (const auto& [label, score] : candidates) {
      if (!impl.cache.items.contains(static_cast<uint64_t>(label))) continue;
      if (!compiled.empty() && !compiled.matches(static_cast<uint64_t>(label))) continue;
      out.emplace_back(label, score);
      if (out.size() == k) return out;
    }
    if (candidates.size() < limit) return out;  // every match was seen
    limit *= 4;
  }
}

// Candidates re-ranked per result when rescoring: measured on 100k x 128 clustered (bench
// --quantization), 3x topK brings i8 within 0.01 of f32's recall@10 at the same efSearch.
size_t rescore_candidates(size_t top_k) {
  return std::min<size_t>(top_k * 3, static_cast<size_t>(Limits::kMaxTopK));
}

std::vector<ann::Neighbor> nearest(const Index::Impl& impl, const query::QueryRequest& r, size_t k, size_t min_ef) {
  if (!impl.cache.graph || impl.cache.graph->size() == 0) return {};
  const size_t ef = std::max<size_t>(r.ef_search > 0 ? r.ef_search : impl.cache.config.hnsw.ef_search, min_ef);
  static const query::MetadataColumns kNoMetadata;
  const query::CompiledFilter compiled = impl.cache.compile(r.filter);
  const query::MetadataColumns& columns = r.filter.empty() ? kNoMetadata : impl.cache.filterable();
  auto result = query::plan_and_search(*impl.cache.graph, columns, compiled, r.vector.data, k, ef,
                                       impl.cache.config.hnsw.M, r.plan);
  if (r.explain_out) r.explain_out->take(result.report);
  return std::move(result.neighbors);
}

// The item with this id, packed (0 or 1 item); lock held.
PackedItems item_by_id(const Index::Impl& impl, const std::string& id) {
  PackedItems out;
  uint64_t label;
  if (impl.cache.items.find(id, &label)) impl.pack(label, out, kNaN, kNaN, kNaN, kNaN);
  finish(out, impl.cache.config.dimensions);
  impl.exact_numbers(out, 0, nullptr, 0);
  return out;
}

}  // namespace

PackedItems Index::Impl::answer(const query::QueryRequest& r) const {
  PackedItems out = answer_with_vectors(r);
  if (!r.include_vectors) {
    out.vectors = {};  // the scores and norms were computed from them; the caller wants neither
    out.dims = 0;
  }
  return out;
}

PackedItems Index::Impl::answer_with_vectors(const query::QueryRequest& r) const {
  PackedItems out;
  const size_t top_k = static_cast<size_t>(r.top_k);
  std::optional<store::SqliteStore::ReadTxn> rows;
  if (r.mode == query::QueryRequest::Mode::Keyword) {
    const auto ranking = keyword_ranking(*this, r.text, r.filter, top_k);
    snapshot_rows(rows);
    for (const auto& [label, score] : ranking) pack(static_cast<uint64_t>(label), out, score, kNaN, kNaN, score);
    finish(out, cache.config.dimensions);
    exact_numbers(out, 0, nullptr, 0);
    return out;
  }
  index::check_vector(r.vector, cache.config.dimensions, cache.config.metric);
  if (r.mode == query::QueryRequest::Mode::Vector) {
    // Rescoring (quantized graphs): more candidates than asked for come out of the graph, all
    // are packed with their exact vectors and scored in double below, and the best top_k kept.
    const bool rescore = reads_rows() && rescores(r);
    const size_t wanted = rescore ? rescore_candidates(top_k) : top_k;
    const auto neighbors = nearest(*this, r, wanted, 0);
    out.text.reserve(neighbors.size() * 32);
    if (answers_from_graph(r)) {
      // A quantized graph's hits without vectors, not rescored: scored as the graph ranked them
      // (its quantized distances), with the norms the item table keeps; no row is read.
      for (const auto& n : neighbors) pack_from_graph(n, out);
      finish(out, cache.config.dimensions);
      return out;
    }
    out.vectors.reserve(neighbors.size() * cache.config.dimensions);
    out.numbers.reserve(neighbors.size() * PackedItems::kNumbersPerItem);
    snapshot_rows(rows);
    for (const auto& n : neighbors) {
      pack(n.label, out, ann::score_from_distance(cache.config.metric, n.distance), n.distance, kNaN, kNaN, n.slot);
    }
    finish(out, cache.config.dimensions);
    exact_numbers(out, 0, r.vector.data, 1);
    sort_by_score(out);
    truncate(out, top_k);
    return out;
  }
  // Hybrid: both rankings over more candidates than asked for, then fused.
  const size_t candidates = std::min<size_t>(std::max<size_t>(top_k * 3, 50), Limits::kMaxTopK);
  std::vector<uint64_t> by_vector;
  std::unordered_map<uint64_t, float> distances;
  for (const auto& n : nearest(*this, r, candidates, candidates)) {
    by_vector.push_back(n.label);
    distances.emplace(n.label, n.distance);
  }
  std::vector<uint64_t> by_text;
  std::unordered_map<uint64_t, double> bm25;
  for (const auto& [label, score] : keyword_ranking(*this, r.text, r.filter, candidates)) {
    by_text.push_back(static_cast<uint64_t>(label));
    bm25.emplace(static_cast<uint64_t>(label), score);
  }
  snapshot_rows(rows);
  for (const auto& f : query::reciprocal_rank_fusion(by_vector, by_text, r.hybrid, top_k)) {
    double distance = kNaN, vector_score = kNaN, text_score = kNaN;
    if (auto d = distances.find(f.label); d != distances.end()) {
      distance = d->second;
      vector_score = ann::score_from_distance(cache.config.metric, d->second);
    }
    if (auto b = bm25.find(f.label); b != bm25.end()) text_score = b->second;
    pack(f.label, out, f.score, distance, vector_score, text_score);
  }
  finish(out, cache.config.dimensions);
  exact_numbers(out, 0, r.vector.data, 3);
  return out;
}

bool Index::Impl::rescores(const query::QueryRequest& r) const {
  return r.rescore == query::QueryRequest::Rescore::Default ? cache.config.rescore
                                                            : r.rescore == query::QueryRequest::Rescore::Yes;
}

bool Index::Impl::answers_from_graph(const query::QueryRequest& r) const {
  return reads_rows() && r.mode == query::QueryRequest::Mode::Vector && !r.include_vectors && !rescores(r);
}

void Index::Impl::pack_from_graph(const ann::Neighbor& n, PackedItems& out) const {
  if (!cache.items.contains(n.label)) return;  // as pack(): never a ghost
  if (out.count > 0) out.text.push_back('\0');
  out.text.append(cache.items.id(n.label));
  out.text.push_back('\0');
  out.text.append(cache.items.metadata(n.label));
  const double score = ann::score_from_distance(cache.config.metric, n.distance);
  out.numbers.insert(out.numbers.end(), {double{cache.items.norm(n.label)}, score, double{n.distance}, kNaN, kNaN});
  ++out.count;
}

// ---- the public reads ----

PackedItems Index::get_packed(const std::string& id) const {
  index::check_id(id);  // the same rule as writes: an id that cannot be stored is an error
  auto lock = lock_for_read(*impl_, [&] { return impl_->reads_rows(); });
  return item_by_id(*impl_, id);
}

PackedItems Index::list_packed(const std::string& filter_json) const {
  const auto filter = query::Filter::parse(filter_json);
  auto lock = lock_for_read(*impl_, [&] { return impl_->reads_rows(); });
  PackedItems out;
  std::optional<store::SqliteStore::ReadTxn> rows;
  impl_->snapshot_rows(rows);
  if (filter.empty()) {
    for (uint64_t label : impl_->cache.items.labels()) impl_->pack(label, out, kNaN, kNaN, kNaN, kNaN);
  } else {
    const query::CompiledFilter compiled = impl_->cache.compile(filter);
    for (uint64_t label : query::matching_labels(impl_->cache.filterable(), compiled)) {
      impl_->pack(label, out, kNaN, kNaN, kNaN, kNaN);
    }
  }
  finish(out, impl_->cache.config.dimensions);
  impl_->exact_numbers(out, 0, nullptr, 0);
  return out;
}

size_t Index::count(const std::string& filter_json) const {
  const auto filter = query::Filter::parse(filter_json);
  auto lock = lock_for_read(*impl_);
  if (filter.empty()) return impl_->cache.items.size();
  const query::CompiledFilter compiled = impl_->cache.compile(filter);
  return query::matching_labels(impl_->cache.filterable(), compiled).size();
}

PackedItems Index::query(const query::QueryRequest& request) const {
  const auto started = impl_->query_started(request);  // lock wait included in the metrics
  auto lock = lock_for_read(*impl_, [&] { return impl_->query_reads_store(request); });
  return impl_->serve(request, started);
}

bool Index::try_get_packed(const std::string& id, PackedItems* out) const {
  const InlineReadLock lock = try_lock_inline(*impl_);
  if (!lock.owned()) return false;
  index::check_id(id);
  *out = item_by_id(*impl_, id);
  return true;
}

bool Index::try_query(const query::QueryRequest& request, PackedItems* out) const {
  const InlineReadLock lock = try_lock_inline(*impl_, [&] { return impl_->query_reads_store(request); });
  if (!lock.owned()) return false;
  const auto& c = impl_->cache.config;
  const size_t bound = request.filter.empty() || request.mode != query::QueryRequest::Mode::Vector
                           ? query::CompiledFilter::kUnbounded
                           : impl_->cache.filter_bound_if_built(request.filter);
  // A quantized index reads each returned item's row, and each candidate's when rescoring.
  const size_t top_k = static_cast<size_t>(std::max(0, request.top_k));
  const size_t row_reads = !lock.reads_rows ? 0 : impl_->rescores(request) ? rescore_candidates(top_k) : top_k;
  if (!query::runs_inline(request, c.dimensions, c.hnsw, impl_->cache.graph ? impl_->cache.graph->size() : 0,
                          bound, c.shards, row_reads)) {
    return false;
  }
  *out = impl_->serve(request, impl_->query_started(request));
  return true;
}

// ---- the convenience forms ----

namespace {

std::vector<QueryHit> unpack(const PackedItems& packed) {
  std::vector<QueryHit> out(packed.count);
  size_t at = 0;
  const auto next_part = [&] {
    const size_t end = std::min(packed.text.find('\0', at), packed.text.size());
    std::string part = packed.text.substr(at, end - at);
    at = end + 1;
    return part;
  };
  for (size_t i = 0; i < packed.count; ++i) {
    QueryHit& hit = out[i];
    hit.item.id = next_part();
    hit.item.metadata_json = next_part();
    const double* n = packed.numbers.data() + i * PackedItems::kNumbersPerItem;
    if (!std::isnan(n[0])) {  // NaN norm: stored without a vector
      hit.item.vector.assign(packed.vectors.begin() + static_cast<ptrdiff_t>(i * packed.dims),
                             packed.vectors.begin() + static_cast<ptrdiff_t>((i + 1) * packed.dims));
    }
    hit.score = static_cast<float>(n[1]);
    hit.distance = static_cast<float>(n[2]);
    hit.vector_score = static_cast<float>(n[3]);
    hit.text_score = static_cast<float>(n[4]);
  }
  return out;
}

std::vector<Item> items_of(const PackedItems& packed) {
  std::vector<Item> out;
  for (auto& hit : unpack(packed)) out.push_back(std::move(hit.item));
  return out;
}

}  // namespace

std::optional<Item> Index::get(const std::string& id) const {
  auto items = items_of(get_packed(id));
  if (items.empty()) return std::nullopt;
  return std::move(items[0]);
}

std::vector<Item> Index::list(const std::string& filter_json) const { return items_of(list_packed(filter_json)); }

std::vector<QueryHit> Index::query(VectorView vector, const QueryOptions& options) const {
  query::QueryRequest r;
  r.vector = vector;
  r.top_k = validate_top_k(options.top_k);
  r.ef_search = query::validate_ef_search(options.ef_search);
  r.filter = query::Filter::parse(options.filter_json);
  return unpack(query(r));
}

std::vector<QueryHit> Index::search(VectorView vector, const std::string& options_json) const {
  return unpack(query(query::parse_query_request(vector, options_json)));
}

}  // namespace quiver
