// Keeps the in-memory cache (HNSW graph + item table) equal to the SQLite store: at open
// (load the graph file if it can be trusted, re-apply newer writes, otherwise rebuild), when
// another process has committed, and when the graph is saved.
#include <nlohmann/json.hpp>
#include <optional>

#include "index/index_impl.h"
#include "util/file_lock.h"
#include "util/files.h"
#include "util/parallel_for.h"

namespace quiver {
namespace {

nlohmann::json parse_stored_metadata(const store::Row& row) {
  auto doc = nlohmann::json::parse(row.metadata, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    throw Error(ErrorCode::Corrupt, "stored metadata of item \"" + row.id +
                                        "\" is damaged; delete the item and insert it again");
  }
  return doc;
}

// Adds rows to the graph in parallel (capacity reserved first).
void add_rows(ann::VectorIndex& graph, std::vector<store::Row>& rows) {
  graph.reserve(rows.size());
  util::parallel_for(rows.size(), [&](size_t i) {
    graph.upsert(static_cast<uint64_t>(rows[i].label), rows[i].vector.data());
  });
}

}  // namespace

void Index::Impl::load_cache() {
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

bool Index::Impl::load_from_store() {
  ++changes;
  ++graph_generation;
  graph.reset();
  store::SqliteStore::ReadTxn snapshot(*store);
  // Inside the snapshot, so it names exactly the commits the snapshot holds.
  seen_data_version = store->data_version();
  store->reload_config();
  config = store->config();
  applied_seq = store->sequence();
  // Ids and metadata text only: nothing is parsed at open (filters parse on first use).
  items.clear();
  forget_parsed();
  store->scan([&](store::Row&& row) { items.put(static_cast<uint64_t>(row.label), row.id, row.metadata); },
              /*with_vectors=*/false);
  if (config.dimensions == 0) {
    open_report = "empty index: no graph yet";
    return false;
  }
  ann::ShardSet::Loaded loaded;
  {
    // Shared: no save's cleanup may remove our temporary copy of the body meanwhile. Without a
    // lock file (read-only folder) no save can run here, so loading unlocked is safe.
    std::optional<util::FileLock> lock;
    try {
      lock.emplace(util::FileLock::acquire(lock_path(), util::FileLock::Mode::Shared));
    } catch (const Error&) {
    }
    loaded = ann::ShardSet::load(graph_path, config.metric, config.dimensions, config.hnsw);
  }
  if (loaded.set && loaded.seq <= applied_seq && loaded.seq >= store->deletions_trimmed_through()) {
    graph = std::move(loaded.set);
    saved_seq = loaded.seq;
    catch_up(loaded.seq);
    if (graph->size() == items.size()) {
      open_report = "graph file loaded at write " + std::to_string(loaded.seq) + ", " +
                    std::to_string(applied_seq - loaded.seq) + " newer writes re-applied";
      return false;
    }
    open_report = "graph file disagreed with the database after catch-up; rebuilt";
  } else if (loaded.set) {
    open_report = loaded.seq > applied_seq
                      ? "graph file is newer than the database; rebuilt"
                      : "graph file is older than the deletion log reaches back; rebuilt";
  } else {
    open_report = "graph file " + loaded.problem + "; rebuilt";
  }
  rebuild_graph();
  return true;
}

void Index::Impl::catch_up(uint64_t from_seq) {
  CatchUp gap;
  gap.seq = applied_seq;
  gap.data_version = seen_data_version;
  read_rows_since(from_seq, gap);
  apply_catch_up(gap);
}

// Reads (does not apply) the deletions and rows committed after from_seq; metadata is parsed
// here (for the filters' parsed copy, and so that a damaged row fails before anything is applied).
void Index::Impl::read_rows_since(uint64_t from_seq, CatchUp& gap) {
  gap.deleted = store->deletions_since(from_seq);
  store->scan_since(from_seq, [&](store::Row&& row) {
    gap.docs.push_back(parse_stored_metadata(row));
    gap.rows.push_back(std::move(row));
  });
}

void Index::Impl::apply_catch_up(CatchUp& gap) {
  if (!gap.deleted.empty() || !gap.rows.empty()) ++changes;
  seen_data_version = gap.data_version;
  const bool keep_parsed = parsed_ready.load();
  for (int64_t label : gap.deleted) {
    if (graph) graph->remove(static_cast<uint64_t>(label));
    items.erase(static_cast<uint64_t>(label));
    if (keep_parsed) parsed.erase(static_cast<uint64_t>(label));
  }
  for (size_t i = 0; i < gap.rows.size(); ++i) {
    const auto label = static_cast<uint64_t>(gap.rows[i].label);
    items.put(label, gap.rows[i].id, gap.rows[i].metadata);
    if (keep_parsed) parsed.set(label, std::move(gap.docs[i]));
  }
  if (graph) add_rows(*graph, gap.rows);
  unsaved_changes += gap.rows.size();
  applied_seq = gap.seq;
}

void Index::Impl::rebuild_graph() {
  ++changes;
  ++graph_generation;
  graph = std::make_unique<ann::ShardSet>(config.metric, config.dimensions, config.hnsw);
  std::vector<store::Row> rows;
  store->scan([&](store::Row&& row) { rows.push_back(std::move(row)); });
  add_rows(*graph, rows);
  saved_seq = 0;  // forces the next save
  unsaved_changes = rows.size();
}

void Index::Impl::refresh_if_changed() {
  // data_version changes whenever another connection commits; our own commits never change it.
  if (store->data_version() == seen_data_version) return;
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
  if ((graph ? graph->size() : 0) != gap.count || items.size() != gap.count) load_from_store();
}

// What another process committed after applied_seq, read inside a transaction: a read snapshot
// (refresh) or, crucially, first thing in every write transaction. BEGIN IMMEDIATE holds the
// write lock, so nothing can commit between this read and our own commit: once the gap is
// applied (after our COMMIT, to keep the lock short) applied_seq = our seq is exact.
// Only reads, apart from the settings it reloads: a transaction that fails afterwards leaves
// the cache as it was, and the next call reads the gap again.
Index::Impl::CatchUp Index::Impl::read_catch_up() {
  CatchUp gap;
  gap.data_version = store->data_version();
  gap.seq = store->sequence();
  if (gap.seq == applied_seq) {
    gap.count = graph ? graph->size() : items.size();
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
    graph = std::make_unique<ann::ShardSet>(config.metric, config.dimensions, config.hnsw);
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
void Index::Impl::save_graph(bool replace_unusable_file) {
  if (!graph || saved_seq == applied_seq) return;
  if (!database_still_in_folder()) return;  // deleted or replaced: nothing to cache for
  uint64_t saved;
  {
    auto lock = util::FileLock::try_acquire(lock_path(), util::FileLock::Mode::Exclusive);
    if (!lock.held()) return;  // another process is saving right now
    remove_stale_temp_files();
    const auto on_disk = ann::ShardSet::file_seq(graph_path, config.metric, config.dimensions);
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
    graph->save(graph_path, applied_seq);
    saved = applied_seq;
  }
  saved_seq = saved;
  unsaved_changes = 0;
  // Outside the file lock: trimming takes SQLite's write lock, which a process waiting for the
  // file lock (a load inside a write transaction) may hold.
  store->trim_deletions(saved);
}

std::string Index::Impl::lock_path() const { return graph_path + ".lock"; }

// Temp files are "shard-0.hnsw.<...>.tmp" (save and load copies, and the fixed names of older
// versions). Callers hold the save lock exclusively, which proves every such file stale. Without
// real locks (Emscripten) only files untouched for an hour are removed.
void Index::Impl::remove_stale_temp_files() {
  const std::string prefix = std::string(kGraphFile) + ".";  // "shard-0.hnsw."
  for (const auto& name : util::list_dir(folder)) {
    // "shard-0.hnsw.tmp" shares its dot with the prefix: hence size() >= prefix + "tmp".
    if (name.size() < prefix.size() + 3 || name.compare(0, prefix.size(), prefix) != 0 ||
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

std::string Index::Impl::verify_cache() {
  nlohmann::json report;
  report["items"] = store->count();
  report["graph"] = graph ? graph->size() : 0;
  report["open"] = open_report;
  bool consistent = (graph ? graph->size() : 0) == store->count();
  if (consistent && graph) {
    store->scan(
        [&](store::Row&& row) {
          if (!graph->contains(static_cast<uint64_t>(row.label))) consistent = false;
        },
        /*with_vectors=*/false);
  }
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

}  // namespace quiver
