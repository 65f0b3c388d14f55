// An index whose folder is deleted (and maybe re-created) while a handle is still open: closing
// that stale handle must not write its graph file into the folder. Vectra users never close an
// index, so such handles are closed late, by the garbage collector (embind's
// FinalizationRegistry, N-API finalizers), typically after a test suite removed the folder.
#include <filesystem>

#include <gtest/gtest.h>

#include "quiver/index.h"
#include "test_support.h"

namespace quiver {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

std::vector<float> v3(float a, float b, float c) { return {a, b, c}; }

TEST(StaleHandleTest, ClosingAfterTheFolderWasDeletedWritesNothing) {
  TempDir dir;
  const std::string folder = dir.sub("idx");
  Index::create(folder, test::config(Metric::Cosine, 3), false);
  auto stale = Index::open(folder);
  const auto a = v3(1, 2, 3);
  stale->insert({test::input("a", a)});
  fs::remove_all(folder);
  stale->close();
  EXPECT_FALSE(fs::exists(folder));
}

TEST(StaleHandleTest, ClosingAfterTheFolderWasRecreatedLeavesTheNewIndexAlone) {
  TempDir dir;
  const std::string folder = dir.sub("idx");
  Index::create(folder, test::config(Metric::Cosine, 3), false);
  auto stale = Index::open(folder);
  const auto a = v3(1, 2, 3);
  stale->insert({test::input("a", a)});
  fs::remove_all(folder);
  Index::create(folder, test::config(Metric::Cosine, 3), false);
  stale->close();
  EXPECT_FALSE(fs::exists(fs::path(folder) / "shard-0.hnsw"));
  auto fresh = Index::open(folder);
  EXPECT_EQ(fresh->stats().items, 0u);
}

TEST(StaleHandleTest, ClosingALiveIndexStillSavesTheGraph) {
  TempDir dir;
  const std::string folder = dir.sub("idx");
  Index::create(folder, test::config(Metric::Cosine, 3), false);
  auto index = Index::open(folder);
  const auto a = v3(1, 2, 3);
  index->insert({test::input("a", a)});
  index->close();
  EXPECT_TRUE(fs::exists(fs::path(folder) / "shard-0.hnsw"));
}

}  // namespace
}  // namespace quiver
