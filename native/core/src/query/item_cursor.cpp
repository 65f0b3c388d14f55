#include "query/item_cursor.h"

#include <cmath>
#include <mutex>

#include <nlohmann/json.hpp>

#include "index/index_impl.h"
#include "util/json_text.h"

namespace quiver::query {
namespace {

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

std::shared_ptr<Cursor> open_item_cursor(const Index::Impl& impl, Filter filter) {
  return std::make_shared<ItemCursor>(impl.cache.folder, std::move(filter), impl.cache.config.dimensions);
}

}  // namespace quiver::query
