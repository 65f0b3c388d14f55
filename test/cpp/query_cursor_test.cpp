// Query cursors (query/cursor.h): order across batches, no duplicates, every item exactly once
// when the whole index is asked for, writes while a cursor is open, closing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "quiver/index.h"
#include "test_support.h"

namespace quiver {
namespace {

using test::input;
using test::TempDir;
using test::view;

struct Hit {
  std::string id;
  double score;
};

std::vector<Hit> hits_of(const PackedItems& p) {
  std::vector<Hit> out;
  const auto ids = test::packed_ids(p);
  for (size_t i = 0; i < ids.size(); ++i) out.push_back({ids[i], p.numbers[i * PackedItems::kNumbersPerItem + 1]});
  return out;
}

class CursorTest : public ::testing::Test {
 protected:
  void fill(size_t n, Metric metric = Metric::Cosine, uint32_t seed = 7) {
    Index::create(folder_, test::config(metric), true);
    index_ = Index::open(folder_);
    data_ = test::clustered(n, 16, 10, seed);
    std::vector<ItemInput> items;
    for (size_t i = 0; i < n; ++i) {
      items.push_back(input("i" + std::to_string(i), data_[i], "{\"n\":" + std::to_string(i) + "}"));
    }
    index_->insert(items);
  }
  // n clustered items without metadata, into an index created with `config`.
  void fill(const IndexConfig& config, size_t n, uint32_t seed) {
    Index::create(folder_, config, true);
    index_ = Index::open(folder_);
    data_ = test::clustered(n, 16, 10, seed);
    std::vector<ItemInput> items;
    for (size_t i = 0; i < n; ++i) items.push_back(input("i" + std::to_string(i), data_[i]));
    index_->insert(items);
  }
  // Drains a cursor; checks order and uniqueness as it goes.
  std::vector<Hit> drain(uint64_t cursor, size_t batch) {
    std::vector<Hit> all;
    std::set<std::string> seen;
    while (true) {
      auto hits = hits_of(index_->cursor_next(cursor, static_cast<double>(batch)));
      if (hits.empty()) break;
      EXPECT_LE(hits.size(), batch);
      for (const auto& h : hits) {
        if (!all.empty()) EXPECT_LE(h.score, all.back().score) << h.id;
        EXPECT_TRUE(seen.insert(h.id).second) << "twice: " << h.id;
        all.push_back(h);
      }
    }
    return all;
  }
  TempDir dir_;
  std::string folder_ = dir_.sub("idx");
  std::unique_ptr<Index> index_;
  std::vector<std::vector<float>> data_;
};

TEST_F(CursorTest, WholeIndexComesOutOnceInExactOrder) {
  fill(3000);
  const auto& q = data_[5];
  const uint64_t c = index_->open_cursor(view(q), R"({"maxResults":3000})");
  const auto all = drain(c, 100);
  ASSERT_EQ(all.size(), 3000u);
  // Exact: the first results equal an exact top-k (a filtered query small enough for the scan).
  const auto exact = index_->search(view(q), R"({"topK":50,"filter":{"n":{"$gte":0}}})");
  for (size_t i = 0; i < 20; ++i) EXPECT_NEAR(all[i].score, exact[i].score, 1e-6);
  EXPECT_EQ(all[0].id, "i5");
}

TEST_F(CursorTest, WalkStreamIsOrderedUniqueAndStartsLikeQuery) {
  fill(5000, Metric::L2);
  const auto& q = data_[42];
  const uint64_t c = index_->open_cursor(view(q), "{}");
  const auto first = hits_of(index_->cursor_next(c, 10));
  const auto top = index_->search(view(q), R"({"topK":10})");
  ASSERT_EQ(first.size(), 10u);
  size_t same = 0;
  for (const auto& h : first) {
    for (const auto& t : top) same += h.id == t.item.id;
  }
  EXPECT_GE(same, 9u);  // the same search; at most a near-tie differs
  const auto rest = drain(c, 500);
  EXPECT_LE(rest.back().score, first.back().score);
  // Read to the end: the exact pass after the walk brings every item but the late ones.
  EXPECT_GE(first.size() + rest.size(), 4900u);
  EXPECT_LE(first.size() + rest.size(), 5000u);
}

// Several shards: one walk per shard, merged best first (before, such a stream ran its exact
// pass only). The first batch is the same search as query(); the walk is what answers it (a
// small walk batch is cheap enough to run inline, an exact pass never is); read to the end,
// the stream is ordered, unique and complete but for the late ones.
TEST_F(CursorTest, ShardedWalkMergesBestFirst) {
  IndexConfig config = test::config(Metric::L2);
  config.shards = 4;
  fill(config, 4000, 11);
  const auto& q = data_[321];
  const uint64_t c = index_->open_cursor(view(q), "{}");
  PackedItems packed;
  ASSERT_TRUE(index_->try_cursor_next(c, 10, &packed));  // the walk phase: cheap, inline
  const auto first = hits_of(packed);
  const auto top = index_->search(view(q), R"({"topK":10})");
  ASSERT_EQ(first.size(), 10u);
  EXPECT_EQ(first[0].id, "i321");
  size_t same = 0;
  for (const auto& h : first) {
    for (const auto& t : top) same += h.id == t.item.id;
  }
  EXPECT_GE(same, 9u);
  const auto rest = drain(c, 250);  // checks order and uniqueness across batches
  EXPECT_LE(rest.front().score, first.back().score);
  std::set<std::string> ids;
  for (const auto& h : first) ids.insert(h.id);
  for (const auto& h : rest) EXPECT_TRUE(ids.insert(h.id).second) << h.id;
  EXPECT_GE(ids.size(), 3920u);  // all but the late ones (at most 2 %)
  EXPECT_LE(ids.size(), 4000u);
}

// A quantized graph's distances can order near items the wrong way; a stream hands them out in
// the exact order all the same (query/exact_distances.h), as query() ranks them: the whole index
// in exact order, and a walk stream ordered by exact score with every score its item's own (an
// item handed out of order would have its score capped at the one before: pack's rule).
TEST_F(CursorTest, QuantizedStreamsComeOutInExactOrder) {
  for (const Quantization kind : {Quantization::I8, Quantization::F16}) {
    SCOPED_TRACE(quantization_name(kind));
    IndexConfig config = test::config(Metric::L2);
    config.shards = 2;
    config.quantization = kind;
    fill(config, 3000, 13);
    const auto& q = data_[77];
    std::vector<std::pair<double, std::string>> exact;  // -squared distance, id: best first
    for (size_t i = 0; i < data_.size(); ++i) {
      double d = 0;
      for (size_t j = 0; j < q.size(); ++j) d += (double{data_[i][j]} - q[j]) * (double{data_[i][j]} - q[j]);
      exact.emplace_back(-d, "i" + std::to_string(i));
    }
    std::sort(exact.begin(), exact.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::map<std::string, double> score_of;
    for (const auto& [score, id] : exact) score_of[id] = score;

    const auto whole = drain(index_->open_cursor(view(q), R"({"maxResults":3000})"), 128);
    ASSERT_EQ(whole.size(), 3000u);
    size_t out_of_order = 0;
    for (size_t i = 0; i < whole.size(); ++i) {
      EXPECT_NEAR(whole[i].score, exact[i].first, 1e-4 * (1 - exact[i].first)) << i;
      // An id may differ from the exact ranking's only within a near-tie (float rounding).
      if (whole[i].id != exact[i].second) ++out_of_order;
    }
    EXPECT_LE(out_of_order, 4u);

    const auto walked = drain(index_->open_cursor(view(q), "{}"), 25);
    EXPECT_GE(walked.size(), 2940u);  // all but the late ones (at most 2 %)
    size_t capped = 0;
    for (const auto& h : walked) capped += std::fabs(h.score - score_of.at(h.id)) > 1e-4 * (1 - h.score);
    EXPECT_EQ(capped, 0u);
    index_.reset();
  }
}

TEST_F(CursorTest, FilterAndMaxResults) {
  fill(2000);
  const uint64_t c = index_->open_cursor(view(data_[0]), R"({"filter":{"n":{"$lt":1000}},"maxResults":250})");
  const auto all = drain(c, 64);
  ASSERT_EQ(all.size(), 250u);
  for (const auto& h : all) EXPECT_LT(std::stoi(h.id.substr(1)), 1000);
}

TEST_F(CursorTest, WritesWhileOpenNeverDuplicateOrCrash) {
  fill(2000);
  const uint64_t c = index_->open_cursor(view(data_[3]), "{}");
  std::vector<Hit> all = hits_of(index_->cursor_next(c, 100));
  std::set<std::string> seen;
  for (auto& h : all) seen.insert(h.id);
  // Delete some not yet seen, re-insert an already seen id, upsert others, add new items.
  std::vector<std::string> deleted;
  for (int i = 1500; i < 1600; ++i) deleted.push_back("i" + std::to_string(i));
  index_->remove(deleted);
  index_->remove({all[0].id});
  const auto again = test::clustered(1, 16, 1, 99)[0];
  index_->insert({input(all[0].id, data_[3])});
  index_->upsert({input("i10", again), input("i11", data_[3])});
  std::vector<ItemInput> fresh;
  auto fresh_vectors = test::clustered(200, 16, 10, 5);
  for (int i = 0; i < 200; ++i) fresh.push_back(input("new" + std::to_string(i), fresh_vectors[i]));
  index_->insert(fresh);
  while (true) {
    auto hits = hits_of(index_->cursor_next(c, 100));
    if (hits.empty()) break;
    for (const auto& h : hits) {
      EXPECT_LE(h.score, all.back().score);
      EXPECT_TRUE(seen.insert(h.id).second) << "twice: " << h.id;
      EXPECT_EQ(h.id.rfind("new", 0), std::string::npos) << "inserted after open: " << h.id;
      if (h.id.size() == 5 && h.id >= "i1500" && h.id < "i1600") ADD_FAILURE() << "deleted: " << h.id;
      all.push_back(h);
    }
  }
  EXPECT_GE(all.size(), 1800u);
}

TEST_F(CursorTest, CloseFreesAtOnceAndNextAfterCloseIsInvalidState) {
  fill(500);
  const uint64_t c = index_->open_cursor(view(data_[0]), "{}");
  index_->cursor_next(c, 10);
  EXPECT_EQ(index_->open_cursor_count(), 1u);
  EXPECT_GT(index_->cursor_memory_bytes(), 0u);
  index_->close_cursor(c);
  EXPECT_EQ(index_->open_cursor_count(), 0u);
  EXPECT_EQ(index_->cursor_memory_bytes(), 0u);
  try {
    index_->cursor_next(c, 10);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidState);
  }
  index_->close_cursor(c);  // twice: no-op
}

TEST_F(CursorTest, MemoryStaysBoundedByTheBatchNotTheResults) {
  fill(20000);
  const uint64_t c = index_->open_cursor(view(data_[1]), "{}");
  size_t peak = 0, results = 0;
  while (true) {
    const auto p = index_->cursor_next(c, 100);
    if (p.count == 0) break;
    results += p.count;
    peak = std::max(peak, index_->cursor_memory_bytes());
  }
  EXPECT_GE(results, 19500u);
  // Three bits per item + the walk's sets (width 100: 100 found, 1,600 aside, 400 frontier,
  // ~48 bytes each) + one exact chunk: bounded by the batch, not the 20,000 results.
  EXPECT_LT(peak, 160u * 1024) << peak;
}

TEST_F(CursorTest, BadOptionsAreInvalidArgument) {
  fill(10);
  for (const char* bad : {R"({"topK":3})", R"({"maxResults":0})", R"({"maxResults":1.5})", R"({"efSearch":"x"})", "[]"}) {
    try {
      index_->open_cursor(view(data_[0]), bad);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidArgument) << bad;
    }
  }
  const uint64_t c = index_->open_cursor(view(data_[0]), "{}");
  for (double n : {0.0, 1.5, 10001.0}) {
    EXPECT_THROW(index_->cursor_next(c, n), Error) << n;
  }
}

// The inline form parses the options once, as the blocking form does: bad options are the same
// error; a plain query cursor opens on the caller's thread, a filtered one or an item iterator
// is left to the blocking form (a filter may build columns, an iterator opens a connection).
TEST_F(CursorTest, InlineOpenTakesPlainCursorsOnly) {
  fill(50);
  uint64_t c = 0;
  for (const char* bad : {R"({"topK":3})", R"({"maxResults":0})", R"({"order":"random"})", "[]", "{"}) {
    try {
      index_->try_open_cursor(view(data_[0]), bad, &c);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidArgument) << bad;
    }
  }
  EXPECT_FALSE(index_->try_open_cursor(view(data_[0]), R"({"filter":{"n":1}})", &c));
  EXPECT_FALSE(index_->try_open_cursor({}, R"({"order":"insertion"})", &c));
  EXPECT_EQ(index_->open_cursor_count(), 0u);
  ASSERT_TRUE(index_->try_open_cursor(view(data_[7]), R"({"efSearch":32,"filter":null})", &c));
  EXPECT_EQ(index_->open_cursor_count(), 1u);
  const auto first = hits_of(index_->cursor_next(c, 1));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].id, "i7");
}

}  // namespace
}  // namespace quiver

namespace quiver {
namespace {

TEST_F(CursorTest, ItemIteratorReadsOneSnapshotInInsertionOrder) {
  fill(300);
  const uint64_t c = index_->open_cursor({}, R"({"order":"insertion"})");
  std::vector<std::string> ids;
  const auto take = [&] {
    const auto hits = hits_of(index_->cursor_next(c, 50));
    for (const auto& h : hits) ids.push_back(h.id);
    return hits.size();
  };
  EXPECT_EQ(take(), 50u);
  // Writes after the snapshot started: none of them shows, nothing vanishes or repeats.
  index_->remove({"i100", "i200", "i0"});
  index_->insert({input("late", data_[0])});
  index_->upsert({input("i150", data_[1], R"({"changed":true})")});
  while (take() > 0) {
  }
  ASSERT_EQ(ids.size(), 300u);
  for (size_t i = 0; i < 300; ++i) EXPECT_EQ(ids[i], "i" + std::to_string(i));
  EXPECT_EQ(index_->open_cursor_count(), 1u);
  index_->close_cursor(c);
  // A new iterator sees the new state; with a filter.
  const uint64_t f = index_->open_cursor({}, R"({"order":"insertion","filter":{"n":{"$lt":10}}})");
  const auto filtered = hits_of(index_->cursor_next(f, 100));
  ASSERT_EQ(filtered.size(), 9u);  // i0 was deleted
  EXPECT_EQ(filtered[0].id, "i1");
  EXPECT_EQ(hits_of(index_->cursor_next(f, 100)).size(), 0u);
  EXPECT_THROW(index_->open_cursor(view(data_[0]), R"({"order":"insertion"})"), Error);
  EXPECT_THROW(index_->open_cursor({}, R"({"order":"random"})"), Error);
}

}  // namespace
}  // namespace quiver
