// The in-memory cache (index/cache.h) kept equal to the SQLite store: at open (load the graph file
// if it can be trusted, re-apply newer writes, otherwise rebuild), when another process has
// committed, after this process's commits, and when the graph is saved.
#include "index/cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "util/file_lock.h"
#include "util/files.h"
#include "util/json_text.h"
#include "util/parallel_for.h"
#include "vectors/kernels.h"

namespace quiver::index {
namespace {

// The norm the item table keeps for an item of a quantized index (ItemTable::norm), from its
// exact vector (`bytes` of floats, possibly unaligned: a view of SQLite's memory), by the kernel
// Index::Impl::exact_numbers computes a returned vector's norm with. An f32 graph holds the exact
// vectors: nothing is kept.
float kept_norm(const IndexConfig& config, const void* vector, size_t bytes) {
  if (config.quantization == Quantization::F32 || bytes == 0) return ItemTable::kNoNorm;
  thread_local std::vector<float> aligned;  // open scans on two threads (load_from_store)
  aligned.resize(bytes / sizeof(float));
  std::memcpy(aligned.data(), vector, aligned.size() * sizeof(float));
  const float* rows[1] = {aligned.data()};
  double norm_sq = 0;
  vectors::active_kernels().exact_sums_f32(rows, 1, nullptr, aligned.size(), false, &norm_sq, nullptr);
  return static_cast<float>(std::sqrt(norm_sq));
}

nlohmann::json parse_stored_metadata(const store::Row& row) {
  auto doc = util::parse_stored_object(row.metadata, Limits::kMaxJsonDepth);
  if (doc.is_discarded()) {
    throw Error(ErrorCode::Corrupt, "stored metadata of item \"" + row.id +
                                        "\" is damaged; delete the item and insert it again");
  }
  return doc;
}

// Brings the graph up to date with rows read from the store: rows stored without a vector are
// removed (an upsert may have taken a vector away), the others added in parallel (capacity
// reserved first; removals first, since they may not run concurrently with upserts).
// `present_through` (open's catch-up, one entry per shard): rows committed at or before a
// shard's entry are already in it (its file reflects them) and are skipped, so that a shard whose
// file is newer than the oldest one is neither re-linked nor marked changed.
void add_rows(ann::ShardSet& graph, std::vector<store::Row>& rows,
              const std::vector<uint64_t>& present_through = {}) {
  if (!present_through.empty()) {
    rows.erase(std::remove_if(rows.begin(), rows.end(),
                              [&](const store::Row& row) {
                                return row.seq <= present_through[graph.shard_of(static_cast<uint64_t>(row.label))];
                              }),
               rows.end());
  }
  std::vector<const float*> batch;  // a quantized graph learns its scale from its first batch
  size_t with_vector = 0;
  for (const auto& row : rows) {
    if (row.has_vector) {
      ++with_vector;
      batch.push_back(row.vector.data());
    } else {
      graph.remove(static_cast<uint64_t>(row.label));
    }
  }
  graph.calibrate(batch.data(), batch.size());
  std::vector<uint64_t> labels;
  labels.reserve(with_vector);
  for (const auto& row : rows) {
    if (row.has_vector) labels.push_back(static_cast<uint64_t>(row.label));
  }
  graph.reserve_for(labels);
  util::parallel_for(rows.size(), [&](size_t i) {
    if (rows[i].has_vector) graph.upsert(static_cast<uint64_t>(rows[i].label), rows[i].vector.data());
  });
  // Open's replay walks at once, so that every reopen starts whole; another process's commits
  // count toward the next walk as this process's own do.
  if (!rows.empty()) graph.relink_if_rewritten(/*now=*/!present_through.empty());
}

}  // namespace

void Cache::open(const std::string& folder_path, store::SqliteStore& owner_store) {
  store = &owner_store;
  folder = folder_path;
  graph_path = util::join_path(folder, kGraphFile);
  folder_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct stat st {};
  if (folder_fd >= 0 && ::fstat(folder_fd, &st) == 0) {
    folder_device = static_cast<uint64_t>(st.st_dev);
    folder_inode = static_cast<uint64_t>(st.st_ino);
  }
  if (::stat(util::join_path(folder, store::SqliteStore::kFileName).c_str(), &st) == 0) {
    db_device = static_cast<uint64_t>(st.st_dev);
    db_inode = static_cast<uint64_t>(st.st_ino);
  }
  {
    // Leftovers of a crash during a save or a load. Only with the save lock held exclusively:
    // savers hold it exclusively and loaders shared while their temp files exist, so then every
    // temp file is stale. When another process holds it, its files are left alone.
    try {
      auto lock = util::FileLock::try_acquire(lock_path(), util::FileLock::Mode::Exclusive);
      if (lock.held()) remove_stale_temp_files();
    } catch (const Error&) {
      // No lock file (read-only folder): nothing can have been written here either.
    }
  }
  if (load_from_store()) {
    try {
      // So that the next open is fast (the index works without it). The file on disk was not
      // usable, so it is replaced even if its header claims a newer write.
      save_graph(/*replace_unusable_file=*/true);
    } catch (const Error& e) {
      open_report += std::string(" (not saved: ") + e.what() + ")";
    }
  }
}

bool Cache::load_from_store() {
  ++changes;
  ++graph_generation;
  graph.reset();
  // Declared before the snapshot: mapped for its reads, unmapped after it ends.
  store::SqliteStore::MappedReads mapped(*store);
  store::SqliteStore::ReadTxn snapshot(*store);
  // Inside the snapshot, so it names exactly the commits the snapshot holds.
  seen_data_version = store->data_version();
  store->reload_config();
  config = store->config();
  applied_seq = store->sequence();
  items.clear();
  forget_parsed();
  ann::ShardSet::Loaded loaded;
  const auto load_graph_file = [&] {
    if (config.dimensions == 0) return;
    // Shared: no save's cleanup may remove our temporary copy of the body meanwhile. Without a
    // lock file (read-only folder) no save can run here, so loading unlocked is safe.
    std::optional<util::FileLock> lock;
    try {
      lock.emplace(util::FileLock::acquire(lock_path(), util::FileLock::Mode::Shared));
    } catch (const Error&) {
    }
    loaded = ann::ShardSet::load(folder, config.metric, config.dimensions, config.hnsw,
                                 config.quantization, config.shards);
  };
  // Ids and metadata text only: nothing is parsed at open (filters parse on first use).
  const auto append_to = [this](index::ItemTable& table) {
    return [&table, this](const store::RowView& row) {
      table.append(static_cast<uint64_t>(row.label), row.id, row.metadata, row.vector_bytes != 0,
                   kept_norm(config, row.vector, row.vector_bytes));
    };
  };
  const auto scan_items = [&] {
    const ItemScanSplit split = split_item_scan();
    if (!split.upper_store) {
      store->scan_views(append_to(items));
      item_scan_report = "one connection";
    } else {
      // The upper labels on the second connection, into a table of their own that is appended
      // after the lower ones (the same table one scan builds, in the same order). A connection's
      // snapshot holds its mutex: the second one's is taken on the thread that reads through it.
      index::ItemTable upper;
      bool same_snapshot = false;
      util::beside(
          [&] {
            store::SqliteStore& second = *split.upper_store;
            std::optional<store::SqliteStore::MappedReads> mapped_upper;
            std::optional<store::SqliteStore::ReadTxn> snapshot_upper;
            try {
              mapped_upper.emplace(second);
              snapshot_upper.emplace(second);
              // Every commit that changes an item stamps a new sequence number: equal numbers,
              // the same rows. A write committed between the two snapshots (another process)
              // only costs the split, as does a snapshot the second connection cannot take.
              same_snapshot = second.sequence() == applied_seq;
            } catch (const Error&) {
              same_snapshot = false;
            }
            // A damaged row throws here as it would in one scan (the same message).
            if (same_snapshot) second.scan_views(append_to(upper), split.lower_through, INT64_MAX);
          },
          [&] { store->scan_views(append_to(items), INT64_MIN, split.lower_through); });
      if (same_snapshot) {
        items.append_all(upper);
        item_scan_report = "two connections, split after label " + std::to_string(split.lower_through);
      } else {
        store->scan_views(append_to(items), split.lower_through, INT64_MAX);
        item_scan_report = "one connection (the second one's snapshot was not the first one's)";
      }
    }
    items.finish_append();
  };
  // Independent halves of the open, each most of its time at a million items: the graph file is
  // read and checked on a second thread while this one scans the items.
  util::beside(load_graph_file, scan_items);
  if (config.dimensions == 0) {
    open_report = "empty index: no graph yet";
    return false;
  }
  // Each shard is judged alone: a shard whose file is unusable, from the future or older than
  // the deletion log reaches back is rebuilt from its own rows; the others are caught up.
  const uint64_t trimmed = store->deletions_trimmed_through();
  std::vector<uint32_t> damaged;
  std::string problems;
  uint64_t oldest = applied_seq;
  for (uint32_t i = 0; i < loaded.seq.size(); ++i) {
    std::string problem = loaded.problem[i];
    if (problem.empty() && loaded.seq[i] > applied_seq) problem = "is newer than the database";
    if (problem.empty() && loaded.seq[i] < trimmed) problem = "is older than the deletion log reaches back";
    if (problem.empty()) {
      oldest = std::min(oldest, loaded.seq[i]);
      continue;
    }
    damaged.push_back(i);
    problems += std::string(problems.empty() ? "" : "; ") + ann::ShardSet::file_name(i) + " " + problem;
  }
  if (damaged.size() < loaded.seq.size()) {
    graph = std::move(loaded.set);
    // What each shard already holds: its file's rows, or (rebuilt) every row of the snapshot.
    std::vector<uint64_t> present_through = loaded.seq;
    for (uint32_t i : damaged) {
      rebuild_shard(i);
      present_through[i] = applied_seq;
    }
    saved_seq = damaged.empty() ? oldest : 0;  // a rebuilt shard must be saved
    catch_up(oldest, present_through);
    if (graph->size() == items.with_vectors()) {
      open_report = "graph file loaded at write " + std::to_string(oldest) + ", " +
                    std::to_string(applied_seq - oldest) + " newer writes re-applied";
      if (!damaged.empty()) {
        open_report += "; rebuilt " + std::to_string(damaged.size()) + " of " +
                       std::to_string(loaded.seq.size()) + " shards (" + problems + ")";
      }
      return !damaged.empty();
    }
    open_report = "graph file disagreed with the database after catch-up; rebuilt";
  } else if (loaded.seq.size() == 1) {
    open_report = "graph file " + loaded.problem[0] + "; rebuilt";
    if (loaded.problem[0].empty()) {
      open_report = loaded.seq[0] > applied_seq
                        ? "graph file is newer than the database; rebuilt"
                        : "graph file is older than the deletion log reaches back; rebuilt";
    }
  } else {
    open_report = "every shard rebuilt (" + problems + ")";
  }
  rebuild_graph();
  return true;
}

Cache::ItemScanSplit Cache::split_item_scan() {
  ItemScanSplit split;
#if !defined(__EMSCRIPTEN__) || defined(__EMSCRIPTEN_PTHREADS__)  // else one thread: no split
  int64_t first = 0;
  int64_t last = 0;
  if (!store->label_bounds(&first, &last) || last - first < kSplitItemScanFrom) return split;
  try {
    split.upper_store = store::SqliteStore::open(folder);
  } catch (const Error&) {
    return split;  // e.g. no descriptor left: one scan does it all
  }
  split.lower_through = first + (last - first) / 2;
#endif
  return split;
}

void Cache::catch_up(uint64_t from_seq, const std::vector<uint64_t>& present_through) {
  CatchUp gap;
  gap.seq = applied_seq;
  gap.data_version = seen_data_version;
  gap.present_through = present_through;
  read_rows_since(from_seq, gap);
  apply_catch_up(gap);
}

// Reads (does not apply) the deletions and rows committed after from_seq; metadata is parsed
// here (for the filters' parsed copy, and so that a damaged row fails before anything is applied).
void Cache::read_rows_since(uint64_t from_seq, CatchUp& gap) {
  gap.deleted = store->deletions_since(from_seq);
  store->scan_since(from_seq, [&](store::Row&& row) {
    gap.docs.push_back(parse_stored_metadata(row));
    gap.rows.push_back(std::move(row));
  });
}

void Cache::apply_catch_up(CatchUp& gap) {
  if (!gap.deleted.empty() || !gap.rows.empty()) ++changes;
  seen_data_version = gap.data_version;
  const bool keep_parsed = parsed_ready_.load();
  for (int64_t label : gap.deleted) {
    if (graph) graph->remove(static_cast<uint64_t>(label));
    items.erase(static_cast<uint64_t>(label));
    if (keep_parsed) parsed_.erase(static_cast<uint64_t>(label));
  }
  for (size_t i = 0; i < gap.rows.size(); ++i) {
    const auto label = static_cast<uint64_t>(gap.rows[i].label);
    const auto& v = gap.rows[i].vector;
    items.put(label, gap.rows[i].id, gap.rows[i].metadata, gap.rows[i].has_vector,
              kept_norm(config, v.data(), v.size() * sizeof(float)));
    if (keep_parsed) parsed_.set(label, std::move(gap.docs[i]));
  }
  unsaved_changes += gap.rows.size();
  if (graph) add_rows(*graph, gap.rows, gap.present_through);
  applied_seq = gap.seq;
}

void Cache::rebuild_shard(uint32_t shard) {
  graph->replace_shard(shard);
  std::vector<store::Row> rows;
  store->scan_shard(shard, graph->shard_count(), [&](store::Row&& row) { rows.push_back(std::move(row)); });
  add_rows(*graph, rows);
  unsaved_changes += rows.size();
}

void Cache::rebuild_graph() {
  ++changes;
  ++graph_generation;
  graph = std::make_unique<ann::ShardSet>(config.metric, config.dimensions, config.hnsw,
                                          config.quantization, config.shards);
  std::vector<store::Row> rows;
  store->scan([&](store::Row&& row) { rows.push_back(std::move(row)); });
  add_rows(*graph, rows);
  saved_seq = 0;  // forces the next save
  unsaved_changes = rows.size();
}

void Cache::refresh_if_changed() {
  // data_version changes whenever another connection commits; our own commits never change it.
  if (store->data_version_for_read() == seen_data_version) return;
  CatchUp gap;
  {
    store::SqliteStore::ReadTxn snapshot(*store);
    gap = read_catch_up();
  }
  if (gap.reload) {
    load_from_store();
    return;
  }
  apply_catch_up(gap);
  // Belt and braces: a cache that missed a deletion holds more items than the store.
  if (items.size() != gap.count || (graph ? graph->size() : 0) != items.with_vectors()) load_from_store();
}

// What another process committed after applied_seq, read inside a transaction: a read snapshot
// (refresh) or, crucially, first thing in every write transaction. BEGIN IMMEDIATE holds the
// write lock, so nothing can commit between this read and our own commit: once the gap is
// applied (after our COMMIT, to keep the lock short) applied_seq = our seq is exact.
// Only reads, apart from the settings it reloads: a transaction that fails afterwards leaves
// the cache as it was, and the next call reads the gap again.
Cache::CatchUp Cache::read_catch_up() {
  CatchUp gap;
  gap.data_version = store->data_version();
  gap.seq = store->sequence();
  if (gap.seq == applied_seq) {
    gap.count = items.size();
    return gap;
  }
  if (gap.seq < applied_seq || store->deletions_trimmed_through() > applied_seq) {
    // The database went back in time (restored), or another process saved the graph and
    // trimmed deletions we have not applied yet: start again from the store.
    gap.reload = true;
    return gap;
  }
  if (config.dimensions == 0) {
    store->reload_config();
    config = store->config();
  }
  if (config.dimensions != 0 && !graph) {
    graph = std::make_unique<ann::ShardSet>(config.metric, config.dimensions, config.hnsw,
                                            config.quantization, config.shards);
  }
  read_rows_since(applied_seq, gap);
  gap.count = store->count();
  return gap;
}

// Several processes may hold the same index and save at the same moment (e.g. all closing).
// One at a time writes the file, under an exclusive flock of "shard-0.hnsw.lock"; a process that
// finds it taken skips its save (the file is a cache; the next open re-applies newer writes from
// SQLite). A save that lost the race, i.e. the file on disk already reflects this write or a
// later one, writes nothing. See ARCHITECTURE.md, "Several processes".
void Cache::save_graph(bool replace_unusable_file) {
  if (!graph || saved_seq == applied_seq) return;
  if (!database_still_in_folder()) return;  // deleted or replaced: nothing to cache for
  uint64_t saved;
  uint64_t trim_through = 0;
  {
    auto lock = util::FileLock::try_acquire(lock_path(), util::FileLock::Mode::Exclusive);
    if (!lock.held()) return;  // another process is saving right now
    remove_stale_temp_files();
    const auto on_disk = ann::ShardSet::file_seq(folder, config.metric, config.dimensions,
                                                 config.quantization, config.shards);
    // A file "from the future" (beyond the committed sequence: a database restored from a
    // backup) is not newer, it is wrong.
    // After a rebuild (replace_unusable_file) the file we found bad may carry our own sequence
    // number, so only a strictly newer one (another process saved since) is kept then.
    const uint64_t newest_kept = replace_unusable_file ? applied_seq + 1 : applied_seq;
    if (on_disk && *on_disk >= newest_kept && *on_disk <= store->sequence()) {
      saved_seq = applied_seq;
      unsaved_changes = 0;
      return;
    }
    graph->relink_if_rewritten(/*now=*/true);  // no file keeps an element no search reaches
    graph->save(folder, applied_seq);  // the shards that changed since their files
    saved = applied_seq;
    // The deletion log may forget only what every shard's file reflects: an unchanged shard
    // keeps its older file (and another process may have saved one at an older sequence too).
    const auto oldest_file = ann::ShardSet::file_seq(folder, config.metric, config.dimensions,
                                                     config.quantization, config.shards);
    trim_through = oldest_file ? std::min(saved, *oldest_file) : 0;
  }
  saved_seq = saved;
  unsaved_changes = 0;
  // Outside the file lock: trimming takes SQLite's write lock, which a process waiting for the
  // file lock (a load inside a write transaction) may hold.
  if (trim_through > 0) store->trim_deletions(trim_through);
}

std::string Cache::lock_path() const { return graph_path + ".lock"; }

// Temp files are "shard-<i>.hnsw.<...>.tmp" (save and load copies, and the fixed names of older
// versions). Callers hold the save lock exclusively, which proves every such file stale. Without
// real locks (Emscripten) only files untouched for an hour are removed.
void Cache::remove_stale_temp_files() {
  for (const auto& name : util::list_dir(folder)) {
    // "shard-<i>.hnsw.<...>.tmp" (also the older fixed "shard-0.hnsw.tmp").
    if (!ann::ShardSet::is_graph_file_name(name) || name.size() < 4 ||
        name.compare(name.size() - 4, 4, ".tmp") != 0) {
      continue;
    }
    const std::string path = util::join_path(folder, name);
#ifdef __EMSCRIPTEN__
    if (util::age_seconds(path) < 3600) continue;
#endif
    try {
      util::remove_file(path);
    } catch (const Error&) {
      // Not ours to worry about: a leftover is harmless and retried at the next save.
    }
  }
}

std::string Cache::verify() {
  nlohmann::json report;
  report["items"] = store->count();
  report["graph"] = graph ? graph->size() : 0;
  report["open"] = open_report;
  report["item_scan"] = item_scan_report;
  size_t with_vector = 0;
  bool consistent = true;
  store->scan(
      [&](store::Row&& row) {
        if (!row.has_vector) return;
        ++with_vector;
        if (!graph || !graph->contains(static_cast<uint64_t>(row.label))) consistent = false;
      },
      /*with_vectors=*/false);
  consistent = consistent && (graph ? graph->size() : 0) == with_vector;
  report["consistent"] = consistent;
  report["rebuilt"] = false;
  if (!consistent && config.dimensions != 0) {
    rebuild_graph();
    save_graph(/*replace_unusable_file=*/true);
    report["rebuilt"] = true;
    report["graph"] = graph->size();
  }
  return report.dump();
}

Cache::PendingCommit Cache::begin_commit(std::vector<std::pair<uint64_t, PreparedItem*>>& upserts,
                                         const std::vector<uint64_t>& removed, uint64_t seq,
                                         size_t changes) {
  PendingCommit pending;
  pending.seq = seq;
  pending.changes = changes;
  ++this->changes;
  if (!graph && config.dimensions != 0) {
    graph = std::make_unique<ann::ShardSet>(config.metric, config.dimensions, config.hnsw,
                                            config.quantization, config.shards);
  }
  pending.removed = removed;
  // A label upserted twice in one batch keeps its last version; a removed label cannot come
  // back (labels are never reused), so drop those too.
  std::unordered_map<uint64_t, size_t> last;
  for (size_t i = 0; i < upserts.size(); ++i) last[upserts[i].first] = i;
  std::unordered_set<uint64_t> gone(removed.begin(), removed.end());
  for (size_t i = 0; i < upserts.size(); ++i) {
    if (last[upserts[i].first] == i && !gone.count(upserts[i].first)) pending.upserts.push_back(upserts[i]);
  }
  if (!graph) {
    remove_published(pending);
    return pending;
  }
  // A new item's vector goes in under its label; a published item's new vector into an element
  // of its own (copy-on-write: HnswShard::stage_update), swapped in at publish_commit. New items
  // first, then the published ones (from staged_from).
  bool rewrites_none = true;  // no published item's vector is dropped or rewritten in place
  std::vector<std::pair<uint64_t, const float*>> updates;
  for (auto& [label, item] : pending.upserts) {
    const bool held = items.contains(label);
    if (!item->vector.empty()) {
      if (held) {
        updates.emplace_back(label, item->vector.data());
        // No room for a stand-in, or (a damaged graph) no element to stand beside.
        if (label >= ann::HnswShard::kStandInBase || graph->shard_is_empty(label)) rewrites_none = false;
      } else {
        pending.graph_labels.push_back(label);
        pending.graph_vectors.push_back(item->vector.data());
      }
    } else {
      // Items without a vector leave the graph (an upsert may have taken their vector away).
      if (held) rewrites_none = false;
      graph->remove(label);
    }
  }
  pending.staged_from = pending.graph_labels.size();
  for (const auto& [label, vector] : updates) {
    pending.graph_labels.push_back(label);
    pending.graph_vectors.push_back(vector);
  }
  graph->calibrate(pending.graph_vectors.data(), pending.graph_vectors.size());  // i8: first batch
  graph->reserve_for(pending.graph_labels);  // updates too: capacity for their new elements
  // Readers may search while the vectors go in unless a published item's vector is dropped or
  // rewritten in place: new items stay hidden (hide_from), a published item keeps its element
  // until its new one is swapped in, and the commit's deletes wait for publish_commit (readers see
  // the deleted items until the new versions show with them: never half a commit). Otherwise
  // the exclusive lock covers it all: the removals are done first, and updates rewrite their
  // element in place (hnswlib's updatePoint).
  // A new element may take over a deleted element's slot meanwhile (hnswlib rewrites it in
  // place): readers meet that slot as a deleted element, then under its new, hidden label,
  // whose vector they may read half written while walking through it — a slightly different
  // candidate set, as with any link read without a lock, never a wrong result. An empty
  // shard's first insert (it sets the entry point a search starts from) is done here, under
  // the exclusive lock, and the rest beside readers. Any size: the hiding costs a writer two
  // lock hand-overs, and a commit of one item held searches off for its ~0.3 ms insert (more
  // at higher efConstruction) before.
  pending.beside_readers = rewrites_none && !pending.graph_labels.empty();
  if (!pending.beside_readers) {
    remove_published(pending);
    pending.staged_from = pending.graph_labels.size();  // updates rewrite in place
    return pending;
  }
  uint64_t hide = ann::HnswShard::kStandInBase;  // stand-ins are above it
  for (size_t i = 0; i < pending.staged_from; ++i) hide = std::min(hide, pending.graph_labels[i]);
  graph->hide_from(hide);
  std::vector<size_t> first_in_empty;
  std::unordered_set<uint32_t> seeded;
  for (size_t i = 0; i < pending.staged_from; ++i) {
    const uint64_t label = pending.graph_labels[i];
    if (graph->shard_is_empty(label) && seeded.insert(graph->shard_of(label)).second) first_in_empty.push_back(i);
  }
  for (auto it = first_in_empty.rbegin(); it != first_in_empty.rend(); ++it) {
    graph->upsert(pending.graph_labels[*it], pending.graph_vectors[*it]);
    pending.graph_labels.erase(pending.graph_labels.begin() + static_cast<std::ptrdiff_t>(*it));
    pending.graph_vectors.erase(pending.graph_vectors.begin() + static_cast<std::ptrdiff_t>(*it));
    --pending.staged_from;
  }
  return pending;
}

void Cache::build_graph(PendingCommit& pending, unsigned threads) {
  if (!graph || pending.graph_labels.empty()) return;
  util::parallel_for(pending.graph_labels.size(), [&](size_t i) {
    if (i < pending.staged_from) {
      graph->upsert(pending.graph_labels[i], pending.graph_vectors[i]);
    } else {
      graph->stage_update(pending.graph_labels[i], pending.graph_vectors[i]);
    }
  }, threads);
  graph->relink_if_rewritten(/*now=*/false);
}

void Cache::remove_published(PendingCommit& pending) {
  const bool keep_parsed = parsed_ready_.load();
  for (uint64_t label : pending.removed) {
    if (graph) graph->remove(label);
    items.erase(label);
    if (keep_parsed) parsed_.erase(label);
  }
  pending.removed.clear();
}

void Cache::publish_commit(PendingCommit& pending) {
  if (graph) graph->swap_in_staged();  // the updated items' new elements
  remove_published(pending);  // when build_graph ran beside readers
  const bool keep_parsed = parsed_ready_.load();
  for (auto& [label, item] : pending.upserts) {
    items.put(label, item->id, item->metadata_text, !item->vector.empty(),
              kept_norm(config, item->vector.data(), item->vector.size() * sizeof(float)));
    if (keep_parsed) parsed_.set(label, std::move(item->metadata));
  }
  if (graph) graph->show_all();
  // Readers that ran during build_graph (query cache, cursors) saw the state before the commit.
  if (pending.beside_readers) ++changes;
  // Exact: every commit before ours was read inside the transaction and applied first.
  applied_seq = pending.seq;
  unsaved_changes += pending.changes;
}

const query::MetadataColumns& Cache::filterable() const {
  if (parsed_ready_.load(std::memory_order_acquire)) return parsed_;
  std::lock_guard<std::mutex> guard(parsed_mutex_);
  if (!parsed_ready_.load(std::memory_order_relaxed)) {
    parsed_.reset(items.labels(), config.indexed_fields);
    parsed_ready_.store(true, std::memory_order_release);
  }
  return parsed_;
}

size_t Cache::filter_bound_if_built(const query::Filter& filter) const {
  if (filter.empty() || !parsed_ready_.load(std::memory_order_acquire)) return query::CompiledFilter::kUnbounded;
  if (!parsed_.has_columns(query::CompiledFilter::paths_of(filter))) return query::CompiledFilter::kUnbounded;
  return query::CompiledFilter::compile(filter, parsed_).bound();
}

query::CompiledFilter Cache::compile(const query::Filter& filter) const {
  if (filter.empty()) return {};
  const query::MetadataColumns& columns = filterable();
  columns.ensure(query::CompiledFilter::paths_of(filter), [this](uint64_t label) {
    const std::string_view text = items.metadata(label);
    auto doc = util::parse_stored_object(text, Limits::kMaxJsonDepth);
    if (doc.is_discarded()) {
      throw Error(ErrorCode::Corrupt, "stored metadata of item \"" + std::string(items.id(label)) +
                                          "\" is damaged; delete the item and insert it again");
    }
    return doc;
  });
  return query::CompiledFilter::compile(filter, columns);
}

void Cache::forget_parsed() {
  std::lock_guard<std::mutex> guard(parsed_mutex_);
  parsed_ready_.store(false);
  parsed_.clear();
}

bool Cache::database_still_in_folder() const {
  struct stat held {};
  struct stat dir {};
  struct stat db {};
  if (folder_fd < 0 || ::fstat(folder_fd, &held) != 0 || held.st_nlink == 0) return false;  // removed
  if (::stat(folder.c_str(), &dir) != 0 || static_cast<uint64_t>(dir.st_dev) != folder_device ||
      static_cast<uint64_t>(dir.st_ino) != folder_inode) {
    return false;  // a new folder under the same name
  }
  return ::stat(util::join_path(folder, store::SqliteStore::kFileName).c_str(), &db) == 0 &&
         static_cast<uint64_t>(db.st_dev) == db_device && static_cast<uint64_t>(db.st_ino) == db_inode;
}

void Cache::release() {
  ++changes;
  ++graph_generation;
  graph.reset();
  items.clear();
  forget_parsed();
  store = nullptr;
  if (folder_fd >= 0) ::close(folder_fd);
  folder_fd = -1;
}

}  // namespace quiver::index
