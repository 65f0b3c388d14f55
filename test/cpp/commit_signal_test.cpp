// The commit signal (store/commit_signal.h): reads skip asking SQLite while no commit was
// signalled, so every commit must be signalled to every handle on the index, at once, not only
// when a read next asks SQLite anyway (SqliteStore::kAskSqliteEvery).
#include <chrono>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "quiver/index.h"
#include "store/commit_signal.h"
#include "test_support.h"

namespace quiver {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

TEST(CommitSignalTest, ABumpIsSeenThroughEveryMappingAndTheCountOutlivesThem) {
  TempDir dir;
  const std::string path = dir.sub("db-signal");
  {
    auto a = store::CommitSignal::open(path);
    auto b = store::CommitSignal::open(path);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->count(), 0u);  // created with zeros
    a->bump();
    a->bump();
    EXPECT_EQ(b->count(), 2u);
    b->bump();
    EXPECT_EQ(a->count(), 3u);
  }
  auto again = store::CommitSignal::open(path);  // a later open keeps the count
  ASSERT_TRUE(again);
  EXPECT_EQ(again->count(), 3u);
}

TEST(CommitSignalTest, NoSignalWhereTheFileCannotBeCreated) {
  TempDir dir;
  EXPECT_EQ(store::CommitSignal::open(dir.sub("missing-folder/db-signal")), nullptr);
}

// Two handles (two SQLite connections, as two processes have) writing in turn: each read sees
// the other's last write at once. Hundreds of turns take well under kAskSqliteEvery each, so a
// write that was not signalled would be missed by the read right after it.
TEST(CommitSignalTest, EachHandleSeesTheOthersWritesAtOnce) {
  TempDir dir;
  const std::string folder = dir.sub("idx");
  Index::create(folder, test::config(Metric::Cosine, 3), false);
  auto a = Index::open(folder);
  auto b = Index::open(folder);
  EXPECT_TRUE(fs::exists(fs::path(folder) / "quiver.db-signal"));
  QueryOptions q;
  q.top_k = 1;
  const auto started = std::chrono::steady_clock::now();
  for (int turn = 0; turn < 300; ++turn) {
    Index& writer = turn % 2 == 0 ? *a : *b;
    Index& reader = turn % 2 == 0 ? *b : *a;
    const std::string id = "item-" + std::to_string(turn);
    const std::vector<float> v = {1.0f + turn, 2.0f, 3.0f};
    writer.insert({test::input(id, v)});
    ASSERT_TRUE(reader.get(id).has_value()) << "turn " << turn;
    const auto hits = reader.query(test::view(v), q);
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].item.id, id) << "turn " << turn;
    writer.remove({id});
    EXPECT_FALSE(reader.get(id).has_value()) << "turn " << turn;
  }
  // The premise of the test: the turns were fast enough to fall inside the time-based ask.
  const auto per_turn = (std::chrono::steady_clock::now() - started) / 300;
  EXPECT_LT(per_turn, std::chrono::milliseconds(50));
  a->close();
  b->close();
}

// Deleting an index removes its signal file with the database files.
TEST(CommitSignalTest, DestroyRemovesTheSignalFile) {
  TempDir dir;
  const std::string folder = dir.sub("idx");
  Index::create(folder, test::config(Metric::Cosine, 3), false);
  Index::open(folder)->close();
  ASSERT_TRUE(fs::exists(fs::path(folder) / "quiver.db-signal"));
  Index::create(folder, test::config(Metric::Cosine, 3), true);  // deleteIfExists
  Index::open(folder)->close();
  Index::destroy(folder);
  EXPECT_FALSE(fs::exists(fs::path(folder) / "quiver.db-signal"));
}

}  // namespace
}  // namespace quiver
