// Tests of quiver::query::Filter. FilterSemantics pins the MongoDB semantics down as tables: a
// fixed set of metadata documents and, per filter, the exact set of documents it must match.
// FilterErrors checks that every kind of bad filter is rejected with the right ErrorCode.
#include "query/filter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "quiver/config.h"
#include "quiver/error.h"

namespace {

using nlohmann::json;
using quiver::Error;
using quiver::ErrorCode;
using quiver::query::Filter;

// Indexes into Docs() are what the tables below refer to.
const std::vector<json>& Docs() {
  static const std::vector<json> docs = {
      // 0: ints, floats, string array, nested objects, bool
      json::parse(R"({"name": "alpha", "n": 1, "score": 2.5, "tags": ["x", "y"], "flag": true,
                      "nested": {"k": "v", "deep": {"z": 3}}})"),
      // 1: float that equals an int, explicit null
      json::parse(R"({"name": "beta", "n": 2.0, "tags": ["y"], "flag": false, "opt": null,
                      "nested": {"k": "w"}})"),
      // 2: empty array
      json::parse(R"({"name": "gamma", "n": 3, "score": 10, "tags": []})"),
      // 3: number-like string, arrays holding arrays
      json::parse(R"({"name": "delta", "n": "3", "opt": 5, "list": [[1, 2], 3],
                      "grid": [[{"b": 1}], {"b": 2}]})"),
      // 4: nothing at all
      json::parse(R"({})"),
      // 5: null field, scalar where others have arrays, array of objects
      json::parse(R"({"n": null, "tags": "x",
                      "items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 5}]})"),
      // 6: upper case, negative float and ints (parsed as int64, the rest as uint64), nested
      // array element, nested null
      json::parse(R"({"name": "Alpha", "n": -1.5, "tags": ["x", ["z"]], "nested": {"k": null},
                      "neg": -3, "bigneg": -9007199254740993})"),
      // 7: 1.0, integers beyond double precision, empty object
      json::parse(R"({"name": "eta", "n": 1.0, "big": 9007199254740993,
                      "u": 18446744073709551615, "empty": {}})"),
  };
  return docs;
}

struct Case {
  const char* filter;
  std::vector<int> expected;
};

const std::vector<int> kAll = {0, 1, 2, 3, 4, 5, 6, 7};
const std::vector<int> kNone = {};

std::vector<int> MatchedDocs(const Filter& filter) {
  std::vector<int> matched;
  for (size_t i = 0; i < Docs().size(); ++i) {
    if (filter.matches(Docs()[i])) matched.push_back(static_cast<int>(i));
  }
  return matched;
}

void ExpectTable(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string("filter: ") + c.filter);
    try {
      const Filter filter = Filter::parse(std::string(c.filter));
      EXPECT_EQ(MatchedDocs(filter), c.expected);
      // The already-parsed-JSON entry point must agree with the text one.
      EXPECT_EQ(MatchedDocs(Filter::parse(json::parse(c.filter))), c.expected);
    } catch (const Error& e) {
      ADD_FAILURE() << "unexpected error: " << e.what();
    }
  }
}

TEST(FilterSemantics, EmptyFilterMatchesEverything) {
  Filter none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(MatchedDocs(none), kAll);
  for (const char* text : {"", "  \n\t", "{}", " { } "}) {
    SCOPED_TRACE(text);
    Filter f = Filter::parse(std::string(text));
    EXPECT_TRUE(f.empty());
    EXPECT_EQ(MatchedDocs(f), kAll);
  }
  EXPECT_TRUE(Filter::parse(json::object()).empty());
  EXPECT_FALSE(Filter::parse(std::string(R"({"a": 1})")).empty());
}

TEST(FilterSemantics, Equality) {
  ExpectTable({
      {R"({"name": "alpha"})", {0}},  // case-sensitive: "Alpha" is another value
      {R"({"name": {"$eq": "Alpha"}})", {6}},
      {R"({"n": 1})", {0, 7}},  // 1 == 1.0
      {R"({"n": 1.0})", {0, 7}},
      {R"({"n": 2})", {1}},
      {R"({"n": 3})", {2}},  // "3" is a string: no coercion
      {R"({"n": "3"})", {3}},
      {R"({"n": {"$eq": -1.5}})", {6}},
      {R"({"flag": true})", {0}},
      {R"({"flag": false})", {1}},
      {R"({"flag": 0})", kNone},              // booleans are not numbers
      {R"({"name": "alpha", "n": 1})", {0}},  // implicit AND
      {R"({"name": "alpha", "n": 2})", kNone},
      {R"({"missing": 1})", kNone},
      {R"({"n": {"$ne": 1}})", {1, 2, 3, 4, 5, 6}},  // includes absent (4)
      {R"({"name": {"$ne": "alpha"}})", {1, 2, 3, 4, 5, 6, 7}},
  });
}

TEST(FilterSemantics, NullAndAbsent) {
  ExpectTable({
      {R"({"n": null})", {4, 5}},  // null or absent
      {R"({"n": {"$eq": null}})", {4, 5}},
      {R"({"opt": null})", {0, 1, 2, 4, 5, 6, 7}},
      {R"({"opt": {"$ne": null}})", {3}},  // present and not null
      {R"({"n": {"$ne": null}})", {0, 1, 2, 3, 6, 7}},
      {R"({"missing": null})", kAll},
      {R"({"missing": {"$ne": 5}})", kAll},
      {R"({"missing": {"$lt": 100}})", kNone},
      {R"({"missing": {"$gte": ""}})", kNone},
  });
}

TEST(FilterSemantics, DeepEquality) {
  ExpectTable({
      {R"({"nested": {"k": "v", "deep": {"z": 3}}})", {0}},
      {R"({"nested": {"deep": {"z": 3.0}, "k": "v"}})", {0}},  // key order, 3 == 3.0
      {R"({"nested": {"k": "v"}})", kNone},                    // a subset is not equal
      {R"({"nested": {"k": null}})", {6}},
      {R"({"empty": {}})", {7}},
      {R"({"nested": {"$eq": {"k": "w"}}})", {1}},
      {R"({"nested": {"$ne": {"k": "w"}}})", {0, 2, 3, 4, 5, 6, 7}},
  });
}

TEST(FilterSemantics, ExactNumbers) {
  ExpectTable({
      {R"({"big": 9007199254740993})", {7}},
      {R"({"big": 9007199254740992})", kNone},
      {R"({"big": {"$gt": 9007199254740992.0}})", {7}},  // 2^53 + 1 > 2^53 exactly
      {R"({"big": {"$lte": 9007199254740992.0}})", kNone},
      {R"({"u": 18446744073709551615})", {7}},
      {R"({"u": {"$gt": 0}})", {7}},
      {R"({"u": {"$gt": -1}})", {7}},
      {R"({"u": {"$gt": 1.8e19}})", {7}},
      {R"({"u": {"$gte": 1.8446744073709552e19}})", kNone},  // that double is 2^64
      {R"({"u": {"$lt": 1e300}})", {7}},
      {R"({"neg": -3.0})", {6}},
      {R"({"neg": -3.5})", kNone},
      {R"({"neg": {"$gt": -3.5}})", {6}},
      {R"({"neg": {"$lt": -2.5}})", {6}},
      {R"({"neg": {"$gt": -3.0}})", kNone},
      {R"({"neg": {"$lt": 1}})", {6}},  // int64 against uint64
      {R"({"neg": {"$in": [-3.0]}})", {6}},
      {R"({"bigneg": {"$lt": -9007199254740992.0}})", {6}},
      {R"({"bigneg": -9007199254740992})", kNone},
      {R"({"n": {"$gt": -1e300, "$lt": 1e300}})", {0, 1, 2, 6, 7}},
  });
}

TEST(FilterSemantics, Comparisons) {
  ExpectTable({
      {R"({"n": {"$gt": 1}})", {1, 2}},  // "3" (doc 3) is a string: never compared to a number
      {R"({"n": {"$gte": 1}})", {0, 1, 2, 7}},
      {R"({"n": {"$lt": 1}})", {6}},
      {R"({"n": {"$lte": 1.0}})", {0, 6, 7}},
      {R"({"n": {"$gt": 0.5, "$lt": 2.5}})", {0, 1, 7}},
      {R"({"n": {"$gt": 2, "$lt": 2}})", kNone},
      {R"({"name": {"$gt": 0}})", kNone},
      {R"({"score": {"$gt": "1"}})", kNone},
      {R"({"score": {"$lte": 10}})", {0, 2}},
      {R"({"flag": {"$gt": 0}})", kNone},
      {R"({"opt": {"$lt": 10}})", {3}},  // null (doc 1) is not a number
  });
}

// Vectra's oracle (ItemSelector.spec.js, "handles metadataFilter numeric comparisons"): range
// operators compare numbers only. A string field never satisfies them, a string operand is
// accepted but nothing satisfies it (they used to compare strings in byte order).
TEST(FilterSemantics, RangeOperatorsCompareNumbersOnly) {
  ExpectTable({
      {R"({"name": {"$gt": "a"}})", kNone},  // "alpha", "beta", ... are strings
      {R"({"name": {"$gte": "a"}})", kNone},
      {R"({"name": {"$lt": "z"}})", kNone},
      {R"({"name": {"$lte": "z"}})", kNone},
      {R"({"n": {"$gt": "2"}})", kNone},  // doc 3's "3" is a string, the operand too
      {R"({"n": {"$lt": "9"}})", kNone},  // and numbers are not compared with a string operand
      {R"({"tags": {"$gt": "x"}})", kNone},
      {R"({"n": {"$gte": 1}, "name": {"$lt": "z"}})", kNone},
      {R"({"n": {"$not": {"$gt": "a"}}})", kAll},
  });
}

TEST(FilterSemantics, Arrays) {
  ExpectTable({
      {R"({"tags": "x"})", {0, 5, 6}},     // element match on arrays, plain match on doc 5's string
      {R"({"tags": ["x", "y"]})", {0}},    // whole-array equality
      {R"({"tags": ["y", "x"]})", kNone},  // order matters
      {R"({"tags": ["z"]})", {6}},         // an element that is itself an array
      {R"({"tags": []})", {2}},
      {R"({"tags": {"$ne": "x"}})", {1, 2, 3, 4, 7}},  // no element may be "x"
      {R"({"tags": {"$exists": true}})", {0, 1, 2, 5, 6}},  // an empty array is present
      {R"({"list": 3})", {3}},
      {R"({"list": [1, 2]})", {3}},
      {R"({"list": {"$gt": 2}})", {3}},
      {R"({"list": {"$gt": 3}})", kNone},  // the inner [1, 2] is not searched
      {R"({"list": 1})", kNone},
  });
}

TEST(FilterSemantics, InAndNin) {
  ExpectTable({
      {R"({"n": {"$in": [1, 3]}})", {0, 2, 7}},  // numbers match numeric fields, 1 == 1.0
      {R"({"n": {"$in": [2.0, "3"]}})", {1, 3}},
      {R"({"n": {"$in": [null]}})", {4, 5}},
      {R"({"n": {"$in": [-1.5, null]}})", {4, 5, 6}},
      {R"({"n": {"$in": []}})", kNone},
      {R"({"n": {"$nin": [1, 3]}})", {1, 3, 4, 5, 6}},
      {R"({"n": {"$nin": [null]}})", {0, 1, 2, 3, 6, 7}},
      {R"({"n": {"$nin": []}})", kAll},
      {R"({"tags": {"$in": ["y", "q"]}})", {0, 1}},
      {R"({"tags": {"$in": [["z"]]}})", {6}},
      {R"({"tags": {"$in": [["x", "y"]]}})", {0}},
      {R"({"tags": {"$nin": ["x"]}})", {1, 2, 3, 4, 7}},
      {R"({"flag": {"$in": [true]}})", {0}},
      {R"({"flag": {"$in": [1, 0]}})", kNone},
      {R"({"nested": {"$in": [{"k": "w"}, 7]}})", {1}},
      {R"({"name": {"$in": ["eta", "gamma", "alpha", "zeta", "Alpha"]}})", {0, 2, 6, 7}},
      {R"({"missing": {"$in": [1]}})", kNone},
      {R"({"missing": {"$nin": [1]}})", kAll},
  });
}

TEST(FilterSemantics, LargeInList) {
  // Long lists go through the sorted lookup; check it finds both ends and the middle.
  json numbers = json::array();
  json strings = json::array();
  for (int i = 1000; i > 3; --i) numbers.push_back(i % 2 == 0 ? json(i) : json(i + 0.0));
  numbers.push_back(-1.5);
  for (int i = 0; i < 500; ++i) strings.push_back("name" + std::to_string(i));
  strings.push_back("gamma");
  strings.push_back("Alpha");
  EXPECT_EQ(MatchedDocs(Filter::parse(json{{"n", {{"$in", numbers}}}})), (std::vector<int>{6}));
  numbers.push_back(2);
  EXPECT_EQ(MatchedDocs(Filter::parse(json{{"n", {{"$in", numbers}}}})), (std::vector<int>{1, 6}));
  EXPECT_EQ(MatchedDocs(Filter::parse(json{{"name", {{"$in", strings}}}})),
            (std::vector<int>{2, 6}));
  EXPECT_EQ(MatchedDocs(Filter::parse(json{{"name", {{"$nin", strings}}}})),
            (std::vector<int>{0, 1, 3, 4, 5, 7}));
}

TEST(FilterSemantics, Exists) {
  ExpectTable({
      {R"({"opt": {"$exists": true}})", {1, 3}},  // a present null counts as present
      {R"({"opt": {"$exists": false}})", {0, 2, 4, 5, 6, 7}},
      {R"({"n": {"$exists": true}})", {0, 1, 2, 3, 5, 6, 7}},
      {R"({"nested.k": {"$exists": true}})", {0, 1, 6}},
      {R"({"nested.k.x": {"$exists": false}})", kAll},  // a path through a string leads nowhere
      {R"({"items.sku": {"$exists": true}})", {5}},
      {R"({"opt": {"$exists": true, "$ne": null}})", {3}},
  });
}

TEST(FilterSemantics, Not) {
  ExpectTable({
      {R"({"n": {"$not": {"$gt": 1}}})", {0, 3, 4, 5, 6, 7}},  // includes absent and non-numbers
      {R"({"score": {"$not": {"$gte": 2, "$lte": 3}}})", {1, 2, 3, 4, 5, 6, 7}},
      {R"({"tags": {"$not": {"$in": ["x"]}}})", {1, 2, 3, 4, 7}},
      {R"({"n": {"$not": {"$not": {"$eq": 1}}}})", {0, 7}},
      {R"({"opt": {"$not": {"$exists": true}}})", {0, 2, 4, 5, 6, 7}},
      {R"({"n": {"$not": {"$eq": null}}})", {0, 1, 2, 3, 6, 7}},
      {R"({"n": {"$gte": 0, "$not": {"$eq": 2}}})", {0, 2, 7}},
  });
}

TEST(FilterSemantics, DottedPaths) {
  ExpectTable({
      {R"({"nested.k": "v"})", {0}},
      {R"({"nested.deep.z": 3})", {0}},
      {R"({"nested.deep.z": {"$gte": 2.5}})", {0}},
      {R"({"nested.k": null})", {2, 3, 4, 5, 6, 7}},
      {R"({"nested.k": {"$ne": null}})", {0, 1}},
      {R"({"name.first": null})", kAll},
      {R"({"items.sku": "b"})", {5}},  // through an array of objects
      {R"({"items.sku": {"$in": ["c", "a"]}})", {5}},
      {R"({"items.sku": {"$ne": "a"}})", {0, 1, 2, 3, 4, 6, 7}},
      {R"({"items.qty": {"$gt": 3}})", {5}},
      // As in Mongo (without $elemMatch) each operator may be satisfied by a different element.
      {R"({"items.qty": {"$gt": 1, "$lt": 5}})", {5}},
      {R"({"items.1.qty": 5})", {5}},  // a numeric segment selects an array position
      {R"({"items.0.qty": 5})", kNone},
      {R"({"items.2.qty": {"$exists": false}})", kAll},
      {R"({"tags.0": "x"})", {0, 6}},
      {R"({"tags.1": ["z"]})", {6}},
      {R"({"tags.1.0": "z"})", {6}},
      {R"({"grid.b": 2})", {3}},
      {R"({"grid.b": 1})", kNone},  // like Mongo, arrays inside arrays are not looked through
      {R"({"grid.0.0.b": 1})", {3}},
  });
}

TEST(FilterSemantics, Logical) {
  ExpectTable({
      {R"({"$and": [{"n": {"$gte": 1}}, {"n": {"$lt": 3}}]})", {0, 1, 7}},
      {R"({"$or": [{"name": "alpha"}, {"tags": "x"}]})", {0, 5, 6}},
      {R"({"$nor": [{"name": "alpha"}, {"tags": "x"}]})", {1, 2, 3, 4, 7}},
      {R"({"$or": [{"opt": 5}, {"$and": [{"flag": false}, {"n": 2}]}]})", {1, 3}},
      {R"({"name": {"$exists": true}, "$or": [{"n": {"$lt": 0}}, {"score": {"$gt": 5}}]})", {2, 6}},
      {R"({"$and": [{}]})", kAll},
      {R"({"$or": [{}, {"n": 1}]})", kAll},
      {R"({"$nor": [{}]})", kNone},
      {R"({"$nor": [{"$or": [{"n": 1}, {"n": 2}]}]})", {2, 3, 4, 5, 6}},
      {R"({"$and": [{"$or": [{"n": 1}, {"n": 3}]}, {"$or": [{"name": "eta"}, {"score": 10}]}]})",
       {2, 7}},
      {R"({"$or": [{"missing": 1}]})", kNone},
      {R"({"$and": [{"n": 1}], "$nor": [{"name": "eta"}]})", {0}},
  });
}

// Vectra's oracle (ItemSelector.spec.js, "handles empty $and/$or array"): an empty list is valid;
// as in logic, $and [] holds for every item and $or [] for none ($nor [] = not $or [] holds).
// They used to be INVALID_ARGUMENT.
TEST(FilterSemantics, EmptyLogicalLists) {
  ExpectTable({
      {R"({"$and": []})", kAll},
      {R"({"$or": []})", kNone},
      {R"({"$nor": []})", kAll},
      {R"({"$and": [], "n": 1})", {0, 7}},
      {R"({"$or": [], "n": 1})", kNone},
      {R"({"$or": [{"$and": []}, {"$or": []}]})", kAll},
      {R"({"$and": [{"$or": []}]})", kNone},
  });
  EXPECT_FALSE(Filter::parse(std::string(R"({"$and": []})")).empty());
}

TEST(FilterSemantics, NonObjectMetadataHasNoFields) {
  for (const json& md : {json(), json(42), json("text"), json::array({1, 2}), json(true)}) {
    SCOPED_TRACE(md.dump());
    EXPECT_TRUE(Filter().matches(md));
    EXPECT_TRUE(Filter::parse(std::string("{}")).matches(md));
    EXPECT_FALSE(Filter::parse(std::string(R"({"a": 1})")).matches(md));
    EXPECT_FALSE(Filter::parse(std::string(R"({"0": 1})")).matches(md));
    EXPECT_FALSE(Filter::parse(std::string(R"({"a": {"$exists": true}})")).matches(md));
    EXPECT_TRUE(Filter::parse(std::string(R"({"a": {"$exists": false}})")).matches(md));
    EXPECT_TRUE(Filter::parse(std::string(R"({"a": {"$ne": 1}})")).matches(md));
    EXPECT_TRUE(Filter::parse(std::string(R"({"a": null})")).matches(md));
    EXPECT_TRUE(Filter::parse(std::string(R"({"a.b": {"$nin": [1]}})")).matches(md));
  }
}

TEST(FilterSemantics, NaNInMetadataMatchesNoComparison) {
  // JSON text cannot hold NaN, but a caller-built json can; it must not equal or order.
  const json md = {{"x", std::nan("")}};
  EXPECT_FALSE(Filter::parse(std::string(R"({"x": {"$gte": 0}})")).matches(md));
  EXPECT_FALSE(Filter::parse(std::string(R"({"x": {"$lt": 0}})")).matches(md));
  EXPECT_FALSE(Filter::parse(std::string(R"({"x": {"$in": [0, 1]}})")).matches(md));
  EXPECT_TRUE(Filter::parse(std::string(R"({"x": {"$ne": 0}})")).matches(md));
  EXPECT_TRUE(Filter::parse(std::string(R"({"x": {"$exists": true}})")).matches(md));
}

TEST(FilterSemantics, MoveKeepsTheFilter) {
  Filter a = Filter::parse(std::string(R"({"n": 2})"));
  Filter b(std::move(a));
  EXPECT_EQ(MatchedDocs(b), (std::vector<int>{1}));
  Filter c;
  c = std::move(b);
  EXPECT_FALSE(c.empty());
  EXPECT_EQ(MatchedDocs(c), (std::vector<int>{1}));
}

// ---------------------------------------------------------------------------------------------

ErrorCode CodeOf(const std::string& text, std::string* message = nullptr) {
  try {
    Filter::parse(text);
  } catch (const Error& e) {
    if (message != nullptr) *message = e.what();
    return e.code();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "non-quiver exception for " << text << ": " << e.what();
    return ErrorCode::Internal;
  }
  ADD_FAILURE() << "no error for " << text;
  return ErrorCode::Internal;
}

void ExpectInvalid(const std::vector<const char*>& filters) {
  for (const char* text : filters) {
    SCOPED_TRACE(text);
    EXPECT_EQ(CodeOf(text), ErrorCode::InvalidArgument);
  }
}

// {"$and": [{"$and": [ ... {"a": 1} ... ]}]}: the innermost object sits at level and_count + 1.
std::string NestedAnd(int and_count) {
  std::string text;
  for (int i = 0; i < and_count; ++i) text += R"({"$and": [)";
  text += R"({"a": 1})";
  for (int i = 0; i < and_count; ++i) text += "]}";
  return text;
}

TEST(FilterErrors, UnknownOperatorNamesItAndListsSupported) {
  std::string message;
  EXPECT_EQ(CodeOf(R"({"name": {"$regex": "^a"}})", &message), ErrorCode::InvalidArgument);
  EXPECT_EQ(message,
            "filter: unknown operator \"$regex\" on field \"name\"; supported: $eq $ne $gt $gte "
            "$lt $lte $in $nin $exists $not $and $or $nor");
  EXPECT_EQ(CodeOf(R"({"$foo": 1})", &message), ErrorCode::InvalidArgument);
  EXPECT_NE(message.find("\"$foo\""), std::string::npos) << message;
  EXPECT_NE(message.find("$eq $ne"), std::string::npos) << message;
  ExpectInvalid({R"({"a": {"$foo": 1}})", R"({"a": {"$elemMatch": {"b": 1}}})",
                 R"({"a": {"$not": {"$size": 1}}})", R"({"$where": "1"})", R"({"$eq": 1})",
                 R"({"a": {"$and": [{"b": 1}]}})"});
}

TEST(FilterErrors, WrongOperandTypes) {
  ExpectInvalid({
      R"({"a": {"$in": "x"}})",
      R"({"a": {"$in": {"x": 1}}})",
      R"({"a": {"$nin": 5}})",
      R"({"a": {"$in": null}})",
      R"({"a": {"$gt": {}}})",
      R"({"a": {"$gt": true}})",
      R"({"a": {"$lt": null}})",
      R"({"a": {"$gte": [1]}})",
      R"({"a": {"$lte": {"b": 1}}})",
      R"({"a": {"$exists": 1}})",
      R"({"a": {"$exists": "true"}})",
      R"({"a": {"$exists": null}})",
      R"({"a": {"$not": 5}})",
      R"({"a": {"$not": {}}})",
      R"({"a": {"$not": {"b": 1}}})",
      R"({"a": {"$not": {"$gt": 1, "b": 1}}})",
      R"({"a": {"$not": [{"$gt": 1}]}})",
  });
  std::string message;
  CodeOf(R"({"price": {"$in": "cheap"}})", &message);
  EXPECT_NE(message.find("$in on field \"price\""), std::string::npos) << message;
}

TEST(FilterErrors, LogicalOperands) {
  ExpectInvalid({
      R"({"$and": {}})",
      R"({"$or": 5})",
      R"({"$nor": [1]})",
      R"({"$and": [[]]})",
      R"({"$or": [{"a": 1}, null]})",
      R"({"$and": [{"a": {"$bad": 1}}]})",
      R"({"$nor": "x"})",
      R"({"$or": {"a": 1}})",
  });
}

TEST(FilterErrors, MixedOperatorAndPlainKeys) {
  ExpectInvalid({R"({"a": {"$gt": 1, "b": 2}})", R"({"a": {"b": 2, "$eq": 2}})"});
}

TEST(FilterErrors, MalformedJson) {
  // 1e400 overflows a double: nlohmann reports it as out_of_range, not as a parse_error.
  for (const char* text : {R"({"a":)", "{a: 1}", "nope", R"({"a": 1} x)", "{'a': 1}",
                           R"({"a": 1e400})", R"({"a": {"$in": [-1e30844]}})"}) {
    SCOPED_TRACE(text);
    std::string message;
    EXPECT_EQ(CodeOf(text, &message), ErrorCode::InvalidArgument);
    EXPECT_EQ(message.rfind("filter is not valid JSON: ", 0), 0u) << message;
  }
}

TEST(FilterErrors, TopLevelMustBeAnObject) {
  ExpectInvalid({"[]", R"([{"a": 1}])", "5", R"("a")", "null", "true"});
  EXPECT_THROW(Filter::parse(json()), Error);
  EXPECT_THROW(Filter::parse(json::array()), Error);
}

TEST(FilterErrors, BadFieldPaths) {
  ExpectInvalid({R"({"": 1})", R"({"a..b": 1})", R"({".a": 1})", R"({"a.": 1})"});
}

TEST(FilterErrors, NaNOperandFromJsonValue) {
  for (const char* op : {"$eq", "$gt", "$ne"}) {
    SCOPED_TRACE(op);
    try {
      Filter::parse(json{{"a", {{op, std::nan("")}}}});
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    }
  }
  EXPECT_THROW(Filter::parse(json{{"a", {{"$in", {1, std::nan("")}}}}}), Error);
}

TEST(FilterErrors, DepthLimitOnLogicalNesting) {
  static_assert(quiver::Limits::kMaxFilterDepth == 32, "the cases below assume 32");
  // 31 $and's: the innermost object is at level 32, the maximum.
  const Filter deepest = Filter::parse(NestedAnd(31));
  EXPECT_TRUE(deepest.matches(json{{"a", 1}}));
  EXPECT_FALSE(deepest.matches(json{{"a", 2}}));
  std::string message;
  EXPECT_EQ(CodeOf(NestedAnd(32), &message), ErrorCode::Limit);
  EXPECT_NE(message.find("32"), std::string::npos) << message;
  // Far beyond the limit: rejected without exhausting the stack.
  EXPECT_EQ(CodeOf(NestedAnd(100000)), ErrorCode::Limit);
}

TEST(FilterErrors, DepthLimitOnNotAndLiterals) {
  // {"a": {"$not": ... {"$eq": 1}}}: top object 1, operator object 2, each $not one more.
  auto nested_not = [](int nots) {
    std::string text = R"({"a": )";
    for (int i = 0; i < nots; ++i) text += R"({"$not": )";
    text += R"({"$eq": 1})";
    for (int i = 0; i < nots; ++i) text += "}";
    return text + "}";
  };
  EXPECT_NO_THROW(Filter::parse(nested_not(30)));
  EXPECT_EQ(CodeOf(nested_not(31)), ErrorCode::Limit);
  EXPECT_TRUE(Filter::parse(nested_not(30)).matches(json{{"a", 1}}));  // even count: plain $eq
  EXPECT_FALSE(Filter::parse(nested_not(29)).matches(json{{"a", 1}}));

  // {"a": [[...[1]...]]}: each array of a literal value is one level below its object.
  auto nested_array = [](int arrays) {
    return R"({"a": )" + std::string(arrays, '[') + "1" + std::string(arrays, ']') + "}";
  };
  const Filter literal = Filter::parse(nested_array(31));
  EXPECT_TRUE(literal.matches(json::parse(nested_array(31))));
  EXPECT_FALSE(literal.matches(json::parse(nested_array(30))));
  EXPECT_EQ(CodeOf(nested_array(32)), ErrorCode::Limit);
  EXPECT_EQ(CodeOf(nested_array(100000)), ErrorCode::Limit);
}

// Found by test/fuzz: a value nested ~100,000 deep where an error message describes it (a
// non-object filter, an $exists operand, an $and operand) was dumped recursively into the
// message and overflowed the stack. The JSON text's depth is now checked before parsing.
TEST(FilterErrors, DeepTextIsRejectedBeforeParsing) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  for (const std::string& text : {deep, R"({"a": {"$exists": )" + deep + "}}",
                                  R"({"$and": )" + deep + "}", R"({"a": {"$gt": )" + deep + "}}"}) {
    EXPECT_EQ(CodeOf(text), ErrorCode::Limit);
  }
  // Brackets inside strings do not count towards the depth.
  const Filter in_string = Filter::parse(R"({"a": ")" + std::string(1000, '[') + R"("})");
  EXPECT_TRUE(in_string.matches(json{{"a", std::string(1000, '[')}}));
}

TEST(FilterErrors, DepthLimitOnPathSegments) {
  auto path = [](int segments) {
    std::string p = "a";
    for (int i = 1; i < segments; ++i) p += ".a";
    return R"({")" + p + R"(": 1})";
  };
  EXPECT_NO_THROW(Filter::parse(path(32)));
  EXPECT_EQ(CodeOf(path(33)), ErrorCode::Limit);
}

}  // namespace
