// Helpers shared by the core tests: throwaway folders and seeded data.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "quiver/index.h"

namespace quiver::test {

// The sanitizer build (QUIVER_SANITIZE) runs the core several times slower. Its heaviest sweeps
// run fewer rounds or smaller data there: the plain build runs them whole, and the fuzz targets
// cover garbage files at length. Sizes are chosen so that every assertion keeps its meaning.
#ifdef QUIVER_TEST_SANITIZED
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
inline constexpr size_t scaled(size_t full, size_t sanitized) { return kSanitized ? sanitized : full; }

// A fresh, empty folder under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "quiver-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// n points around `clusters` gaussian centres in [-1, 1]^dims (sigma 0.1), seeded.
inline std::vector<std::vector<float>> clustered(size_t n, size_t dims, size_t clusters,
                                                 uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> centre(-1.f, 1.f);
  std::normal_distribution<float> noise(0.f, 0.1f);
  std::vector<std::vector<float>> centres(clusters, std::vector<float>(dims));
  for (auto& c : centres)
    for (auto& x : c) x = centre(rng);
  std::vector<std::vector<float>> out(n, std::vector<float>(dims));
  for (size_t i = 0; i < n; ++i) {
    const auto& c = centres[rng() % clusters];
    for (size_t d = 0; d < dims; ++d) out[i][d] = c[d] + noise(rng);
  }
  return out;
}

inline ItemInput input(const std::string& id, const std::vector<float>& v,
                       const std::string& metadata = "{}") {
  ItemInput in;
  in.id = id;
  in.vector = VectorView{v.data(), v.size(), true};
  in.metadata_json = metadata;
  return in;
}

inline VectorView view(const std::vector<float>& v) { return VectorView{v.data(), v.size(), true}; }

// The ids of a packed result, in order (PackedItems::text: id, NUL, metadata, NUL, ...).
inline std::vector<std::string> packed_ids(const PackedItems& p) {
  std::vector<std::string> out;
  size_t at = 0;
  for (size_t i = 0; i < p.count; ++i) {
    const size_t id_end = p.text.find('\0', at);
    out.push_back(p.text.substr(at, id_end - at));
    at = std::min(p.text.find('\0', id_end + 1), p.text.size()) + 1;  // past the metadata
  }
  return out;
}

inline IndexConfig config(Metric metric, uint32_t dims = 0) {
  IndexConfig c;
  c.metric = metric;
  c.dimensions = dims;
  return c;
}

}  // namespace quiver::test
