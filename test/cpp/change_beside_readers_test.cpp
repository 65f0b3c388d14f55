// Deletes and updates run beside readers, as inserts do (Index::Impl::commit): a search that
// needs nothing from the store is answered while the SQLite transaction is open, and while an
// update builds its new vectors (copy-on-write: HnswShard::stage_update). A read that does need the store (a quantized item's exact vector) waits
// from before the transaction until the commit is published (Impl::store_gate), so that it never
// pairs an updated row with the item's old metadata nor misses a deleted item's row while the
// graph still returns it. Every read sees the commit whole or not at all: the item count is the
// count before or after, a top k is never short, each hit's vector is the one its metadata's
// version was written with.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "query/request.h"
#include "quiver/index.h"
#include "test_support.h"
#include "write_lock_probe.h"

namespace quiver {
namespace {

using test::TempDir;
using test::WriteLockProbe;

struct Variant {
  Quantization quantization;
  uint32_t shards;
};

std::string name_of(const ::testing::TestParamInfo<Variant>& info) {
  return std::string(info.param.quantization == Quantization::F16 ? "f16" : "f32") + "_" +
         std::to_string(info.param.shards) + "shards";
}

class ChangeBesideReaders : public ::testing::TestWithParam<Variant> {
 protected:
  std::string create(const TempDir& dir) {
    const std::string folder = dir.sub("idx");
    IndexConfig config = test::config(Metric::L2, kDims);
    config.quantization = GetParam().quantization;
    config.shards = GetParam().shards;
    Index::create(folder, config, false);
    return folder;
  }
  static constexpr uint32_t kDims = 32;
  static constexpr size_t kMaxRounds = 8;
};

// Item i's vector as written by round r of updates: data[i] moved a little, differently each round.
std::vector<float> version_of(const std::vector<float>& v, size_t round) {
  std::vector<float> out = v;
  out[round % out.size()] += 0.001f * static_cast<float>(round + 1);
  return out;
}

// Round `round` of updates of items "u<i>": version_of(data[i], round) with metadata
// {"v": round}. `items` point into `vectors`.
struct Versioned {
  std::vector<std::vector<float>> vectors;
  std::vector<ItemInput> items;
};
Versioned versioned(const std::vector<std::vector<float>>& data, size_t round) {
  Versioned out;
  out.vectors.reserve(data.size());
  for (const auto& v : data) out.vectors.push_back(version_of(v, round));
  const std::string metadata = R"({"v":)" + std::to_string(round) + "}";
  for (size_t i = 0; i < data.size(); ++i) {
    out.items.push_back(test::input("u" + std::to_string(i), out.vectors[i], metadata));
  }
  return out;
}

// The cache agrees with the store, `live` items in all.
void expect_consistent(Index& index, size_t live) {
  EXPECT_EQ(index.count(""), live);
  const auto report = nlohmann::json::parse(index.verify());
  EXPECT_TRUE(report["consistent"].get<bool>()) << report.dump();
  EXPECT_EQ(report["graph"].get<size_t>(), live);
}

// What the reads of the rounds of one test saw.
struct Reads {
  size_t inside = 0;  // searches started and answered inside the write's transaction
  size_t probes = 0;  // searches started inside it
  size_t reads = 0;
  std::atomic<size_t> wrong{0};
  double write_ms = 0;        // the last round's write
  double longest_wait_ms = 0; // its longest wait between two searches answered
};

// Runs `write` on a thread, `full_read(i)` (reads that may wait for the commit) in a loop on
// another, and on this one `each()`, then a search of data[i] that reads no row: counted in
// `inside` when it started and was answered while SQLite's write lock was held.
template <class Write, class FullRead, class Each>
void run_round(Index& index, WriteLockProbe& probe, const std::vector<std::vector<float>>& data, Reads& r,
               Write write, FullRead full_read, Each each) {
  using Clock = std::chrono::steady_clock;
  const auto ms = [](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  const auto start = Clock::now();
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    write();
    writing = false;
  });
  std::thread full_reader([&] {
    for (size_t i = 0; writing.load(); i += 7) full_read(i % data.size());
  });
  auto last_answer = start;
  r.longest_wait_ms = 0;
  while (writing.load()) {
    const size_t i = r.reads++ % data.size();
    each();
    const bool started_inside = probe.held();
    const auto bare = index.search(test::view(data[i]), R"({"topK":10,"includeVectors":false})");
    r.longest_wait_ms = std::max(r.longest_wait_ms, ms(Clock::now() - last_answer));
    last_answer = Clock::now();
    if (bare.size() != 10) ++r.wrong;
    if (!started_inside) continue;
    ++r.probes;
    if (probe.held()) ++r.inside;
  }
  writer.join();
  full_reader.join();
  r.write_ms = ms(Clock::now() - start);
}

TEST_P(ChangeBesideReaders, DeletesLetSearchesInAndShowWhole) {
  TempDir dir;
  const std::string folder = create(dir);
  constexpr size_t kBase = 400;
  const size_t kDeleted = test::scaled(8000, 3000);
  const auto data = test::clustered(kBase + kDeleted, kDims, 16, 41);
  auto index = Index::open(folder);
  std::vector<ItemInput> base;
  for (size_t i = 0; i < kBase; ++i) base.push_back(test::input("b_" + std::to_string(i), data[i]));
  index->insert(base);
  WriteLockProbe probe(folder);

  QueryOptions full;  // with vectors: a quantized index reads their rows
  full.top_k = 10;
  Reads r;
  size_t rounds = 0;
  while (r.inside == 0 && rounds < kMaxRounds) {
    // Each round inserts a batch, then deletes it while reads go on.
    const std::string prefix = "d" + std::to_string(rounds++) + "_";
    std::vector<ItemInput> batch;
    std::vector<std::string> ids;
    for (size_t i = kBase; i < data.size(); ++i) {
      ids.push_back(prefix + std::to_string(i));
      batch.push_back(test::input(ids.back(), data[i]));
    }
    index->insert(batch);
    run_round(
        *index, probe, data, r, [&] { index->remove(ids); },
        [&](size_t i) {
          // The items as they were written, never a hole where a deleted item's row was read
          // after the COMMIT.
          const auto hits = index->query(test::view(data[i]), full);
          if (hits.size() != 10) ++r.wrong;
          for (const auto& h : hits) {
            if (h.item.vector != data[std::stoul(h.item.id.substr(h.item.id.find('_') + 1))]) ++r.wrong;
          }
        },
        [&] {
          // The commit shows whole: every deleted item at once.
          const size_t count = index->count("");
          if (count != kBase && count != kBase + kDeleted) ++r.wrong;
        });
  }
  std::printf("searches answered inside a delete's transaction: %zu of %zu started in one, %zu rounds, %zu reads\n",
              r.inside, r.probes, rounds, r.reads);
  EXPECT_GE(r.inside, 1u) << "no search was answered inside a delete's transaction in " << rounds << " rounds";
  EXPECT_EQ(r.wrong.load(), 0u);
  expect_consistent(*index, kBase);
}

TEST_P(ChangeBesideReaders, UpdatesLetSearchesInAndShowWhole) {
  TempDir dir;
  const std::string folder = create(dir);
  const size_t kItems = test::scaled(8000, 3000);
  const auto data = test::clustered(kItems, kDims, 16, 43);
  auto index = Index::open(folder);
  index->upsert(versioned(data, 0).items);
  WriteLockProbe probe(folder);

  // An item is whole when its vector is the one its metadata's version was written with.
  Reads r;
  const auto check = [&](const std::string& id, const std::string& metadata, const std::vector<float>& vector) {
    const size_t i = std::stoul(id.substr(1));
    const size_t v = nlohmann::json::parse(metadata)["v"].get<size_t>();
    if (vector != version_of(data[i], v)) ++r.wrong;
  };
  QueryOptions full;
  full.top_k = 10;
  size_t rounds = 0;
  while (r.inside == 0 && rounds < kMaxRounds) {
    const Versioned next = versioned(data, ++rounds);
    run_round(
        *index, probe, data, r, [&] { index->upsert(next.items); },
        [&](size_t i) {
          const auto hits = index->query(test::view(data[i]), full);
          if (hits.size() != 10) ++r.wrong;
          for (const auto& h : hits) check(h.item.id, h.item.metadata_json, h.item.vector);
          const auto got = index->get("u" + std::to_string(i));
          if (!got) {
            ++r.wrong;
          } else {
            check(got->id, got->metadata_json, got->vector);
          }
        },
        [] {});
  }
  std::printf("searches answered inside an update's transaction: %zu of %zu started in one, %zu rounds, %zu reads; "
              "longest wait %.1f ms of the last update's %.1f ms\n",
              r.inside, r.probes, rounds, r.reads, r.longest_wait_ms, r.write_ms);
  // Its graph build too (most of it): a search waits for the exclusive sections only.
  EXPECT_LT(r.longest_wait_ms * 3, r.write_ms) << "a search waited for most of an update";
  EXPECT_GE(r.inside, 1u) << "no search was answered inside an update's transaction in " << rounds << " rounds";
  EXPECT_EQ(r.wrong.load(), 0u);
  // The last round shows whole.
  for (size_t i = 0; i < kItems; i += 101) {
    const auto got = index->get("u" + std::to_string(i));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->vector, version_of(data[i], rounds));
  }
  expect_consistent(*index, kItems);
}

// One commit that deletes items and inserts others (a staged update) builds the new items'
// graph beside readers; the deleted items stay until the new ones show with them (the removal
// waits for the publish: Cache::remove_published).
TEST_P(ChangeBesideReaders, DeletesWithInsertsShowWhole) {
  TempDir dir;
  const std::string folder = create(dir);
  const size_t kOld = test::scaled(3000, 1000), kNew = test::scaled(8000, 3000);
  const auto data = test::clustered(kOld + kNew, kDims, 16, 47);
  auto index = Index::open(folder);
  std::vector<ItemInput> old_items, new_items;
  std::vector<std::string> old_ids;
  for (size_t i = 0; i < kOld; ++i) {
    old_ids.push_back("o_" + std::to_string(i));
    old_items.push_back(test::input(old_ids.back(), data[i]));
  }
  for (size_t i = kOld; i < data.size(); ++i) new_items.push_back(test::input("n_" + std::to_string(i), data[i]));
  index->insert(old_items);
  WriteLockProbe probe(folder);
  Reads r;
  QueryOptions full;
  full.top_k = 10;
  run_round(
      *index, probe, data, r,
      [&] {
        index->begin_update();
        index->remove(old_ids);
        index->insert(new_items);
        index->end_update();
      },
      [&](size_t i) {
        // Either the old items or the new ones, never some of each nor neither.
        const auto hits = index->query(test::view(data[i]), full);
        if (hits.size() != 10) ++r.wrong;
        size_t old_hits = 0;
        for (const auto& h : hits) {
          old_hits += h.item.id[0] == 'o';
          if (h.item.vector != data[std::stoul(h.item.id.substr(2))]) ++r.wrong;
        }
        if (old_hits != 0 && old_hits != hits.size()) ++r.wrong;
      },
      [&] {
        const size_t count = index->count("");
        if (count != kOld && count != kNew) ++r.wrong;
      });
  std::printf("reads: %zu, searches answered inside the transaction: %zu of %zu\n", r.reads, r.inside, r.probes);
  EXPECT_EQ(r.wrong.load(), 0u);
  EXPECT_GT(r.reads, 10u);
  expect_consistent(*index, kNew);
}

// An update leaves its item's old element deleted (copy-on-write), and the next update's new
// elements take those slots over: rounds of updates of every item keep the graph's size. The
// retired elements keep their stand-in labels in the graph file; a reopened index loads them
// (deleted), finds every item by its last vector, and updates again.
TEST_P(ChangeBesideReaders, UpdatedItemsKeepTheGraphSizeAndSurviveAReopen) {
  TempDir dir;
  const std::string folder = create(dir);
  const size_t kItems = test::scaled(3000, 1000);
  const auto data = test::clustered(kItems, kDims, 16, 53);
  const auto update = [&](Index& index, size_t round) { index.upsert(versioned(data, round).items); };
  const auto graph_bytes = [](Index& index) {
    size_t bytes = 0;
    const auto info = nlohmann::json::parse(index.info_json());
    for (const auto& shard : info["shards"]) bytes += shard["bytes"].get<size_t>();
    return bytes;
  };
  const auto expect_last_round = [&](Index& index, size_t round) {
    QueryOptions one;
    one.top_k = 1;
    one.ef_search = 100;
    size_t found = 0;
    for (size_t i = 0; i < kItems; i += 7) {
      const auto hits = index.query(test::view(version_of(data[i], round)), one);
      found += hits.size() == 1 && hits[0].item.id == "u" + std::to_string(i) &&
               hits[0].item.vector == version_of(data[i], round);
    }
    EXPECT_GE(found * 100, (kItems / 7) * 95) << "round " << round;
    expect_consistent(index, kItems);
  };
  size_t after_first = 0;
  {
    auto index = Index::open(folder);
    update(*index, 0);  // inserts
    for (size_t round = 1; round <= 5; ++round) {
      update(*index, round);
      if (round == 1) after_first = graph_bytes(*index);
    }
    EXPECT_EQ(graph_bytes(*index), after_first) << "updates grew the graph past one batch's retired elements";
    expect_last_round(*index, 5);
    index->close();  // saves the graph files, retired elements included
  }
  auto index = Index::open(folder);
  const std::string opened = nlohmann::json::parse(index->verify())["open"].get<std::string>();
  EXPECT_NE(opened.find("graph file loaded"), std::string::npos) << opened;
  EXPECT_EQ(opened.find("rebuilt"), std::string::npos) << opened;
  expect_last_round(*index, 5);
  update(*index, 6);
  expect_last_round(*index, 6);
}

INSTANTIATE_TEST_SUITE_P(Kinds, ChangeBesideReaders,
                         ::testing::Values(Variant{Quantization::F32, 1}, Variant{Quantization::F16, 3}), name_of);

}  // namespace
}  // namespace quiver
