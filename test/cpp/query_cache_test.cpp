// The query cache (query/query_cache.h): a cached answer always equals the uncached one, after
// every kind of committed write — this connection's inserts, upserts, deletes and staged
// updates, and another connection's (another process's) writes — and the cache is bounded.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include <nlohmann/json.hpp>

#include "query/query_cache.h"
#include "query/request.h"
#include "quiver/index.h"
#include "test_support.h"

namespace quiver {
namespace {

using test::input;
using test::TempDir;
using test::view;

nlohmann::json metrics(const Index& index) { return nlohmann::json::parse(index.performance_metrics()); }

// `data` inserted into `index` with ids "i0", "i1", ...
void insert_all(Index& index, const std::vector<std::vector<float>>& data) {
  std::vector<ItemInput> items;
  for (size_t i = 0; i < data.size(); ++i) items.push_back(input("i" + std::to_string(i), data[i]));
  index.insert(items);
}

std::vector<std::pair<std::string, float>> answer(const Index& index, const std::vector<float>& q,
                                                  const std::string& options) {
  std::vector<std::pair<std::string, float>> out;
  for (const auto& hit : index.search(view(q), options)) out.emplace_back(hit.item.id + hit.item.metadata_json, hit.score);
  return out;
}

class QueryCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Index::create(folder_, test::config(Metric::Cosine), false);
    cached_ = Index::open(folder_);
    uncached_ = Index::open(folder_, R"({"cache":{"maxEntries":0}})");
    data_ = test::clustered(600, 8, 6, 3);
    std::vector<ItemInput> items;
    for (size_t i = 0; i < 500; ++i) items.push_back(input("i" + std::to_string(i), data_[i], "{\"n\":" + std::to_string(i) + "}"));
    cached_->insert(items);
  }

  // Asks every query twice on the caching index (the second from the cache) and once with
  // "explain" (which always bypasses the cache: the same index, uncached); all three must agree.
  // (The other connection is not the reference: its graph was built in another order, so exact
  // ties may come out in another order there.)
  void expect_same(const char* after) {
    for (size_t qi = 0; qi < queries_.size(); ++qi) {
      const auto& q = data_[queries_[qi]];
      for (const char* options : {R"({"topK":10})", R"({"topK":5,"filter":{"n":{"$lt":250}}})", R"({"topK":20,"efSearch":80})"}) {
        const auto first = answer(*cached_, q, options);
        const auto second = answer(*cached_, q, options);
        const auto truth = answer(*cached_, q, std::string(R"({"explain":true,)") + (options + 1));
        EXPECT_EQ(first, truth) << after << " " << options;
        EXPECT_EQ(second, truth) << after << " " << options;
      }
    }
  }

  TempDir dir_;
  std::string folder_ = dir_.sub("idx");
  std::unique_ptr<Index> cached_, uncached_;
  std::vector<std::vector<float>> data_;
  std::vector<size_t> queries_{1, 2, 3, 4, 5};
};

TEST_F(QueryCacheTest, RepeatedQueryIsAHitAndOffMeansOff) {
  answer(*cached_, data_[1], R"({"topK":10})");
  const auto before = metrics(*cached_)["cache"];
  answer(*cached_, data_[1], R"({"topK":10})");
  answer(*cached_, data_[1], R"({ "topK" : 10 })");  // the same options, written differently
  const auto after = metrics(*cached_)["cache"];
  EXPECT_EQ(after["hits"].get<int>(), before["hits"].get<int>() + 2);
  EXPECT_EQ(after["entries"].get<int>(), 1);
  answer(*cached_, data_[1], R"({"topK":11})");  // another topK: another entry
  EXPECT_EQ(metrics(*cached_)["cache"]["entries"].get<int>(), 2);
  answer(*uncached_, data_[1], R"({"topK":10})");
  answer(*uncached_, data_[1], R"({"topK":10})");
  EXPECT_EQ(metrics(*uncached_)["cache"]["hits"].get<int>(), 0);
  EXPECT_EQ(metrics(*uncached_)["cache"]["entries"].get<int>(), 0);
}

TEST_F(QueryCacheTest, InsertsUpsertsDeletesInvalidate) {
  expect_same("start");
  cached_->insert({input("close", data_[1], R"({"n":1})")});  // a new nearest neighbour of query 1
  expect_same("insert");
  EXPECT_EQ(cached_->search(view(data_[1]), R"({"topK":1})")[0].item.id.substr(0, 1) == "c" ||
                cached_->search(view(data_[1]), R"({"topK":1})")[0].score >= 0.999999f,
            true);
  cached_->upsert({input("i2", data_[3], R"({"n":2,"moved":true})"), input("i3", data_[2], R"({"n":3})")});
  expect_same("upsert");
  cached_->remove({"i1", "i4", "close"});
  expect_same("delete");
}

TEST_F(QueryCacheTest, StagedUpdatesInvalidateOnlyWhenCommitted) {
  expect_same("start");
  cached_->begin_update();
  cached_->insert({input("staged", data_[5], R"({"n":5})")});
  cached_->remove({"i5"});
  expect_same("staged (invisible)");
  cached_->end_update();
  expect_same("endUpdate");
  EXPECT_EQ(cached_->search(view(data_[5]), R"({"topK":1})")[0].item.id, "staged");
}

TEST_F(QueryCacheTest, AnotherConnectionsWritesInvalidate) {
  expect_same("start");
  // `uncached_` is a second connection: to SQLite, another process.
  uncached_->insert({input("other", data_[2], R"({"n":2})")});
  expect_same("other's insert");
  EXPECT_EQ(cached_->search(view(data_[2]), R"({"topK":1})")[0].item.id == "other" ||
                cached_->search(view(data_[2]), R"({"topK":1})")[0].item.id == "i2",
            true);
  uncached_->remove({"i2", "i3"});
  uncached_->upsert({input("i1", data_[4], R"({"n":1,"by":"other"})")});
  expect_same("other's delete and upsert");
}

// Two threads can miss the same query and both put it: the later answer replaces the earlier
// (one entry, its bytes counted once), and the entry stays reachable and evictable by its key.
TEST(QueryCacheUnit, PuttingAKeyAgainReplacesIt) {
  query::QueryCache cache(2, 1 << 20);
  PackedItems first, second;
  first.text = "first";
  second.text = "second answer";
  cache.put("same", 1, first);
  const size_t one = cache.stats().bytes;
  cache.put("same", 1, second);
  EXPECT_EQ(cache.stats().entries, 1u);
  EXPECT_EQ(cache.stats().bytes, one + second.text.size() - first.text.size());
  PackedItems out;
  ASSERT_TRUE(cache.get("same", 1, &out));
  EXPECT_EQ(out.text, "second answer");
  cache.put("x", 1, first);
  cache.put("y", 1, first);  // evicts "same", the least recently used
  EXPECT_FALSE(cache.get("same", 1, &out));
  EXPECT_EQ(cache.stats().entries, 2u);
  EXPECT_EQ(cache.stats().bytes, 2 * (one - 3));  // "x" and "y": keys 3 bytes shorter than "same"
}

TEST(QueryCacheUnit, BoundedByEntriesAndBytes) {
  query::QueryCache cache(3, 1 << 20);
  PackedItems small;
  small.text = "a";
  for (int i = 0; i < 5; ++i) cache.put("k" + std::to_string(i), 1, small);
  EXPECT_EQ(cache.stats().entries, 3u);
  PackedItems out;
  EXPECT_FALSE(cache.get("k0", 1, &out));  // least recently used went first
  EXPECT_TRUE(cache.get("k4", 1, &out));
  EXPECT_FALSE(cache.get("k4", 2, &out));  // the state moved: everything dropped
  EXPECT_EQ(cache.stats().entries, 0u);
  query::QueryCache bytes(100, 2000);
  PackedItems big;
  big.vectors.resize(300);  // 1,200 bytes: one fits, two do not
  bytes.put("a", 1, big);
  bytes.put("b", 1, big);
  EXPECT_EQ(bytes.stats().entries, 1u);
  EXPECT_LE(bytes.stats().bytes, 2000u);
}

TEST(PerformanceMetrics, LatencyAndCountsAreMeasured) {
  TempDir dir;
  const std::string folder = dir.sub("m");
  Index::create(folder, test::config(Metric::L2), false);
  auto index = Index::open(folder);
  const auto data = test::clustered(300, 4, 3, 1);
  insert_all(*index, data);
  for (int i = 0; i < 50; ++i) index->search(view(data[i]), R"({"topK":5})");
  const auto m = nlohmann::json::parse(index->performance_metrics());
  EXPECT_EQ(m["queries"]["count"].get<int>(), 50);
  EXPECT_GT(m["queries"]["p50Ms"].get<double>(), 0);
  EXPECT_LE(m["queries"]["p50Ms"].get<double>(), m["queries"]["p99Ms"].get<double>());
  EXPECT_GT(m["inserts"]["perSecond"].get<double>(), 0);
  EXPECT_EQ(m["items"].get<int>(), 300);
  EXPECT_GT(m["bytesOnDisk"].get<double>(), 300 * 4 * 4);
  EXPECT_GT(m["bytesInMemory"]["vectors"].get<double>(), 300 * 4 * 4);
  EXPECT_EQ(m["shards"].size(), 1u);
  EXPECT_EQ(m["shards"][0]["items"].get<int>(), 300);
  const auto explained = index->query(query::parse_query_request(view(data[0]), R"({"topK":3,"explain":true})"));
  const auto e = nlohmann::json::parse(explained.explain);
  EXPECT_EQ(e["plan"], "hnsw");
  EXPECT_EQ(e["results"].get<int>(), 3);
  EXPECT_GE(e["timings"]["totalMs"].get<double>(), e["timings"]["searchMs"].get<double>());
  const auto filtered = index->query(
      query::parse_query_request(view(data[0]), R"({"topK":3,"explain":true,"filter":{"nope":1}})"));
  EXPECT_EQ(nlohmann::json::parse(filtered.explain)["plan"], "exact-scan");
}

// A query's latency runs from when the binding handed the request over (parse_query_request),
// so time spent waiting for the thread pool counts, as it does for the caller; a binding that
// converts the answer itself ends it with query_delivered (and the core then does not record).
TEST(PerformanceMetrics, LatencyRunsFromReceiptToDelivery) {
  TempDir dir;
  const std::string folder = dir.sub("m");
  Index::create(folder, test::config(Metric::L2), false);
  auto index = Index::open(folder, R"({"cache":{"maxEntries":0}})");
  const auto data = test::clustered(100, 4, 3, 1);
  insert_all(*index, data);
  const auto queued = query::parse_query_request(view(data[0]), R"({"topK":3})");
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // queued for the thread pool
  index->query(queued);
  auto m = metrics(*index);
  EXPECT_EQ(m["queries"]["count"].get<int>(), 1);
  EXPECT_GE(m["queries"]["p50Ms"].get<double>(), 30 * 0.97);  // a bucket's middle: within 3 %

  auto delivered = query::parse_query_request(view(data[1]), R"({"topK":3})");
  delivered.delivery_recorded_by_caller = true;
  index->query(delivered);
  EXPECT_EQ(metrics(*index)["queries"]["count"].get<int>(), 1);  // not yet: the binding records
  std::this_thread::sleep_for(std::chrono::milliseconds(60));    // converting the answer
  index->query_delivered(delivered);
  m = metrics(*index);
  EXPECT_EQ(m["queries"]["count"].get<int>(), 2);
  EXPECT_GE(m["queries"]["p99Ms"].get<double>(), 60 * 0.97);
}

// A caller that times its queries itself (LocalIndex: from its public call to Vectra's objects)
// hands the latencies in with its next call; the core records those, never its own span of a
// query so timed, and the cache key does not see them.
TEST(PerformanceMetrics, CallerLatenciesReplaceTheCoresSpan) {
  TempDir dir;
  const std::string folder = dir.sub("m");
  Index::create(folder, test::config(Metric::L2), false);
  auto index = Index::open(folder);
  const auto data = test::clustered(100, 4, 3, 1);
  insert_all(*index, data);
  const auto plain = query::parse_query_request(view(data[0]), R"({"topK":3})");
  const auto timed = query::parse_query_request(view(data[0]), R"({"topK":3,"callerLatencies":[]})");
  EXPECT_TRUE(timed.timed_by_caller);
  EXPECT_EQ(timed.normalized_options, plain.normalized_options);
  index->query(timed);
  EXPECT_EQ(metrics(*index)["queries"]["count"].get<int>(), 0);  // its caller reports it later
  index->query(query::parse_query_request(view(data[1]), R"({"topK":3,"callerLatencies":[40000,41000]})"));
  auto m = metrics(*index);
  EXPECT_EQ(m["queries"]["count"].get<int>(), 2);
  EXPECT_GE(m["queries"]["p50Ms"].get<double>(), 40 * 0.97);
  m = nlohmann::json::parse(index->performance_metrics(R"({"callerLatencies":[50000]})"));
  EXPECT_EQ(m["queries"]["count"].get<int>(), 3);
  EXPECT_GE(m["queries"]["p99Ms"].get<double>(), 50 * 0.97);
  for (const char* bad : {R"({"topK":3,"callerLatencies":[-1]})", R"({"topK":3,"callerLatencies":["1"]})",
                          R"({"topK":3,"callerLatencies":5})"}) {
    EXPECT_THROW(query::parse_query_request(view(data[0]), bad), Error) << bad;
  }
  EXPECT_THROW(index->performance_metrics(R"({"other":1})"), Error);
}

// QUIVER_DISABLE_METRICS is read at each open: one process can hold a recording and a silent
// index side by side (bench/metrics.mjs measures recording's cost that way).
TEST(PerformanceMetrics, RecordingIsSwitchedAtOpen) {
  TempDir dir;
  const std::string folder = dir.sub("m");
  Index::create(folder, test::config(Metric::L2), false);
  ASSERT_EQ(setenv("QUIVER_DISABLE_METRICS", "1", 1), 0);
  auto silent = Index::open(folder);
  ASSERT_EQ(unsetenv("QUIVER_DISABLE_METRICS"), 0);
  auto recording = Index::open(folder);
  const auto data = test::clustered(50, 4, 3, 1);
  insert_all(*silent, data);
  for (int i = 0; i < 5; ++i) {
    silent->search(view(data[i]), R"({"topK":3})");
    recording->search(view(data[i]), R"({"topK":3})");
  }
  EXPECT_EQ(metrics(*silent)["queries"]["count"].get<int>(), 0);
  EXPECT_EQ(metrics(*silent)["inserts"]["perSecond"].get<double>(), 0);
  EXPECT_EQ(metrics(*recording)["queries"]["count"].get<int>(), 5);
}

}  // namespace
}  // namespace quiver
