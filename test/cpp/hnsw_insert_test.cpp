// ann/hnsw_insert.h: our insert of a new element against hnswlib's addPoint. One thread: the two
// graphs must be identical to the byte (levels, links, vectors, labels, entry point). Several
// threads: every element present and linked within bounds, and recall as good as hnswlib's own
// parallel build of the same data.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include <hnswlib/hnswlib.h>

#include "ann/hnsw_insert.h"

namespace quiver {
namespace {

using Graph = hnswlib::HierarchicalNSW<float>;

constexpr size_t kDims = 16;

std::vector<float> random_data(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> out(n * kDims);
  for (auto& x : out) x = g(rng);
  return out;
}

// Same seed for both graphs: the level generator then draws the same levels in the same order.
std::unique_ptr<Graph> empty_graph(hnswlib::L2Space& space, size_t capacity) {
  return std::make_unique<Graph>(&space, capacity, /*M=*/8, /*ef_construction=*/64, /*random_seed=*/7,
                                 /*allow_replace_deleted=*/true);
}

void expect_identical(const Graph& a, const Graph& b) {
  ASSERT_EQ(a.cur_element_count.load(), b.cur_element_count.load());
  EXPECT_EQ(a.enterpoint_node_, b.enterpoint_node_);
  EXPECT_EQ(a.maxlevel_, b.maxlevel_);
  const size_t n = a.cur_element_count;
  EXPECT_EQ(std::memcmp(a.data_level0_memory_, b.data_level0_memory_, n * a.size_data_per_element_), 0)
      << "level-0 links, vectors or labels differ";
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(a.element_levels_[i], b.element_levels_[i]) << "element " << i;
    if (a.element_levels_[i] > 0) {
      ASSERT_EQ(std::memcmp(a.linkLists_[i], b.linkLists_[i], a.size_links_per_element_ * a.element_levels_[i]), 0)
          << "upper links of element " << i;
    }
  }
}

double recall_at_10(const Graph& graph, const std::vector<float>& data, size_t n, const std::vector<float>& queries,
                    size_t query_count) {
  size_t hits = 0;
  for (size_t q = 0; q < query_count; ++q) {
    const float* query = &queries[q * kDims];
    std::vector<std::pair<float, size_t>> exact;
    for (size_t i = 0; i < n; ++i) {
      float d = 0;
      for (size_t k = 0; k < kDims; ++k) d += (query[k] - data[i * kDims + k]) * (query[k] - data[i * kDims + k]);
      exact.emplace_back(d, i);
    }
    std::partial_sort(exact.begin(), exact.begin() + 10, exact.end());
    std::set<size_t> truth;
    for (size_t i = 0; i < 10; ++i) truth.insert(exact[i].second);
    auto found = graph.searchKnn(query, 10);
    while (!found.empty()) {
      hits += truth.count(found.top().second - 1);  // labels are index + 1
      found.pop();
    }
  }
  return static_cast<double>(hits) / static_cast<double>(10 * query_count);
}

// Builds the same data into two graphs on one thread, hnswlib's addPoint (a fresh slot for each
// label, as ours) and insert_new_element, marking every `delete_every`-th element deleted in both
// (0: none); then expects them identical.
void expect_same_build(size_t n, uint32_t seed, size_t delete_every) {
  const auto data = random_data(n, seed);
  hnswlib::L2Space space(kDims);
  auto theirs = empty_graph(space, n);
  auto ours = empty_graph(space, n);
  for (size_t i = 0; i < n; ++i) {
    theirs->addPoint(&data[i * kDims], i + 1, /*replace_deleted=*/false);
    EXPECT_EQ(ann::insert_new_element(*ours, &data[i * kDims], i + 1), i);
    if (delete_every != 0 && i % delete_every == 3) {
      theirs->markDelete(i + 1);
      ours->markDelete(i + 1);
    }
  }
  expect_identical(*theirs, *ours);
}

TEST(HnswInsert, OneThreadBuildsHnswlibsGraphToTheByte) { expect_same_build(3000, 1, 0); }

// With deleted elements in the graph (this path never reuses their slots): the search passes
// through them and keeps them out of the candidates exactly as hnswlib's does.
TEST(HnswInsert, WithDeletedElementsStillMatchesHnswlib) { expect_same_build(1500, 2, 7); }

// A label already in the graph is updated in place (hnswlib's path), not inserted twice.
TEST(HnswInsert, AnExistingLabelIsUpdatedInPlace) {
  const auto data = random_data(3, 3);
  hnswlib::L2Space space(kDims);
  auto graph = empty_graph(space, 8);
  ann::insert_new_element(*graph, &data[0], 10);
  ann::insert_new_element(*graph, &data[kDims], 11);
  EXPECT_EQ(ann::insert_new_element(*graph, &data[2 * kDims], 10), 0u);
  EXPECT_EQ(graph->cur_element_count.load(), 2u);
  EXPECT_EQ(std::memcmp(graph->getDataByInternalId(0), &data[2 * kDims], kDims * sizeof(float)), 0);
}

TEST(HnswInsert, AFullGraphThrowsAsHnswlib) {
  const auto data = random_data(3, 4);
  hnswlib::L2Space space(kDims);
  auto graph = empty_graph(space, 2);
  ann::insert_new_element(*graph, &data[0], 1);
  ann::insert_new_element(*graph, &data[kDims], 2);
  EXPECT_THROW(ann::insert_new_element(*graph, &data[2 * kDims], 3), std::runtime_error);
  EXPECT_EQ(graph->cur_element_count.load(), 2u);
}

// Four threads insert at once (as Cache::build_graph does): every element is there under its
// label, every link points at an element, and recall matches hnswlib's own 4-thread build.
TEST(HnswInsert, ParallelInsertsBuildAGraphAsGoodAsHnswlibs) {
  const size_t n = 6000;
  const size_t query_count = 100;
  const auto data = random_data(n, 5);
  const auto queries = random_data(query_count, 6);
  hnswlib::L2Space space(kDims);
  auto theirs = empty_graph(space, n);
  auto ours = empty_graph(space, n);
  const auto build = [&](const std::function<void(size_t)>& insert) {
    std::vector<std::thread> threads;
    for (size_t t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (size_t i = t; i < n; i += 4) insert(i);
      });
    }
    for (auto& th : threads) th.join();
  };
  build([&](size_t i) { theirs->addPoint(&data[i * kDims], i + 1); });
  build([&](size_t i) { ann::insert_new_element(*ours, &data[i * kDims], i + 1); });

  ASSERT_EQ(ours->cur_element_count.load(), n);
  for (size_t i = 0; i < n; ++i) {
    const auto slot = ours->label_lookup_.at(i + 1);
    EXPECT_EQ(std::memcmp(ours->getDataByInternalId(slot), &data[i * kDims], kDims * sizeof(float)), 0);
    hnswlib::linklistsizeint* const links = ours->get_linklist0(slot);
    const size_t count = ours->getListCount(links);
    ASSERT_LE(count, ours->maxM0_);
    ASSERT_GT(count, 0u) << "element " << slot << " has no links";
    for (size_t j = 0; j < count; ++j) ASSERT_LT(links[1 + j], n);
  }
  theirs->setEf(64);
  ours->setEf(64);
  const double their_recall = recall_at_10(*theirs, data, n, queries, query_count);
  const double our_recall = recall_at_10(*ours, data, n, queries, query_count);
  EXPECT_GE(their_recall, 0.8);
  EXPECT_GE(our_recall, their_recall - 0.02) << "ours " << our_recall << ", hnswlib " << their_recall;
}

}  // namespace
}  // namespace quiver
