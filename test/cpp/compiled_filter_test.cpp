// The compiled filter over metadata columns against the reference evaluator (Filter::matches on
// the parsed JSON): random metadata (scalars of every type, integers beyond 2^53, arrays, arrays
// of arrays and of objects, nested objects, absent and null fields) and random filters from a
// grammar (every operator, dotted paths, array positions, $and/$or/$nor/$not) must give the same
// matching set. The field index must bound and list a superset of the matches, also after
// updates and deletions leave stale entries behind.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "query/compiled_filter.h"
#include "query/filter.h"
#include "query/metadata_columns.h"
#include "ann/shard_set.h"
#include "query/planner.h"

namespace {

using nlohmann::json;
using quiver::query::CompiledFilter;
using quiver::query::Filter;
using quiver::query::MetadataColumns;

class Gen {
 public:
  // `big_ints`: whether values include integers beyond 2^53 (their index keys are rounded, which
  // keeps a column's index from ever answering exactly).
  explicit Gen(uint32_t seed, bool big_ints = true) : rng_(seed), big_ints_(big_ints) {}
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  json scalar() {
    switch (pick(9)) {
      case 0: return nullptr;
      case 1: return pick(2) == 0;
      case 2: return pick(5);                       // int
      case 3: return pick(5) + 0.0;                 // float equal to an int
      case 4: return pick(5) + 0.5;
      case 5: return big_ints_ ? json((int64_t{1} << 53) + pick(3)) : json(pick(7));  // beyond 2^53
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
  bool big_ints_;
};

// Checks every filter against every live doc; returns the number of (filter, doc) matches.
// `exact_filters` (optional) counts the filters whose index listing was exact.
size_t check_all(const std::vector<json>& docs, const std::vector<bool>& live, MetadataColumns& columns,
                 Gen& gen, int filters, size_t* exact_filters = nullptr) {
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
      // The composed bitmap ($and intersected, $or united): a superset too, and exactly the
      // live matches when the filter says its index listing is exact.
      std::vector<uint64_t> words;
      EXPECT_TRUE(compiled.candidate_bits(columns.label_end(), words));
      std::vector<uint64_t> listed;
      for (uint64_t label = 0; label < docs.size(); ++label) {
        const bool bit = (words[label / 64] >> (label % 64)) & 1;
        if (bit && live[label]) listed.push_back(label);
        if (!bit && live[label] && filter.matches(docs[label])) {
          ADD_FAILURE() << "doc " << docs[label].dump() << " matches but is not in the bitmap";
        }
      }
      if (compiled.index_exact()) {
        EXPECT_EQ(listed, expected) << "the index listing said it was exact";
        if (exact_filters) ++*exact_filters;
      }
    } else {
      EXPECT_FALSE(compiled.index_exact());
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

// Without integers beyond 2^53 a fresh column's index is exact: many filters are then listed
// from the index with no candidate tested, which must give exactly the matching set; updates
// and deletions leave stale entries, after which the listing is a superset again.
TEST(CompiledFilter, IndexListingIsExactWhenItSaysSo) {
  Gen gen(11, /*big_ints=*/false);
  std::vector<json> docs;
  std::vector<uint64_t> labels;
  for (uint64_t label = 0; label < 300; ++label) {
    docs.push_back(gen.doc());
    labels.push_back(label);
  }
  std::vector<bool> live(docs.size(), true);
  MetadataColumns columns;
  columns.reset(labels, {});
  size_t exact = 0;
  check_all(docs, live, columns, gen, 1500, &exact);
  EXPECT_GT(exact, 100u);  // the exact path is exercised
  for (uint64_t label = 0; label < docs.size(); label += 5) {
    docs[label] = gen.doc();
    columns.set(label, docs[label]);
  }
  for (uint64_t label = 2; label < docs.size(); label += 9) {
    live[label] = false;
    columns.erase(label);
  }
  check_all(docs, live, columns, gen, 800);
  // "a" was built before the changes: its index holds stale entries now.
  const Filter on_a = Filter::parse(std::string(R"({"a": {"$gte": 0}})"));
  EXPECT_GT(columns.column("a")->stale_entries(), 0u);
  EXPECT_FALSE(CompiledFilter::compile(on_a, columns).index_exact());
}

// The index levels (sorted run, recent run, unsorted tail) against a brute force, through every
// merge threshold.
TEST(SortedPostings, CountAndListLikeABruteForce) {
  quiver::query::SortedPostings postings;
  std::vector<std::pair<double, uint64_t>> all;
  std::mt19937 rng(5);
  const auto check = [&] {
    for (int t = 0; t < 20; ++t) {
      double lo = static_cast<double>(rng() % 120) - 10, hi = lo + static_cast<double>(rng() % 40);
      size_t want = 0;
      std::vector<uint64_t> want_labels;
      for (const auto& [key, label] : all) {
        if (key >= lo && key <= hi) {
          ++want;
          want_labels.push_back(label);
        }
      }
      EXPECT_EQ(postings.count(lo, hi), want);
      std::vector<uint64_t> got;
      postings.collect(lo, hi, got);
      std::sort(got.begin(), got.end());
      std::sort(want_labels.begin(), want_labels.end());
      EXPECT_EQ(got, want_labels);
      std::vector<uint64_t> words(all.size() / 64 + 1, 0);
      postings.collect_bits(lo, hi, words);
      want_labels.erase(std::unique(want_labels.begin(), want_labels.end()), want_labels.end());
      std::vector<uint64_t> bits;
      for (uint64_t l = 0; l < words.size() * 64; ++l) {
        if ((words[l / 64] >> (l % 64)) & 1) bits.push_back(l);
      }
      EXPECT_EQ(bits, want_labels);
    }
  };
  for (uint64_t label = 0; label < 6000; ++label) {
    const double key = static_cast<double>(rng() % 100);
    postings.add(key, label);
    all.emplace_back(key, label);
    if (label % 997 == 0 || label == 63 || label == 64 || label == 1100) check();
  }
  check();
  postings.compact();
  check();
  EXPECT_EQ(postings.size(), all.size());
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

namespace {

using quiver::query::Plan;
using quiver::query::QueryRequest;

// The planner on columns + a real graph: small match sets are scanned exactly, large ones walked,
// and fewer matches than k always give exactly the matches.
TEST(Planner, ChoosesByEstimatedMatchesAndReportsIt) {
  constexpr uint32_t kDims = 8;
  constexpr size_t kItems = 6000;
  quiver::HnswParams params;
  quiver::ann::ShardSet graph(quiver::Metric::L2, kDims, params);
  graph.reserve(kItems);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  MetadataColumns columns;
  columns.reset({}, {});
  std::vector<json> docs;
  for (uint64_t label = 0; label < kItems; ++label) {
    std::vector<float> v(kDims);
    for (auto& x : v) x = u(rng);
    graph.upsert(label, v.data());
    docs.push_back(json{{"r", static_cast<int>(label % 1000)}, {"even", label % 2 == 0}});
    columns.set(label, docs.back());
  }
  std::vector<float> q(kDims, 0.1f);
  const auto plan = [&](const char* text, size_t k) {
    const Filter filter = Filter::parse(std::string(text));
    columns.ensure(CompiledFilter::paths_of(filter), [&](uint64_t label) { return docs[label]; });
    const CompiledFilter compiled = CompiledFilter::compile(filter, columns);
    return quiver::query::plan_and_search(graph, columns, compiled, q.data(), k, 64, params.M);
  };
  const auto few = plan(R"({"r": {"$lt": 3}})", 10);  // 18 matches, index-listed
  EXPECT_EQ(few.report.plan, Plan::ExactScan);
  EXPECT_EQ(few.report.source, quiver::query::EstimateSource::Index);
  EXPECT_TRUE(few.report.exact_count);
  EXPECT_EQ(few.report.estimated_matches, 18);
  EXPECT_EQ(few.neighbors.size(), 10u);
  const auto tiny = plan(R"({"r": 5})", 10);  // 6 matches < k: all of them
  EXPECT_EQ(tiny.neighbors.size(), 6u);
  for (const auto& n : tiny.neighbors) EXPECT_EQ(n.label % 1000, 5u);
  // Nearly all, no index bound ($ne): sampled, then walked with the filter inside.
  const auto many = plan(R"({"r": {"$ne": 5}})", 10);
  EXPECT_EQ(many.report.source, quiver::query::EstimateSource::Sample);
  EXPECT_EQ(many.report.plan, Plan::FilteredHnsw);
  EXPECT_GE(many.report.ef, 64u);
  EXPECT_EQ(many.neighbors.size(), 10u);
  for (const auto& n : many.neighbors) EXPECT_NE(n.label % 1000, 5u);
  // Half the items, no index bound: sampled; a walk costs less than scanning 3,000 matches.
  const auto half = plan(R"({"even": {"$ne": false}})", 10);
  EXPECT_EQ(half.report.source, quiver::query::EstimateSource::Sample);
  EXPECT_EQ(half.report.plan, Plan::FilteredHnsw);
  for (const auto& n : half.neighbors) EXPECT_EQ(n.label % 2, 0u);
  // Few matches, no index bound ($nor): the sample sees too few to trust, so one pass of the
  // compiled filter finds the exact set (60 items), which is scanned.
  const auto rare = plan(R"({"$nor": [{"r": {"$gte": 10}}]})", 10);
  EXPECT_EQ(rare.report.source, quiver::query::EstimateSource::Scan);
  EXPECT_EQ(rare.report.plan, Plan::ExactScan);
  EXPECT_EQ(rare.report.estimated_matches, 60);
  for (const auto& n : rare.neighbors) EXPECT_LT(n.label % 1000, 10u);
  const auto none = plan(R"({"r": -1})", 10);
  EXPECT_TRUE(none.neighbors.empty());
}

TEST(Planner, FilteredQueriesRunInlineOnlyWhenTheIndexBoundsThemSmall) {
  quiver::HnswParams hnsw;
  QueryRequest r;
  r.top_k = 10;
  EXPECT_TRUE(quiver::query::runs_inline(r, 128, hnsw, 1000));  // no filter, small
  // Every shard is searched: 8 shards of 12,500 cost 8 walks of ef * 2M distances.
  const auto kNoBound = quiver::query::CompiledFilter::kUnbounded;
  EXPECT_TRUE(quiver::query::runs_inline(r, 128, hnsw, 100000, kNoBound, 1));
  EXPECT_FALSE(quiver::query::runs_inline(r, 128, hnsw, 100000, kNoBound, 8));
  r.filter = Filter::parse(std::string(R"({"a": 1})"));
  EXPECT_FALSE(quiver::query::runs_inline(r, 128, hnsw, 100000));  // columns unknown: unbounded
  EXPECT_TRUE(quiver::query::runs_inline(r, 128, hnsw, 100000, 50));
  EXPECT_FALSE(quiver::query::runs_inline(r, 128, hnsw, 100000, 50000));  // too many to list
  EXPECT_FALSE(quiver::query::runs_inline(r, 128, hnsw, 100000, 20000));  // listed, too slow
  r.plan = QueryRequest::PlanHint::FilteredHnsw;
  EXPECT_FALSE(quiver::query::runs_inline(r, 128, hnsw, 100000, 50));  // a forced walk: never
}

// A quantized index reads each returned row from SQLite: those reads count against the budget.
TEST(Planner, RowReadsCountAgainstTheInlineBudget) {
  quiver::HnswParams hnsw;
  QueryRequest r;
  r.top_k = 10;
  const auto kNoBound = quiver::query::CompiledFilter::kUnbounded;
  EXPECT_TRUE(quiver::query::runs_inline(r, 128, hnsw, 100000, kNoBound, 1, 10));
  EXPECT_TRUE(quiver::query::runs_inline(r, 128, hnsw, 100000, kNoBound, 1, 30));  // rescoring 3x
  const auto rows_alone = static_cast<size_t>(quiver::query::kInlineBudgetMicros / quiver::query::kRowReadMicros);
  EXPECT_FALSE(quiver::query::runs_inline(r, 128, hnsw, 1000, kNoBound, 1, rows_alone + 1));
  EXPECT_FALSE(quiver::query::runs_inline(r, 128, hnsw, 100000, kNoBound, 1, 1000));
}

}  // namespace
