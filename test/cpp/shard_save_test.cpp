// Saving a sharded index writes only the shards that changed (ann/shard_set.h): the others keep
// their files and those files' older sequence numbers. The next open catches each shard up from
// its own file's number (nothing is re-applied to a shard whose file already holds it), the
// deletion log keeps what the oldest file lacks, and no shard is rebuilt.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "quiver/index.h"
#include "test_support.h"

namespace quiver {
namespace {

using test::TempDir;

constexpr uint32_t kShards = 4;

// The inode of each shard file: a save renames a new file over the old one.
std::vector<uint64_t> inodes(const std::string& folder) {
  std::vector<uint64_t> out;
  for (uint32_t i = 0; i < kShards; ++i) {
    struct stat st {};
    const std::string path = folder + "/shard-" + std::to_string(i) + ".hnsw";
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    out.push_back(static_cast<uint64_t>(st.st_ino));
  }
  return out;
}

std::vector<ItemInput> inputs(const std::vector<std::vector<float>>& data, const std::vector<size_t>& which) {
  std::vector<ItemInput> items;
  for (size_t i : which) items.push_back(test::input(std::to_string(i), data[i]));
  return items;
}

nlohmann::json verify(Index& index) { return nlohmann::json::parse(index.verify()); }

TEST(ShardSave, OnlyChangedShardsAreRewrittenAndReopenRebuildsNone) {
  TempDir dir;
  const std::string folder = dir.sub("idx");
  IndexConfig config = test::config(Metric::Cosine, 16);
  config.shards = kShards;
  Index::create(folder, config, false);
  const auto data = test::clustered(800, 16, 8, 21);
  const auto moved = test::clustered(800, 16, 8, 22);
  std::vector<size_t> all(data.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  {
    auto index = Index::open(folder);
    index->insert(inputs(data, all));
    index->close();
  }
  const auto first = inodes(folder);

  // Item i has label i + 1 (rowids from 1), shard (i + 1) % 4: ids 0, 4, 8, ... live in shard 1;
  // id "2" in shard 3.
  std::vector<size_t> shard1;
  for (size_t i = 0; i < 40; i += 4) shard1.push_back(i);
  std::vector<std::vector<float>> current = data;
  {
    auto index = Index::open(folder);
    index->upsert(inputs(moved, shard1));
    for (size_t i : shard1) current[i] = moved[i];
    index->remove({"2"});
    index->close();
  }
  const auto second = inodes(folder);
  EXPECT_EQ(second[0], first[0]) << "shard 0 did not change: its file stays";
  EXPECT_NE(second[1], first[1]) << "shard 1 changed: saved";
  EXPECT_EQ(second[2], first[2]) << "shard 2 did not change: its file stays";
  EXPECT_NE(second[3], first[3]) << "shard 3 changed (a delete): saved";

  const auto check = [&](const char* when) {
    SCOPED_TRACE(when);
    auto index = Index::open(folder);
    const auto report = verify(*index);
    const std::string open = report["open"].get<std::string>();
    EXPECT_NE(open.find("graph file loaded"), std::string::npos) << open;
    EXPECT_EQ(open.find("rebuilt"), std::string::npos) << open;
    EXPECT_TRUE(report["consistent"].get<bool>());
    EXPECT_EQ(report["graph"].get<size_t>(), 799u);
    EXPECT_FALSE(index->get("2").has_value());
    QueryOptions q;
    q.top_k = 1;
    q.ef_search = 100;
    for (size_t i = 0; i < current.size(); i += 3) {
      if (i == 2) continue;
      EXPECT_EQ(index->query(test::view(current[i]), q).at(0).item.id, std::to_string(i)) << i;
    }
    index->close();
  };
  check("after the partial save");
  // That open caught shards 1 and 3 up from their own (newer) files: nothing changed, so its
  // close rewrote no file.
  EXPECT_EQ(inodes(folder), second);

  // Shard 1 again: shard 3 keeps the file with the delete, whose log entry must survive until
  // the oldest file (shards 0 and 2) reflects it — it does not, they predate it.
  std::vector<size_t> again = {4, 8};
  {
    auto index = Index::open(folder);
    index->upsert(inputs(data, again));
    for (size_t i : again) current[i] = data[i];
    index->close();
  }
  const auto third = inodes(folder);
  EXPECT_EQ(third[0], first[0]);
  EXPECT_NE(third[1], second[1]);
  EXPECT_EQ(third[2], first[2]);
  EXPECT_EQ(third[3], second[3]);
  check("after a second partial save");
}

}  // namespace
}  // namespace quiver
