// Parsed metadata of every live item, kept dense: filters are evaluated against it inside the
// HNSW search (lookup by label) and by exact scans and selectivity samples (iteration). A dense
// array makes both scans walk contiguous memory and lets a sample touch only the sampled items.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace quiver::query {

class MetadataStore {
 public:
  void set(uint64_t label, nlohmann::json doc) {
    auto [it, inserted] = slot_.try_emplace(label, labels_.size());
    if (inserted) {
      labels_.push_back(label);
      docs_.push_back(std::move(doc));
    } else {
      docs_[it->second] = std::move(doc);
    }
  }

  // Removes by moving the last entry into the hole: O(1), order is not kept (nothing needs it).
  void erase(uint64_t label) {
    auto it = slot_.find(label);
    if (it == slot_.end()) return;
    const size_t hole = it->second, last = labels_.size() - 1;
    if (hole != last) {
      labels_[hole] = labels_[last];
      docs_[hole] = std::move(docs_[last]);
      slot_[labels_[hole]] = hole;
    }
    labels_.pop_back();
    docs_.pop_back();
    slot_.erase(it);
  }

  const nlohmann::json* find(uint64_t label) const {
    auto it = slot_.find(label);
    return it == slot_.end() ? nullptr : &docs_[it->second];
  }

  void clear() {
    slot_.clear();
    labels_.clear();
    docs_.clear();
  }

  size_t size() const { return labels_.size(); }
  uint64_t label_at(size_t i) const { return labels_[i]; }
  const nlohmann::json& doc_at(size_t i) const { return docs_[i]; }

 private:
  std::unordered_map<uint64_t, size_t> slot_;
  std::vector<uint64_t> labels_;
  std::vector<nlohmann::json> docs_;
};

}  // namespace quiver::query
