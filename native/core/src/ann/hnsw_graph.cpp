#include "ann/hnsw_graph.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "ann/hnsw_body_check.h"
#include "quiver/error.h"
#include "util/checksum.h"
#include "util/file_lock.h"
#include "util/files.h"

namespace quiver::ann {
namespace {

// The file is our 64-byte header followed by hnswlib's own serialization (the "body").
// hnswlib's loader insists the body is a whole file, so load() verifies the header and the
// body's CRC, then hands hnswlib a temporary copy of the body.
constexpr char kMagic[8] = {'Q', 'U', 'I', 'V', 'H', 'N', 'S', 'W'};
constexpr uint32_t kFormatVersion = 1;

struct FileHeader {
  char magic[8];
  uint32_t format_version;
  uint32_t dims;
  uint32_t metric;
  uint32_t reserved0;
  uint64_t seq;
  uint64_t live_count;
  uint64_t body_size;
  uint32_t body_crc;
  uint32_t reserved1;
  uint32_t reserved2;
  uint32_t header_crc;  // CRC of the 60 bytes before it
};
static_assert(sizeof(FileHeader) == 64, "the header layout is part of the file format");

uint32_t header_crc(const FileHeader& h) {
  util::Crc32 crc;
  crc.update(&h, offsetof(FileHeader, header_crc));
  return crc.value();
}

class AllowFunctor : public hnswlib::BaseFilterFunctor {
 public:
  explicit AllowFunctor(const std::function<bool(uint64_t)>& allow) : allow_(allow) {}
  bool operator()(hnswlib::labeltype label) override { return allow_(label); }

 private:
  const std::function<bool(uint64_t)>& allow_;
};

std::unique_ptr<hnswlib::SpaceInterface<float>> make_space(Metric metric, uint32_t dims) {
  if (metric == Metric::L2) return std::make_unique<hnswlib::L2Space>(dims);
  // Cosine is inner product over unit vectors (prepare() normalizes).
  return std::make_unique<hnswlib::InnerProductSpace>(dims);
}

// Copies `size` bytes from `in` to `out` while computing their CRC; false on a short read.
bool copy_with_crc(std::istream& in, std::ostream* out, uint64_t size, uint32_t* crc_out) {
  util::Crc32 crc;
  std::vector<char> buf(1 << 20);
  while (size > 0) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(size, buf.size()));
    in.read(buf.data(), static_cast<std::streamsize>(n));
    if (static_cast<size_t>(in.gcount()) != n) return false;
    crc.update(buf.data(), n);
    if (out) out->write(buf.data(), static_cast<std::streamsize>(n));
    size -= n;
  }
  *crc_out = crc.value();
  return true;
}

}  // namespace

float score_from_distance(Metric metric, float distance) {
  // hnswlib's inner-product distance is 1 - dot; L2 is the squared distance.
  return metric == Metric::L2 ? -distance : 1.0f - distance;
}

HnswGraph::HnswGraph(Metric metric, uint32_t dims, const HnswParams& params)
    : metric_(metric), dims_(dims), params_(params), space_(make_space(metric, dims)) {
  hnsw_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(
      space_.get(), /*max_elements=*/1024, params.M, params.ef_construction,
      /*random_seed=*/100, /*allow_replace_deleted=*/true);
}

HnswGraph::~HnswGraph() = default;

void HnswGraph::save(const std::string& path, uint64_t seq) const {
  // Names of this save only: two processes (or two saves) never write through the same file.
  // Callers hold the graph exclusively (no addPoint runs during hnswlib's saveIndex, which reads
  // the link lists without taking hnswlib's per-element locks) and the folder's save lock.
  const std::string unique = "." + util::unique_name_part();
  const std::string body_path = path + unique + ".body.tmp";
  const std::string tmp_path = path + unique + ".tmp";
  try {
    hnsw_->saveIndex(body_path);
    std::ifstream body(body_path, std::ios::binary | std::ios::ate);
    if (!body) throw Error(ErrorCode::Io, "cannot read back \"" + body_path + "\"");
    FileHeader h{};
    std::memcpy(h.magic, kMagic, sizeof kMagic);
    h.format_version = kFormatVersion;
    h.dims = dims_;
    h.metric = static_cast<uint32_t>(metric_);
    h.seq = seq;
    h.live_count = size();
    h.body_size = static_cast<uint64_t>(body.tellg());
    body.seekg(0);

    std::ofstream out(tmp_path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(&h), sizeof h);
    if (!copy_with_crc(body, &out, h.body_size, &h.body_crc)) {
      throw Error(ErrorCode::Io, "short read of \"" + body_path + "\"");
    }
    h.header_crc = header_crc(h);
    out.seekp(0);
    out.write(reinterpret_cast<const char*>(&h), sizeof h);
    out.close();
    if (!out) throw Error(ErrorCode::Io, "cannot write \"" + tmp_path + "\" (disk full?)");
    body.close();
    util::remove_file(body_path);
    util::fsync_file(tmp_path);
    util::rename_file(tmp_path, path);
    const auto slash = path.find_last_of('/');
    util::fsync_dir(slash == std::string::npos ? "." : path.substr(0, slash));
  } catch (...) {
    std::remove(body_path.c_str());
    std::remove(tmp_path.c_str());
    throw;
  }
}

std::optional<uint64_t> HnswGraph::file_seq(const std::string& path, Metric metric, uint32_t dims) {
  std::ifstream in(path, std::ios::binary);
  FileHeader h{};
  if (!in || !in.read(reinterpret_cast<char*>(&h), sizeof h)) return std::nullopt;
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0 || header_crc(h) != h.header_crc ||
      h.format_version != kFormatVersion || h.dims != dims ||
      h.metric != static_cast<uint32_t>(metric)) {
    return std::nullopt;
  }
  return h.seq;
}

HnswGraph::Loaded HnswGraph::load(const std::string& path, Metric metric, uint32_t dims,
                                  const HnswParams& params) {
  Loaded result;
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    result.problem = "missing";
    return result;
  }
  const uint64_t file_size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  FileHeader h{};
  if (file_size < sizeof h || !in.read(reinterpret_cast<char*>(&h), sizeof h)) {
    result.problem = "truncated header";
    return result;
  }
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) {
    result.problem = "not a Quiver HNSW file";
    return result;
  }
  if (header_crc(h) != h.header_crc) {
    result.problem = "header checksum mismatch";
    return result;
  }
  if (h.format_version != kFormatVersion) {
    result.problem = "format version " + std::to_string(h.format_version);
    return result;
  }
  if (h.dims != dims || h.metric != static_cast<uint32_t>(metric)) {
    result.problem = "dimensions or metric differ from the index settings";
    return result;
  }
  if (h.body_size != file_size - sizeof h) {
    result.problem = "truncated body";
    return result;
  }
  const std::string body_path = path + "." + util::unique_name_part() + ".load.tmp";
  uint32_t crc = 0;
  {
    std::ofstream body(body_path, std::ios::binary | std::ios::trunc);
    bool ok = copy_with_crc(in, &body, h.body_size, &crc);
    body.close();
    if (!ok || !body) {
      std::remove(body_path.c_str());
      result.problem = "cannot copy body";
      return result;
    }
  }
  if (crc != h.body_crc) {
    std::remove(body_path.c_str());
    result.problem = "body checksum mismatch";
    return result;
  }
  auto graph = std::make_unique<HnswGraph>(metric, dims, params);
  {
    std::ifstream body(body_path, std::ios::binary);
    const HnswBodyExpectation want{graph->space_->get_data_size(), graph->hnsw_->M_};
    std::string problem = body ? check_hnsw_body(body, h.body_size, want) : "cannot read body";
    if (!problem.empty()) {
      std::remove(body_path.c_str());
      result.problem = "body is not a graph hnswlib wrote (" + problem + ")";
      return result;
    }
  }
  try {
    graph->hnsw_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        graph->space_.get(), body_path, /*nmslib=*/false, /*max_elements=*/0,
        /*allow_replace_deleted=*/true);
  } catch (const std::exception& e) {
    std::remove(body_path.c_str());
    result.problem = std::string("hnswlib rejected the body: ") + e.what();
    return result;
  }
  std::remove(body_path.c_str());
  if (graph->size() != h.live_count) {
    result.problem = "element count differs from the header";
    return result;
  }
  result.graph = std::move(graph);
  result.seq = h.seq;
  return result;
}

void HnswGraph::prepare(const float* in, float* out) const {
  if (metric_ != Metric::Cosine) {
    std::memcpy(out, in, dims_ * sizeof(float));
    return;
  }
  double norm = 0;
  for (uint32_t i = 0; i < dims_; ++i) norm += static_cast<double>(in[i]) * in[i];
  const float inv = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;
  for (uint32_t i = 0; i < dims_; ++i) out[i] = in[i] * inv;
}

void HnswGraph::reserve(size_t additional) {
  const size_t needed = hnsw_->cur_element_count + additional;
  if (needed > hnsw_->max_elements_) {
    hnsw_->resizeIndex(std::max(needed, hnsw_->max_elements_ * 2));
  }
}

void HnswGraph::upsert(uint64_t label, const float* prepared) {
  bool exists = false;
  {
    std::lock_guard<std::mutex> lock(hnsw_->label_lookup_lock);
    auto it = hnsw_->label_lookup_.find(label);
    if (it != hnsw_->label_lookup_.end()) {
      exists = true;
      if (hnsw_->isMarkedDeleted(it->second)) hnsw_->unmarkDeletedInternal(it->second);
    }
  }
  // An existing label is updated in place; a new one may take the slot of a deleted element.
  hnsw_->addPoint(prepared, label, /*replace_deleted=*/!exists);
}

void HnswGraph::remove(uint64_t label) {
  {
    std::lock_guard<std::mutex> lock(hnsw_->label_lookup_lock);
    auto it = hnsw_->label_lookup_.find(label);
    if (it == hnsw_->label_lookup_.end() || hnsw_->isMarkedDeleted(it->second)) return;
  }
  hnsw_->markDelete(label);
}

bool HnswGraph::contains(uint64_t label) const {
  std::lock_guard<std::mutex> lock(hnsw_->label_lookup_lock);
  auto it = hnsw_->label_lookup_.find(label);
  return it != hnsw_->label_lookup_.end() && !hnsw_->isMarkedDeleted(it->second);
}

size_t HnswGraph::size() const { return hnsw_->cur_element_count - hnsw_->num_deleted_; }

std::vector<uint64_t> HnswGraph::labels() const {
  std::lock_guard<std::mutex> lock(hnsw_->label_lookup_lock);
  std::vector<uint64_t> out;
  out.reserve(hnsw_->label_lookup_.size());
  for (const auto& [label, internal] : hnsw_->label_lookup_) {
    if (!hnsw_->isMarkedDeleted(internal)) out.push_back(label);
  }
  return out;
}

std::vector<Neighbor> HnswGraph::search(const float* query, size_t k, size_t ef,
                                        const std::function<bool(uint64_t)>* allow) const {
  std::vector<Neighbor> out;
  auto& h = *hnsw_;
  if (h.cur_element_count == 0 || size() == 0 || k == 0) return out;

  // Greedy descent through the upper layers, as hnswlib's searchKnn does, so that the base-layer
  // search below can take this call's ef instead of the shared, mutable ef_ member.
  hnswlib::tableint current = h.enterpoint_node_;
  float best = h.fstdistfunc_(query, h.getDataByInternalId(current), h.dist_func_param_);
  for (int level = h.maxlevel_; level > 0; --level) {
    for (bool moved = true; moved;) {
      moved = false;
      unsigned int* links = h.get_linklist(current, level);
      const int count = h.getListCount(links);
      const auto* neighbors = reinterpret_cast<const hnswlib::tableint*>(links + 1);
      for (int i = 0; i < count; ++i) {
        const float d = h.fstdistfunc_(query, h.getDataByInternalId(neighbors[i]), h.dist_func_param_);
        if (d < best) {
          best = d;
          current = neighbors[i];
          moved = true;
        }
      }
    }
  }

  static const std::function<bool(uint64_t)> kAllowAll = [](uint64_t) { return true; };
  AllowFunctor functor(allow ? *allow : kAllowAll);
  hnswlib::BaseFilterFunctor* filter = allow ? &functor : nullptr;
  const size_t width = std::max(ef, k);
  auto top = (h.num_deleted_ == 0 && !filter)
                 ? h.searchBaseLayerST<true>(current, query, width, nullptr)
                 : h.searchBaseLayerST<false>(current, query, width, filter);
  while (top.size() > k) top.pop();
  out.resize(top.size());
  for (size_t i = out.size(); i-- > 0;) {
    out[i] = {top.top().first, h.getExternalLabel(top.top().second)};
    top.pop();
  }
  return out;
}

bool HnswGraph::vector_of(uint64_t label, float* out) const {
  if (metric_ == Metric::Cosine) return false;
  auto& h = *hnsw_;
  std::lock_guard<std::mutex> lock(h.label_lookup_lock);
  auto it = h.label_lookup_.find(label);
  if (it == h.label_lookup_.end() || h.isMarkedDeleted(it->second)) return false;
  std::memcpy(out, h.getDataByInternalId(it->second), dims_ * sizeof(float));
  return true;
}

float HnswGraph::distance_to(const float* query, uint64_t label) const {
  auto& h = *hnsw_;
  hnswlib::tableint internal;
  {
    std::lock_guard<std::mutex> lock(h.label_lookup_lock);
    internal = h.label_lookup_.at(label);
  }
  return h.fstdistfunc_(query, h.getDataByInternalId(internal), h.dist_func_param_);
}

}  // namespace quiver::ann
