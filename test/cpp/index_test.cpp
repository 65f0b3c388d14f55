// Behaviour of quiver::Index through its public API: writes, reads, staged updates, errors
// that change nothing, and persistence across open/close.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "query/request.h"
#include "quiver/index.h"
#include "test_support.h"

namespace quiver {
namespace {

using test::input;
using test::TempDir;
using test::view;

ErrorCode code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "expected a quiver::Error";
  return ErrorCode::Internal;
}

class IndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = dir_.sub("idx");
    Index::create(folder_, test::config(Metric::Cosine), false);
    index_ = Index::open(folder_);
  }
  TempDir dir_;
  std::string folder_;
  std::unique_ptr<Index> index_;
  std::vector<float> a_{1, 0, 0}, b_{0, 1, 0}, c_{0.7f, 0.7f, 0};
};

TEST_F(IndexTest, CreateTwiceIsAlreadyExistsUnlessDeleteIfExists) {
  EXPECT_TRUE(Index::exists(folder_));
  EXPECT_EQ(code_of([&] { Index::create(folder_, test::config(Metric::L2), false); }),
            ErrorCode::AlreadyExists);
  index_->close();
  Index::create(folder_, test::config(Metric::L2), true);
  EXPECT_EQ(Index::open(folder_)->stats().items, 0u);
}

TEST_F(IndexTest, OpenMissingIsNotFound) {
  try {
    Index::open(dir_.sub("nope"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
    EXPECT_STREQ(e.what(), "Index does not exist");
  }
}

TEST_F(IndexTest, InsertGetListQueryRoundTrip) {
  index_->insert({input("a", a_, R"({"k":1})"), input("b", b_, R"({"k":2})"), input("c", c_)});
  auto got = index_->get("b");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->vector, b_);
  EXPECT_EQ(got->metadata_json, R"({"k":2})");
  EXPECT_FALSE(index_->get("zzz"));

  auto all = index_->list();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "a");
  EXPECT_EQ(all[2].id, "c");

  QueryOptions q;
  q.top_k = 3;
  auto hits = index_->query(view(a_), q);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].item.id, "a");
  EXPECT_NEAR(hits[0].score, 1.0, 1e-5);
  EXPECT_EQ(hits[1].item.id, "c");
  EXPECT_NEAR(hits[1].score, std::sqrt(0.5), 1e-4);
  EXPECT_NEAR(hits[2].score, 0.0, 1e-5);  // orthogonal

  q.filter_json = R"({"k":{"$gte":2}})";
  hits = index_->query(view(a_), q);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].item.id, "b");
}

TEST_F(IndexTest, UpsertReplacesInPlaceAndInsertRejectsDuplicates) {
  index_->insert({input("a", a_), input("b", b_)});
  index_->upsert({input("a", b_, R"({"v":2})")});
  auto all = index_->list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "a");  // keeps its place
  EXPECT_EQ(all[0].vector, b_);
  try {
    index_->insert({input("c", c_), input("b", a_)});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::AlreadyExists);
    EXPECT_STREQ(e.what(), "Item with id b already exists");
  }
  EXPECT_FALSE(index_->get("c"));  // the batch was all or nothing
  EXPECT_EQ(code_of([&] { index_->insert({input("d", a_), input("d", b_)}); }),
            ErrorCode::AlreadyExists);
  EXPECT_EQ(index_->stats().items, 2u);
}

TEST_F(IndexTest, BadInputChangesNothing) {
  index_->insert({input("a", a_)});
  const uint64_t seq = index_->stats().sequence;
  std::vector<float> nan{1, NAN, 0}, inf{1, INFINITY, 0}, zero{0, 0, 0}, short_v{1, 0};
  EXPECT_EQ(code_of([&] { index_->insert({input("n", a_), input("x", nan)}); }),
            ErrorCode::InvalidArgument);
  EXPECT_EQ(code_of([&] { index_->insert({input("x", inf)}); }), ErrorCode::InvalidArgument);
  EXPECT_EQ(code_of([&] { index_->insert({input("x", zero)}); }), ErrorCode::InvalidArgument);
  EXPECT_EQ(code_of([&] { index_->insert({input("x", short_v)}); }), ErrorCode::DimensionMismatch);
  EXPECT_EQ(code_of([&] { index_->insert({input("x", a_, "[1]")}); }), ErrorCode::InvalidArgument);
  EXPECT_EQ(code_of([&] { index_->insert({input("x", a_, "{bad")}); }), ErrorCode::InvalidArgument);
  EXPECT_EQ(code_of([&] { index_->insert({input("x", a_, R"({"s":")" + std::string(70000, 'x') + "\"}")}); }),
            ErrorCode::Limit);
  EXPECT_EQ(code_of([&] { index_->insert({input("", a_)}); }), ErrorCode::InvalidArgument);
  ItemInput no_vector;
  no_vector.id = "x";
  EXPECT_EQ(code_of([&] { index_->insert({no_vector}); }), ErrorCode::InvalidArgument);
  QueryOptions q;
  q.top_k = 0;
  EXPECT_EQ(code_of([&] { index_->query(view(a_), q); }), ErrorCode::InvalidArgument);
  q.top_k = 1000000;
  EXPECT_EQ(code_of([&] { index_->query(view(a_), q); }), ErrorCode::Limit);
  q.top_k = 1;
  q.filter_json = R"({"k":{"$regex":"x"}})";
  EXPECT_EQ(code_of([&] { index_->query(view(a_), q); }), ErrorCode::InvalidArgument);
  EXPECT_EQ(index_->stats().sequence, seq);
  EXPECT_EQ(index_->stats().items, 1u);
}

TEST_F(IndexTest, StagedUpdatesAreInvisibleUntilEnd) {
  index_->insert({input("a", a_)});
  index_->begin_update();
  EXPECT_EQ(code_of([&] { index_->begin_update(); }), ErrorCode::InvalidState);
  index_->insert({input("b", b_)});
  index_->remove({"a"});
  EXPECT_EQ(code_of([&] { index_->insert({input("b", c_)}); }), ErrorCode::AlreadyExists);
  index_->insert({input("a", c_)});  // deleted in this update, so free again
  EXPECT_TRUE(index_->get("a"));
  EXPECT_FALSE(index_->get("b"));
  EXPECT_EQ(index_->stats().items, 1u);
  index_->end_update();
  EXPECT_EQ(index_->get("a")->vector, c_);
  EXPECT_TRUE(index_->get("b"));
  EXPECT_EQ(code_of([&] { index_->end_update(); }), ErrorCode::InvalidState);

  index_->begin_update();
  index_->insert({input("z", a_)});
  index_->cancel_update();
  EXPECT_FALSE(index_->get("z"));
  EXPECT_FALSE(index_->update_in_progress());
}

TEST_F(IndexTest, FirstVectorFixesDimensionsAndIsPersisted) {
  index_->insert({input("a", a_)});
  index_->close();
  auto reopened = Index::open(folder_);
  std::vector<float> four{1, 2, 3, 4};
  EXPECT_EQ(code_of([&] { reopened->insert({input("x", four)}); }), ErrorCode::DimensionMismatch);
  EXPECT_NE(reopened->stats().config_json.find("\"dimensions\":3"), std::string::npos);
}

// Vectra stores items with an empty vector; so do we: they are read back, filtered and counted,
// never a vector-search hit, and fix no dimensions. Across reopen (rebuilt graph and loaded graph
// file) and across processes' caches (a second handle) alike.
TEST(VectorlessItems, AreStoredReadAndFilteredButNeverSearched) {
  TempDir dir;
  const std::string folder = dir.sub("idx");
  Index::create(folder, test::config(Metric::Cosine), false);
  auto index = Index::open(folder);
  auto other = Index::open(folder);
  const std::vector<float> none, a{1, 0, 0}, b{0, 1, 0};
  index->insert({input("hollow", none, R"({"k":1})")});
  EXPECT_EQ(index->stats().config_json.find("\"dimensions\":3"), std::string::npos);  // not fixed
  index->insert({input("a", a, R"({"k":1})"), input("b", b, R"({"k":2})")});
  const auto check = [&](Index& idx) {
    auto hollow = idx.get("hollow");
    ASSERT_TRUE(hollow);
    EXPECT_TRUE(hollow->vector.empty());
    EXPECT_EQ(hollow->metadata_json, R"({"k":1})");
    EXPECT_EQ(idx.list().size(), 3u);
    EXPECT_EQ(idx.list(R"({"k":1})").size(), 2u);
    QueryOptions q;
    q.top_k = 10;
    EXPECT_EQ(idx.query(view(a), q).size(), 2u);
    q.filter_json = R"({"k":1})";  // the exact scan of the matches skips it too
    auto hits = idx.query(view(b), q);
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].item.id, "a");
    EXPECT_EQ(idx.stats().items, 3u);
  };
  check(*index);
  check(*other);
  // An upsert gives it a vector, then takes it away again.
  index->upsert({input("hollow", b, R"({"k":1})")});
  QueryOptions q;
  q.top_k = 10;
  EXPECT_EQ(other->query(view(a), q).size(), 3u);
  index->upsert({input("hollow", none, R"({"k":1})")});
  EXPECT_EQ(other->query(view(a), q).size(), 2u);
  EXPECT_EQ(index->query(view(a), q).size(), 2u);
  other.reset();
  index->close();
  auto reopened = Index::open(folder);  // graph file loaded
  check(*reopened);
  EXPECT_NE(reopened->verify().find("\"consistent\":true"), std::string::npos);
  reopened->close();
  std::filesystem::remove(dir.sub("idx/shard-0.hnsw"));
  auto rebuilt = Index::open(folder);  // graph rebuilt from the store
  check(*rebuilt);
  // A query still needs a vector.
  EXPECT_EQ(code_of([&] { rebuilt->query(view(none), q); }), ErrorCode::InvalidArgument);
}

TEST_F(IndexTest, ClosedIndexRejectsEveryCall) {
  index_->close();
  index_->close();  // idempotent
  EXPECT_EQ(code_of([&] { index_->stats(); }), ErrorCode::Closed);
  EXPECT_EQ(code_of([&] { index_->insert({input("a", a_)}); }), ErrorCode::Closed);
  EXPECT_EQ(code_of([&] { index_->get("a"); }), ErrorCode::Closed);
  EXPECT_EQ(code_of([&] { index_->list(); }), ErrorCode::Closed);
  QueryOptions q;
  EXPECT_EQ(code_of([&] { index_->query(view(a_), q); }), ErrorCode::Closed);
}

TEST_F(IndexTest, SecondConnectionSeesCommittedWrites) {
  auto other = Index::open(folder_);
  index_->insert({input("a", a_), input("b", b_)});
  index_->remove({"a"});
  QueryOptions q;
  q.top_k = 5;
  auto hits = other->query(view(a_), q);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].item.id, "b");
}

}  // namespace
}  // namespace quiver

namespace quiver {
namespace {

// Scores are computed in double from the query and the stored vectors, by the formula Vectra
// uses (dot / (|a| |b|), sums in order), not taken from the graph's float distances (which give
// 1 - 2^-24 for [1, 2] against itself).
TEST(ScoresInDouble, MatchTheDoublePrecisionFormula) {
  test::TempDir dir;
  for (Metric metric : {Metric::Cosine, Metric::L2, Metric::InnerProduct}) {
    const auto folder = dir.sub(metric_name(metric));
    Index::create(folder, test::config(metric, 2), false);
    auto index = Index::open(folder);
    index->insert({test::input("a", {1, 2}), test::input("b", {2, 1})});
    QueryOptions q;
    q.top_k = 2;
    const std::vector<float> query{1, 2};
    const auto hits = index->query(test::view(query), q);
    ASSERT_EQ(hits.size(), 2u);
    EXPECT_EQ(hits[0].item.id, "a");
    const double norm = std::sqrt(1.0 * 1.0 + 2.0 * 2.0);
    const double self = metric == Metric::Cosine ? 5.0 / (norm * norm) : metric == Metric::L2 ? 0.0 : 5.0;
    const double other = metric == Metric::Cosine ? 4.0 / (norm * norm) : metric == Metric::L2 ? -2.0 : 4.0;
    EXPECT_EQ(hits[0].score, static_cast<float>(self));
    EXPECT_EQ(hits[1].score, static_cast<float>(other));
    // The packed form carries the doubles themselves.
    query::QueryRequest r = query::parse_query_request(test::view(query), R"({"topK":2})");
    const PackedItems packed = index->query(r);
    EXPECT_EQ(packed.numbers[1], self);
    EXPECT_EQ(packed.numbers[PackedItems::kNumbersPerItem + 1], other);
    EXPECT_EQ(packed.numbers[2], metric == Metric::L2 ? -self : 1 - self);  // distance follows
    EXPECT_EQ(packed.dims, 2u);
    EXPECT_EQ(packed.vectors.size(), 4u);
    // "includeVectors": false: the same numbers (scored from the exact vectors), no vectors.
    const PackedItems bare =
        index->query(query::parse_query_request(test::view(query), R"({"topK":2,"includeVectors":false})"));
    EXPECT_EQ(bare.count, 2u);
    EXPECT_EQ(bare.dims, 0u);
    EXPECT_TRUE(bare.vectors.empty());
    ASSERT_EQ(bare.numbers.size(), packed.numbers.size());  // bit for bit (NaN where not applicable)
    EXPECT_EQ(std::memcmp(bare.numbers.data(), packed.numbers.data(), packed.numbers.size() * sizeof(double)), 0);
    EXPECT_EQ(bare.text, packed.text);
  }
}

TEST(QueryRequest, IncludeVectorsIsABoolean) {
  const std::vector<float> query{1, 2};
  EXPECT_TRUE(query::parse_query_request(test::view(query), R"({"topK":1})").include_vectors);
  EXPECT_FALSE(query::parse_query_request(test::view(query), R"({"topK":1,"includeVectors":false})").include_vectors);
  try {
    query::parse_query_request(test::view(query), R"({"topK":1,"includeVectors":0})");
    FAIL() << "a number was taken for includeVectors";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("includeVectors must be true or false"), std::string::npos);
  }
}

}  // namespace
}  // namespace quiver
