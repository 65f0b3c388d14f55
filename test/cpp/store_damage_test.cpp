// Damaged rows in quiver.db: a column that reads back NULL, with the wrong type or the wrong size
// must be a CORRUPT error naming the item, never a crash. The damage is done with SQLite's own C
// API from a second connection, the way a byte flip or a careless tool would leave the file
// (PRAGMA integrity_check still says "ok" for all of these).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "db_damage.h"
#include "quiver/index.h"
#include "test_support.h"

namespace quiver {
namespace {

using test::TempDir;
using test::expect_corrupt;

constexpr size_t kDims = 8;

// Drops the NOT NULL constraints of `items`, then runs `damage` on a fresh connection that sees
// the relaxed schema.
void damage_items(const std::string& folder, const std::string& damage) {
  test::rewrite_schema(folder, "items", "NOT NULL", "");
  test::exec_on_index(folder, damage);
}

class StoreDamageTest : public ::testing::Test {
 protected:
  void SetUp() override { make_index("idx"); }

  // A fresh index in `name` holding the items "good" and "victim".
  void make_index(const std::string& name) {
    folder_ = dir_.sub(name);
    Index::create(folder_, test::config(Metric::Cosine, kDims), false);
    auto index = Index::open(folder_);
    index->insert({test::input("good", vec(1), R"({"k":1})"),
                   test::input("victim", vec(2), R"({"k":2})")});
    index->close();
  }

  static std::vector<float> vec(float seed) {
    std::vector<float> v(kDims);
    for (size_t i = 0; i < kDims; ++i) v[i] = seed + static_cast<float>(i) * 0.25f;
    return v;
  }

  TempDir dir_;
  std::string folder_;
};

// The reproduction from the issue: metadata NULL, found at open (the scan of every row).
TEST_F(StoreDamageTest, NullMetadataAtOpenIsCorruptNamingTheItem) {
  damage_items(folder_, "UPDATE items SET metadata = NULL WHERE id = 'victim'");
  expect_corrupt([&] { Index::open(folder_); }, {"victim", "metadata"}, "open");
}

// Every damaged column, on an index opened before the damage (another program damaged the row):
// reads are answered from memory, loaded and checked before the damage, so they return what was
// written (never the damaged row); verify() and the next open find it: CORRUPT naming the item.
TEST_F(StoreDamageTest, EveryDamagedColumnIsNeverReadAndCorruptAtOpen) {
  struct Case {
    const char* damage;
    std::vector<std::string> needles;
  };
  const std::vector<Case> cases = {
      {"UPDATE items SET metadata = NULL WHERE id = 'victim'", {"victim", "metadata"}},
      {"UPDATE items SET metadata = x'00ff' WHERE id = 'victim'", {"victim", "metadata"}},
      {"UPDATE items SET vector = NULL WHERE id = 'victim'", {"victim", "vector"}},
      {"UPDATE items SET vector = 'text' WHERE id = 'victim'", {"victim", "vector"}},
      {"UPDATE items SET vector = zeroblob(12) WHERE id = 'victim'", {"victim", "vector"}},
      // Text affinity turns 42 into "42": only the row checksum can tell.
      {"UPDATE items SET id = 42 WHERE id = 'victim'", {"\"42\"", "checksum"}},
      {"UPDATE items SET checksum = NULL WHERE id = 'victim'", {"victim", "checksum"}},
      {"UPDATE items SET id = NULL WHERE id = 'victim'", {"id"}},
      {"UPDATE items SET seq = NULL WHERE id = 'victim'", {"victim", "seq"}},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.damage);
    make_index("case" + std::to_string(n++));
    auto index = Index::open(folder_);
    damage_items(folder_, c.damage);
    const auto victim = index->get("victim");
    ASSERT_TRUE(victim.has_value());
    EXPECT_EQ(victim->vector, vec(2));
    EXPECT_EQ(victim->metadata_json, R"({"k":2})");
    ASSERT_EQ(index->list().size(), 2u);
    QueryOptions q;
    q.top_k = 1;
    const auto hits = index->query(test::view(vec(2)), q);
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].item.id, "victim");
    EXPECT_EQ(hits[0].item.vector, vec(2));
    expect_corrupt([&] { index->verify(); }, c.needles, "verify");
    index->close();
    expect_corrupt([&] { Index::open(folder_); }, c.needles, "open");
  }
}

// The settings table can be damaged too: a NULL value must not crash the open.
TEST_F(StoreDamageTest, NullSettingIsCorrupt) {
  test::rewrite_schema(folder_, "quiver_settings", "NOT NULL", "");
  test::exec_on_index(folder_, "UPDATE quiver_settings SET value = NULL WHERE key = 'config'");
  expect_corrupt([&] { Index::open(folder_); }, {"config"}, "open");
}


// A damaged schema text (one letter of a column name flipped, as the corruption sweep does) makes
// our fixed statements fail to prepare: that is CORRUPT, not an internal error.
TEST_F(StoreDamageTest, RenamedColumnInSchemaIsCorrupt) {
  for (const char* column : {"label", "vector", "metadata", "checksum"}) {
    make_index(std::string("renamed-") + column);
    test::rewrite_schema(folder_, "items", std::string(column) + " ", std::string("x") + (column + 1) + " ");
    expect_corrupt([&] { Index::open(folder_)->list(); }, {"schema is damaged"}, column);
  }
}


// The keyword index's virtual table is described by schema text too: damage there is CORRUPT.
TEST_F(StoreDamageTest, DamagedKeywordIndexSchemaIsCorrupt) {
  test::rewrite_schema(folder_, "items_text", "tokenize", "tokenizf");
  expect_corrupt([&] { Index::open(folder_)->list(); }, {"schema is damaged"}, "open");
}

}  // namespace
}  // namespace quiver
