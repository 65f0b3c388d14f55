// The rules of the core's API layer (native/core/src/api) and of the values it guards: id text,
// integer options, unknown config keys, JSON nesting, and the one exception -> code mapping that
// both bindings use.
#include <gtest/gtest.h>

#include <filesystem>
#include <new>
#include <stdexcept>
#include <string>

#include "api/request.h"
#include "query/request.h"
#include "quiver/config.h"
#include "quiver/index.h"
#include "test_support.h"
#include "util/json_text.h"
#include "util/utf8.h"

namespace quiver {
namespace {

using test::input;
using test::TempDir;

// The code and message of the quiver::Error that fn throws (fails the test if none).
api::Failure failure_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (...) {
    return api::current_failure();
  }
  ADD_FAILURE() << "expected an exception";
  return {ErrorCode::Internal, ""};
}

TEST(Utf16, ConvertsPairsAndRejectsLoneSurrogates) {
  const std::u16string good = u"a\u00e9\u4e2d\U0001F600";
  EXPECT_EQ(api::text_from_utf16(good.data(), good.size(), "id"), "a\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80");
  for (const std::u16string bad : {std::u16string(u"sur") + char16_t(0xD800) + u"x",
                                   std::u16string(1, char16_t(0xDC00)),
                                   std::u16string(u"end") + char16_t(0xDBFF)}) {
    auto f = failure_of([&] { api::text_from_utf16(bad.data(), bad.size(), "item id"); });
    EXPECT_EQ(f.code, ErrorCode::InvalidArgument);
    EXPECT_NE(f.message.find("item id contains a lone surrogate"), std::string::npos) << f.message;
  }
}

TEST(Utf8, FindsTheFirstInvalidByte) {
  EXPECT_EQ(util::first_invalid_utf8("plain \xc3\xa9"), std::string_view::npos);
  EXPECT_EQ(util::first_invalid_utf8("ab\xed\xa0\x80"), 2u);  // an encoded surrogate (CESU-8)
  EXPECT_EQ(util::first_invalid_utf8("\xc0\xaf"), 0u);        // overlong '/'
  EXPECT_EQ(util::first_invalid_utf8("x\xe4\xb8"), 1u);       // truncated sequence
  EXPECT_EQ(util::first_invalid_utf8("\xf4\x90\x80\x80"), 0u);  // above U+10FFFF
}

class IdRules : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = dir_.sub("idx");
    Index::create(folder_, test::config(Metric::L2, 2), false);
    index_ = Index::open(folder_);
  }
  TempDir dir_;
  std::string folder_;
  std::unique_ptr<Index> index_;
  std::vector<float> v_{1, 2};
};

TEST_F(IdRules, NulAndInvalidUtf8AreRejectedEverywhereNothingIsTruncated) {
  index_->insert({input("a", v_)});
  const std::string with_nul("a\0b", 3);
  for (const std::string& bad : {with_nul, std::string("\0", 1), std::string("x\xed\xa0\x80")}) {
    EXPECT_EQ(failure_of([&] { index_->insert({input(bad, v_)}); }).code, ErrorCode::InvalidArgument);
    EXPECT_EQ(failure_of([&] { index_->upsert({input(bad, v_)}); }).code, ErrorCode::InvalidArgument);
    EXPECT_EQ(failure_of([&] { index_->get(bad); }).code, ErrorCode::InvalidArgument);
    EXPECT_EQ(failure_of([&] { index_->remove({bad}); }).code, ErrorCode::InvalidArgument);
  }
  EXPECT_NE(failure_of([&] { index_->insert({input(with_nul, v_)}); }).message.find("NUL"),
            std::string::npos);
  ASSERT_EQ(index_->list().size(), 1u);
  EXPECT_EQ(index_->list()[0].id, "a");
  // Valid text of any script round-trips exactly.
  const std::string text = "caf\xc3\xa9 \xf0\x9f\x98\x80";
  index_->insert({input(text, v_)});
  ASSERT_TRUE(index_->get(text).has_value());
  EXPECT_EQ(index_->get(text)->id, text);
}

TEST(IntegerRule, OneRuleForTopKEfSearchAndConfig) {
  EXPECT_EQ(validate_integer(5, "x", 1, 10), 5);
  for (double bad : {1.5, std::nan(""), HUGE_VAL, -HUGE_VAL, 0.0, 11.0}) {
    EXPECT_EQ(failure_of([&] { validate_integer(bad, "x", 1, 10); }).code, ErrorCode::InvalidArgument) << bad;
  }
  // The query options the bindings pass (query::parse_query_request): efSearch 1.5 is rejected
  // like topK 1.5 (it used to be truncated to 1).
  const auto request = [](const std::string& json) { return query::parse_query_request(VectorView{}, json); };
  auto ef = failure_of([&] { request(R"({"topK":3,"efSearch":1.5})"); });
  EXPECT_EQ(ef.code, ErrorCode::InvalidArgument);
  EXPECT_NE(ef.message.find("efSearch must be an integer"), std::string::npos) << ef.message;
  EXPECT_EQ(failure_of([&] { request(R"({"topK":1.5})"); }).code, ErrorCode::InvalidArgument);
  EXPECT_EQ(failure_of([&] { request(R"({"topK":10001})"); }).code, ErrorCode::Limit);
  EXPECT_EQ(failure_of([&] { request(R"({"topK":3,"efSearch":-1})"); }).code, ErrorCode::InvalidArgument);
  EXPECT_EQ(failure_of([&] { request(R"({"topK":"3"})"); }).code, ErrorCode::InvalidArgument);
  EXPECT_EQ(failure_of([&] { request(R"({"topK":3,"efSearch":"NaN"})"); }).message.find("NaN") != std::string::npos, true);
  const auto misspelt = failure_of([&] { request(R"({"topK":3,"efsearch":64})"); });
  EXPECT_EQ(misspelt.code, ErrorCode::InvalidArgument);
  EXPECT_NE(misspelt.message.find("\"efsearch\""), std::string::npos) << misspelt.message;
  EXPECT_EQ(request(R"({"topK":3,"efSearch":0})").ef_search, 0);  // 0: the index's setting
  EXPECT_EQ(request(R"({"topK":3,"efSearch":200})").ef_search, 200);
  EXPECT_EQ(request(R"({"topK":3})").mode, query::QueryRequest::Mode::Vector);
  EXPECT_EQ(request(R"({"topK":3,"text":"a"})").mode, query::QueryRequest::Mode::Keyword);
  EXPECT_EQ(query::parse_query_request(VectorView{nullptr, 0, true}, R"({"topK":3,"text":"a"})").mode,
            query::QueryRequest::Mode::Hybrid);
  EXPECT_EQ(failure_of([] { parse_config_json(R"({"hnsw":{"efSearch":1.5}})"); }).code,
            ErrorCode::InvalidArgument);
}

TEST(ConfigKeys, UnknownKeysAreRejectedByName) {
  struct Case {
    const char* json;
    const char* named;
  };
  for (const Case& c : {Case{R"({"shard":4})", "\"shard\""},
                        Case{R"({"metadata_confg":{"indexed":["a"]}})", "\"metadata_confg\""},
                        Case{R"({"hnsw":{"m":16}})", "\"m\""},
                        Case{R"({"metadata_config":{"index":["a"]}})", "\"index\""}}) {
    auto f = failure_of([&] { parse_config_json(c.json); });
    EXPECT_EQ(f.code, ErrorCode::InvalidArgument) << c.json;
    EXPECT_NE(f.message.find(c.named), std::string::npos) << f.message;
  }
  // Every key of Vectra 0.15's config (deleteIfExists is the create call's argument) and ours.
  const IndexConfig ok = parse_config_json(
      R"({"version":1,"dimensions":8,"metric":"l2","hnsw":{"M":8,"efConstruction":50,"efSearch":20},)"
      R"("metadata_config":{"indexed":["a"]}})");
  EXPECT_EQ(ok.dimensions, 8u);
  EXPECT_EQ(ok.hnsw.ef_search, 20);
}

std::string nested_object(size_t levels) {
  std::string s;
  for (size_t i = 0; i < levels; ++i) s += "{\"n\":";
  s += "1";
  s.append(levels, '}');
  return s;
}

TEST(JsonDepth, IsMeasuredWithoutRecursionAndIgnoresBracketsInStrings) {
  EXPECT_EQ(util::json_nesting_depth(R"({"a":[1,{"b":"[[[{{{\"]"}]})"), 3u);
  EXPECT_EQ(util::json_nesting_depth(nested_object(1'000'000)), 1'000'000u);
}

TEST_F(IdRules, DeepMetadataFilterAndConfigAreLimitNotACrash) {
  // A million levels: any recursive walk of this would overflow the stack (and in WASM, far
  // fewer would). Each must be rejected before it is parsed.
  const std::string deep = nested_object(1'000'000);
  EXPECT_EQ(failure_of([&] { index_->insert({input("deep", v_, deep)}); }).code, ErrorCode::Limit);
  // Under the 64 KiB size limit, so it is the depth rule that answers.
  auto meta = failure_of([&] { index_->insert({input("deep", v_, nested_object(5000))}); });
  EXPECT_EQ(meta.code, ErrorCode::Limit);
  EXPECT_NE(meta.message.find("nested 5000 levels deep"), std::string::npos) << meta.message;
  EXPECT_EQ(failure_of([&] { index_->list(deep); }).code, ErrorCode::Limit);
  QueryOptions q;
  q.top_k = 1;
  q.filter_json = R"({"a":{"$eq":)" + std::string(1'000'000, '[') + std::string(1'000'000, ']') + "}}";
  EXPECT_EQ(failure_of([&] { index_->query(test::view(v_), q); }).code, ErrorCode::Limit);
  EXPECT_EQ(failure_of([&] { parse_config_json(R"({"hnsw":)" + deep + "}"); }).code, ErrorCode::Limit);
  // At the limit it is accepted, one level deeper it is not.
  index_->insert({input("ok", v_, nested_object(Limits::kMaxJsonDepth))});
  EXPECT_EQ(failure_of([&] { index_->insert({input("no", v_, nested_object(Limits::kMaxJsonDepth + 1))}); }).code,
            ErrorCode::Limit);
  EXPECT_EQ(index_->list().size(), 1u);
}

TEST(FolderRules, NulOrEmptyFolderIsRejectedNotTruncated) {
  TempDir dir;
  const std::string with_nul = dir.sub("a") + std::string("\0b", 2);
  EXPECT_EQ(failure_of([&] { Index::create(with_nul, IndexConfig{}, false); }).code,
            ErrorCode::InvalidArgument);
  EXPECT_EQ(failure_of([&] { Index::open(with_nul); }).code, ErrorCode::InvalidArgument);
  EXPECT_EQ(failure_of([&] { Index::exists(with_nul); }).code, ErrorCode::InvalidArgument);
  EXPECT_EQ(failure_of([&] { Index::destroy(with_nul); }).code, ErrorCode::InvalidArgument);
  EXPECT_EQ(failure_of([&] { Index::create("", IndexConfig{}, false); }).code,
            ErrorCode::InvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir.sub("a")));  // nothing was created at the cut path
}

TEST(Failures, OneMappingForEveryException) {
  EXPECT_EQ(failure_of([] { throw Error(ErrorCode::Busy, "locked"); }).code, ErrorCode::Busy);
  EXPECT_EQ(failure_of([] { throw std::bad_alloc(); }).code, ErrorCode::Limit);
  auto internal = failure_of([] { throw std::logic_error("oops"); });
  EXPECT_EQ(internal.code, ErrorCode::Internal);
  EXPECT_NE(internal.message.find("please report"), std::string::npos);
  EXPECT_EQ(failure_of([] { throw 42; }).code, ErrorCode::Internal);
}

}  // namespace
}  // namespace quiver
