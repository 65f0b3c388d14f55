// Edge cases of util::json_nesting_depth (util/json_text.h), the pre-check that keeps deeply
// nested JSON text away from nlohmann's recursive copy/compare/dump.
#include <gtest/gtest.h>

#include <string>

#include "util/json_text.h"

namespace {

using quiver::util::json_nesting_depth;

TEST(JsonNesting, DeepestPathNotBracketCount) {
  EXPECT_EQ(json_nesting_depth(""), 0u);
  EXPECT_EQ(json_nesting_depth("1"), 0u);
  EXPECT_EQ(json_nesting_depth("[]"), 1u);
  EXPECT_EQ(json_nesting_depth(R"({"a": [1, {"b": 2}]})"), 3u);
  EXPECT_EQ(json_nesting_depth("[[1], [2], [3], {}, {}]"), 2u);  // siblings do not add up
}

TEST(JsonNesting, StringsAndEscapes) {
  EXPECT_EQ(json_nesting_depth(R"({"[[[[": "{{{{"})"), 1u);
  // An escaped quote does not end the string; an escaped backslash does not escape the quote.
  EXPECT_EQ(json_nesting_depth(R"({"a": "x\"[[[["})"), 1u);
  EXPECT_EQ(json_nesting_depth(R"({"a": "x\\", "b": [[1]]})"), 3u);
  EXPECT_EQ(json_nesting_depth(R"("unterminated [[[[)"), 0u);
}

TEST(JsonNesting, UnbalancedTextIsStillMeasured) {
  // Invalid text is the parser's to reject; closing brackets never go below zero.
  EXPECT_EQ(json_nesting_depth("]]]]]]["), 1u);
  EXPECT_EQ(json_nesting_depth("]]]]]][["), 2u);
}

}  // namespace

namespace quiver::util {
namespace {

// Stored metadata is only ever an object nested at most the limit: anything else is a damaged
// row, reported (discarded), never walked (a row nested 100,000 deep overflowed the stack of the
// filter columns' canonical form; found by the row-decoder fuzzer).
TEST(JsonNesting, StoredObjectsDeeperThanTheLimitAreDamaged) {
  EXPECT_TRUE(parse_stored_object(R"({"a":[1,{"b":2}]})", 64).is_object());
  EXPECT_TRUE(parse_stored_object("[1]", 64).is_discarded());
  EXPECT_TRUE(parse_stored_object("{bad", 64).is_discarded());
  const std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_TRUE(parse_stored_object(deep, 64).is_discarded());
}

}  // namespace
}  // namespace quiver::util
