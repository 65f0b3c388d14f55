// Filtered queries against brute force, on every plan the planner can pick: exact scan (few
// matches), filtered HNSW (many matches), and no filter. Results must only ever contain matching
// items, and must find (almost) exactly the true filtered top-10.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "quiver/index.h"
#include "test_support.h"

namespace quiver {
namespace {

constexpr size_t kDims = 24;
constexpr size_t kItems = 12000;

class PlannerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    // Queries are held-out points of the same distribution (same cluster centres).
    data_ = test::clustered(kItems + 40, kDims, 12, 11);
    queries_.assign(data_.end() - 40, data_.end());
    data_.resize(kItems);
    Index::create(dir_->sub("idx"), test::config(Metric::L2, kDims), false);
    index_ = Index::open(dir_->sub("idx")).release();
    std::vector<ItemInput> items;
    for (size_t i = 0; i < kItems; ++i) {
      // group: 10 values (10% each, so > 5,000 matches for $in of 5); rare: 0.5% of items.
      const std::string meta = "{\"group\":" + std::to_string(i % 10) +
                               ",\"rare\":" + (i % 200 == 0 ? "true" : "false") + "}";
      items.push_back(test::input(std::to_string(i), data_[i], meta));
    }
    index_->insert(items);
  }
  static void TearDownTestSuite() {
    delete index_;
    delete dir_;
  }

  // Recall@10 of the index against a brute force restricted to `allowed(i)`.
  template <typename Allowed>
  double filtered_recall(const std::string& filter, Allowed allowed) {
    size_t found = 0;
    for (const auto& q : queries_) {
      std::vector<std::pair<float, size_t>> d;
      for (size_t i = 0; i < kItems; ++i) {
        if (!allowed(i)) continue;
        float s = 0;
        for (size_t j = 0; j < kDims; ++j) s += (data_[i][j] - q[j]) * (data_[i][j] - q[j]);
        d.emplace_back(s, i);
      }
      std::sort(d.begin(), d.end());
      std::set<std::string> truth;
      for (size_t i = 0; i < std::min<size_t>(10, d.size()); ++i) truth.insert(std::to_string(d[i].second));
      QueryOptions options;
      options.top_k = 10;
      options.filter_json = filter;
      auto hits = index_->query(test::view(q), options);
      EXPECT_EQ(hits.size(), truth.size()) << filter;
      for (const auto& hit : hits) {
        EXPECT_TRUE(allowed(std::stoul(hit.item.id))) << filter << " returned " << hit.item.id;
        found += truth.count(hit.item.id);
      }
    }
    return static_cast<double>(found) / (10.0 * queries_.size());
  }

  static test::TempDir* dir_;
  static Index* index_;
  static std::vector<std::vector<float>> data_, queries_;
};

test::TempDir* PlannerTest::dir_ = nullptr;
Index* PlannerTest::index_ = nullptr;
std::vector<std::vector<float>> PlannerTest::data_, PlannerTest::queries_;

TEST_F(PlannerTest, SelectiveFilterIsExact) {
  EXPECT_EQ(filtered_recall(R"({"rare":true})", [](size_t i) { return i % 200 == 0; }), 1.0);
}

TEST_F(PlannerTest, BroadFilterSearchesTheGraph) {
  EXPECT_GE(filtered_recall(R"({"group":{"$in":[0,1,2,3,4]}})", [](size_t i) { return i % 10 < 5; }),
            0.95);
  EXPECT_GE(filtered_recall(R"({"group":{"$ne":3}})", [](size_t i) { return i % 10 != 3; }), 0.95);
}

TEST_F(PlannerTest, FilterMatchingNothingReturnsNothing) {
  QueryOptions options;
  options.top_k = 10;
  options.filter_json = R"({"group":42})";
  EXPECT_TRUE(index_->query(test::view(queries_[0]), options).empty());
}

TEST_F(PlannerTest, FewerMatchesThanTopKReturnsAllMatches) {
  QueryOptions options;
  options.top_k = 100;
  options.filter_json = R"({"$and":[{"rare":true},{"group":0}]})";
  auto hits = index_->query(test::view(queries_[0]), options);
  EXPECT_EQ(hits.size(), kItems / 200);  // every multiple of 200 has group 0
  for (size_t i = 1; i < hits.size(); ++i) EXPECT_LE(hits[i - 1].distance, hits[i].distance);
}

}  // namespace
}  // namespace quiver
