#include "query/cursor.h"
#include "query/item_cursor.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "ann/shard_set.h"
#include "query/exact_distances.h"
#include "query/planner.h"
#include "index/index_impl.h"
#include "index/item_validation.h"
#include "util/json_text.h"

namespace quiver {
namespace query {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& message) { throw Error(ErrorCode::InvalidArgument, message); }

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
// The exact pass gathers this many results per scan of the items at least (a scan costs the
// same whatever it keeps), so streaming everything costs items / chunk scans.
constexpr size_t kMinChunk = 1024;
// Over a quantized index a scan reads every SQLite row (ExactDistances::scan_store), so the chunk
// grows with the results handed out (a whole stream then costs a few scans, not items / 1024),
// up to this many (16 bytes each).
constexpr size_t kMaxStoreChunk = size_t{1} << 16;
// A walk over a quantized graph hands out an item only when no item the walk has yet to settle
// can be nearer by its exact distance: the walk settles in quantized order, so an item yet to
// come is at least (last settled quantized distance) - (largest quantization error seen) away,
// with this margin on the error (an error larger than any seen can still make an item late).
constexpr float kSlackMargin = 1.5f;

// {"order":"insertion", filter?}: an item iterator.
StreamRequest item_iterator_request(VectorView vector, const json& j) {
  for (const auto& [key, value] : j.items()) {
    if (key != "order" && key != "filter") bad("iterator options has an unknown option \"" + key + "\"; the options are: order, filter");
  }
  if (j["order"] != "insertion") bad("order must be \"insertion\", got " + j["order"].dump());
  if (vector.present) bad("an item iterator takes no vector");
  StreamRequest r;
  r.item_order = true;
  if (j.contains("filter") && !j["filter"].is_null()) r.query.filter = Filter::parse(j["filter"]);
  return r;
}

}  // namespace

StreamRequest parse_stream_request(VectorView vector, std::string_view options_json) {
  const json j = util::parse_caller_json(options_json, Limits::kMaxJsonDepth, "stream options");
  if (!j.is_object()) bad("stream options must be an object like {filter?, efSearch?, maxResults?, includeVectors?}");
  if (j.contains("order") && !j["order"].is_null()) return item_iterator_request(vector, j);
  for (const auto& [key, value] : j.items()) {
    if (key != "efSearch" && key != "filter" && key != "maxResults" && key != "includeVectors") {
      bad("stream options has an unknown option \"" + key +
          "\"; the options are: efSearch, filter, maxResults, includeVectors");
    }
  }
  if (!vector.present) bad("Vector is required");
  StreamRequest stream;
  CursorRequest& r = stream.query;
  r.vector.assign(vector.data, vector.data + vector.size);
  const auto given = [&](const char* key) { return j.contains(key) && !j[key].is_null(); };
  if (given("efSearch")) {
    if (!j["efSearch"].is_number()) bad("efSearch must be a number, got " + j["efSearch"].dump());
    r.ef_search = validate_ef_search(j["efSearch"].get<double>());
  }
  if (given("filter")) r.filter = Filter::parse(j["filter"]);
  if (given("maxResults")) {
    const json& m = j["maxResults"];
    if (!m.is_number() || !std::isfinite(m.get<double>()) || m.get<double>() < 1 ||
        std::floor(m.get<double>()) != m.get<double>()) {
      bad("maxResults must be a whole number >= 1, got " + m.dump());
    }
    r.max_results = m.get<double>() >= 1.8e19 ? UINT64_MAX : static_cast<uint64_t>(m.get<double>());
  }
  if (given("includeVectors")) {
    if (!j["includeVectors"].is_boolean()) bad("includeVectors must be true or false, got " + j["includeVectors"].dump());
    r.include_vectors = j["includeVectors"].get<bool>();
  }
  return stream;
}

class QueryCursor : public Cursor {
 public:
  QueryCursor(const Index::Impl& impl, CursorRequest request) : request_(std::move(request)) {
    index::check_vector({request_.vector.data(), request_.vector.size(), true}, impl.cache.config.dimensions,
                        impl.cache.config.metric);
    label_bound_ = impl.cache.items.label_bound();
    emitted_.assign((label_bound_ + 63) / 64, 0);
    changes_ = impl.cache.changes.load();
    generation_ = impl.cache.graph_generation.load();
    if (impl.reads_rows()) exact_.emplace(impl, request_.vector.data());
    const auto* set = dynamic_cast<const ann::ShardSet*>(impl.cache.graph.get());
    // The whole index asked for: only the exact pass promises every item in exact order.
    const bool whole = request_.max_results != UINT64_MAX && request_.max_results >= impl.cache.items.with_vectors();
    if (set && !whole) {
      // One walk per shard, merged best first (next()); an empty shard has nothing to walk.
      const vectors::PreparedQuery q = set->prepare_query(request_.vector.data());
      for (uint32_t s = 0; s < set->shard_count(); ++s) {
        if (set->shard(s).size() > 0) walks_.push_back({s, ann::GraphWalk(set->shard(s), q), 0, std::nullopt, {}, kFar});
      }
    }
  }

  PackedItems next(const Index::Impl& impl, size_t n) override {
    PackedItems out = next_with_vectors(impl, n);
    if (!request_.include_vectors) {
      out.vectors = {};  // scored from them already (pack)
      out.dims = 0;
    }
    return out;
  }

 private:
  PackedItems next_with_vectors(const Index::Impl& impl, size_t n) {
    std::lock_guard<std::mutex> guard(mutex_);
    PackedItems out;
    out.dims = impl.cache.config.dimensions;
    if (impl.cache.graph_generation.load() != generation_) walks_.clear();  // slots changed meaning
    const bool changed = impl.cache.changes.load() != changes_;
    if (changed) chunk_.clear();  // distances of the chunk may be stale
    if (exact_ && (changed || walks_.empty())) exact_->forget_all();  // rows read before may be stale
    changes_ = impl.cache.changes.load();
    generation_ = impl.cache.graph_generation.load();
    const auto* set = dynamic_cast<const ann::ShardSet*>(impl.cache.graph.get());
    if (!set || emitted_count_ >= request_.max_results) return out;
    const vectors::PreparedQuery q = set->prepare_query(request_.vector.data());
    // Compiled per batch: the columns it reads may have grown since the last one.
    const query::CompiledFilter compiled = impl.cache.compile(request_.filter);
    const query::CompiledFilter* docs = request_.filter.empty() ? nullptr : &compiled;
    const std::function<bool(uint64_t)> admit = [&](uint64_t label) { return admissible(impl, docs, label); };
    // Without a filter the walk is not told what the cursor admits: every live node it reaches
    // would pass but for the rare one handed out, removed or added since (checked as it is taken,
    // below), and asking costs two cache misses per node reached (its label, the item table),
    // which made a first batch ~1.5x a query() of the same width (bench/stream.mjs).
    const std::function<bool(uint64_t)>* walk_admit = docs ? &admit : nullptr;
    n = static_cast<size_t>(std::min<uint64_t>(n, request_.max_results - emitted_count_));
    std::vector<ann::GraphWalk::Found> batch;
    batch.reserve(n);

    if (!walks_.empty()) {
      const size_t width = std::max<size_t>(ef(impl), n);
      for (auto& w : walks_) w.ready = 0;  // each shard advances once before handing out more
      while (batch.size() < n) {
        // Every shard shows its next result (the best its walk has settled); the best of them
        // goes out. A shard whose walk can no longer vouch for its next one ends the walk phase
        // for all (results shown and not handed out are found again by the exact pass).
        ShardWalk* best = nullptr;
        bool lost = false;
        for (auto& w : walks_) {
          if (!w.head && !show_ranked(impl, *set, q, width, walk_admit, docs, w)) {
            lost = true;
            break;
          }
          if (w.head && (!best || w.head->distance < best->head->distance)) best = &w;
        }
        if (lost) {
          walks_.clear();  // the exact pass takes over
          if (exact_) exact_->forget_all();
          break;
        }
        if (!best) break;  // every shard's walk ran out (cannot happen while items remain)
        ann::GraphWalk::Found f = *best->head;
        best->head.reset();
        if (!admissible(impl, docs, f.label)) {
          if (exact_) exact_->forget(f.label);
          continue;
        }
        if (changed || changes_since_open_) {
          float now;
          if (!exact_) {
            now = set->distance(q, f.label);
          } else if (!exact_->of_label(impl, f.label, &now, true)) {
            continue;  // deleted by another process
          }
          if (now > f.distance) {  // moved away since found: ranked again at its new distance
            if (exact_) {
              push_pool(*best, {now, f.label});
            } else {
              best->walk.put_back(set->shard(best->shard), f.label, now);
            }
            continue;
          }
          f.distance = now;
        }
        if (f.distance < last_) {
          ++late_;  // reached after a farther item was handed out
          if (exact_) exact_->forget(f.label);
          continue;
        }
        emit(f, batch);
      }
    }
    while (walks_.empty() && batch.size() < n) {
      if (chunk_.empty()) {
        size_t size = std::max(kMinChunk, 4 * n);
        if (exact_) size = std::max<size_t>(size, std::min<uint64_t>(emitted_count_, kMaxStoreChunk));
        refill(impl, *set, q, docs, size);
      }
      if (chunk_.empty()) break;  // every item handed out
      const ann::GraphWalk::Found f = chunk_.back();
      chunk_.pop_back();
      if (!admissible(impl, docs, f.label)) continue;
      emit(f, batch);
    }
    if (changed) changes_since_open_ = true;
    pack(impl, batch, out);
    return out;
  }

 public:
  // A walk batch costs about what a query with ef = max(ef, n) costs (query::runs_inline's
  // estimate); the exact pass scans every item, and a filter may make the walk wander: never.
  bool cheap(const Index::Impl& impl, size_t n) const override {
    if (walks_.empty() || !request_.filter.empty() || impl.cache.changes.load() != changes_ ||
        impl.cache.graph_generation.load() != generation_) {
      return false;
    }
    const auto& c = impl.cache.config;
    const double width = static_cast<double>(std::max(ef(impl), n));
    const double per_shard = static_cast<double>(impl.cache.items.with_vectors()) / static_cast<double>(walks_.size());
    const double distances = static_cast<double>(walks_.size()) * std::min(per_shard, width * 2.0 * c.hnsw.M);
    // A quantized index reads each walked item's exact row once, to rank it (show_ranked; pack
    // returns the vector read then).
    const double reads = exact_ ? static_cast<double>(n) * kRowReadMicros : 0.0;
    return distances * (25.0 + c.dimensions / 16.0) / 1000.0 + reads <= kInlineBudgetMicros;
  }

  size_t memory_bytes() const override {
    size_t walks = walks_.capacity() * sizeof(ShardWalk);
    for (const auto& w : walks_) walks += w.walk.memory_bytes() + w.pool.capacity() * sizeof(ann::GraphWalk::Found);
    if (exact_) walks += exact_->memory_bytes();
    return sizeof(*this) + request_.vector.capacity() * sizeof(float) + emitted_.capacity() * sizeof(uint64_t) +
           chunk_.capacity() * sizeof(ann::GraphWalk::Found) + walks;
  }

 private:
  // One shard's walk and the result it shows the merge (taken from the walk, not handed out yet).
  struct ShardWalk {
    uint32_t shard;
    ann::GraphWalk walk;
    size_t ready;  // settled by its last advance and not taken yet
    std::optional<ann::GraphWalk::Found> head;
    // A quantized index only (show_ranked): items taken from the walk, by exact distance (a
    // min-heap), and the largest quantized distance taken so far.
    std::vector<ann::GraphWalk::Found> pool;
    float boundary;
  };
  static constexpr float kFar = -std::numeric_limits<float>::infinity();

  static bool nearer(const ann::GraphWalk::Found& a, const ann::GraphWalk::Found& b) {
    return a.distance < b.distance || (a.distance == b.distance && a.label < b.label);
  }
  static bool farther(const ann::GraphWalk::Found& a, const ann::GraphWalk::Found& b) { return nearer(b, a); }
  static void push_pool(ShardWalk& w, ann::GraphWalk::Found f) {
    w.pool.push_back(f);
    std::push_heap(w.pool.begin(), w.pool.end(), farther);
  }
  static ann::GraphWalk::Found pop_pool(ShardWalk& w) {
    std::pop_heap(w.pool.begin(), w.pool.end(), farther);
    const ann::GraphWalk::Found f = w.pool.back();
    w.pool.pop_back();
    return f;
  }

  // show_next in the order the results are handed out in: the walk's own order over an f32
  // graph; over a quantized one, the exact order (kSlackMargin): items taken from the walk wait
  // in the shard's pool, at their exact distance, until nothing the walk has yet to settle can
  // come before them. False when the walk cannot vouch for a next one; the items left in the
  // pool are not handed out, so the exact pass finds them.
  bool show_ranked(const Index::Impl& impl, const ann::ShardSet& set, const vectors::PreparedQuery& q,
                   size_t width, const std::function<bool(uint64_t)>* admit, const query::CompiledFilter* docs,
                   ShardWalk& w) {
    if (!exact_) return show_next(set, q, width, admit, w);
    while (true) {
      if (!w.pool.empty() && w.pool.front().distance <= w.boundary - kSlackMargin * slack_) {
        w.head = pop_pool(w);
        return true;
      }
      if (!show_next(set, q, width, admit, w)) return false;
      const ann::GraphWalk::Found f = *w.head;
      w.head.reset();
      w.boundary = std::max(w.boundary, f.distance);
      float exact;
      if (!admissible(impl, docs, f.label) || !exact_->of_label(impl, f.label, &exact, true)) continue;
      if (std::isfinite(exact) && std::isfinite(f.distance)) slack_ = std::max(slack_, std::fabs(exact - f.distance));
      push_pool(w, {exact, f.label});
    }
  }

  // Takes the shard's next settled result into w.head, advancing its walk when none is left;
  // false when the walk cannot vouch for a next one (or has none).
  static bool show_next(const ann::ShardSet& set, const vectors::PreparedQuery& q, size_t width,
                        const std::function<bool(uint64_t)>* admit, ShardWalk& w) {
    const auto& shard = set.shard(w.shard);
    // One advance settles the `width` best found items, as a query with ef = width would; they
    // are handed out before the walk advances again (advancing after every item would re-walk
    // for each one).
    for (bool advanced = false;; ) {
      if (w.ready == 0) {
        if (advanced) return false;
        w.walk.advance(shard, q, width, admit);
        w.ready = w.walk.settled();
        advanced = true;
        if (w.ready == 0) return false;
      }
      ann::GraphWalk::Found f;
      if (w.walk.take(shard, &f)) {
        --w.ready;
        w.head = f;
        return true;
      }
      if (advanced) return false;
      w.ready = 0;  // advance again before deciding
    }
  }

  size_t ef(const Index::Impl& impl) const {
    return static_cast<size_t>(request_.ef_search > 0 ? request_.ef_search : impl.cache.config.hnsw.ef_search);
  }
  bool was_emitted(uint64_t label) const { return (emitted_[label >> 6] >> (label & 63)) & 1; }

  // Live, present when the cursor opened, not handed out yet, and passing the filter.
  bool admissible(const Index::Impl& impl, const query::CompiledFilter* docs, uint64_t label) const {
    if (label >= label_bound_ || was_emitted(label) || !impl.cache.items.contains(label)) return false;
    if (!docs) return true;
    return docs->matches(label);
  }

  void emit(const ann::GraphWalk::Found& f, std::vector<ann::GraphWalk::Found>& batch) {
    emitted_[f.label >> 6] |= uint64_t{1} << (f.label & 63);
    last_ = f.distance;
    ++emitted_count_;
    batch.push_back(f);
  }

  // The next chunk of the exact order: the `size` nearest admissible items at or beyond the last
  // distance handed out, kept in a bounded max-heap during one scan of every item.
  void refill(const Index::Impl& impl, const ann::ShardSet& set, const vectors::PreparedQuery& q,
              const query::CompiledFilter* docs, size_t size) {
    chunk_.clear();
    const auto keep = [&](uint64_t label, float d) {
      if (d < last_ || std::isnan(d)) return;
      if (chunk_.size() == size && !nearer({d, label}, chunk_.front())) return;
      if (!admissible(impl, docs, label)) return;
      chunk_.push_back({d, label});
      std::push_heap(chunk_.begin(), chunk_.end(), nearer);
      if (chunk_.size() > size) {
        std::pop_heap(chunk_.begin(), chunk_.end(), nearer);
        chunk_.pop_back();
      }
    };
    if (exact_) {
      exact_->scan_store(impl, keep);  // a quantized graph's distances are not the exact order
    } else {
      for (size_t s = 0; s < set.shard_count(); ++s) ann::scan_shard(set.shard(s), q, keep);
    }
    std::sort_heap(chunk_.begin(), chunk_.end(), nearer);
    std::reverse(chunk_.begin(), chunk_.end());  // best last: handed out with pop_back
  }

  // Packs the batch like query(): scores in double precision from the stored vectors; a score
  // that double precision puts above the previous one (a near-tie the float ranking ordered the
  // other way, within float rounding) is capped at it, so that scores never increase.
  void pack(const Index::Impl& impl, const std::vector<ann::GraphWalk::Found>& batch, PackedItems& out) {
    const Metric metric = impl.cache.config.metric;
    const size_t first = out.count;
    for (const auto& f : batch) {
      const float* row = exact_ ? exact_->kept(f.label) : nullptr;  // read to rank it (show_ranked)
      impl.pack(f.label, out, 0.0, 0.0, kNaN, kNaN, ann::Neighbor::kNoSlot, row);
      if (row) exact_->forget(f.label);
    }
    impl.exact_numbers(out, first, request_.vector.data(), 1);
    for (size_t h = first; h < out.count; ++h) {
      double* n = out.numbers.data() + h * PackedItems::kNumbersPerItem;
      const double similarity = std::min(n[1], last_score_);
      last_score_ = similarity;
      n[1] = similarity;
      n[2] = metric == Metric::L2 ? -similarity : 1 - similarity;
    }
  }

  std::mutex mutex_;  // one next() at a time per cursor
  CursorRequest request_;
  uint64_t label_bound_ = 0;
  std::vector<uint64_t> emitted_;  // one bit per label below label_bound_
  uint64_t emitted_count_ = 0;
  uint64_t late_ = 0;
  float last_ = -std::numeric_limits<float>::infinity();  // distance of the last item handed out
  double last_score_ = std::numeric_limits<double>::infinity();
  uint64_t changes_ = 0;
  uint64_t generation_ = 0;
  bool changes_since_open_ = false;
  std::optional<ExactDistances> exact_;  // a quantized index: the order is the exact vectors'
  float slack_ = 0;  // the largest |exact - quantized| distance the walks met (show_ranked)
  std::vector<ShardWalk> walks_;  // the walk phase, one per non-empty shard; empty: the exact pass
  std::vector<ann::GraphWalk::Found> chunk_;  // the exact pass: next results, best last
};

std::shared_ptr<Cursor> open_cursor(const Index::Impl& impl, StreamRequest request) {
  if (request.item_order) return open_item_cursor(impl, std::move(request.query.filter));
  if (!request.query.filter.empty()) impl.cache.compile(request.query.filter);  // errors surface here, not mid-stream
  return std::make_shared<QueryCursor>(impl, std::move(request.query));
}

// ---- CursorTable ----

uint64_t CursorTable::add(std::shared_ptr<Cursor> cursor) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (open_.size() >= kMaxOpen) {
    throw Error(ErrorCode::Limit, "too many open query streams (" + std::to_string(kMaxOpen) +
                                      "); finish or break out of the ones you no longer read");
  }
  const uint64_t id = next_id_++;
  open_.emplace(id, std::move(cursor));
  return id;
}

std::shared_ptr<Cursor> CursorTable::find(uint64_t id) const {
  std::lock_guard<std::mutex> guard(mutex_);
  auto it = open_.find(id);
  return it == open_.end() ? nullptr : it->second;
}

bool CursorTable::remove(uint64_t id) {
  std::shared_ptr<Cursor> gone;  // freed outside the mutex
  std::lock_guard<std::mutex> guard(mutex_);
  auto it = open_.find(id);
  if (it == open_.end()) return false;
  gone = std::move(it->second);
  open_.erase(it);
  return true;
}

void CursorTable::clear() {
  std::lock_guard<std::mutex> guard(mutex_);
  open_.clear();
}

size_t CursorTable::size() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return open_.size();
}

size_t CursorTable::memory_bytes() const {
  std::lock_guard<std::mutex> guard(mutex_);
  size_t bytes = 0;
  for (const auto& [id, cursor] : open_) bytes += cursor->memory_bytes();
  return bytes;
}

}  // namespace query

// ---- the public cursor API ----

uint64_t Index::open_cursor(VectorView vector, const std::string& options_json) {
  auto request = query::parse_stream_request(vector, options_json);
  auto lock = lock_for_read(*impl_);
  return impl_->cursors.add(query::open_cursor(*impl_, std::move(request)));
}

PackedItems Index::cursor_next(uint64_t cursor, double count) {
  const int n = validate_integer(count, "batchSize", 1, Limits::kMaxTopK);
  auto lock = lock_for_read(*impl_, [&] { return impl_->reads_rows(); });  // pack reads rows
  auto c = impl_->cursors.find(cursor);
  if (!c) throw Error(ErrorCode::InvalidState, "this query stream is closed; start a new queryStream");
  return c->next(*impl_, static_cast<size_t>(n));
}

void Index::close_cursor(uint64_t cursor) { impl_->cursors.remove(cursor); }

bool Index::try_open_cursor(VectorView vector, const std::string& options_json, uint64_t* cursor) {
  auto request = query::parse_stream_request(vector, options_json);  // bad options: thrown here
  // Only a plain query cursor opens inline: a filter may build metadata columns, an item
  // iterator opens a connection.
  if (request.item_order || !request.query.filter.empty()) return false;
  const InlineReadLock lock = try_lock_inline(*impl_);
  if (!lock.owned()) return false;
  *cursor = impl_->cursors.add(query::open_cursor(*impl_, std::move(request)));
  return true;
}

bool Index::try_cursor_next(uint64_t cursor, double count, PackedItems* out) {
  const int n = validate_integer(count, "batchSize", 1, Limits::kMaxTopK);
  // A quantized index reads each item's row (pack): the connection is held, or this waits.
  const InlineReadLock lock = try_lock_inline(*impl_);
  if (!lock.owned()) return false;
  auto c = impl_->cursors.find(cursor);
  if (!c || !c->cheap(*impl_, static_cast<size_t>(n))) return false;
  // The connection is held for the whole call here anyway: its row reads share one read
  // transaction (Impl::snapshot_rows). Not on the pool's path (cursor_next), where that would
  // hold the connection through the graph walk too.
  std::optional<store::SqliteStore::ReadTxn> rows;
  impl_->snapshot_rows(rows);
  *out = c->next(*impl_, static_cast<size_t>(n));
  return true;
}

size_t Index::open_cursor_count() const { return impl_->cursors.size(); }

size_t Index::cursor_memory_bytes() const { return impl_->cursors.memory_bytes(); }

}  // namespace quiver
