// quiver::Index: validation → one SQLite transaction → in-memory cache, and reads through the
// query planner. Staged updates (begin/end/cancel) live here so every binding shares them.
#include "quiver/index.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "index/index_impl.h"
#include "vectors/kernels.h"
#include "query/hybrid.h"
#include "util/files.h"
#include "util/parallel_for.h"

namespace quiver {

// ---- folder-level operations ----

namespace {

// Every OS call would cut a path short at a NUL: the index would silently land somewhere else.
void check_folder(const std::string& folder) {
  if (folder.empty()) throw Error(ErrorCode::InvalidArgument, "the folder path must not be empty");
  if (folder.find('\0') != std::string::npos) {
    throw Error(ErrorCode::InvalidArgument,
                "the folder path contains a NUL character (\\u0000); no file system allows one");
  }
}

}  // namespace

bool Index::exists(const std::string& folder) {
  check_folder(folder);
  return store::SqliteStore::exists(folder);
}

void Index::create(const std::string& folder, const IndexConfig& config, bool delete_if_exists) {
  check_folder(folder);
  if (delete_if_exists) destroy(folder);
  store::SqliteStore::create(folder, config);
}

void Index::destroy(const std::string& folder) {
  check_folder(folder);
  store::SqliteStore::destroy(folder);
  for (const auto& name : util::list_dir(folder)) {
    // Every shard's graph file, the lock and every temp file ("shard-<i>.hnsw.<...>.tmp").
    if (ann::ShardSet::is_graph_file_name(name)) {
      util::remove_file(util::join_path(folder, name));
    }
  }
  util::remove_dir_if_empty(folder);
}

std::unique_ptr<Index> Index::open(const std::string& folder) {
  check_folder(folder);
  auto impl = std::make_unique<Impl>();
  impl->metrics_on = metrics::recording_requested();
  impl->store = store::SqliteStore::open(folder);
  impl->text_index = std::make_unique<store::TextIndex>(impl->store->handle());
  try {
    impl->cache.open(folder, *impl->store);
  } catch (...) {
    impl->cache.release();
    throw;
  }
  const CacheParams& cache = impl->cache.config.cache;
  impl->query_cache.resize(static_cast<size_t>(cache.max_entries), static_cast<size_t>(cache.max_bytes));
  return std::unique_ptr<Index>(new Index(std::move(impl)));
}

std::unique_ptr<Index> Index::open(const std::string& folder, const std::string& options_json) {
  const OpenOptions options = parse_open_options(options_json);  // before anything is opened
  auto index = open(folder);
  if (options.cache_given) {
    index->impl_->query_cache.resize(static_cast<size_t>(options.cache.max_entries),
                                     static_cast<size_t>(options.cache.max_bytes));
  }
  return index;
}

Index::Index(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

// Destruction releases without saving the graph file: it happens when a binding's handle is
// garbage-collected (Vectra users never close), i.e. at any moment, also while the application
// deletes the folder, where a save would drop a file into a directory being removed (seen as
// ENOTEMPTY in Vectra's own spec). The graph file is a cache: the next open re-applies the writes
// it lacks from SQLite. close() saves.
Index::~Index() {
  try {
    auto lock = exclusive(*impl_);
    if (!impl_->closed) impl_->release();
  } catch (...) {
  }
}

void Index::Impl::check_open() const {
  if (closed) {
    throw Error(ErrorCode::Closed, "the index is closed; create a new LocalIndex to use it again");
  }
}

WriteLock exclusive(Index::Impl& impl) {
  WriteLock lock{std::unique_lock<std::mutex>(impl.writer), {}};
  lock.rw = std::unique_lock<std::shared_mutex>(impl.rw);
  return lock;
}

WriteLock lock_for_write(Index::Impl& impl) {
  auto lock = exclusive(impl);
  impl.check_open();
  impl.cache.refresh_if_changed();
  return lock;
}

std::shared_lock<std::shared_mutex> lock_for_read(Index::Impl& impl) {
  std::shared_lock<std::shared_mutex> lock(impl.rw);
  impl.check_open();
  if (!impl.cache.is_current()) {
    lock.unlock();
    lock_for_write(impl).unlock();
    lock.lock();
    impl.check_open();
  }
  return lock;
}

ReadLock lock_for_read(Index::Impl& impl, const std::function<bool()>& reads_store) {
  for (;;) {
    ReadLock lock{lock_for_read(impl), {}};
    if (!reads_store()) return lock;
    lock.store_gate = std::shared_lock<std::shared_mutex>(impl.store_gate, std::try_to_lock);
    if (lock.store_gate.owns_lock()) return lock;
    // A commit's store is ahead of the cache: wait, not holding `rw`, until it is published.
    lock.rw.unlock();
    std::shared_lock<std::shared_mutex> published(impl.store_gate);
  }
}

std::shared_lock<std::shared_mutex> try_lock_current(Index::Impl& impl) {
  std::shared_lock<std::shared_mutex> lock(impl.rw, std::try_to_lock);
  if (!lock.owns_lock()) return lock;
  int64_t version = 0;
  if (impl.closed || !impl.store->try_data_version_for_read(&version) || version != impl.cache.seen_data_version) {
    lock.unlock();
  }
  return lock;
}

InlineReadLock try_lock_inline(Index::Impl& impl) {
  return try_lock_inline(impl, [&] { return impl.reads_rows(); });
}

InlineReadLock try_lock_inline(Index::Impl& impl, const std::function<bool()>& reads_rows) {
  InlineReadLock lock;
  lock.rw = try_lock_current(impl);
  if (!lock.rw.owns_lock()) return lock;
  lock.reads_rows = reads_rows();
  if (lock.reads_rows) {
    lock.store_gate = std::shared_lock<std::shared_mutex>(impl.store_gate, std::try_to_lock);
    if (lock.store_gate.owns_lock()) lock.store = impl.store->try_hold();
    if (!lock.store.owns_lock()) {
      lock.store_gate = {};
      lock.rw.unlock();
    }
  }
  return lock;
}

const char* Index::simd_kernel() { return vectors::level_name(vectors::active_level()); }

IndexStats Index::stats() const {
  auto lock = lock_for_read(*impl_, [] { return true; });  // the item count is the store's
  IndexStats s;
  s.config_json = config_to_json(impl_->cache.config);
  s.items = impl_->store->count();
  s.sequence = impl_->cache.applied_seq;
  return s;
}

// ---- staged updates ----

void Index::begin_update() {
  auto lock = lock_for_write(*impl_);
  if (impl_->updating) throw Error(ErrorCode::InvalidState, "Update already in progress");
  impl_->updating = true;
  impl_->staged.clear();
  impl_->staged_exists.clear();
  impl_->staged_dims = impl_->cache.config.dimensions;
}

void Index::end_update() {
  auto lock = lock_for_write(*impl_);
  if (!impl_->updating) throw Error(ErrorCode::InvalidState, "No update in progress");
  // On failure the update stays open with its changes, so the caller can retry or cancel.
  impl_->commit(impl_->staged, impl_->staged_dims);
  impl_->updating = false;
  impl_->staged.clear();
  impl_->staged_exists.clear();
}

void Index::cancel_update() {
  auto lock = lock_for_write(*impl_);
  impl_->updating = false;  // like Vectra: cancelling when nothing is open is not an error
  impl_->staged.clear();
  impl_->staged_exists.clear();
}

bool Index::update_in_progress() const {
  std::shared_lock<std::shared_mutex> lock(impl_->rw);
  return impl_->updating;
}

// ---- writes ----

std::vector<std::string> Index::insert(const std::vector<ItemInput>& items) {
  auto lock = lock_for_write(*impl_);
  return impl_->write(Op::Kind::Insert, items);
}

std::vector<std::string> Index::upsert(const std::vector<ItemInput>& items) {
  auto lock = lock_for_write(*impl_);
  return impl_->write(Op::Kind::Upsert, items);
}

namespace {
// The caller holds `writer` and `rw` exclusively. While this lives (when `on`), `rw` is on its
// shared side: readers run, and nothing else can take `rw` exclusively without `writer`. It is
// exclusive again afterwards, also when an exception leaves.
class SharedWhile {
 public:
  SharedWhile(std::shared_mutex& rw, bool on) : rw_(rw) {
    if (on) start();
  }
  // Shared from now on (when constructed off).
  void start() {
    if (on_) return;
    rw_.unlock();
    rw_.lock_shared();
    on_ = true;
  }
  ~SharedWhile() { end(); }
  // Exclusive again now.
  void end() {
    if (on_) {
      rw_.unlock_shared();
      rw_.lock();
      on_ = false;
    }
  }
  SharedWhile(const SharedWhile&) = delete;
  SharedWhile& operator=(const SharedWhile&) = delete;

 private:
  std::shared_mutex& rw_;
  bool on_ = false;
};

// Puts a call's WriteOptions in place for its duration (the exclusive lock is held).
struct ScopedWriteOptions {
  ScopedWriteOptions(Index::Impl& impl, const WriteOptions& options) : impl_(impl) {
    impl_.write_options = options;
  }
  ~ScopedWriteOptions() { impl_.write_options = WriteOptions{}; }
  Index::Impl& impl_;
};
}  // namespace

std::vector<std::string> Index::insert(const std::vector<ItemInput>& items, const WriteOptions& options) {
  auto lock = lock_for_write(*impl_);
  ScopedWriteOptions scoped(*impl_, options);
  return impl_->write(Op::Kind::Insert, items);
}

std::vector<std::string> Index::upsert(const std::vector<ItemInput>& items, const WriteOptions& options) {
  auto lock = lock_for_write(*impl_);
  ScopedWriteOptions scoped(*impl_, options);
  return impl_->write(Op::Kind::Upsert, items);
}

void Index::reserve(size_t additional) {
  auto lock = lock_for_write(*impl_);
  auto& cache = impl_->cache;
  if (cache.config.dimensions == 0) return;
  if (!cache.graph) {
    cache.graph = std::make_unique<ann::ShardSet>(cache.config.metric, cache.config.dimensions,
                                                  cache.config.hnsw, cache.config.quantization,
                                                  cache.config.shards);
  }
  cache.graph->reserve(additional);
}

void Index::Impl::check_not_aborted() const {
  if (write_options.abort_flag && __atomic_load_n(write_options.abort_flag, __ATOMIC_RELAXED) != 0) {
    throw Error(ErrorCode::Aborted,
                "the write was aborted by its signal before it committed; nothing of it was written");
  }
}

void Index::remove(const std::vector<std::string>& ids) {
  auto lock = lock_for_write(*impl_);
  std::vector<Op> ops;
  ops.reserve(ids.size());
  for (const auto& id : ids) {
    index::check_id(id);
    Op op{Op::Kind::Delete, {}};
    op.item.id = id;
    ops.push_back(std::move(op));
  }
  if (impl_->updating) {
    for (auto& op : ops) {
      impl_->staged_exists[op.item.id] = false;
      impl_->staged.push_back(std::move(op));
    }
    return;
  }
  impl_->commit(ops, impl_->cache.config.dimensions);
}

size_t Index::remove_by_metadata(const std::string& filter_json) {
  const auto filter = query::Filter::parse(filter_json);  // bad input: nothing is written
  if (filter.empty()) {
    throw Error(ErrorCode::InvalidArgument,
                "deleteItemsByMetadata needs a non-empty filter such as {\"field\": value}; to "
                "delete every item, delete the index (deleteIndex) or list the ids and delete them");
  }
  auto lock = lock_for_write(*impl_);
  if (impl_->updating) {
    throw Error(ErrorCode::InvalidState,
                "deleteItemsByMetadata cannot run while an update is in progress; call endUpdate() "
                "or cancelUpdate() first");
  }
  // The matches are found in memory inside the write transaction, after every other process's
  // commit is applied (another process may commit between lock_for_write's catch-up and the
  // transaction: an item it changed must be judged by its new metadata), and deleted by id in
  // that same transaction.
  std::vector<Op> ops;
  impl_->commit(ops, impl_->cache.config.dimensions, [&](std::vector<Op>& out) {
    const query::CompiledFilter compiled = impl_->cache.compile(filter);
    const std::vector<uint64_t> labels = query::matching_labels(impl_->cache.filterable(), compiled);
    out.reserve(labels.size());
    for (uint64_t label : labels) {
      Op op{Op::Kind::Delete, {}};
      op.item.id = std::string(impl_->cache.items.id(label));
      out.push_back(std::move(op));
    }
  });
  return ops.size();
}

std::vector<std::string> Index::Impl::write(Op::Kind kind, const std::vector<ItemInput>& items) {
  // Validate the whole batch before anything is staged or written: all or nothing.
  uint32_t dims = updating ? staged_dims : cache.config.dimensions;
  std::vector<Op> ops;
  ops.reserve(items.size());
  std::unordered_set<std::string> batch_ids;
  // Validation only reads the cache (and the staged update, which readers never see): a batch
  // is validated with `rw` on its shared side, searches going on meanwhile.
  SharedWhile shared(rw, !updating);
  for (const auto& input : items) {
    if ((ops.size() & 1023) == 1023) check_not_aborted();
    Op op{kind, index::prepare_item(input, dims, cache.config.metric)};
    if (kind == Op::Kind::Insert) {
      const std::string& id = op.item.id;
      bool exists = batch_ids.count(id) > 0;
      if (!exists) {
        auto staged_it = updating ? staged_exists.find(id) : staged_exists.end();
        // The cache was brought up to date by lock_for_write, so memory answers (a SQLite lookup
        // per item was a fifth of a batch's serial time); the transaction checks again against
        // the store, where another process may have inserted the id since.
        uint64_t label;
        exists = staged_it != staged_exists.end() ? staged_it->second : cache.items.find(id, &label);
      }
      if (exists) throw Error(ErrorCode::AlreadyExists, "Item with id " + id + " already exists");
    }
    batch_ids.insert(op.item.id);
    ops.push_back(std::move(op));
  }
  std::vector<std::string> ids;
  ids.reserve(ops.size());
  for (const auto& op : ops) ids.push_back(op.item.id);
  shared.end();

  if (updating) {
    for (auto& op : ops) {
      staged_exists[op.item.id] = true;
      staged.push_back(std::move(op));
    }
    staged_dims = dims;
    return ids;
  }
  commit(ops, dims);
  return ids;
}

void Index::Impl::commit(std::vector<Op>& ops, uint32_t dims,
                         const std::function<void(std::vector<Op>&)>& decide) {
  if (ops.empty() && !decide) return;
  std::vector<std::pair<uint64_t, index::PreparedItem*>> upserts;
  std::vector<uint64_t> removed;
  uint64_t seq;
  bool fixes_dims;
  index::Cache::CatchUp gap;
  bool beside_readers = !decide && transaction_beside_readers(ops, dims);
  // Reads of the store wait from before the transaction until publish_commit (Impl::store_gate).
  // Taken with `rw` exclusive: no read holds the gate now (a read holds it only with `rw`).
  std::unique_lock<std::shared_mutex> store_ahead;
  if (beside_readers && changes_published(ops)) store_ahead = std::unique_lock<std::shared_mutex>(store_gate);
  for (;;) {
    // Declared first, so that a rollback (the transaction's destructor, which releases the
    // connection's mutex) comes before `rw` is taken exclusively again: a reader holding the
    // shared side may be waiting for that mutex. Shared only once BEGIN is done: a reader let
    // in earlier could ask SQLite's data_version (its freshness check) after the transaction
    // took the connection and before it published the value it read at BEGIN, and wait for the
    // whole transaction (every delete after the first did, in a 100k x 128 run).
    SharedWhile shared(rw, false);
    store::SqliteStore::WriteTxn txn(*store);
    if (beside_readers) shared.start();
    // Other processes may have committed since this call's refresh (e.g. while this batch was
    // validated): read their writes under the write lock, so that none is ever skipped; they
    // are applied right after our commit, before our own changes.
    gap = cache.read_catch_up();
    if (gap.reload && beside_readers) {
      beside_readers = false;  // a reload changes the cache: roll back, start again exclusively
      continue;
    }
    if (gap.reload) {
      cache.load_from_store();  // rare (see read_catch_up); inside the transaction, so exact
      gap = index::Cache::CatchUp{};
      gap.data_version = cache.seen_data_version;
      gap.seq = cache.applied_seq;
    }
    if (decide) {
      // The cache must hold every commit before the decision: the gap is applied now (it is
      // committed; our transaction rolling back leaves it true), and an empty one after ours.
      cache.apply_catch_up(gap);
      gap = index::Cache::CatchUp{};
      gap.data_version = cache.seen_data_version;
      gap.seq = cache.applied_seq;
      decide(ops);
      if (ops.empty()) return;  // nothing matches: nothing to write (the transaction rolls back)
    }
    const IndexConfig& config = cache.config;
    if (config.dimensions != 0 && dims != 0 && dims != config.dimensions) {
      throw Error(ErrorCode::DimensionMismatch,
                  "Another process fixed the index's dimensions at " +
                      std::to_string(config.dimensions) + " while these vectors have " +
                      std::to_string(dims) + "; nothing was written");
    }
    fixes_dims = config.dimensions == 0 && dims != 0;
    seq = txn.seq();
    if (fixes_dims) store->set_dimensions(dims);
    for (auto& op : ops) {
      if ((upserts.size() & 1023) == 1023) check_not_aborted();
      auto& item = op.item;
      auto label = store->find_label(item.id);
      if (op.kind == Op::Kind::Delete) {
        if (label) {
          store->delete_row(*label, seq);
          text_index->remove(*label);
          removed.push_back(static_cast<uint64_t>(*label));
        }
        continue;
      }
      if (label && op.kind == Op::Kind::Insert) {
        // Another process inserted it after validation; the whole batch rolls back.
        throw Error(ErrorCode::AlreadyExists, "Item with id " + item.id + " already exists");
      }
      const bool fresh = !label;
      if (label) {
        store->update_row(*label, item.id, item.vector.data(), item.vector.size(), item.metadata_text, seq);
      } else {
        label = store->insert_row(item.id, item.vector.data(), item.vector.size(),
                                  item.metadata_text, seq);
      }
      // The keyword index, in the same transaction: text and vectors never disagree. A fresh
      // label has no keyword row to remove (labels are never reused).
      const std::string* text =
          config.text_field.empty() ? nullptr : store::TextIndex::text_of(item.metadata, config.text_field);
      if (text) {
        text_index->put(*label, *text);
      } else if (!fresh) {
        text_index->remove(*label);
      }
      upserts.emplace_back(static_cast<uint64_t>(*label), &item);
    }
    check_not_aborted();  // the last moment a write can be taken back
    txn.commit();
    break;
  }
  cache.apply_catch_up(gap);
  if (fixes_dims) cache.config.dimensions = dims;
  // seen_data_version was read inside the transaction, so a commit by another process after ours
  // is still noticed by the next call.
  index::Cache::PendingCommit pending = cache.begin_commit(upserts, removed, seq, ops.size());
  if (pending.beside_readers) {
    // Readers run while the graph is built; `rw` is exclusive again for publishing.
    SharedWhile shared(rw, true);
    try {
      cache.build_graph(pending, write_options.threads);
    } catch (...) {
      // Committed, but not all in the graph (an allocation failed): nothing stays hidden, and
      // the next call catches up from the store as if another process had written it. The
      // updated items keep their old elements (the catch-up rewrites them in place).
      shared.end();
      cache.graph->drop_staged();
      cache.graph->show_all();
      cache.seen_data_version = -1;
      throw;
    }
  } else {
    cache.build_graph(pending, write_options.threads);
  }
  cache.publish_commit(pending);
  if (store_ahead.owns_lock()) store_ahead.unlock();  // the store and the cache agree again
  if (metrics_on) writes.count(upserts.size());
  if (cache.unsaved_changes >= kAutoSaveChanges) {
    // Beside readers: a save only reads the graph (and relinks cut-off elements, which a build
    // does beside readers too), and no other write can start (`writer`). It held searches off
    // for ~340 ms at 100k x 128 before.
    SharedWhile shared(rw, true);
    try {
      cache.save_graph();
    } catch (const Error&) {
      // The write is committed; the cache file is retried at the next save or rebuilt at open.
    }
  }
}

bool Index::Impl::transaction_beside_readers(const std::vector<Op>& ops, uint32_t dims) const {
  return !ops.empty() && cache.graph && cache.config.dimensions != 0 && dims == cache.config.dimensions;
}

bool Index::Impl::changes_published(const std::vector<Op>& ops) const {
  for (const Op& op : ops) {
    uint64_t label;
    if (cache.items.find(op.item.id, &label)) return true;  // an update, or a delete of a held item
  }
  return false;
}

std::string Index::verify() {
  auto lock = lock_for_write(*impl_);
  return impl_->cache.verify();
}

void Index::close() {
  auto lock = exclusive(*impl_);
  if (impl_->closed) return;
  impl_->closed = true;
  try {
    impl_->cache.save_graph();
  } catch (...) {
    // A graph that could not be saved is rebuilt from the database at the next open.
  }
  impl_->release();
}

void Index::Impl::release() {
  closed = true;
  cursors.clear();
  cache.release();
  text_index.reset();  // its statements go before the connection
  store.reset();
}

}  // namespace quiver
