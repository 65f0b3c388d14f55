// libFuzzer target: the row decoder — every path that reads a stored item row (id, vector blob,
// metadata JSON, sequence) or the stored settings back from quiver.db. There is no standalone
// decoder, so each input damages a small valid index through the SQLite API and then opens and
// uses it. SQLite does not protect row contents, so a damaged row must come back as a typed
// error (CORRUPT), or as data, never as a crash.
//
// Start-up builds one template index (3 items, dims 4, l2) with the NOT NULL constraints removed
// from `items` and `quiver_settings` (writable_schema), so fuzzed rows can hold NULLs. Input format:
//   byte 0  flags: bit 0 keep the template's graph file; bit 1 insert a new row instead of
//           updating one; bit 2 delete the row instead; bit 3 reseal the row (store the row
//           checksum of its new contents, as a writer that bypasses Quiver would), so that the
//           fuzzed values get past the checksum to the decoding of ids, vectors and metadata
//   byte 1  which row (label 1..3, or a label that does not exist)
//   then up to five fields, in the order id, vector, metadata, seq, settings.config; each is
//   [kind: 1 byte][length: 2 bytes LE][payload]. Kinds: 'n' NULL, 'i' int64, 'f' double,
//   't' text, 'b' blob; any other kind leaves the column unchanged.
// With QUIVER_FUZZ_WRITE_SEEDS set, writes seeds in this format there and exits.
#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "quiver/index.h"
#include "util/row_checksum.h"

namespace {

using quiver::Error;
using quiver::ErrorCode;
using quiver::Index;

constexpr uint32_t kDims = 4;
const char* const kColumns[] = {"id", "vector", "metadata", "seq"};

struct Template {
  std::string db;     // quiver.db bytes (checkpointed: no WAL)
  std::string graph;  // shard-0.hnsw bytes
};
Template g_template;

std::string work_dir() { return quiver_fuzz::scratch_dir() + "/index"; }

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    quiver_fuzz::fail(std::string("template: ") + sql + ": " + (err ? err : "?"));
  }
}

void build_template() {
  const std::string dir = quiver_fuzz::scratch_dir() + "/template";
  Index::destroy(dir);
  quiver::IndexConfig config;
  config.dimensions = kDims;
  config.metric = quiver::Metric::L2;
  Index::create(dir, config, /*delete_if_exists=*/true);
  {
    auto index = Index::open(dir);
    std::vector<std::vector<float>> vectors = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0.5f, 0.5f, 2, -1}};
    const char* metadata[] = {R"({"a":1,"tag":"x"})", R"({"a":[1,2],"b":{"c":null}})", "{}"};
    std::vector<quiver::ItemInput> items(3);
    for (size_t i = 0; i < items.size(); ++i) {
      items[i].id = "item-" + std::to_string(i + 1);
      items[i].vector = {vectors[i].data(), kDims, true};
      items[i].metadata_json = metadata[i];
    }
    index->insert(items);
    index->close();  // saves shard-0.hnsw
  }
  const std::string db_path = dir + "/quiver.db";
  sqlite3* db = nullptr;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) quiver_fuzz::fail("template: open");
  exec(db, "PRAGMA writable_schema=ON");
  exec(db, "UPDATE sqlite_schema SET sql = replace(sql, ' NOT NULL', '') "
           "WHERE name IN ('items', 'quiver_settings')");
  exec(db, "PRAGMA writable_schema=OFF");
  exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite3_close(db);
  g_template.db = quiver_fuzz::read_file(db_path);
  g_template.graph = quiver_fuzz::read_file(dir + "/shard-0.hnsw");
  Index::destroy(dir);
}

struct Field {
  char kind = 0;  // 0: absent
  std::string payload;
};

std::vector<Field> split_fields(const uint8_t* data, size_t size) {
  std::vector<Field> fields;
  size_t pos = 0;
  while (fields.size() < 5 && pos + 3 <= size) {
    Field f;
    f.kind = static_cast<char>(data[pos]);
    const size_t len = std::min<size_t>(data[pos + 1] | (data[pos + 2] << 8), size - pos - 3);
    f.payload.assign(reinterpret_cast<const char*>(data + pos + 3), len);
    fields.push_back(std::move(f));
    pos += 3 + len;
  }
  return fields;
}

// Binds a field to parameter `i`; false when the field leaves the column alone.
bool bind(sqlite3_stmt* s, int i, const Field& f) {
  switch (f.kind) {
    case 'n':
      sqlite3_bind_null(s, i);
      return true;
    case 'i': {
      int64_t v = 0;
      std::memcpy(&v, f.payload.data(), std::min(sizeof v, f.payload.size()));
      sqlite3_bind_int64(s, i, v);
      return true;
    }
    case 'f': {
      double v = 0;
      std::memcpy(&v, f.payload.data(), std::min(sizeof v, f.payload.size()));
      sqlite3_bind_double(s, i, v);
      return true;
    }
    case 't':
      sqlite3_bind_text(s, i, f.payload.data(), static_cast<int>(f.payload.size()), SQLITE_TRANSIENT);
      return true;
    case 'b':
      sqlite3_bind_blob(s, i, f.payload.data(), static_cast<int>(f.payload.size()), SQLITE_TRANSIENT);
      return true;
    default:
      return false;
  }
}

// Runs one statement with up to two bound fields; SQLite may refuse it (e.g. a duplicate id),
// which only means this input damages less.
void run(sqlite3* db, const std::string& sql, const std::vector<const Field*>& fields, int64_t label) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
    quiver_fuzz::fail("prepare: " + sql + ": " + sqlite3_errmsg(db));
  }
  int i = 1;
  for (const Field* f : fields) bind(s, i++, *f);
  if (label != 0) sqlite3_bind_int64(s, i, label);
  sqlite3_step(s);
  sqlite3_finalize(s);
}

// Stores the checksum of the row's current contents (util/row_checksum.h, as the store computes
// it) when id and metadata are text and the vector a blob; other types stay detectable anyway.
void reseal(sqlite3* db, int64_t label) {
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "SELECT id, vector, metadata FROM items WHERE label = ?", -1, &s, nullptr);
  sqlite3_bind_int64(s, 1, label);
  uint64_t sum = 0;
  bool typed = false;
  if (sqlite3_step(s) == SQLITE_ROW) {
    typed = sqlite3_column_type(s, 0) == SQLITE_TEXT && sqlite3_column_type(s, 1) == SQLITE_BLOB &&
            sqlite3_column_type(s, 2) == SQLITE_TEXT;
    if (typed) {
      const auto text = [&](int col) {
        return std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(s, col)),
                                static_cast<size_t>(sqlite3_column_bytes(s, col)));
      };
      sum = quiver::util::row_checksum(label, text(0), sqlite3_column_blob(s, 1),
                                       static_cast<size_t>(sqlite3_column_bytes(s, 1)), text(2));
    }
  }
  sqlite3_finalize(s);
  if (!typed) return;
  sqlite3_prepare_v2(db, "UPDATE items SET checksum = ? WHERE label = ?", -1, &s, nullptr);
  sqlite3_bind_int64(s, 1, static_cast<int64_t>(sum));
  sqlite3_bind_int64(s, 2, label);
  sqlite3_step(s);
  sqlite3_finalize(s);
}

void damage(const std::string& db_path, uint8_t flags, int64_t label, const std::vector<Field>& fields) {
  sqlite3* db = nullptr;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) quiver_fuzz::fail("open for damage");
  std::vector<const Field*> columns;
  std::string names;
  for (size_t c = 0; c < 4 && c < fields.size(); ++c) {
    if (fields[c].kind != 'n' && fields[c].kind != 'i' && fields[c].kind != 'f' &&
        fields[c].kind != 't' && fields[c].kind != 'b') {
      continue;
    }
    names += std::string(names.empty() ? "" : ", ") + kColumns[c];
    columns.push_back(&fields[c]);
  }
  if (flags & 4) {
    run(db, "DELETE FROM items WHERE label = ?", {}, label);
  } else if (flags & 2) {
    // A new row with the chosen label (bound last, after the fuzzed columns).
    std::string marks;
    for (size_t c = 0; c <= columns.size(); ++c) marks += (c ? ", ?" : "?") + std::to_string(c + 1);
    run(db, "INSERT INTO items(" + names + (names.empty() ? "" : ", ") + "label) VALUES(" + marks + ")",
        columns, label);
  } else if (!columns.empty()) {
    std::string sets;
    for (size_t c = 0, used = 0; c < 4 && c < fields.size(); ++c) {
      if (used < columns.size() && columns[used] == &fields[c]) {
        sets += std::string(used == 0 ? "" : ", ") + kColumns[c] + " = ?";
        ++used;
      }
    }
    run(db, "UPDATE items SET " + sets + " WHERE label = ?", columns, label);
  }
  if (fields.size() >= 5 && (fields[4].kind == 'n' || fields[4].kind == 'i' || fields[4].kind == 'f' ||
                             fields[4].kind == 't' || fields[4].kind == 'b')) {
    run(db, "UPDATE quiver_settings SET value = ? WHERE key = 'config'", {&fields[4]}, 0);
  }
  if (flags & 8) reseal(db, label);
  sqlite3_close(db);  // the last connection checkpoints the WAL into quiver.db
}

// Every read an application can make, then one write. Damage may surface as an error with a
// code that says so; only a crash, a sanitizer report or an Internal error is a finding.
void use(const std::string& dir) {
  const auto expected = {ErrorCode::Corrupt, ErrorCode::Io, ErrorCode::InvalidArgument,
                         ErrorCode::DimensionMismatch, ErrorCode::NotFound, ErrorCode::AlreadyExists,
                         ErrorCode::Limit};
  const bool verbose = std::getenv("QUIVER_FUZZ_VERBOSE") != nullptr;  // to check the seeds
  std::unique_ptr<Index> index;
  try {
    index = Index::open(dir);
  } catch (const Error& e) {
    if (verbose) std::fprintf(stderr, "open: %s: %s\n", quiver::code_name(e.code()), e.what());
    quiver_fuzz::expect_code(e, expected, "Index::open");
    return;
  }
  if (verbose) std::fprintf(stderr, "open: ok\n");
  const float query[kDims] = {1, 0.5f, 0, 0};
  auto attempt = [&](const char* what, auto&& fn) {
    try {
      fn();
    } catch (const Error& e) {
      if (verbose) std::fprintf(stderr, "%s: %s: %s\n", what, quiver::code_name(e.code()), e.what());
      quiver_fuzz::expect_code(e, expected, what);
    }
  };
  attempt("stats", [&] { index->stats(); });
  std::vector<std::string> ids;
  attempt("list", [&] {
    for (auto& item : index->list()) ids.push_back(item.id);
  });
  attempt("list with a filter", [&] { index->list(R"({"a": {"$gte": 1}})"); });
  for (const std::string& id : ids) attempt("get", [&] { index->get(id); });
  attempt("get", [&] { index->get("item-2"); });
  attempt("query", [&] {
    quiver::QueryOptions options;
    options.top_k = 3;
    index->query({query, kDims, true}, options);
  });
  attempt("verify", [&] { index->verify(); });
  attempt("upsert", [&] {
    quiver::ItemInput item;
    item.id = "item-2";
    item.vector = {query, kDims, true};
    item.metadata_json = R"({"a": 2})";
    index->upsert({item});
  });
  attempt("close", [&] { index->close(); });
}

void write_seeds(const std::string& dir) {
  auto field = [](char kind, const std::string& payload) {
    std::string f(1, kind);
    f += static_cast<char>(payload.size() & 0xFF);
    f += static_cast<char>(payload.size() >> 8);
    return f + payload;
  };
  const float v[kDims] = {0.25f, -1, 3, 0};
  const std::string vec(reinterpret_cast<const char*>(v), sizeof v);
  const std::string seeds[] = {
      // untouched index, with and without its graph file
      std::string("\x01\x01"), std::string("\x00\x01", 2),
      // a NULL in each column of row 1 (the issue's segfault was a NULL metadata)
      std::string("\x01\x01") + field('n', ""),
      std::string("\x01\x01") + field('-', "") + field('n', ""),
      std::string("\x01\x01") + field('-', "") + field('-', "") + field('n', ""),
      std::string("\x01\x02") + field('-', "") + field('-', "") + field('-', "") + field('n', ""),
      // wrong types and sizes
      std::string("\x01\x02") + field('i', "\x07") + field('t', "abcd") + field('b', "{\"a\":1}"),
      std::string("\x00\x03", 2) + field('t', "item-3") + field('b', vec.substr(0, 12)) +
          field('t', "[1,2]"),
      std::string("\x01\x01") + field('t', "item-1") + field('b', vec) + field('t', "{\"a\":") +
          field('i', std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8)),
      // a new row (label 9) and a deleted one
      std::string("\x03\x09") + field('t', "new") + field('b', vec) + field('t', "{\"n\":1}") +
          field('i', "\x01"),
      std::string("\x05\x02"),
      // resealed rows (flag 8): the checksum fits, so the values themselves are decoded
      std::string("\x09\x01") + field('-', "") + field('-', "") + field('t', "{\"a\":"),
      std::string("\x09\x02") + field('-', "") + field('-', "") + field('t', "[1, 2]"),
      std::string("\x09\x03") + field('t', std::string("a\0b", 3)) + field('b', vec) +
          field('t', "{\"a\": {\"b\": [1e308, -0.0, \"\\ud800\"]}}"),
      std::string("\x08\x01") + field('-', "") + field('b', vec.substr(0, 8)),
      std::string("\x09\x02") + field('t', "") + field('b', std::string(16, '\xff')) + field('t', "{}"),
      // damaged settings
      std::string("\x01\x01") + field('-', "") + field('-', "") + field('-', "") + field('-', "") +
          field('t', "{\"dimensions\": 3, \"metric\": \"l2\"}"),
      std::string("\x01\x01") + field('-', "") + field('-', "") + field('-', "") + field('-', "") +
          field('n', ""),
  };
  int n = 0;
  for (const std::string& seed : seeds) quiver_fuzz::write_file(dir + "/seed-" + std::to_string(n++), seed);
}

// One case: a fresh copy of the template, damaged as described, then opened and used.
void run_case(uint8_t flags, int64_t label, const std::vector<Field>& fields) {
  const std::string dir = work_dir();
  std::filesystem::remove_all(dir);  // whatever the last case left (lock file, temp files)
  std::filesystem::create_directories(dir);
  quiver_fuzz::write_file(dir + "/quiver.db", g_template.db);
  if (flags & 1) quiver_fuzz::write_file(dir + "/shard-0.hnsw", g_template.graph);
  damage(dir + "/quiver.db", flags, label, fields);
  use(dir);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = quiver_fuzz::seed_output_dir()) {
    write_seeds(dir);
    std::exit(0);
  }
  build_template();
  // Stored metadata nested 100,000 deep (beyond what a mutated input can reach), resealed so it
  // is decoded: opening and using the index must not overflow the stack.
  const Field keep{'-', ""};
  for (const std::string& deep : {"{\"a\":" + quiver_fuzz::deep_array(100000) + "}",
                                  quiver_fuzz::deep_object(100000)}) {
    run_case(/*flags=*/1 | 8, /*label=*/1, {keep, keep, Field{'t', deep}});
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  const int64_t label = data[1] % 5;  // 1..3 exist; 0 and 4 do not
  run_case(flags, label, split_fields(data + 2, size - 2));
  return 0;
}
