#include "query/exact_distances.h"

#include <cstring>

#include "index/index_impl.h"

namespace quiver::query {

ExactDistances::ExactDistances(const Index::Impl& impl, const float* query)
    : codec_(vectors::ScalarKind::F32, impl.cache.config.metric, impl.cache.config.dimensions),
      query_(codec_.prepare(query)),
      raw_(impl.cache.config.dimensions),
      encoded_((codec_.stored_bytes() + sizeof(float) - 1) / sizeof(float)) {}

float ExactDistances::of_raw(const float* raw) {
  codec_.encode(raw, encoded_.data());
  return codec_.distance(query_.data(), encoded_.data());
}

bool ExactDistances::of_label(const Index::Impl& impl, uint64_t label, float* out, bool keep) {
  auto row = impl.store->find_by_label(static_cast<int64_t>(label));  // checksum verified
  if (!row || row->vector.size() != raw_.size()) {
    kept_.erase(label);
    return false;
  }
  *out = of_raw(row->vector.data());
  if (keep) kept_[label] = std::move(row->vector);
  return true;
}

const float* ExactDistances::kept(uint64_t label) const {
  const auto it = kept_.find(label);
  return it == kept_.end() ? nullptr : it->second.data();
}

void ExactDistances::scan_store(const Index::Impl& impl, const std::function<void(uint64_t, float)>& visit) {
  const size_t bytes = raw_.size() * sizeof(float);
  store::SqliteStore::ReadTxn snapshot(*impl.store);
  impl.store->scan_views([&](const store::RowView& row) {
    if (row.vector_bytes != bytes) return;  // stored without a vector
    std::memcpy(raw_.data(), row.vector, bytes);
    visit(static_cast<uint64_t>(row.label), of_raw(raw_.data()));
  });
}

size_t ExactDistances::memory_bytes() const {
  return sizeof(*this) + (raw_.capacity() + encoded_.capacity() + kept_.size() * raw_.size()) * sizeof(float) +
         kept_.size() * 32 +  // the map's nodes, roughly
         codec_.stored_bytes();  // the prepared query
}

}  // namespace quiver::query
