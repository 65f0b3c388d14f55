#include "query/item_cursor.h"

#include <cmath>
#include <mutex>

#include <nlohmann/json.hpp>

#include "index/index_impl.h"
#include "util/json_text.h"

namespace quiver::query {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& message) { throw Error(ErrorCode::InvalidArgument, message); }

json parse_options(std::string_view options_json) {
  const json j = util::parse_caller_json(options_json, Limits::kMaxJsonDepth, "iterator options");
  if (!j.is_object()) bad("iterator options must be an object like {order: 'insertion', filter?}");
  return j;
}

class ItemCursor : public Cursor {
 public:
  ItemCursor(const std::string& folder, Filter filter, uint32_t dims)
      : store_(store::SqliteStore::open(folder)), filter_(std::move(filter)), dims_(dims) {}
  ~ItemCursor() override {
    try {
      store_->end_snapshot();
    } catch (...) {
    }
  }

  PackedItems next(const Index::Impl&, size_t n) override {
    std::lock_guard<std::mutex> guard(mutex_);
    PackedItems out;
    out.dims = dims_;
    if (done_) return out;
    store_->begin_snapshot();  // the first batch starts the snapshot; later ones stay in it
    // Filtered: pages of the batch size until n match or the items run out.
    while (out.count < n && !done_) {
      size_t seen = 0;
      store_->scan_page(after_, n, [&](store::Row&& row) {
        ++seen;
        after_ = row.label;
        if (out.count >= n) return;
        if (!filter_.empty()) {
          auto doc = util::parse_stored_object(row.metadata, Limits::kMaxJsonDepth);
          if (doc.is_discarded() || !filter_.matches(doc)) return;
        }
        pack(row, out);
      });
      if (seen < n) done_ = true;
    }
    if (done_) store_->end_snapshot();  // the WAL may checkpoint again
    return out;
  }

  size_t memory_bytes() const override { return sizeof(*this) + (1 << 16); }  // + the connection's cache (~64 KiB)

 private:
  void pack(const store::Row& row, PackedItems& out) const {
    if (out.count > 0) out.text.push_back('\0');
    out.text.append(row.id).push_back('\0');
    out.text.append(row.metadata);
    const size_t at = out.vectors.size();
    out.vectors.resize(at + dims_);  // zeros for an item without a vector
    double norm = std::nan("");
    if (row.has_vector && row.vector.size() == dims_) {
      std::copy(row.vector.begin(), row.vector.end(), out.vectors.begin() + static_cast<ptrdiff_t>(at));
      double sum = 0;
      for (float x : row.vector) sum += static_cast<double>(x) * static_cast<double>(x);
      norm = std::sqrt(sum);
    }
    const double nan = std::nan("");
    out.numbers.insert(out.numbers.end(), {norm, nan, nan, nan, nan});
    ++out.count;
  }

  std::mutex mutex_;
  std::unique_ptr<store::SqliteStore> store_;
  Filter filter_;
  uint32_t dims_;
  int64_t after_ = 0;
  bool done_ = false;
};

}  // namespace

bool wants_item_order(std::string_view options_json) {
  const json j = parse_options(options_json);
  return j.contains("order") && !j["order"].is_null();
}

std::shared_ptr<Cursor> open_item_cursor(const Index::Impl& impl, VectorView vector, std::string_view options_json) {
  const json j = parse_options(options_json);
  for (const auto& [key, value] : j.items()) {
    if (key != "order" && key != "filter") bad("iterator options has an unknown option \"" + key + "\"; the options are: order, filter");
  }
  if (j["order"] != "insertion") bad("order must be \"insertion\", got " + j["order"].dump());
  if (vector.present) bad("an item iterator takes no vector");
  Filter filter = j.contains("filter") && !j["filter"].is_null() ? Filter::parse(j["filter"]) : Filter();
  return std::make_shared<ItemCursor>(impl.cache.folder, std::move(filter), impl.cache.config.dimensions);
}

}  // namespace quiver::query
