// The graph file's level-0 block mapped instead of read (ann/hnsw_graph.h): a loaded graph keeps
// its mapping, writes to it (delete marks, new links, replaced vectors) never reach the file, a
// save renames a new file over the mapped one, and growing the graph copies the block out of the
// mapping. After each step the graph must hold exactly the vectors written and find each one.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>

#include "ann/shard_set.h"
#include "test_support.h"
#include "util/checksum.h"

namespace quiver {
namespace {

using ann::ShardSet;
using test::TempDir;

constexpr uint32_t kDims = 16;

std::vector<float> random_vector(std::mt19937& rng) {
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> v(kDims);
  for (auto& x : v) x = g(rng);
  return v;
}

uint32_t file_crc(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  util::Crc32c crc;
  crc.update(bytes.data(), bytes.size());
  return crc.value();
}

// Every live label holds exactly its vector and is its own nearest neighbour; removed ones are
// gone.
void expect_holds(const ShardSet& set, const std::map<uint64_t, std::vector<float>>& live,
                  const std::vector<uint64_t>& removed, const char* when) {
  SCOPED_TRACE(when);
  ASSERT_EQ(set.size(), live.size());
  std::vector<float> out(kDims);
  size_t self_found = 0;
  for (const auto& [label, v] : live) {
    ASSERT_TRUE(set.vector_of(label, out.data())) << label;
    ASSERT_EQ(std::memcmp(out.data(), v.data(), kDims * sizeof(float)), 0) << label;
    const auto hits = set.search(v.data(), 1, 64, nullptr);
    self_found += !hits.empty() && hits[0].label == label;
  }
  EXPECT_GE(self_found, live.size() * 99 / 100);  // HNSW is approximate; random data is easy
  for (uint64_t label : removed) EXPECT_FALSE(set.contains(label)) << label;
}

TEST(GraphMapping, WritesAfterLoadNeverReachTheFileAndGrowingCopiesOut) {
  std::mt19937 rng(3);
  std::map<uint64_t, std::vector<float>> live;
  ShardSet original(Metric::L2, kDims, HnswParams{});
  original.reserve(3100);  // capacity 3100: room for new items in the mapped block
  for (uint64_t label = 1; label <= 3000; ++label) {
    live[label] = random_vector(rng);
    original.upsert(label, live[label].data());
  }
  TempDir dir;
  original.save(dir.path(), 5);
  const std::string file = dir.path() + "/" + ShardSet::file_name(0);
  const uint32_t saved_crc = file_crc(file);

  auto loaded = ShardSet::load(dir.path(), Metric::L2, kDims, HnswParams{}, Quantization::F32, 1);
  ASSERT_EQ(loaded.loaded(), 1u) << loaded.problem[0];
  ShardSet& set = *loaded.set;
#ifndef __EMSCRIPTEN__
  EXPECT_TRUE(set.shard(0).level0_mapped());
#endif
  expect_holds(set, live, {}, "loaded");

  // Writes into the mapped block: deletes, a replaced vector, new items within the capacity
  // (the saved capacity is 3100).
  std::vector<uint64_t> removed = {7, 1500, 2999};
  for (uint64_t label : removed) {
    set.remove(label);
    live.erase(label);
  }
  live[42] = random_vector(rng);
  set.upsert(42, live[42].data());
  for (uint64_t label = 3001; label <= 3040; ++label) {
    live[label] = random_vector(rng);
    set.reserve(1);
    set.upsert(label, live[label].data());
  }
#ifndef __EMSCRIPTEN__
  EXPECT_TRUE(set.shard(0).level0_mapped()) << "no growth yet: still the mapping";
#endif
  expect_holds(set, live, removed, "written while mapped");
  EXPECT_EQ(file_crc(file), saved_crc) << "a private mapping's writes must not reach the file";

  // A save while mapped: a new file renamed over the mapped one; it loads with every write.
  set.save(dir.path(), 9);
  auto reloaded = ShardSet::load(dir.path(), Metric::L2, kDims, HnswParams{}, Quantization::F32, 1);
  ASSERT_EQ(reloaded.loaded(), 1u) << reloaded.problem[0];
  EXPECT_EQ(reloaded.seq[0], 9u);
  expect_holds(*reloaded.set, live, removed, "saved while mapped, reloaded");
  expect_holds(set, live, removed, "the mapped graph after its file was replaced");

  // Growing far beyond the capacity: the block moves out of the mapping into memory of its own.
  const uint64_t grow = test::scaled(5000, 1500);  // either way well past the capacity of 3100
  set.reserve(grow);
  for (uint64_t label = 4000; label < 4000 + grow; ++label) {
    live[label] = random_vector(rng);
    set.upsert(label, live[label].data());
  }
  EXPECT_FALSE(set.shard(0).level0_mapped());
  expect_holds(set, live, removed, "grown out of the mapping");
  set.save(dir.path(), 12);
  auto grown = ShardSet::load(dir.path(), Metric::L2, kDims, HnswParams{}, Quantization::F32, 1);
  ASSERT_EQ(grown.loaded(), 1u) << grown.problem[0];
  expect_holds(*grown.set, live, removed, "grown, saved, reloaded");
}

// A graph whose file is empty of elements (every item deleted before the save, or none yet) and
// one whose capacity exceeds its elements load and take new items.
TEST(GraphMapping, EmptyAndSparseFilesLoadAndGrow) {
  std::mt19937 rng(4);
  TempDir dir;
  {
    ShardSet empty(Metric::Cosine, kDims, HnswParams{});
    empty.save(dir.path(), 1);
  }
  auto loaded = ShardSet::load(dir.path(), Metric::Cosine, kDims, HnswParams{}, Quantization::F32, 1);
  ASSERT_EQ(loaded.loaded(), 1u) << loaded.problem[0];
  std::map<uint64_t, std::vector<float>> live;
  for (uint64_t label = 1; label <= 1500; ++label) {
    live[label] = random_vector(rng);
    loaded.set->reserve(1);
    loaded.set->upsert(label, live[label].data());
  }
  expect_holds(*loaded.set, live, {}, "filled after loading an empty file");
}

}  // namespace
}  // namespace quiver
