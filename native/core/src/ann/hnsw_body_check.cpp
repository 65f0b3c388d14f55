#include "ann/hnsw_body_check.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace quiver::ann {
namespace {

// hnswlib 0.8's saveIndex writes these fields, in this order, before the level-0 block.
struct Fields {
  uint64_t offset_level0, max_elements, count, size_per_element, label_offset, data_offset;
  int32_t max_level;
  uint32_t entry_point;
  uint64_t max_m, max_m0, m;
  double mult;
  uint64_t ef_construction;
};
constexpr uint64_t kFieldsBytes = 6 * 8 + 4 + 4 + 3 * 8 + 8 + 8;
constexpr uint64_t kIdBytes = 4;     // hnswlib::tableint
constexpr uint64_t kCountBytes = 4;  // hnswlib::linklistsizeint
constexpr uint64_t kLabelBytes = 8;  // hnswlib::labeltype
constexpr uint64_t kMaxLevels = 64;  // far above any level hnswlib draws (mult = 1/ln(M))

template <typename T>
bool read_pod(std::istream& in, T* out) {
  return static_cast<bool>(in.read(reinterpret_cast<char*>(out), sizeof(T)));
}

uint32_t load_u32(const char* p) {
  uint32_t v;
  std::copy(p, p + sizeof v, reinterpret_cast<char*>(&v));
  return v;
}

// A link list: its count (hnswlib keeps it in the low 16 bits; byte 2 is the delete mark) and
// that many neighbour ids, each below `count`. `out` receives the ids when not null.
std::string check_links(const char* list, uint64_t max_links, uint64_t count,
                        std::vector<uint32_t>* out) {
  const uint32_t n = load_u32(list) & 0xffffu;
  if (n > max_links) return "a link list holds " + std::to_string(n) + " links (at most " +
                            std::to_string(max_links) + ")";
  for (uint32_t j = 0; j < n; ++j) {
    const uint32_t id = load_u32(list + kCountBytes + j * kIdBytes);
    if (id >= count) return "a link points to element " + std::to_string(id) + " of " +
                            std::to_string(count);
    if (out) out->push_back(id);
  }
  return {};
}

std::string check_fields(const Fields& f, uint64_t body_size, const HnswBodyExpectation& want) {
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
  if (f.count > (body_size - kFieldsBytes) / f.size_per_element) return "level-0 block truncated";
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

}  // namespace

std::string check_hnsw_body(std::istream& in, uint64_t body_size, const HnswBodyExpectation& want) {
  Fields f{};
  if (body_size < kFieldsBytes ||
      !(read_pod(in, &f.offset_level0) && read_pod(in, &f.max_elements) && read_pod(in, &f.count) &&
        read_pod(in, &f.size_per_element) && read_pod(in, &f.label_offset) &&
        read_pod(in, &f.data_offset) && read_pod(in, &f.max_level) &&
        read_pod(in, &f.entry_point) && read_pod(in, &f.max_m) && read_pod(in, &f.max_m0) &&
        read_pod(in, &f.m) && read_pod(in, &f.mult) && read_pod(in, &f.ef_construction))) {
    return "header fields truncated";
  }
  if (std::string problem = check_fields(f, body_size, want); !problem.empty()) return problem;

  // Level 0: links and labels, element by element.
  std::vector<char> element(f.size_per_element);
  std::vector<uint64_t> labels(f.count);
  for (uint64_t i = 0; i < f.count; ++i) {
    if (!in.read(element.data(), static_cast<std::streamsize>(element.size()))) {
      return "level-0 block truncated";
    }
    if (std::string p = check_links(element.data(), f.max_m0, f.count, nullptr); !p.empty()) {
      return "level 0: " + p;
    }
    std::copy(element.data() + f.label_offset, element.data() + f.label_offset + kLabelBytes,
              reinterpret_cast<char*>(&labels[i]));
  }
  std::sort(labels.begin(), labels.end());
  if (std::adjacent_find(labels.begin(), labels.end()) != labels.end()) return "duplicate labels";

  // Upper levels: each element's size, then its lists. A neighbour at level l must itself reach
  // level l; levels are known only once every element is read, so upper links are kept (few:
  // about one element in M has any).
  const uint64_t per_level = f.max_m * kIdBytes + kCountBytes;
  uint64_t consumed = kFieldsBytes + f.count * f.size_per_element;
  std::vector<uint8_t> levels(f.count, 0);
  struct UpperLink {
    uint32_t to;
    uint8_t level;
  };
  std::vector<UpperLink> upper;
  std::vector<char> lists;
  std::vector<uint32_t> ids;
  for (uint64_t i = 0; i < f.count; ++i) {
    uint32_t size = 0;
    if (consumed + kCountBytes > body_size || !read_pod(in, &size)) return "link lists truncated";
    consumed += kCountBytes;
    if (size == 0) continue;
    if (size % per_level != 0) return "a link list size is not a whole number of levels";
    const uint64_t n_levels = size / per_level;
    if (n_levels > kMaxLevels || consumed + size > body_size) return "link lists truncated";
    lists.resize(size);
    if (!in.read(lists.data(), size)) return "link lists truncated";
    consumed += size;
    levels[i] = static_cast<uint8_t>(n_levels);
    for (uint64_t l = 0; l < n_levels; ++l) {
      ids.clear();
      if (std::string p = check_links(lists.data() + l * per_level, f.max_m, f.count, &ids);
          !p.empty()) {
        return "level " + std::to_string(l + 1) + ": " + p;
      }
      for (uint32_t id : ids) upper.push_back({id, static_cast<uint8_t>(l + 1)});
    }
  }
  if (consumed != body_size) return "bytes after the last link list";
  for (const UpperLink& link : upper) {
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
  return {};
}

}  // namespace quiver::ann
