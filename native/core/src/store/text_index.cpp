#include "store/text_index.h"

#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "quiver/error.h"
#include "store/sqlite_error.h"

namespace quiver::store {
namespace {

// What CORRUPT messages name as damaged.
constexpr const char* kKeywordIndex = "the keyword index";

// Resets a statement on every exit path.
struct Reset {
  sqlite3_stmt* s;
  ~Reset() {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
};

}  // namespace

TextIndex::TextIndex(sqlite3* db) : db_(db) {
  insert_ = prepare("INSERT INTO items_text(rowid, text) VALUES (?1, ?2)");
  delete_ = prepare("DELETE FROM items_text WHERE rowid = ?1");
  search_ = prepare(
      "SELECT rowid, bm25(items_text) FROM items_text WHERE items_text MATCH ?1 ORDER BY rank LIMIT ?2");
}

TextIndex::~TextIndex() {
  sqlite3_finalize(insert_);
  sqlite3_finalize(delete_);
  sqlite3_finalize(search_);
}

sqlite3_stmt* TextIndex::prepare(const char* sql) {
  sqlite3_stmt* s = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(insert_);
    sqlite3_finalize(delete_);
    // Fixed statements over the table we create: SQLITE_ERROR is damage (sqlite_error.h).
    throw_prepare_error(db_, rc, "prepare the keyword index", kKeywordIndex);
  }
  return s;
}

void TextIndex::remove(int64_t label) {
  Reset r{delete_};
  sqlite3_bind_int64(delete_, 1, label);
  const int rc = sqlite3_step(delete_);
  if (rc != SQLITE_DONE) throw_sqlite_error(db_, rc, "remove from the keyword index", kKeywordIndex);
}

void TextIndex::put(int64_t label, const std::string& text) {
  remove(label);
  Reset r{insert_};
  sqlite3_bind_int64(insert_, 1, label);
  sqlite3_bind_text(insert_, 2, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  const int rc = sqlite3_step(insert_);
  if (rc != SQLITE_DONE) throw_sqlite_error(db_, rc, "write the keyword index", kKeywordIndex);
}

std::vector<std::pair<int64_t, double>> TextIndex::search(const std::string& query, int limit) {
  std::vector<std::pair<int64_t, double>> out;
  const std::string expr = match_expression(query);
  if (expr.empty() || limit <= 0) return out;
  Reset r{search_};
  sqlite3_bind_text(search_, 1, expr.data(), static_cast<int>(expr.size()), SQLITE_STATIC);
  sqlite3_bind_int(search_, 2, limit);
  int rc;
  while ((rc = sqlite3_step(search_)) == SQLITE_ROW) {
    out.emplace_back(sqlite3_column_int64(search_, 0), -sqlite3_column_double(search_, 1));
  }
  if (rc != SQLITE_DONE) throw_sqlite_error(db_, rc, "keyword search", kKeywordIndex);
  return out;
}

std::string TextIndex::match_expression(const std::string& text) {
  // Words are runs of bytes that are not ASCII space, punctuation or control characters (bytes
  // >= 0x80, i.e. non-ASCII letters, stay inside words; the tokenizer splits them properly).
  std::string expr;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    if (!expr.empty()) expr += " OR ";
    expr += '"';
    for (char c : word) {
      if (c == '"') expr += '"';  // FTS5 string escape
      expr += c;
    }
    expr += '"';
    word.clear();
  };
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool separator = u < 0x80 && !((u >= '0' && u <= '9') || (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || u == '_');
    if (separator) flush();
    else word += c;
  }
  flush();
  return expr;
}

const std::string* TextIndex::text_of(const nlohmann::json& metadata, const std::string& dotted_path) {
  const nlohmann::json* node = &metadata;
  size_t start = 0;
  while (true) {
    const size_t dot = dotted_path.find('.', start);
    const std::string key = dotted_path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!node->is_object()) return nullptr;
    auto it = node->find(key);
    if (it == node->end()) return nullptr;
    node = &*it;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return node->is_string() ? node->get_ptr<const std::string*>() : nullptr;
}

}  // namespace quiver::store
