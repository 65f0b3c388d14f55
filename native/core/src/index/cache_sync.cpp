// Keeps the in-memory cache (HNSW graph + parsed metadata) equal to the SQLite store: at open
// (load the graph file if it can be trusted, re-apply newer writes, otherwise rebuild), when
// another process has committed, and when the graph is saved.
#include <nlohmann/json.hpp>

#include "index/index_impl.h"
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

// Prepares and adds rows to the graph in parallel (capacity reserved first).
void add_rows(ann::HnswGraph& graph, std::vector<store::Row>& rows) {
  graph.reserve(rows.size());
  util::parallel_for(rows.size(), [&](size_t i) {
    std::vector<float> prepared(graph.dims());
    graph.prepare(rows[i].vector.data(), prepared.data());
    graph.upsert(static_cast<uint64_t>(rows[i].label), prepared.data());
  });
}

}  // namespace

void Index::Impl::load_cache() {
  for (const char* suffix : {".tmp", ".body.tmp", ".load.tmp"}) {
    util::remove_file(graph_path + suffix);  // leftovers of a crash during save or load
  }
  graph.reset();
  bool rebuilt = false;
  {
    store::SqliteStore::ReadTxn snapshot(*store);
    seen_data_version = store->data_version();
    store->reload_config();
    config = store->config();
    applied_seq = store->sequence();
    metadata.clear();
    store->scan([&](store::Row&& row) { metadata.set(row.label, parse_stored_metadata(row)); },
                /*with_vectors=*/false);
    if (config.dimensions == 0) {
      open_report = "empty index: no graph yet";
      return;
    }
    auto loaded = ann::HnswGraph::load(graph_path, config.metric, config.dimensions, config.hnsw);
    if (loaded.graph && loaded.seq <= applied_seq) {
      graph = std::move(loaded.graph);
      saved_seq = loaded.seq;
      catch_up(loaded.seq);
      if (graph->size() == metadata.size()) {
        open_report = "graph file loaded at write " + std::to_string(loaded.seq) + ", " +
                      std::to_string(applied_seq - loaded.seq) + " newer writes re-applied";
        return;
      }
      open_report = "graph file disagreed with the database after catch-up; rebuilt";
    } else {
      open_report = loaded.graph ? "graph file is newer than the database; rebuilt"
                                 : "graph file " + loaded.problem + "; rebuilt";
    }
    rebuild_graph();
    rebuilt = true;
  }
  if (rebuilt) {
    try {
      save_graph();  // so that the next open is fast; the index works without it
    } catch (const Error& e) {
      open_report += std::string(" (not saved: ") + e.what() + ")";
    }
  }
}

void Index::Impl::catch_up(uint64_t from_seq) {
  for (int64_t label : store->deletions_since(from_seq)) {
    graph->remove(static_cast<uint64_t>(label));
    metadata.erase(static_cast<uint64_t>(label));
  }
  std::vector<store::Row> rows;
  store->scan_since(from_seq, [&](store::Row&& row) {
    metadata.set(row.label, parse_stored_metadata(row));
    rows.push_back(std::move(row));
  });
  add_rows(*graph, rows);
  unsaved_changes += rows.size();
}

void Index::Impl::rebuild_graph() {
  graph = std::make_unique<ann::HnswGraph>(config.metric, config.dimensions, config.hnsw);
  std::vector<store::Row> rows;
  store->scan([&](store::Row&& row) { rows.push_back(std::move(row)); });
  add_rows(*graph, rows);
  saved_seq = 0;  // forces the next save
  unsaved_changes = rows.size();
}

void Index::Impl::refresh_if_changed() {
  if (store->data_version() == seen_data_version) return;
  bool consistent = true;
  {
    store::SqliteStore::ReadTxn snapshot(*store);
    seen_data_version = store->data_version();
    const uint64_t seq = store->sequence();
    if (seq == applied_seq) return;
    if (config.dimensions == 0) {
      store->reload_config();
      config = store->config();
    }
    if (config.dimensions != 0 && !graph) {
      graph = std::make_unique<ann::HnswGraph>(config.metric, config.dimensions, config.hnsw);
    }
    if (graph) catch_up(applied_seq);
    applied_seq = seq;
    // Another process may have trimmed deletions we had not seen yet: the counts tell.
    consistent = (graph ? graph->size() : 0) == store->count() && metadata.size() == store->count();
  }
  if (!consistent) load_cache();
}

void Index::Impl::save_graph() {
  if (!graph || saved_seq == applied_seq) return;
  if (!database_still_in_folder()) return;  // deleted or replaced: nothing to cache for
  graph->save(graph_path, applied_seq);
  saved_seq = applied_seq;
  unsaved_changes = 0;
  store->trim_deletions(saved_seq);
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
    save_graph();
    report["rebuilt"] = true;
    report["graph"] = graph->size();
  }
  return report.dump();
}

}  // namespace quiver
