// The compiled filter over metadata columns against the reference evaluator (Filter::matches on
// the parsed JSON): random metadata (scalars of every type, integers beyond 2^53, arrays, arrays
// of arrays and of objects, nested objects, absent and null fields) and random filters from a
// grammar (every operator, dotted paths, array positions, $and/$or/$nor/$not) must give the same
// matching set. The field index must bound and list a superset of the matches, also after
// updates and deletions leave stale entries behind.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "query/compiled_filter.h"
#include "query/filter.h"
#include "query/metadata_columns.h"
#include "query/planner.h"

namespace {

using nlohmann::json;
using quiver::query::CompiledFilter;
using quiver::query::Filter;
using quiver::query::MetadataColumns;

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  json scalar() {
    switch (pick(9)) {
      case 0: return nullptr;
      case 1: return pick(2) == 0;
      case 2: return pick(5);                       // int
      case 3: return pick(5) + 0.0;                 // float equal to an int
      case 4: return pick(5) + 0.5;
      case 5: return (int64_t{1} << 53) + pick(3);  // beyond double's exact integers
      case 6: return std::string(1, static_cast<char>('a' + pick(4)));
      case 7: return std::to_string(pick(3));       // number-like string
      default: return -pick(3);
    }
  }
  json value(int depth) {
    const int kind = depth > 2 ? 0 : pick(10);
    if (kind < 6) return scalar();
    if (kind < 8) {
      json arr = json::array();
      for (int i = pick(4); i > 0; --i) arr.push_back(value(depth + 1));
      return arr;
    }
    json obj = json::object();
    for (int i = pick(3); i > 0; --i) obj[field()] = value(depth + 1);
    return obj;
  }
  std::string field() {
    static const char* kNames[] = {"a", "b", "c"};
    return kNames[pick(3)];
  }
  json doc() {
    json d = json::object();
    for (int i = pick(4); i > 0; --i) d[field()] = value(0);
    return d;
  }
  std::string path() {
    std::string p = field();
    while (pick(3) == 0) p += "." + (pick(3) == 0 ? std::to_string(pick(2)) : field());
    return p;
  }
  json literal() { return pick(6) == 0 ? value(1) : scalar(); }
  json ops(int depth) {
    static const char* kOps[] = {"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$not"};
    json o = json::object();
    for (int i = 1 + pick(2); i > 0; --i) {
      const std::string op = kOps[pick(depth > 1 ? 9 : 10)];
      if (op == "$in" || op == "$nin") {
        json list = json::array();
        for (int j = pick(4); j > 0; --j) list.push_back(literal());
        o[op] = list;
      } else if (op == "$exists") {
        o[op] = pick(2) == 0;
      } else if (op == "$not") {
        o[op] = ops(depth + 1);
      } else if (op == "$gt" || op == "$gte" || op == "$lt" || op == "$lte") {
        o[op] = pick(5) == 0 ? json("b") : json(pick(6) - 1 + (pick(2) ? 0.5 : 0.0));
      } else {
        o[op] = literal();
      }
    }
    return o;
  }
  json filter(int depth) {
    json f = json::object();
    const int kind = depth > 2 ? 0 : pick(8);
    if (kind < 5) {
      f[path()] = pick(3) == 0 ? literal() : ops(1);
      if (pick(4) == 0) f[path()] = ops(1);
      return f;
    }
    static const char* kLogic[] = {"$and", "$or", "$nor"};
    json branches = json::array();
    for (int i = pick(4); i > 0; --i) branches.push_back(filter(depth + 1));
    f[kLogic[kind - 5]] = branches;
    return f;
  }

 private:
  std::mt19937 rng_;
};

// Checks every filter against every live doc; returns the number of (filter, doc) matches.
size_t check_all(const std::vector<json>& docs, const std::vector<bool>& live, MetadataColumns& columns,
                 Gen& gen, int filters) {
  size_t matched = 0;
  for (int f = 0; f < filters; ++f) {
    const json filter_json = gen.filter(0);
    SCOPED_TRACE(filter_json.dump());
    const Filter filter = Filter::parse(filter_json);
    columns.ensure(CompiledFilter::paths_of(filter), [&](uint64_t label) { return docs[label]; });
    const CompiledFilter compiled = CompiledFilter::compile(filter, columns);
    std::vector<uint64_t> expected;
    for (uint64_t label = 0; label < docs.size(); ++label) {
      if (!live[label]) continue;
      const bool want = filter.matches(docs[label]);
      EXPECT_EQ(compiled.matches(label), want) << "doc " << docs[label].dump();
      if (want) expected.push_back(label);
    }
    matched += expected.size();
    // The field index: a bound and a candidate list that hold every match.
    if (compiled.bound() != CompiledFilter::kUnbounded) {
      EXPECT_GE(compiled.bound(), expected.size());
      std::vector<uint64_t> candidates;
      compiled.candidates(candidates);
      for (uint64_t label : expected) {
        EXPECT_NE(std::find(candidates.begin(), candidates.end(), label), candidates.end())
            << "doc " << docs[label].dump() << " matches but is not a candidate";
      }
    }
    EXPECT_EQ(quiver::query::matching_labels(columns, compiled), expected);
  }
  return matched;
}

TEST(CompiledFilter, AgreesWithTheReferenceOnRandomFiltersAndMetadata) {
  Gen gen(7);
  std::vector<json> docs;
  std::vector<uint64_t> labels;
  for (uint64_t label = 0; label < 400; ++label) {
    docs.push_back(gen.doc());
    labels.push_back(label);
  }
  std::vector<bool> live(docs.size(), true);
  MetadataColumns columns;
  columns.reset(labels, {"a"});
  const size_t matched = check_all(docs, live, columns, gen, 1500);
  EXPECT_GT(matched, 1500u * 400 / 20);  // the grammar is not degenerate: filters do match

  // Writes after the columns exist: updates, deletions and new labels keep them exact.
  for (uint64_t label = 0; label < docs.size(); label += 3) {
    docs[label] = gen.doc();
    columns.set(label, docs[label]);
  }
  for (uint64_t label = 1; label < docs.size(); label += 7) {
    live[label] = false;
    columns.erase(label);
  }
  for (int i = 0; i < 50; ++i) {
    docs.push_back(gen.doc());
    live.push_back(true);
    columns.set(docs.size() - 1, docs.back());
  }
  check_all(docs, live, columns, gen, 1500);
}

TEST(CompiledFilter, HandPickedCases) {
  const std::vector<json> docs = {
      json::parse(R"({"n": 1, "tags": ["x", "y"], "o": {"k": [1, 2]}})"),
      json::parse(R"({"n": 1.0, "tags": [["x"]], "o": {"k": [1.0, 2]}})"),
      json::parse(R"({"n": 9007199254740993, "items": [{"q": 1}, {"r": 2}]})"),
      json::parse(R"({"n": null, "tags": []})"),
      json::parse(R"({})"),
  };
  std::vector<uint64_t> labels = {0, 1, 2, 3, 4};
  MetadataColumns columns;
  columns.reset(labels, {});
  const auto run = [&](const char* text) {
    const Filter filter = Filter::parse(std::string(text));
    columns.ensure(CompiledFilter::paths_of(filter), [&](uint64_t label) { return docs[label]; });
    const CompiledFilter compiled = CompiledFilter::compile(filter, columns);
    std::vector<uint64_t> got, want;
    for (uint64_t l : labels) {
      if (compiled.matches(l)) got.push_back(l);
      if (filter.matches(docs[l])) want.push_back(l);
    }
    EXPECT_EQ(got, want) << text;
    return got;
  };
  EXPECT_EQ(run(R"({"n": 1})"), (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(run(R"({"n": 9007199254740992})"), (std::vector<uint64_t>{}));
  EXPECT_EQ(run(R"({"n": 9007199254740993})"), (std::vector<uint64_t>{2}));
  EXPECT_EQ(run(R"({"n": {"$gt": 9007199254740992}})"), (std::vector<uint64_t>{2}));
  EXPECT_EQ(run(R"({"n": null})"), (std::vector<uint64_t>{3, 4}));
  EXPECT_EQ(run(R"({"tags": ["x"]})"), (std::vector<uint64_t>{1}));
  EXPECT_EQ(run(R"({"tags": "x"})"), (std::vector<uint64_t>{0}));
  EXPECT_EQ(run(R"({"tags": []})"), (std::vector<uint64_t>{3}));
  EXPECT_EQ(run(R"({"o": {"k": [1, 2.0]}})"), (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(run(R"({"o.k.1": 2})"), (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(run(R"({"items.q": null})"), (std::vector<uint64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(run(R"({"items.r": {"$exists": true}})"), (std::vector<uint64_t>{2}));
  EXPECT_EQ(run(R"({"tags": {"$in": ["y", "z"]}})"), (std::vector<uint64_t>{0}));
  EXPECT_EQ(run(R"({"$or": []})"), (std::vector<uint64_t>{}));
  EXPECT_EQ(run(R"({"tags": {"$nin": ["never-stored"]}})"), (std::vector<uint64_t>{0, 1, 2, 3, 4}));
}

}  // namespace
