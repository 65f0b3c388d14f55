// Indexes whose graph is quantized (f16, i8): returned vectors stay exact, rescoring keeps
// recall@10 within 0.01 of f32's, the learned i8 scale survives a reopen through the graph
// file, and the options are validated in the core.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "query/request.h"
#include "quiver/error.h"
#include "quiver/index.h"
#include "test_support.h"
#include "vectors/kernels.h"

namespace quiver {
namespace {

using test::TempDir;

constexpr size_t kItems = 3000, kDims = 48, kQueries = 60;

std::unique_ptr<Index> filled(const std::string& folder, Metric metric, const std::string& quantization,
                              const std::vector<std::vector<float>>& data) {
  IndexConfig c = test::config(metric);
  c.quantization = parse_config_json("{\"quantization\":\"" + quantization + "\"}").quantization;
  Index::create(folder, c, false);
  auto index = Index::open(folder);
  std::vector<ItemInput> batch;
  for (size_t i = 0; i < data.size(); ++i) batch.push_back(test::input("i" + std::to_string(i), data[i]));
  index->insert(batch);
  return index;
}

double similarity(Metric metric, const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0, l2 = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += double(a[i]) * b[i], na += double(a[i]) * a[i], nb += double(b[i]) * b[i];
    l2 += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  }
  return metric == Metric::L2 ? -l2 : metric == Metric::Cosine ? dot / std::sqrt(na * nb) : dot;
}

double recall_at_10(const Index& index, Metric metric, const std::vector<std::vector<float>>& data,
                    const std::vector<std::vector<float>>& queries, const std::string& options) {
  double found = 0;
  for (const auto& q : queries) {
    std::vector<std::pair<double, size_t>> all;
    for (size_t i = 0; i < data.size(); ++i) all.emplace_back(-similarity(metric, q, data[i]), i);
    std::partial_sort(all.begin(), all.begin() + 10, all.end());
    std::set<std::string> truth;
    for (size_t i = 0; i < 10; ++i) truth.insert("i" + std::to_string(all[i].second));
    const auto hits = index.search(test::view(q), options);
    EXPECT_EQ(hits.size(), 10u);
    for (const auto& h : hits) found += truth.count(h.item.id);
  }
  return found / (10.0 * queries.size());
}

class QuantizedIndex : public ::testing::TestWithParam<std::tuple<Metric, const char*>> {};

TEST_P(QuantizedIndex, ReturnsExactVectorsAndRescoresToF32Recall) {
  const auto [metric, quantization] = GetParam();
  const auto data = test::clustered(kItems, kDims, 30, 17);
  const auto queries = test::clustered(kQueries, kDims, 30, 17);  // same centres, other points
  TempDir dir;
  auto f32 = filled(dir.sub("f32"), metric, "f32", data);
  auto quantized = filled(dir.sub("q"), metric, quantization, data);

  // Items come back bit-exact, from get, list and query.
  for (size_t i : {size_t{0}, size_t{123}, kItems - 1}) {
    const auto item = quantized->get("i" + std::to_string(i));
    ASSERT_TRUE(item);
    EXPECT_EQ(std::memcmp(item->vector.data(), data[i].data(), kDims * sizeof(float)), 0);
  }
  const auto hits = quantized->search(test::view(data[5]), R"({"topK":3})");
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].item.id, "i5");
  EXPECT_EQ(std::memcmp(hits[0].item.vector.data(), data[5].data(), kDims * sizeof(float)), 0);

  const std::string options = R"({"topK":10,"efSearch":32)";
  const double base = recall_at_10(*f32, metric, data, queries, options + "}");
  const double plain = recall_at_10(*quantized, metric, data, queries, options + "}");
  const double rescored = recall_at_10(*quantized, metric, data, queries, options + R"(,"rescore":true})");
  EXPECT_GE(rescored, base - 0.01) << quantization << " plain " << plain << " f32 " << base;
  EXPECT_GE(rescored, plain);
  std::printf("recall@10 %s %s: f32 %.3f plain %.3f rescored %.3f\n", metric_name(metric), quantization, base, plain, rescored);
  // Scores are Vectra's double-precision ones, from the exact vectors.
  const auto top = quantized->search(test::view(queries[0]), R"({"topK":1,"rescore":true})");
  uint64_t id = std::stoull(top[0].item.id.substr(1));
  EXPECT_FLOAT_EQ(top[0].score, static_cast<float>(similarity(metric, queries[0], data[id])));

  // Without vectors and without rescoring no row is read (Index::Impl::pack_from_graph): the
  // same hits as with vectors, in the graph's order, scored by its quantized distances (within
  // the quantization error of the exact scores), each with its exact norm (kept in memory).
  for (size_t qi = 0; qi < 10; ++qi) {
    const auto request = [&](const char* options) {
      return quantized->query(query::parse_query_request(test::view(queries[qi]), options));
    };
    const PackedItems with = request(R"({"topK":10})");
    const PackedItems bare = request(R"({"topK":10,"includeVectors":false})");
    ASSERT_EQ(bare.count, with.count);
    EXPECT_TRUE(bare.vectors.empty());
    const auto ids = [](const PackedItems& p) {
      std::vector<std::string> out;
      for (size_t at = 0, part = 0; at <= p.text.size(); ++part) {
        const size_t end = std::min(p.text.find('\0', at), p.text.size());
        if (part % 2 == 0) out.push_back(p.text.substr(at, end - at));
        at = end + 1;
      }
      return out;
    };
    const auto bare_ids = ids(bare), with_ids = ids(with);
    EXPECT_EQ(std::set<std::string>(bare_ids.begin(), bare_ids.end()), std::set<std::string>(with_ids.begin(), with_ids.end()));
    for (size_t h = 0; h < bare.count; ++h) {
      const double* n = bare.numbers.data() + h * PackedItems::kNumbersPerItem;
      const auto& v = data[std::stoull(bare_ids[h].substr(1))];
      const double exact_norm = std::sqrt(similarity(Metric::InnerProduct, v, v));
      EXPECT_NEAR(n[0], exact_norm, 1e-6 * exact_norm) << bare_ids[h];
      const double exact = similarity(metric, queries[qi], v);
      EXPECT_NEAR(n[1], exact, 0.05 * (1 + std::fabs(exact))) << bare_ids[h];
      if (h > 0) EXPECT_LE(n[1], n[1 - PackedItems::kNumbersPerItem]);  // the graph's order
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, QuantizedIndex,
    ::testing::Combine(::testing::Values(Metric::Cosine, Metric::L2, Metric::InnerProduct),
                       ::testing::Values("f16", "i8")),
    [](const auto& info) {
      return std::string(metric_name(std::get<0>(info.param))) + "_" + std::get<1>(info.param);
    });

TEST(QuantizedIndexFile, TheLearnedI8ScaleIsReadBackFromTheGraphFile) {
  const auto data = test::clustered(500, 16, 5, 3);
  TempDir dir;
  std::vector<std::string> before;
  {
    auto index = filled(dir.path(), Metric::L2, "i8", data);
    for (const auto& h : index->search(test::view(data[1]), R"({"topK":5})")) before.push_back(h.item.id);
    index->close();
  }
  auto index = Index::open(dir.path());
  EXPECT_NE(index->verify().find("graph file loaded"), std::string::npos) << index->verify();
  std::vector<std::string> after;
  for (const auto& h : index->search(test::view(data[1]), R"({"topK":5})")) after.push_back(h.item.id);
  EXPECT_EQ(before, after);
  // Later batches keep the scale (values beyond it are clipped, found again by rescoring).
  std::vector<float> far(16, 50.0f);
  index->insert({test::input("far", far)});
  const auto hits = index->search(test::view(far), R"({"topK":1,"rescore":true})");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].item.id, "far");
}

TEST(QuantizedIndexOptions, AreValidatedByTheCore) {
  EXPECT_EQ(parse_config_json(R"({"quantization":"i8","rescore":true})").quantization, Quantization::I8);
  EXPECT_TRUE(parse_config_json(R"({"rescore":true})").rescore);
  for (const char* bad : {R"({"quantization":"f64"})", R"({"quantization":8})", R"({"rescore":"yes"})"}) {
    try {
      parse_config_json(bad);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidArgument) << bad;
    }
  }
  // Kept in the stored config only when not the default.
  EXPECT_EQ(config_to_json(IndexConfig{}).find("quantization"), std::string::npos);
  EXPECT_NE(config_to_json(parse_config_json(R"({"quantization":"f16"})")).find("\"f16\""), std::string::npos);
  const std::vector<float> v(4, 1.0f);
  EXPECT_THROW(query::parse_query_request(test::view(v), R"({"topK":1,"rescore":1})"), Error);
  EXPECT_EQ(query::parse_query_request(test::view(v), R"({"topK":1,"rescore":false})").rescore,
            query::QueryRequest::Rescore::No);
}

}  // namespace
}  // namespace quiver

namespace quiver {
namespace {

TEST(QuantizedIndexInfo, TheCoreNamesItsKernelLevelAndQuantization) {
  const std::string kernel = Index::simd_kernel();
  EXPECT_EQ(kernel, vectors::level_name(vectors::active_level()));
  EXPECT_TRUE(kernel == "scalar" || kernel == "sse4" || kernel == "avx2" || kernel == "avx512" ||
              kernel == "wasm-simd128" || kernel == "neon")
      << kernel;
  test::TempDir dir;
  IndexConfig c = test::config(Metric::Cosine, 4);
  c.quantization = Quantization::F16;
  Index::create(dir.path(), c, false);
  EXPECT_NE(Index::open(dir.path())->stats().config_json.find("\"quantization\":\"f16\""), std::string::npos);
}

}  // namespace
}  // namespace quiver
