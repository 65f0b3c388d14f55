// Open reads every item into the item table; when the labels span at least
// Cache::kSplitItemScanFrom, it reads the upper half through a second SQLite connection on a
// thread of its own. These tests give an index a wide label span cheaply (the AUTOINCREMENT
// counter moved forward between two inserts) and check that the table the split scan builds
// answers exactly as the items were written, whichever half they are in.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "db_damage.h"
#include "quiver/index.h"
#include "test_support.h"

namespace quiver {
namespace {

using test::TempDir;

constexpr size_t kDims = 8;

std::vector<float> vec(float seed) {
  std::vector<float> v(kDims);
  for (size_t i = 0; i < kDims; ++i) v[i] = seed + static_cast<float>(i) * 0.5f;
  return v;
}

std::string item_scan(Index& index) {
  return nlohmann::json::parse(index.verify())["item_scan"].get<std::string>();
}

class OpenScanTest : public ::testing::Test {
 protected:
  // "low-a", "low-b", "low-c" at labels 1-3; then labels jump past 300,000 for "high-d" and
  // "high-e"; then "low-b" is deleted and "low-a" and "high-d" are updated.
  void SetUp() override {
    folder_ = dir_.sub("idx");
    Index::create(folder_, test::config(Metric::Cosine, kDims), false);
    {
      auto index = Index::open(folder_);
      index->insert({test::input("low-a", vec(1), R"({"n":1})"), test::input("low-b", vec(2), R"({"n":2})"),
                     test::input("low-c", vec(3), R"({"n":3})")});
      index->close();
    }
    test::exec_on_index(folder_, "UPDATE sqlite_sequence SET seq = 300000 WHERE name = 'items'");
    auto index = Index::open(folder_);
    index->insert({test::input("high-d", vec(4), R"({"n":4})"), test::input("high-e", vec(5), R"({"n":5})")});
    index->remove({"low-b"});
    index->upsert({test::input("low-a", vec(6), R"({"n":"a2"})"), test::input("high-d", vec(7), R"({"n":"d2"})")});
    index->close();
  }

  TempDir dir_;
  std::string folder_;
};

TEST_F(OpenScanTest, ItemsOnBothSidesOfTheSplitReadBackAsWritten) {
  auto index = Index::open(folder_);
  EXPECT_EQ(item_scan(*index).rfind("two connections", 0), 0u) << item_scan(*index);

  const std::vector<Item> listed = index->list();
  std::vector<std::string> ids;
  for (const auto& item : listed) ids.push_back(item.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"low-a", "low-c", "high-d", "high-e"}));

  const struct {
    const char* id;
    float seed;
    const char* metadata;
  } expected[] = {{"low-a", 6, R"({"n":"a2"})"}, {"low-c", 3, R"({"n":3})"},
                  {"high-d", 7, R"({"n":"d2"})"}, {"high-e", 5, R"({"n":5})"}};
  for (const auto& e : expected) {
    const auto item = index->get(e.id);
    ASSERT_TRUE(item.has_value()) << e.id;
    EXPECT_EQ(item->vector, vec(e.seed)) << e.id;
    EXPECT_EQ(nlohmann::json::parse(item->metadata_json), nlohmann::json::parse(e.metadata)) << e.id;
  }
  EXPECT_FALSE(index->get("low-b").has_value());

  // The id index covers both halves: a query finds items of each, and a filter reads their
  // metadata.
  const auto near_e = index->query(test::view(vec(5)), QueryOptions{1, "", 0});
  ASSERT_EQ(near_e.size(), 1u);
  EXPECT_EQ(near_e[0].item.id, "high-e");
  const auto low = index->query(test::view(vec(5)), QueryOptions{10, R"({"n":3})", 0});
  ASSERT_EQ(low.size(), 1u);
  EXPECT_EQ(low[0].item.id, "low-c");

  // Writes after the split open find the items of both halves by id.
  index->upsert({test::input("high-e", vec(8), R"({"n":"e2"})"), test::input("low-c", vec(9), R"({"n":"c2"})")});
  index->insert({test::input("high-f", vec(10), "{}")});
  EXPECT_EQ(index->list().size(), 5u);
  EXPECT_EQ(index->get("high-e")->vector, vec(8));
  EXPECT_EQ(index->get("low-c")->vector, vec(9));
  index->close();
}

// A damaged row in the upper half is found by the second connection's scan and reported as a
// single scan reports it: CORRUPT naming the item.
TEST_F(OpenScanTest, ADamagedRowInTheUpperHalfIsCorruptNamingTheItem) {
  test::exec_on_index(folder_, "UPDATE items SET metadata = '{\"n\":99}' WHERE id = 'high-e'");
  test::expect_corrupt([&] { Index::open(folder_); }, {"high-e"}, "open");
}

// Below the span, one connection reads everything.
TEST(OpenScanSmall, ANarrowSpanIsReadOnOneConnection) {
  TempDir dir;
  const std::string folder = dir.sub("idx");
  Index::create(folder, test::config(Metric::Cosine, kDims), false);
  {
    auto index = Index::open(folder);
    index->insert({test::input("a", vec(1)), test::input("b", vec(2))});
    index->close();
  }
  auto index = Index::open(folder);
  EXPECT_EQ(item_scan(*index), "one connection");
  EXPECT_EQ(index->list().size(), 2u);
  index->close();
}

}  // namespace
}  // namespace quiver
