// ItemTable against a std::map oracle: random puts (new, replaced, renamed ids), erases and
// lookups, across arena compactions and index growth.
#include <gtest/gtest.h>

#include <iterator>
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

// Open's path (append in label order, then one index build) gives the table put() gives,
// including ids sharing a hash bucket, items without a vector, and later changes.
TEST(ItemTable, AppendThenFinishEqualsPut) {
  std::mt19937_64 rng(11);
  ItemTable appended, put;
  std::map<uint64_t, Expected> oracle;
  uint64_t label = 0;
  for (int i = 0; i < 20000; ++i) {
    label += 1 + rng() % 3;  // ascending, with gaps (deleted rows)
    const std::string id = "item-" + std::to_string(rng() % 1000000) + "-" + std::to_string(i);
    const std::string metadata = "{\"n\":" + std::to_string(i) + "}";
    const bool has_vector = i % 7 != 0;
    appended.append(label, id, metadata, has_vector);
    put.put(label, id, metadata, has_vector);
    oracle[label] = {id, metadata};
  }
  appended.finish_append();
  check_equal(appended, oracle);
  EXPECT_EQ(appended.with_vectors(), put.with_vectors());
  EXPECT_EQ(appended.label_bound(), put.label_bound());
  // Changes after the build keep every rule (erase moves entries, put renames).
  const uint64_t first = oracle.begin()->first;
  appended.erase(first);
  oracle.erase(first);
  const uint64_t some = std::next(oracle.begin(), 100)->first;
  appended.put(some, "renamed", "{}");
  oracle[some] = {"renamed", "{}"};
  appended.put(label + 1, "new", "[]");
  oracle[label + 1] = {"new", "[]"};
  check_equal(appended, oracle);
}

// A damaged store can hold one id under two labels (its unique index broken): the later label
// wins the id, as put() one by one decides, and the table stays consistent under erases.
TEST(ItemTable, AppendedDuplicateIdsResolveAsPutDoes) {
  ItemTable appended, put;
  const std::vector<std::pair<uint64_t, std::string>> rows = {{1, "a"}, {2, "dup"}, {3, "b"}, {5, "dup"}, {6, "c"}};
  for (const auto& [label, id] : rows) {
    appended.append(label, id, "{}");
    put.put(label, id, "{}");
  }
  appended.finish_append();
  ASSERT_EQ(appended.size(), put.size());
  for (const char* id : {"a", "dup", "b", "c"}) {
    uint64_t x = 0, y = 0;
    ASSERT_EQ(appended.find(id, &x), put.find(id, &y)) << id;
    EXPECT_EQ(x, y) << id;
  }
  EXPECT_EQ(appended.labels(), put.labels());
}

// Appends out of label order (or into a table already indexed) take put()'s path: nothing lost.
TEST(ItemTable, AppendOutOfOrderFallsBackToPut) {
  ItemTable table;
  table.append(5, "five", "{}");
  table.append(3, "three", "{}");  // lower than the last: indexed at once
  table.append(9, "nine", "{}");
  table.append(9, "nine-again", "[]");  // same label: replaced
  table.finish_append();
  std::map<uint64_t, Expected> oracle = {{3, {"three", "{}"}}, {5, {"five", "{}"}}, {9, {"nine-again", "[]"}}};
  check_equal(table, oracle);
  uint64_t found = 0;
  EXPECT_FALSE(table.find("nine", &found));
}

}  // namespace
}  // namespace quiver::index
