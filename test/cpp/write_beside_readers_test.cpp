// A large insert lets readers in while it builds the graph (index/cache.h: begin_commit,
// build_graph, publish_commit): queries and gets started during the write are answered before it
// ends, always with the full top k of published items (the labels being inserted are hidden from
// searches, not left as holes in the results), streams stay in order, and the commit shows as a
// whole once it resolves.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "quiver/index.h"
#include "test_support.h"

namespace quiver {
namespace {

using test::TempDir;

class WriteBesideReaders : public ::testing::TestWithParam<uint32_t> {};

TEST_P(WriteBesideReaders, QueriesAreAnsweredWhileTheGraphIsBuilt) {
  TempDir dir;
  const std::string folder = dir.sub("idx");
  IndexConfig config = test::config(Metric::Cosine, 32);
  config.shards = GetParam();
  Index::create(folder, config, false);
  constexpr size_t kBase = 400;
  const size_t kNew = test::scaled(12000, 5000);
  const auto data = test::clustered(kBase + kNew, 32, 16, 5);
  auto index = Index::open(folder);
  std::vector<ItemInput> base;
  for (size_t i = 0; i < kBase; ++i) {
    base.push_back(test::input("b" + std::to_string(i), data[i], i % 2 ? R"({"odd":true})" : R"({"odd":false})"));
  }
  index->insert(base);

  std::vector<ItemInput> added;
  for (size_t i = kBase; i < data.size(); ++i) {
    added.push_back(test::input("n" + std::to_string(i), data[i], i % 2 ? R"({"odd":true})" : R"({"odd":false})"));
  }
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    index->insert(added);
    writing = false;
  });

  // Reads started while the write runs: each must come back before the write is over at least
  // sometimes (it used to hold every reader off for its whole length).
  size_t during = 0, short_results = 0, bad_ids = 0, reads = 0, streamed = 0;
  QueryOptions plain;
  plain.top_k = 10;
  QueryOptions filtered = plain;
  filtered.filter_json = R"({"odd":true})";
  while (writing.load()) {
    const size_t i = reads++ % kBase;
    const auto hits = index->query(test::view(data[i]), i % 3 == 0 ? filtered : plain);
    const auto got = index->get("b" + std::to_string(i));
    if (writing.load()) ++during;
    if (hits.size() != 10) ++short_results;
    for (const auto& h : hits) {
      // Every hit is a whole item: a base one, or a new one whose vector is the one inserted.
      if (h.item.id[0] == 'n') {
        const size_t at = std::stoul(h.item.id.substr(1));
        if (h.item.vector != data[at]) ++bad_ids;
      } else if (h.item.id[0] != 'b') {
        ++bad_ids;
      }
    }
    if (!got || got->vector != data[i]) ++bad_ids;
    if (reads % 64 == 0) {
      // A stream too (graph walks, then its exact pass over every slot): whole items, in order.
      const uint64_t cursor = index->open_cursor(test::view(data[i]), R"({"maxResults":600})");
      double last = -1;
      for (int batch = 0; batch < 3; ++batch) {
        const PackedItems page = index->cursor_next(cursor, 200);
        for (size_t h = 0; h < page.count; ++h) {
          const double distance = page.numbers[h * PackedItems::kNumbersPerItem + 2];
          if (distance < last - 1e-6) ++bad_ids;
          last = distance;
        }
        streamed += page.count;
      }
      index->close_cursor(cursor);
    }
  }
  writer.join();
  EXPECT_GE(during, 10u) << "reads were held off for the whole write (" << reads << " reads)";
  EXPECT_EQ(short_results, 0u) << "labels being inserted left holes in a top 10";
  EXPECT_EQ(bad_ids, 0u);
  EXPECT_GT(streamed, 0u);

  // Resolved: every new item is found, and the cache agrees with the store.
  QueryOptions one;
  one.top_k = 1;
  one.ef_search = 200;
  size_t found = 0;
  for (size_t i = kBase; i < data.size(); i += 97) {
    const auto hits = index->query(test::view(data[i]), one);
    found += !hits.empty() && hits[0].item.id == "n" + std::to_string(i);
  }
  EXPECT_GE(found, (kNew / 97) * 95 / 100);
  const auto report = nlohmann::json::parse(index->verify());
  EXPECT_TRUE(report["consistent"].get<bool>()) << report.dump();
  EXPECT_EQ(report["graph"].get<size_t>(), kBase + kNew);
  index->close();
}

INSTANTIATE_TEST_SUITE_P(Shards, WriteBesideReaders, ::testing::Values(1u, 3u));

}  // namespace
}  // namespace quiver
