// Keyword search: an FTS5 table `items_text(text)` whose rowid is the item's label. It lives in
// quiver.db and is written inside the same transactions as the items (Index::Impl::commit), so
// text and vectors can never disagree, a crash included.
//
// Tokenizer: unicode61 with remove_diacritics 2 — splits on Unicode separators and punctuation,
// folds case, and matches "café" with "cafe" (any script, no stemming, no stop words: a query
// matches words as written). Contentless (content=''), the text itself stays in the metadata;
// contentless_delete=1 lets rows be deleted by rowid. Ranking: FTS5's bm25(), negated so that
// higher is better like every other Quiver score.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>  // the pinned single header (no json_fwd.hpp in third_party)

struct sqlite3;
struct sqlite3_stmt;

namespace quiver::store {

inline constexpr const char* kCreateTextIndexSql =
    "CREATE VIRTUAL TABLE items_text USING fts5(text, content='', contentless_delete=1, "
    "tokenize='unicode61 remove_diacritics 2')";

class TextIndex {
 public:
  explicit TextIndex(sqlite3* db);
  ~TextIndex();
  TextIndex(const TextIndex&) = delete;
  TextIndex& operator=(const TextIndex&) = delete;

  // Inside the caller's write transaction. put() replaces the label's text.
  void put(int64_t label, const std::string& text);
  void remove(int64_t label);

  // Labels matching any word of `query`, best first, with their BM25 score (higher is better).
  std::vector<std::pair<int64_t, double>> search(const std::string& query, int limit);

  // The FTS5 query for plain user text: every word quoted (so no FTS5 syntax can be injected),
  // joined with OR. Empty when the text has no word.
  static std::string match_expression(const std::string& text);

  // The string at `dotted_path` in an item's metadata, or nullptr (absent or not a string).
  static const std::string* text_of(const nlohmann::json& metadata, const std::string& dotted_path);

 private:
  sqlite3_stmt* prepare(const char* sql);
  sqlite3* db_;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* delete_ = nullptr;
  sqlite3_stmt* search_ = nullptr;
};

}  // namespace quiver::store
