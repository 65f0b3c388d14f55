// Saving the graph file when several connections (processes) share an index: a save that lost
// the race writes nothing, temp files are unique per save, and leftovers are removed only by
// whoever holds the save lock exclusively. (The 12-process version is in
// test/ts/crossprocess.test.ts; two Index objects here behave like two processes: each has its
// own SQLite connection and its own flock.)
#include <gtest/gtest.h>

#include <algorithm>

#include <chrono>
#include <filesystem>
#include <thread>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ann/shard_set.h"
#include "quiver/index.h"
#include "test_support.h"
#include "util/file_lock.h"

namespace quiver {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

constexpr uint32_t kDims = 8;

std::vector<float> vec(float seed) {
  std::vector<float> v(kDims);
  for (size_t i = 0; i < kDims; ++i) v[i] = seed + static_cast<float>(i) * 0.25f;
  return v;
}

uint64_t file_seq(const std::string& folder) {
  auto seq = ann::ShardSet::file_seq(folder, Metric::Cosine, kDims, Quantization::F32, 1);
  return seq ? *seq : 0;
}

TEST(GraphSave, SaveThatLostTheRaceWritesNothing) {
  TempDir dir;
  const auto folder = dir.sub("idx");
  Index::create(folder, test::config(Metric::Cosine, kDims), false);
  auto a = Index::open(folder);
  a->insert({test::input("a", vec(1))});             // write 1
  auto b = Index::open(folder);                       // rebuilds and saves at 1
  b->insert({test::input("b", vec(2))});             // write 2 (b has not saved it)
  a->insert({test::input("c", vec(3))});             // write 3 (a catches up with b first)
  a->close();
  EXPECT_EQ(file_seq(folder), 3u);
  b->close();  // b's graph reflects write 2: older than the file, so it must not replace it
  EXPECT_EQ(file_seq(folder), 3u);

  auto reopened = Index::open(folder);
  auto report = nlohmann::json::parse(reopened->verify());
  EXPECT_TRUE(report["consistent"].get<bool>()) << report.dump();
  EXPECT_NE(report["open"].get<std::string>().find("loaded at write 3"), std::string::npos)
      << report.dump();
  EXPECT_EQ(reopened->stats().items, 3u);
}

TEST(GraphSave, TempFilesAreRemovedOnlyUnderTheExclusiveLock) {
  TempDir dir;
  const auto folder = dir.sub("idx");
  Index::create(folder, test::config(Metric::Cosine, kDims), false);
  {
    auto index = Index::open(folder);
    index->insert({test::input("a", vec(1))});
    index->close();
  }
  // Leftovers: a save of another process (unique name), and the fixed names of older versions.
  const std::vector<std::string> temps = {folder + "/shard-0.hnsw.4242-0123456789abcdef.tmp",
                                          folder + "/shard-0.hnsw.4242-0123456789abcdef.body.tmp",
                                          folder + "/shard-0.hnsw.body.tmp",
                                          folder + "/shard-0.hnsw.tmp"};
  for (const auto& t : temps) std::ofstream(t) << "partial";
  {
    // Another process is saving (holds the lock) while we open: the open waits for it to finish
    // (shared lock for loading) and leaves its files alone.
    const std::string lock_path = folder + "/shard-0.hnsw.lock";
    auto other = std::make_unique<util::FileLock>(
        util::FileLock::acquire(lock_path, util::FileLock::Mode::Exclusive));
    std::thread release([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      other.reset();
    });
    auto index = Index::open(folder);
    release.join();
    for (const auto& t : temps) EXPECT_TRUE(fs::exists(t)) << t;
    // It saves again as we close: our save is skipped, its files still left alone.
    auto again = util::FileLock::acquire(lock_path, util::FileLock::Mode::Exclusive);
    index->insert({test::input("b", vec(2))});
    index->close();
    for (const auto& t : temps) EXPECT_TRUE(fs::exists(t)) << t;
    EXPECT_EQ(file_seq(folder), 1u);
  }
  {
    auto index = Index::open(folder);  // lock free: the leftovers are stale, removed
    for (const auto& t : temps) EXPECT_FALSE(fs::exists(t)) << t;
    index->close();
  }
  EXPECT_EQ(file_seq(folder), 2u);
  for (const auto& entry : fs::directory_iterator(folder)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
  Index::destroy(folder);
  EXPECT_FALSE(fs::exists(folder));  // lock file and all: nothing left behind
}

// A handle destroyed without close() (a garbage-collected binding object) writes nothing into
// the folder: it may be happening while the application deletes that folder. Its writes are
// in SQLite, and the next open re-applies them to the older graph file.
TEST(GraphSave, DestroyingAnUnclosedIndexWritesNoFile) {
  TempDir dir;
  const auto folder = dir.sub("idx");
  Index::create(folder, test::config(Metric::Cosine, kDims), false);
  {
    auto index = Index::open(folder);
    index->insert({test::input("a", vec(1))});
    index->close();
  }
  const auto before = fs::last_write_time(folder + "/shard-0.hnsw");
  std::vector<std::string> names_before;
  for (const auto& e : fs::directory_iterator(folder)) names_before.push_back(e.path().filename().string());
  {
    auto index = Index::open(folder);
    index->insert({test::input("b", vec(2))});
  }  // destroyed, not closed
  std::vector<std::string> names_after;
  for (const auto& e : fs::directory_iterator(folder)) names_after.push_back(e.path().filename().string());
  std::sort(names_before.begin(), names_before.end());
  std::sort(names_after.begin(), names_after.end());
  EXPECT_EQ(names_after, names_before);
  EXPECT_EQ(fs::last_write_time(folder + "/shard-0.hnsw"), before);
  EXPECT_EQ(file_seq(folder), 1u);
  auto index = Index::open(folder);  // re-applies "b" from SQLite
  EXPECT_TRUE(index->get("b").has_value());
  QueryOptions q;
  q.top_k = 1;
  EXPECT_EQ(index->query(test::view(vec(2)), q).at(0).item.id, "b");
}

}  // namespace
}  // namespace quiver
