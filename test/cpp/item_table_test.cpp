// ItemTable against a std::map oracle: random puts (new, replaced, renamed ids), erases and
// lookups, across arena compactions and index growth.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "index/item_table.h"

namespace quiver::index {
namespace {

struct Expected {
  std::string id;
  std::string metadata;
};

void check_equal(const ItemTable& table, const std::map<uint64_t, Expected>& oracle) {
  ASSERT_EQ(table.size(), oracle.size());
  std::vector<uint64_t> labels;
  for (const auto& [label, e] : oracle) {
    labels.push_back(label);
    ASSERT_TRUE(table.contains(label));
    ASSERT_EQ(table.id(label), e.id);
    ASSERT_EQ(table.metadata(label), e.metadata);
    uint64_t found = 0;
    ASSERT_TRUE(table.find(e.id, &found)) << e.id;
    ASSERT_EQ(found, label);
  }
  ASSERT_EQ(table.labels(), labels);
}

TEST(ItemTable, MatchesAMapUnderRandomChanges) {
  std::mt19937_64 rng(7);
  ItemTable table;
  std::map<uint64_t, Expected> oracle;
  uint64_t next_label = 1;
  for (int step = 0; step < 60000; ++step) {
    const int op = static_cast<int>(rng() % 10);
    if (op < 5 || oracle.empty()) {  // a new item, with metadata long enough to make garbage
      const uint64_t label = next_label++;
      Expected e{"id-" + std::to_string(label * 7919 % 100003), std::string(rng() % 200, 'm') + "}"};
      table.put(label, e.id, e.metadata);
      oracle[label] = e;
    } else {
      auto it = oracle.begin();
      std::advance(it, static_cast<long>(rng() % oracle.size()));
      if (op < 8) {  // replaced metadata, sometimes under a new id
        if (op == 7) it->second.id += "+";
        it->second.metadata = std::to_string(rng());
        table.put(it->first, it->second.id, it->second.metadata);
      } else {
        table.erase(it->first);
        oracle.erase(it);
      }
    }
    if (step % 5000 == 0) check_equal(table, oracle);
  }
  check_equal(table, oracle);
  uint64_t label = 0;
  EXPECT_FALSE(table.find("never-inserted", &label));
  table.erase(next_label + 10);  // absent: no-op
  check_equal(table, oracle);
}

TEST(ItemTable, ErasingEverythingEmptiesIt) {
  ItemTable table;
  for (uint64_t label = 1; label <= 100; ++label) table.put(label, "id" + std::to_string(label), "{}");
  for (uint64_t label = 1; label <= 100; ++label) table.erase(label);
  EXPECT_EQ(table.size(), 0u);
  uint64_t found = 0;
  EXPECT_FALSE(table.find("id5", &found));
  EXPECT_TRUE(table.labels().empty());
  table.put(3, "again", R"({"a":1})");
  EXPECT_TRUE(table.find("again", &found));
  EXPECT_EQ(found, 3u);
}

TEST(ItemTable, IdsAreBytesNotCStrings) {
  ItemTable table;
  const std::string a("a\0b", 3), b("a\0c", 3);
  table.put(1, a, "{}");
  table.put(2, b, "[]");
  uint64_t found = 0;
  ASSERT_TRUE(table.find(b, &found));
  EXPECT_EQ(found, 2u);
  EXPECT_EQ(table.id(1), a);
}

}  // namespace
}  // namespace quiver::index
