#include "ann/hnsw_body_check.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace quiver::ann {
namespace {

constexpr uint64_t kIdBytes = 4;     // hnswlib::tableint
constexpr uint64_t kCountBytes = 4;  // hnswlib::linklistsizeint
constexpr uint64_t kLabelBytes = 8;  // hnswlib::labeltype
constexpr uint64_t kMaxLevels = 64;  // far above any level hnswlib draws (mult = 1/ln(M))

template <typename T>
T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// A link list: its count (hnswlib keeps it in the low 16 bits; byte 2 is the delete mark) and
// that many neighbour ids, each below `count`. `out` receives the ids when not null.
std::string check_links(const char* list, uint64_t max_links, uint64_t count,
                        std::vector<uint32_t>* out) {
  const uint32_t n = load<uint32_t>(list) & 0xffffu;
  if (n > max_links) return "a link list holds " + std::to_string(n) + " links (at most " +
                            std::to_string(max_links) + ")";
  for (uint32_t j = 0; j < n; ++j) {
    const uint32_t id = load<uint32_t>(list + kCountBytes + j * kIdBytes);
    if (id >= count) return "a link points to element " + std::to_string(id) + " of " +
                            std::to_string(count);
    if (out) out->push_back(id);
  }
  return {};
}

}  // namespace

HnswBodyFields parse_hnsw_fields(const char* p) {
  HnswBodyFields f{};
  f.offset_level0 = load<uint64_t>(p);
  f.max_elements = load<uint64_t>(p + 8);
  f.count = load<uint64_t>(p + 16);
  f.size_per_element = load<uint64_t>(p + 24);
  f.label_offset = load<uint64_t>(p + 32);
  f.data_offset = load<uint64_t>(p + 40);
  f.max_level = load<int32_t>(p + 48);
  f.entry_point = load<uint32_t>(p + 52);
  f.max_m = load<uint64_t>(p + 56);
  f.max_m0 = load<uint64_t>(p + 64);
  f.m = load<uint64_t>(p + 72);
  f.mult = load<double>(p + 80);
  f.ef_construction = load<uint64_t>(p + 88);
  return f;
}

void write_hnsw_fields(const HnswBodyFields& f, char* p) {
  std::memcpy(p, &f.offset_level0, 8);
  std::memcpy(p + 8, &f.max_elements, 8);
  std::memcpy(p + 16, &f.count, 8);
  std::memcpy(p + 24, &f.size_per_element, 8);
  std::memcpy(p + 32, &f.label_offset, 8);
  std::memcpy(p + 40, &f.data_offset, 8);
  std::memcpy(p + 48, &f.max_level, 4);
  std::memcpy(p + 52, &f.entry_point, 4);
  std::memcpy(p + 56, &f.max_m, 8);
  std::memcpy(p + 64, &f.max_m0, 8);
  std::memcpy(p + 72, &f.m, 8);
  std::memcpy(p + 80, &f.mult, 8);
  std::memcpy(p + 88, &f.ef_construction, 8);
}

std::string check_hnsw_fields(const HnswBodyFields& f, uint64_t body_size,
                              const HnswBodyExpectation& want) {
  if (body_size < kHnswFieldsBytes) return "header fields truncated";
  if (f.offset_level0 != 0) return "level-0 offset is not 0";
  if (f.m != want.m || f.max_m != want.m || f.max_m0 != 2 * want.m) {
    return "M differs from the index settings";
  }
  const uint64_t links0 = f.max_m0 * kIdBytes + kCountBytes;
  if (f.data_offset != links0 || f.label_offset != links0 + want.data_size ||
      f.size_per_element != links0 + want.data_size + kLabelBytes) {
    return "element layout differs from the index settings";
  }
  if (f.count > f.max_elements) return "more elements than capacity";
  // Capacity is allocated up front by the loader: never more than the growth policy produces.
  if (f.max_elements > 2 * f.count + 4096) return "capacity out of proportion to the elements";
  if (f.count > (body_size - kHnswFieldsBytes) / f.size_per_element) return "level-0 block truncated";
  if (f.count > std::numeric_limits<uint32_t>::max()) return "too many elements";
  if (!std::isfinite(f.mult) || f.mult <= 0) return "level multiplier is not a positive number";
  if (f.ef_construction == 0 || f.ef_construction > (1u << 20)) return "efConstruction out of range";
  if (f.count == 0) {
    // An empty graph's entry point is "none" (-1); any other value would be walked by addPoint.
    if (f.entry_point != std::numeric_limits<uint32_t>::max() || f.max_level != -1) {
      return "empty graph with an entry point";
    }
    return {};
  }
  if (f.entry_point >= f.count) return "entry point out of range";
  if (f.max_level < 0 || static_cast<uint64_t>(f.max_level) > kMaxLevels) return "top level out of range";
  return {};
}

std::string check_hnsw_level0(const char* elements, uint64_t n, const HnswBodyFields& f) {
  for (uint64_t i = 0; i < n; ++i) {
    if (std::string p = check_links(elements + i * f.size_per_element, f.max_m0, f.count, nullptr);
        !p.empty()) {
      return "level 0: " + p;
    }
  }
  return {};
}

std::string check_hnsw_upper(const char* upper, uint64_t size, const HnswBodyFields& f,
                             std::vector<uint8_t>* levels_out) {
  // Each element's size, then its lists. A neighbour at level l must itself reach level l;
  // levels are known only once every element is read, so upper links are kept (few: about one
  // element in M has any).
  const uint64_t per_level = f.max_m * kIdBytes + kCountBytes;
  uint64_t consumed = 0;
  std::vector<uint8_t> levels(f.count, 0);
  struct UpperLink {
    uint32_t to;
    uint8_t level;
  };
  std::vector<UpperLink> upper_links;
  std::vector<uint32_t> ids;
  for (uint64_t i = 0; i < f.count; ++i) {
    if (consumed + kCountBytes > size) return "link lists truncated";
    const uint32_t list_size = load<uint32_t>(upper + consumed);
    consumed += kCountBytes;
    if (list_size == 0) continue;
    if (list_size % per_level != 0) return "a link list size is not a whole number of levels";
    const uint64_t n_levels = list_size / per_level;
    if (n_levels > kMaxLevels || consumed + list_size > size) return "link lists truncated";
    levels[i] = static_cast<uint8_t>(n_levels);
    for (uint64_t l = 0; l < n_levels; ++l) {
      ids.clear();
      if (std::string p = check_links(upper + consumed + l * per_level, f.max_m, f.count, &ids);
          !p.empty()) {
        return "level " + std::to_string(l + 1) + ": " + p;
      }
      for (uint32_t id : ids) upper_links.push_back({id, static_cast<uint8_t>(l + 1)});
    }
    consumed += list_size;
  }
  if (consumed != size) return "bytes after the last link list";
  for (const UpperLink& link : upper_links) {
    if (levels[link.to] < link.level) return "a link points to an element below its level";
  }
  if (f.count > 0) {
    if (levels[f.entry_point] != static_cast<uint64_t>(f.max_level)) {
      return "entry point is not on the top level";
    }
    if (*std::max_element(levels.begin(), levels.end()) > f.max_level) {
      return "an element is above the top level";
    }
  }
  *levels_out = std::move(levels);
  return {};
}

}  // namespace quiver::ann
