// The HNSW graph file is a cache of SQLite: recall against brute force, and recovery when the
// file is missing, truncated, bit-flipped, or older than the database (crash before save).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "quiver/index.h"
#include "test_support.h"

namespace quiver {
namespace {

using test::TempDir;

constexpr size_t kDims = 32;

std::vector<std::string> brute_force(const std::vector<std::vector<float>>& data,
                                     const std::vector<float>& q, size_t k) {
  std::vector<std::pair<float, size_t>> d;
  for (size_t i = 0; i < data.size(); ++i) {
    float s = 0;
    for (size_t j = 0; j < q.size(); ++j) s += (data[i][j] - q[j]) * (data[i][j] - q[j]);
    d.emplace_back(s, i);
  }
  std::partial_sort(d.begin(), d.begin() + k, d.end());
  std::vector<std::string> ids;
  for (size_t i = 0; i < k; ++i) ids.push_back(std::to_string(d[i].second));
  return ids;
}

double recall_at_10(Index& index, const std::vector<std::vector<float>>& data,
                    const std::vector<std::vector<float>>& queries) {
  QueryOptions q;
  q.top_k = 10;
  size_t found = 0;
  for (const auto& query : queries) {
    auto truth = brute_force(data, query, 10);
    std::set<std::string> want(truth.begin(), truth.end());
    for (const auto& hit : index.query(test::view(query), q)) found += want.count(hit.item.id);
  }
  return static_cast<double>(found) / (10.0 * queries.size());
}

class GraphCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Queries are held-out points of the same distribution (same cluster centres).
    const size_t n = test::scaled(4000, 1500);
    data_ = test::clustered(n + 100, kDims, 20, 7);
    queries_.assign(data_.end() - 100, data_.end());
    data_.resize(n);
    folder_ = dir_.sub("idx");
    Index::create(folder_, test::config(Metric::L2, kDims), /*delete_if_exists=*/true);
    auto index = Index::open(folder_);
    std::vector<ItemInput> items;
    for (size_t i = 0; i < data_.size(); ++i) items.push_back(test::input(std::to_string(i), data_[i]));
    index->insert(items);
    index->close();
  }

  // Opens the index and checks it answers like brute force and agrees with the database.
  void expect_healthy(const char* what) {
    auto index = Index::open(folder_);
    EXPECT_EQ(index->stats().items, data_.size()) << what;
    EXPECT_GE(recall_at_10(*index, data_, queries_), 0.95) << what;
    auto report = nlohmann::json::parse(index->verify());
    EXPECT_TRUE(report["consistent"].get<bool>()) << what << ": " << report.dump();
  }

  std::string graph_file() const { return folder_ + "/shard-0.hnsw"; }

  TempDir dir_;
  std::string folder_;
  std::vector<std::vector<float>> data_, queries_;
};

TEST_F(GraphCacheTest, RecallAtTenAgainstBruteForce) {
  auto index = Index::open(folder_);
  const double recall = recall_at_10(*index, data_, queries_);
  EXPECT_GE(recall, 0.95);
  auto report = nlohmann::json::parse(index->verify());
  EXPECT_NE(report["open"].get<std::string>().find("loaded"), std::string::npos) << report.dump();
}

TEST_F(GraphCacheTest, RebuildsWhenFileIsDeleted) {
  std::filesystem::remove(graph_file());
  expect_healthy("deleted");
  EXPECT_TRUE(std::filesystem::exists(graph_file()));  // rewritten after the rebuild
}

TEST_F(GraphCacheTest, RebuildsWhenFileIsTruncated) {
  const auto size = std::filesystem::file_size(graph_file());
  for (auto keep : {size_t{0}, size_t{10}, size_t{64}, static_cast<size_t>(size / 2), static_cast<size_t>(size - 1)}) {
    SetUp();  // fresh index each round
    std::filesystem::resize_file(graph_file(), keep);
    expect_healthy("truncated");
  }
}

TEST_F(GraphCacheTest, RebuildsWhenBitsAreFlipped) {
  const auto size = std::filesystem::file_size(graph_file());
  // Header fields, the start of hnswlib's body, the middle and the last byte.
  for (auto pos : {size_t{0}, size_t{9}, size_t{20}, size_t{70}, static_cast<size_t>(size / 2), static_cast<size_t>(size - 1)}) {
    std::fstream f(graph_file(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(pos));
    char c;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(pos));
    f.put(static_cast<char>(c ^ 0x10));
    f.close();
    expect_healthy("bit flip");
  }
}

TEST_F(GraphCacheTest, ReappliesWritesNewerThanTheFile) {
  // Simulate a crash after commits but before the graph was saved: take a copy of the database
  // files while the writer is still open (what a kill -9 leaves), and the graph file from before.
  namespace fs = std::filesystem;
  const auto crash = dir_.sub("crash");
  fs::create_directories(crash);
  fs::copy_file(graph_file(), crash + "/shard-0.hnsw");
  {
    auto index = Index::open(folder_);
    index->remove({"0", "1", "2"});
    std::vector<float> moved = data_[3];
    moved[0] += 5;
    index->upsert({test::input("3", moved), test::input("new", data_[4])});
    for (const char* f : {"quiver.db", "quiver.db-wal"}) {
      if (fs::exists(folder_ + "/" + f)) fs::copy_file(folder_ + "/" + f, crash + "/" + f);
    }
  }
  folder_ = crash;
  auto index = Index::open(folder_);
  auto report = nlohmann::json::parse(index->verify());
  EXPECT_NE(report["open"].get<std::string>().find("newer writes re-applied"), std::string::npos)
      << report.dump();
  EXPECT_TRUE(report["consistent"].get<bool>());
  EXPECT_EQ(index->stats().items, data_.size() - 3 + 1);
  QueryOptions q;
  q.top_k = 1;
  auto hits = index->query(test::view(data_[0]), q);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_NE(hits[0].item.id, "0");  // deleted items never come back
}

TEST_F(GraphCacheTest, GarbageFilesNeverCrashOpen) {
  std::mt19937 rng(3);
  for (size_t round = 0; round < test::scaled(20, 6); ++round) {
    std::ofstream f(graph_file(), std::ios::binary | std::ios::trunc);
    const size_t n = rng() % 4096;
    for (size_t i = 0; i < n; ++i) f.put(static_cast<char>(rng()));
    if (round % 2 == 0) f.write("QUIVHNSW", 8);
    f.close();
    auto index = Index::open(folder_);
    EXPECT_EQ(index->stats().items, data_.size());
  }
}

}  // namespace
}  // namespace quiver
