// relink_unreachable (ann/hnsw_reachability.h): an element cut off by hand is linked back in, and
// after a churn of in-place rewrites and slot reuse (hnswlib's updatePoint), which leaves
// elements no search reaches, every live element is reachable from the entry point again (a
// breadth-first walk over level 0 finds them all).
#include <gtest/gtest.h>

#include <cstdio>
#include <queue>
#include <random>
#include <vector>

#include <hnswlib/hnswlib.h>

#include "ann/hnsw_insert.h"
#include "ann/hnsw_reachability.h"

namespace quiver {
namespace {

using Graph = hnswlib::HierarchicalNSW<float>;
using hnswlib::tableint;
constexpr size_t kDims = 16;

// The kill -9 suite's distribution: every vector in a cone around the first axis. Compared by
// inner product as given (Quiver's "ip" metric), so norms differ: rewrites then cut off hundreds
// of elements (normalized, as under cosine, this churn cuts off none; the suite's cosine case is
// rarer and needs its longer history).
std::vector<float> cone_vector(std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  std::vector<float> v(kDims);
  for (auto& x : v) x = u(rng);
  v[0] += 1.0f;
  return v;
}

// Live elements that no level-0 path from the entry point reaches.
std::vector<tableint> unreachable(const Graph& g) {
  std::vector<char> seen(g.cur_element_count, 0);
  std::queue<tableint> next;
  next.push(g.enterpoint_node_);
  seen[g.enterpoint_node_] = 1;
  while (!next.empty()) {
    const tableint n = next.front();
    next.pop();
    auto* list = g.get_linklist0(n);
    const auto* links = reinterpret_cast<const tableint*>(list + 1);
    for (size_t j = 0; j < g.getListCount(list); ++j) {
      if (!seen[links[j]]) {
        seen[links[j]] = 1;
        next.push(links[j]);
      }
    }
  }
  std::vector<tableint> out;
  for (tableint i = 0; i < g.cur_element_count; ++i) {
    if (!seen[i] && !g.isMarkedDeleted(i)) out.push_back(i);
  }
  return out;
}

std::unique_ptr<Graph> cone_graph(hnswlib::InnerProductSpace& space, size_t n, std::mt19937& rng) {
  auto g = std::make_unique<Graph>(&space, n * 2, /*M=*/16, /*ef_construction=*/200, /*random_seed=*/100,
                                   /*allow_replace_deleted=*/true);
  for (size_t i = 0; i < n; ++i) ann::insert_new_element(*g, cone_vector(rng).data(), i);
  return g;
}

TEST(HnswReachability, AnElementCutOffByHandIsLinkedBackIn) {
  hnswlib::InnerProductSpace space(kDims);
  std::mt19937 rng(5);
  auto g = cone_graph(space, 500, rng);
  ASSERT_TRUE(unreachable(*g).empty());
  // Element 123 loses every in-link at level 0 (and upper levels do not matter for level 0).
  const tableint victim = 123 == g->enterpoint_node_ ? 124 : 123;
  for (tableint i = 0; i < g->cur_element_count; ++i) {
    auto* list = g->get_linklist0(i);
    auto* links = reinterpret_cast<tableint*>(list + 1);
    size_t kept = 0;
    for (size_t j = 0; j < g->getListCount(list); ++j) {
      if (links[j] != victim) links[kept++] = links[j];
    }
    g->setListCount(list, static_cast<unsigned short>(kept));
  }
  ASSERT_EQ(unreachable(*g), std::vector<tableint>{victim});
  EXPECT_EQ(ann::relink_unreachable(*g), 1u);
  EXPECT_TRUE(unreachable(*g).empty());
  EXPECT_EQ(ann::relink_unreachable(*g), 0u);  // nothing left to do
}

// Many rewrites of existing labels and reuses of deleted slots, one at a time, through hnswlib's
// own paths: they leave elements unreachable (228 of 2,156 here: the test checks that it still
// reproduces the problem), and relink_unreachable brings every one back. (Under inner product a
// search for an element's own vector may rightly rank a longer vector first, so reachability
// itself is what is checked.)
TEST(HnswReachability, ChurnOfRewritesIsRepaired) {
  hnswlib::InnerProductSpace space(kDims);
  std::mt19937 rng(11);
  constexpr size_t kItems = 2000;
  auto g = cone_graph(space, kItems, rng);
  std::vector<std::vector<float>> vectors(kItems);
  size_t next_label = kItems;
  for (size_t round = 0; round < 3000; ++round) {
    const auto v = cone_vector(rng);
    const size_t label = rng() % next_label;
    const bool live = g->label_lookup_.count(label) && !g->isMarkedDeleted(g->label_lookup_.at(label));
    switch (round % 3) {
      case 0:
        if (live) g->addPoint(v.data(), label, /*replace_deleted=*/false);
        break;
      case 1:
        if (live && g->cur_element_count - g->getDeletedCount() > 100) g->markDelete(label);
        break;
      default:
        if (g->getDeletedCount() > 0) {
          g->addPoint(v.data(), next_label, /*replace_deleted=*/true);
        } else {
          ann::insert_new_element(*g, v.data(), next_label);
        }
        ++next_label;
    }
  }
  const size_t cut_off = unreachable(*g).size();
  std::printf("unreachable after the churn: %zu of %zu\n", cut_off, g->cur_element_count.load());
  ASSERT_GT(cut_off, 0u) << "the churn no longer cuts elements off: this test shows nothing";
  // Linking one element in can bring its whole island back: at least one link, at most one each.
  const size_t linked = ann::relink_unreachable(*g);
  EXPECT_GE(linked, 1u);
  EXPECT_LE(linked, cut_off);
  EXPECT_TRUE(unreachable(*g).empty()) << unreachable(*g).size() << " elements unreachable";
}

}  // namespace
}  // namespace quiver
