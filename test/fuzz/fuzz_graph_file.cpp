// libFuzzer target: the HNSW graph file loader (ann::ShardSet::load, ann/hnsw_file.cpp): our
// 64-byte header, then hnswlib's own serialization (the body). The file is a cache, so a bad one must be rejected
// (and rebuilt by the caller) — never crash, never come back "loaded" but unusable.
//
// Input: one control byte, then the file. Control bit 0 "repairs" the header — writes the magic,
// format version, the config's dims/metric and stored form, the body size and both CRCs — so that the fuzzer
// reaches hnswlib's body parser instead of stopping at a checksum; bits 1-2 pick the metric.
// A graph that loads is then used: searched (with and without a filter), listed, measured,
// extended and pruned, as an index would.
//
// With QUIVER_FUZZ_WRITE_SEEDS set, writes small valid graph files (seeds) there and exits.
#include <cstddef>
#include <cstdint>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <hnswlib/hnswlib.h>

#include "ann/codec_space.h"
#include "ann/hnsw_file.h"
#include "ann/shard_set.h"
#include "fuzz_support.h"
#include "util/checksum.h"

namespace {

using quiver::Metric;
using quiver::ann::ShardSet;

constexpr uint32_t kDims = 4;

// The header layout of ann/hnsw_file.cpp (format version 2), as byte offsets.
constexpr size_t kHeaderSize = 64;
constexpr size_t kOffVersion = 8, kOffDims = 12, kOffMetric = 16, kOffStoredForm = 20,
                 kOffLiveCount = 32, kOffBodySize = 40, kOffBodyCrc = 48, kOffHeaderCrc = 60;

template <class T>
void put(std::string& file, size_t offset, T value) {
  std::memcpy(&file[offset], &value, sizeof value);
}

uint32_t crc_of(const char* data, size_t size) {
  quiver::util::Crc32 crc;
  crc.update(data, size);
  return crc.value();
}

uint32_t crc32c_of(const char* data, size_t size) {
  quiver::util::Crc32c crc;
  crc.update(data, size);
  return crc.value();
}

quiver::vectors::VectorCodec codec_for(Metric metric) {
  return quiver::vectors::VectorCodec(quiver::vectors::ScalarKind::F32, metric, kDims);
}

// Makes `file` pass every header check for (metric, kDims), whatever its body holds.
void repair_header(std::string& file, Metric metric) {
  if (file.size() < kHeaderSize) file.resize(kHeaderSize, '\0');
  std::memcpy(&file[0], "QUIVHNSW", 8);
  put<uint32_t>(file, kOffVersion, quiver::ann::kGraphFormatVersion);
  put<uint32_t>(file, kOffDims, kDims);
  put<uint32_t>(file, kOffMetric, static_cast<uint32_t>(metric));
  put<uint32_t>(file, kOffStoredForm, codec_for(metric).stored_form_id());
  const uint64_t body_size = file.size() - kHeaderSize;
  put<uint64_t>(file, kOffBodySize, body_size);
  put<uint32_t>(file, kOffBodyCrc, crc32c_of(file.data() + kHeaderSize, body_size));
  put<uint32_t>(file, kOffHeaderCrc, crc_of(file.data(), kOffHeaderCrc));
}

Metric metric_from(uint8_t control) {
  switch ((control >> 1) & 3) {
    case 1: return Metric::Cosine;
    case 2: return Metric::InnerProduct;
    default: return Metric::L2;
  }
}

// Everything an index does with a loaded graph.
void use(ShardSet& graph) {
  const float query[kDims] = {0.5f, -1.0f, 0.25f, 2.0f};
  const size_t live = graph.size();
  for (size_t k : {size_t{1}, size_t{10}}) {
    const auto hits = graph.search(query, k, 200, nullptr);
    if (hits.size() > k || hits.size() > live) quiver_fuzz::fail("search returned too many hits");
    for (const auto& hit : hits) {
      if (!graph.contains(hit.label)) quiver_fuzz::fail("search returned a label not in the graph");
    }
  }
  const std::function<bool(uint64_t)> odd = [](uint64_t label) { return label % 2 == 1; };
  for (const auto& hit : graph.search(query, 5, 50, &odd)) {
    if (hit.label % 2 != 1) quiver_fuzz::fail("a filtered search returned a label the filter refused");
  }
  const std::vector<uint64_t> labels = graph.labels();
  if (labels.size() != live) quiver_fuzz::fail("labels() and size() disagree");
  const auto prepared = graph.prepare_query(query);
  std::vector<float> decoded(kDims);
  for (size_t i = 0; i < labels.size() && i < 32; ++i) {
    graph.distance(prepared, labels[i]);
    if (!graph.vector_of(labels[i], decoded.data())) quiver_fuzz::fail("vector_of lost a live label");
  }

  uint64_t fresh = 1;
  for (uint64_t label : labels) fresh = std::max(fresh, label + 1);
  graph.reserve(1);
  graph.upsert(fresh, query);
  if (!labels.empty()) graph.remove(labels.front());
  graph.search(query, 3, 64, nullptr);
}

// Seeds: small valid files for each metric, written the way ann/hnsw_file.cpp frames a body,
// from a tiny hnswlib index over the codec's space (ShardSet itself always reserves 1024 slots:
// a 45+ KB file).
void write_seeds(const std::string& dir) {
  const std::string body_path = quiver_fuzz::scratch_dir() + "/seed.body";
  int n = 0;
  for (Metric metric : {Metric::L2, Metric::Cosine, Metric::InnerProduct}) {
    for (size_t count : {size_t{0}, size_t{1}, size_t{7}}) {
      const auto codec = codec_for(metric);
      auto space = std::make_unique<quiver::ann::CodecSpace>(codec);
      hnswlib::HierarchicalNSW<float> index(space.get(), /*max_elements=*/8, /*M=*/quiver::HnswParams{}.M,
                                            /*ef_construction=*/16, /*seed=*/7,
                                            /*allow_replace_deleted=*/true);
      for (size_t i = 0; i < count; ++i) {
        const float v[kDims] = {float(i), float(i % 3) - 1.0f, 0.5f, 1.0f};
        std::vector<char> stored(codec.stored_bytes());
        codec.encode(v, stored.data());
        index.addPoint(stored.data(), /*label=*/i + 1);
      }
      if (count == 7) index.markDelete(3);  // one seed with a deleted element
      index.saveIndex(body_path);
      std::string file(kHeaderSize, '\0');
      file += quiver_fuzz::read_file(body_path);
      const uint64_t live = count == 7 ? count - 1 : count;
      put<uint64_t>(file, kOffLiveCount, live);
      repair_header(file, metric);
      // Control byte: repair on, this metric.
      const uint8_t control = static_cast<uint8_t>(
          1 | ((metric == Metric::Cosine ? 1 : metric == Metric::InnerProduct ? 2 : 0) << 1));
      quiver_fuzz::write_file(dir + "/seed-" + std::to_string(n++),
                              std::string(1, static_cast<char>(control)) + file);
    }
  }
  std::remove(body_path.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = quiver_fuzz::seed_output_dir()) {
    write_seeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t control = data[0];
  const Metric metric = metric_from(control);
  std::string file(reinterpret_cast<const char*>(data + 1), size - 1);
  if (control & 1) repair_header(file, metric);

  const std::string path = quiver_fuzz::scratch_dir() + "/shard-0.hnsw";
  quiver_fuzz::write_file(path, file);
  auto loaded = ShardSet::load(quiver_fuzz::scratch_dir(), metric, kDims, quiver::HnswParams{}, quiver::Quantization::F32, 1);
  if (std::getenv("QUIVER_FUZZ_VERBOSE")) {  // to check that seeds load: replay them with it set
    std::fprintf(stderr, "graph file: %s\n", loaded.loaded() ? "loaded" : loaded.problem[0].c_str());
  }
  if (loaded.loaded() == 1) {
    use(*loaded.set);
  } else if (loaded.problem[0].empty()) {
    quiver_fuzz::fail("a rejected graph file has no reason");
  }
  return 0;
}
