// Tests of util::json_nesting_exceeds, the pre-check that keeps deeply nested JSON text away
// from nlohmann's recursive copy/compare/dump.
#include "util/json_depth.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using quiver::util::json_nesting_exceeds;

TEST(JsonDepth, CountsArraysAndObjects) {
  EXPECT_FALSE(json_nesting_exceeds("", 0));
  EXPECT_FALSE(json_nesting_exceeds("1", 0));
  EXPECT_TRUE(json_nesting_exceeds("[]", 0));
  EXPECT_FALSE(json_nesting_exceeds("[]", 1));
  EXPECT_FALSE(json_nesting_exceeds(R"({"a": [1, {"b": 2}]})", 3));
  EXPECT_TRUE(json_nesting_exceeds(R"({"a": [1, {"b": 2}]})", 2));
  // Siblings do not add up: depth is the deepest path, not the number of brackets.
  EXPECT_FALSE(json_nesting_exceeds("[[1], [2], [3], {}, {}]", 2));
}

TEST(JsonDepth, IgnoresBracketsInStrings) {
  EXPECT_FALSE(json_nesting_exceeds(R"({"[[[[": "{{{{"})", 1));
  // An escaped quote does not end the string; an escaped backslash does not escape the quote.
  EXPECT_FALSE(json_nesting_exceeds(R"({"a": "x\"[[[["})", 1));
  EXPECT_TRUE(json_nesting_exceeds(R"({"a": "x\\", "b": [[1]]})", 2));
  EXPECT_FALSE(json_nesting_exceeds(R"({"a": "x\\", "b": [[1]]})", 3));
}

TEST(JsonDepth, DeepTextAndUnbalancedText) {
  const std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
  EXPECT_TRUE(json_nesting_exceeds(deep, 64));
  EXPECT_FALSE(json_nesting_exceeds(deep, 1000000));
  // Unbalanced or invalid text is the parser's business; the depth is still measured.
  EXPECT_FALSE(json_nesting_exceeds("]]]]]][", 1));
  EXPECT_TRUE(json_nesting_exceeds("]]]]]][[", 1));
  EXPECT_FALSE(json_nesting_exceeds(R"("unterminated [[[[)", 0));
}

}  // namespace
