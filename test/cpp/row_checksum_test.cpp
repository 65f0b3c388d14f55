// Row checksums (schema version 2): damage that leaves a row well-formed (a flipped byte in a
// vector, metadata that is still JSON, another id, a moved label) is CORRUPT on every read path
// and in verify(), and a version-1 database made with the old schema is migrated on open.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "db_damage.h"
#include "quiver/index.h"
#include "store/schema.h"
#include "test_support.h"
#include "util/row_checksum.h"

namespace quiver {
namespace {

using test::TempDir;
using test::exec_sql;
using test::expect_corrupt;

constexpr size_t kDims = 8;

std::vector<float> vec(float seed) {
  std::vector<float> v(kDims);
  for (size_t i = 0; i < kDims; ++i) v[i] = seed + static_cast<float>(i) * 0.25f;
  return v;
}

std::string query_text(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
  std::string out;
  if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0)) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  }
  sqlite3_finalize(s);
  return out;
}

// Flips one bit of the stored vector of `id` (same size, still a blob).
void flip_vector_bit(sqlite3* db, const std::string& id, int byte, int bit) {
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT vector FROM items WHERE id = ?", -1, &s, nullptr), SQLITE_OK);
  sqlite3_bind_text(s, 1, id.c_str(), -1, SQLITE_TRANSIENT);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(s, 0));
  std::vector<unsigned char> blob(p, p + sqlite3_column_bytes(s, 0));
  sqlite3_finalize(s);
  blob.at(static_cast<size_t>(byte)) ^= static_cast<unsigned char>(1u << bit);
  ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE items SET vector = ? WHERE id = ?", -1, &s, nullptr), SQLITE_OK);
  sqlite3_bind_blob(s, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 2, id.c_str(), -1, SQLITE_TRANSIENT);
  ASSERT_EQ(sqlite3_step(s), SQLITE_DONE);
  sqlite3_finalize(s);
}

TEST(RowChecksum, EveryBitOfEveryFieldCounts) {
  const std::string id = "item-1";
  const auto v = vec(1);
  const std::string meta = R"({"k":1})";
  const uint64_t base = util::row_checksum(7, id, v.data(), v.size() * 4, meta);
  EXPECT_NE(base, util::row_checksum(8, id, v.data(), v.size() * 4, meta));
  for (size_t byte = 0; byte < v.size() * 4; ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      auto w = v;
      reinterpret_cast<unsigned char*>(w.data())[byte] ^= static_cast<unsigned char>(1u << bit);
      ASSERT_NE(base, util::row_checksum(7, id, w.data(), w.size() * 4, meta)) << byte << ":" << bit;
    }
  }
  for (size_t i = 0; i < meta.size(); ++i) {
    auto m = meta;
    m[i] ^= 0x01;
    ASSERT_NE(base, util::row_checksum(7, id, v.data(), v.size() * 4, m)) << i;
  }
  // Moving bytes between fields changes it too (lengths are part of the sum).
  EXPECT_NE(util::row_checksum(1, "ab", nullptr, 0, "c"), util::row_checksum(1, "a", nullptr, 0, "bc"));
}

class RowChecksumIndexTest : public ::testing::Test {
 protected:
  void make_index(const std::string& name) {
    folder_ = dir_.sub(name);
    Index::create(folder_, test::config(Metric::Cosine, kDims), false);
    auto index = Index::open(folder_);
    index->insert({test::input("good", vec(1), R"({"k":1})"),
                   test::input("victim", vec(2), R"({"k":2})")});
    index->close();
  }

  sqlite3* connect() {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((folder_ + "/quiver.db").c_str(), &db), SQLITE_OK);
    return db;
  }

  TempDir dir_;
  std::string folder_;
};

// Damage that leaves a well-formed row: never returned by a read, caught by verify() and by the
// next open.
TEST_F(RowChecksumIndexTest, WellFormedDamageIsCorruptOnEveryPath) {
  struct Case {
    const char* name;
    std::function<void(sqlite3*)> damage;
    std::string needle;   // in the message
    bool get_by_victim;   // (unused since reads come from memory; kept to document each case)
    bool query_reaches;
  };
  // Every item returned is exactly as written (ids good/victim, their vectors and metadata).
  const auto original_or_corrupt = [](auto read, const std::string& needle, const char* what) {
    std::vector<Item> items;
    try {
      items = read();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Corrupt) << what << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << what << ": " << e.what();
      return;
    }
    EXPECT_FALSE(items.empty()) << what;
    for (const auto& item : items) {
      ASSERT_TRUE(item.id == "good" || item.id == "victim") << what << ": " << item.id;
      const bool good = item.id == "good";
      EXPECT_EQ(item.vector, vec(good ? 1 : 2)) << what;
      EXPECT_EQ(item.metadata_json, good ? R"({"k":1})" : R"({"k":2})") << what;
    }
  };
  const std::vector<Case> cases = {
      {"vector bit", [](sqlite3* db) { flip_vector_bit(db, "victim", 5, 3); }, "victim", true, true},
      {"vector sign", [](sqlite3* db) { flip_vector_bit(db, "victim", 31, 7); }, "victim", true, true},
      {"metadata still JSON",
       [](sqlite3* db) { exec_sql(db, R"(UPDATE items SET metadata = '{"k":3}' WHERE id = 'victim')"); },
       "victim", true, true},
      {"another id", [](sqlite3* db) { exec_sql(db, "UPDATE items SET id = 'victin' WHERE id = 'victim'"); },
       "victin", false, true},
      {"checksum", [](sqlite3* db) { exec_sql(db, "UPDATE items SET checksum = checksum + 1 WHERE id = 'victim'"); },
       "victim", true, true},
      {"label moved", [](sqlite3* db) { exec_sql(db, "UPDATE items SET label = label + 100 WHERE id = 'victim'"); },
       "victim", true, false},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    make_index("case" + std::to_string(n++));
    auto index = Index::open(folder_);
    sqlite3* db = connect();
    c.damage(db);
    sqlite3_close(db);
    // Reads are answered from memory, loaded (and checked) before the damage: they return what
    // was written, or report CORRUPT where they still read the row; never the damaged data.
    original_or_corrupt([&] { return index->list(); }, c.needle, "list");
    original_or_corrupt(
        [&] {
          auto item = index->get("victim");
          return item ? std::vector<Item>{*item} : std::vector<Item>{};
        },
        c.needle, "get");
    QueryOptions q;
    q.top_k = 2;
    original_or_corrupt(
        [&] {
          std::vector<Item> items;
          for (auto& hit : index->query(test::view(vec(2)), q)) items.push_back(hit.item);
          return items;
        },
        c.needle, "query");
    expect_corrupt([&] { index->verify(); }, {c.needle}, "verify");
    EXPECT_TRUE(index->get("good").has_value());
    index->close();
    expect_corrupt([&] { Index::open(folder_); }, {c.needle}, "open");
  }
}

// The advice in the message works: removing the damaged row makes the index open again.
TEST_F(RowChecksumIndexTest, RemovingTheDamagedRowRecovers) {
  make_index("idx");
  sqlite3* db = connect();
  flip_vector_bit(db, "victim", 0, 0);
  sqlite3_close(db);
  expect_corrupt([&] { Index::open(folder_); }, {"DELETE FROM items WHERE label = 2"}, "open");
  db = connect();
  exec_sql(db, "DELETE FROM items WHERE label = 2");
  sqlite3_close(db);
  auto index = Index::open(folder_);
  EXPECT_EQ(index->list().size(), 1u);
  EXPECT_TRUE(nlohmann::json::parse(index->verify())["consistent"].get<bool>());
}

// Labels stay AUTOINCREMENT's: never reused, also after the newest item is deleted.
TEST_F(RowChecksumIndexTest, LabelsAreNeverReused) {
  make_index("idx");
  {
    auto index = Index::open(folder_);
    index->remove({"victim"});  // label 2, the highest
    index->insert({test::input("third", vec(3))});
  }
  sqlite3* db = connect();
  EXPECT_EQ(query_text(db, "SELECT label FROM items WHERE id = 'third'"), "3");
  sqlite3_close(db);
}

// A database written by quiverdb 0.1 (schema version 1, no checksum column), made here with that
// schema, opens: the rows get checksums in one transaction and the version becomes 2.
TEST_F(RowChecksumIndexTest, MigratesVersionOneDatabase) {
  make_index("v2");  // only to borrow a valid stored config
  sqlite3* v2 = connect();
  const std::string config = query_text(v2, "SELECT value FROM quiver_settings WHERE key = 'config'");
  sqlite3_close(v2);

  folder_ = dir_.sub("v1");
  std::filesystem::create_directories(folder_);
  sqlite3* db = connect();
  exec_sql(db, "PRAGMA journal_mode=WAL");
  exec_sql(db, R"sql(
CREATE TABLE quiver_settings(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE items(
  label INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  vector BLOB NOT NULL,
  metadata TEXT NOT NULL,
  seq INTEGER NOT NULL);
CREATE INDEX items_by_seq ON items(seq);
CREATE TABLE deletions(label INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
)sql");
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "INSERT INTO quiver_settings VALUES(?, ?)", -1, &s, nullptr), SQLITE_OK);
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"format", "quiverdb"}, {"schema_version", "1"}, {"config", config}, {"sequence", "3"}}) {
    sqlite3_bind_text(s, 1, k.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, v.c_str(), -1, SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(s), SQLITE_DONE);
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  ASSERT_EQ(sqlite3_prepare_v2(db, "INSERT INTO items(id, vector, metadata, seq) VALUES(?, ?, ?, ?)", -1,
                               &s, nullptr),
            SQLITE_OK);
  for (int i = 0; i < 3; ++i) {
    const auto v = vec(static_cast<float>(i + 1));
    const std::string id = "old" + std::to_string(i);
    const std::string meta = "{\"i\":" + std::to_string(i) + "}";
    sqlite3_bind_text(s, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 2, v.data(), static_cast<int>(v.size() * 4), SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, meta.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 4, i + 1);
    ASSERT_EQ(sqlite3_step(s), SQLITE_DONE);
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  sqlite3_close(db);

  {
    auto index = Index::open(folder_);
    auto items = index->list();
    ASSERT_EQ(items.size(), 3u);
    EXPECT_EQ(items[1].id, "old1");
    EXPECT_EQ(items[1].metadata_json, R"({"i":1})");
    EXPECT_EQ(items[2].vector, vec(3));
    QueryOptions q;
    q.top_k = 1;
    EXPECT_EQ(index->query(test::view(vec(2)), q).at(0).item.id, "old1");
    index->insert({test::input("new", vec(9))});
    EXPECT_EQ(index->stats().items, 4u);
  }
  db = connect();
  // Migrated all the way to the current version (2: checksums, 3: keyword index).
  EXPECT_EQ(query_text(db, "SELECT value FROM quiver_settings WHERE key = 'schema_version'"),
            std::to_string(store::kSchemaVersion));
  EXPECT_EQ(query_text(db, "SELECT count(*) FROM items WHERE checksum IS NULL"), "0");
  EXPECT_EQ(query_text(db, "SELECT label FROM items WHERE id = 'new'"), "4");
  // The checksums were computed over the real rows: damage is now caught.
  exec_sql(db, R"(UPDATE items SET metadata = '{"i":7}' WHERE id = 'old1')");
  sqlite3_close(db);
  expect_corrupt([&] { Index::open(folder_); }, {"old1"}, "open after migration");
}

// A database from a newer quiverdb is refused with what to do.
TEST_F(RowChecksumIndexTest, NewerSchemaIsRefused) {
  make_index("idx");
  sqlite3* db = connect();
  exec_sql(db, "UPDATE quiver_settings SET value = '99' WHERE key = 'schema_version'");
  sqlite3_close(db);
  try {
    Index::open(folder_);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Corrupt);
    EXPECT_NE(std::string(e.what()).find("upgrade quiverdb"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace quiver
