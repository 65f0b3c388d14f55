// Keyword (FTS5/BM25) and hybrid (RRF) search in the core: the text index follows every write
// in the same transaction; options are validated; fusion is deterministic.
#include <cmath>
#include <deque>
#include <filesystem>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "db_damage.h"
#include "query/hybrid.h"
#include "quiver/index.h"
#include "store/text_index.h"
#include "test_support.h"

namespace quiver {
namespace {

using test::TempDir;

std::vector<std::string> ids(const std::vector<QueryHit>& hits) {
  std::vector<std::string> out;
  for (const auto& h : hits) out.push_back(h.item.id);
  return out;
}

class TextIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    IndexConfig c = test::config(Metric::Cosine, 2);
    c.text_field = "doc.body";
    Index::create(dir.sub("idx"), c, false);
    index = Index::open(dir.sub("idx"));
    put("a", {1, 0}, R"({"doc":{"body":"The café serves coffee and croissants"},"kind":"food"})");
    put("b", {0, 1}, R"({"doc":{"body":"Rockets need fuel; rocket engines burn it"},"kind":"space"})");
    put("c", {1, 1}, R"({"doc":{"body":"Coffee beans, coffee roasting, coffee everywhere"},"kind":"food"})");
    put("d", {1, 0.1f}, R"({"doc":{"title":"no body here"},"kind":"food"})");
  }
  void put(const std::string& id, std::vector<float> v, const std::string& md) {
    vectors.push_back(std::move(v));
    index->upsert({test::input(id, vectors.back(), md)});
  }
  std::vector<QueryHit> keyword(const std::string& text, int k = 10, const std::string& filter = "") {
    std::string opts = R"({"topK":)" + std::to_string(k) + R"(,"text":)" + nlohmann::json(text).dump();
    if (!filter.empty()) opts += R"(,"filter":)" + filter;
    return index->search(VectorView{}, opts + "}");
  }
  TempDir dir;
  std::unique_ptr<Index> index;
  std::deque<std::vector<float>> vectors;
};

TEST_F(TextIndexTest, RanksByBm25AndFoldsCaseAndDiacritics) {
  auto hits = keyword("COFFEE");
  EXPECT_EQ(ids(hits), (std::vector<std::string>{"c", "a"}));  // three "coffee" beat one
  EXPECT_GT(hits[0].score, hits[1].score);
  EXPECT_GT(hits[1].score, 0);
  EXPECT_FLOAT_EQ(hits[0].text_score, hits[0].score);
  EXPECT_TRUE(std::isnan(hits[0].vector_score));
  EXPECT_EQ(ids(keyword("cafe")), std::vector<std::string>{"a"});  // é folded
  EXPECT_EQ(ids(keyword("rockets")), std::vector<std::string>{"b"});
  EXPECT_TRUE(keyword("title").empty());  // only the configured field is indexed
  EXPECT_TRUE(keyword("  ;;; ").empty());
  EXPECT_TRUE(keyword("\" OR * NEAR( -").empty());  // FTS5 syntax is never interpreted
}

TEST_F(TextIndexTest, FollowsUpdatesAndDeletesAndFilters) {
  put("a", {1, 0}, R"({"doc":{"body":"now about tea"},"kind":"food"})");
  EXPECT_EQ(ids(keyword("coffee")), std::vector<std::string>{"c"});
  EXPECT_EQ(ids(keyword("tea")), std::vector<std::string>{"a"});
  index->remove({"c"});
  EXPECT_TRUE(keyword("coffee").empty());
  EXPECT_EQ(ids(keyword("tea rockets", 10, R"({"kind":"space"})")), std::vector<std::string>{"b"});
  // Staged updates reach the text index only when committed.
  index->begin_update();
  put("e", {0, 1}, R"({"doc":{"body":"staged tea"}})");
  EXPECT_EQ(ids(keyword("staged")), std::vector<std::string>{});
  index->end_update();
  EXPECT_EQ(ids(keyword("staged")), std::vector<std::string>{"e"});
  // Another handle (a reopened index) sees the same.
  index->close();
  auto again = Index::open(dir.sub("idx"));
  // BM25 prefers the shorter text ("staged tea") for the same single match.
  EXPECT_EQ(ids(again->search(VectorView{}, R"({"topK":5,"text":"tea"})")), (std::vector<std::string>{"e", "a"}));
}

TEST_F(TextIndexTest, HybridFusesBothRankings) {
  const std::vector<float> q{0, 1};
  const VectorView view{q.data(), q.size(), true};
  auto hits = index->search(view, R"({"topK":4,"text":"coffee","mode":"hybrid"})");
  ASSERT_EQ(hits.size(), 4u);
  // "c" is 2nd by vector ([1,1] vs [0,1]) and 1st by text: it wins.
  EXPECT_EQ(hits[0].item.id, "c");
  EXPECT_NEAR(hits[0].score, 1.0 / 62 + 1.0 / 61, 1e-6);
  EXPECT_FALSE(std::isnan(hits[0].vector_score));
  EXPECT_FALSE(std::isnan(hits[0].text_score));
  // "d" has no text: only its vector rank counts.
  for (const auto& h : hits) {
    if (h.item.id == "d") EXPECT_TRUE(std::isnan(h.text_score));
  }
  // Text weight 0: the vector ranking alone.
  auto vector_only = index->search(view, R"({"topK":4,"text":"coffee","mode":"hybrid","hybrid":{"weights":{"text":0}}})");
  QueryOptions plain;
  plain.top_k = 4;
  EXPECT_EQ(ids(vector_only), ids(index->query(view, plain)));
}

TEST_F(TextIndexTest, BadOptionsAreTypedErrors) {
  auto code = [&](const std::string& opts) {
    try {
      index->search(VectorView{}, opts);
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::Internal;
  };
  EXPECT_EQ(code(R"({"text":"x"})"), ErrorCode::InvalidArgument);               // no topK
  EXPECT_EQ(code(R"({"topK":3})"), ErrorCode::InvalidArgument);                 // no text
  EXPECT_EQ(code(R"({"topK":3,"text":"x","mode":"fuzzy"})"), ErrorCode::InvalidArgument);
  EXPECT_EQ(code(R"({"topK":3,"text":"x","hybrid":{"method":"linear"}})"), ErrorCode::InvalidArgument);
  EXPECT_EQ(code(R"({"topK":3,"text":"x","hybrid":{"k":-1}})"), ErrorCode::InvalidArgument);
  EXPECT_EQ(code(R"({"topK":100000,"text":"x"})"), ErrorCode::Limit);
  EXPECT_EQ(code(R"({"topK":3,"text":"x","mode":"hybrid"})"), ErrorCode::InvalidArgument);  // no vector
}

TEST(TextIndexConfig, FieldIsValidatedAndPersisted) {
  EXPECT_THROW(parse_config_json(R"({"text":{"field":"a b"}})"), Error);
  EXPECT_THROW(parse_config_json(R"({"text":"body"})"), Error);
  const auto c = parse_config_json(R"({"text":{"field":"doc.body"}})");
  EXPECT_EQ(c.text_field, "doc.body");
  EXPECT_NE(config_to_json(c).find(R"("text":{"field":"doc.body"})"), std::string::npos);
  EXPECT_EQ(config_to_json(parse_config_json("{}")).find("text"), std::string::npos);
}

TEST(TextIndexMigration, SchemaTwoDatabaseGainsTheTable) {
  TempDir dir;
  Index::create(dir.sub("idx"), test::config(Metric::Cosine, 2), false);
  test::exec_on_index(dir.sub("idx"),
                      "DROP TABLE items_text; UPDATE quiver_settings SET value='2' WHERE key='schema_version';");
  auto index = Index::open(dir.sub("idx"));
  const std::vector<float> v{1, 0};
  index->insert({test::input("a", v)});
  EXPECT_TRUE(index->search(VectorView{}, R"({"topK":3,"text":"anything"})").empty());
}

TEST(TextIndexFusion, ReciprocalRankFusionIsDeterministic) {
  query::HybridParams o;
  auto fused = query::reciprocal_rank_fusion({1, 2, 3}, {3, 4}, o, 10);
  ASSERT_EQ(fused.size(), 4u);
  EXPECT_EQ(fused[0].label, 3u);  // 1/63 + 1/61
  EXPECT_EQ(fused[1].label, 1u);  // 1/61
  EXPECT_EQ(fused[2].label, 2u);  // 1/62, tied with 4's 1/62: the one with a vector rank first
  EXPECT_EQ(fused[3].label, 4u);
  EXPECT_EQ(query::reciprocal_rank_fusion({1, 2, 3}, {3, 4}, o, 2).size(), 2u);
}

}  // namespace
}  // namespace quiver
