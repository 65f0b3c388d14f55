// A large insert lets readers in while it builds the graph (index/cache.h: begin_commit,
// build_graph, publish_commit): queries and gets started during the write are answered before it
// ends, always with the full top k of published items (the labels being inserted are hidden from
// searches, not left as holes in the results), streams stay in order, and the commit shows as a
// whole once it resolves.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "query/request.h"
#include "quiver/index.h"
#include "test_support.h"
#include "write_lock_probe.h"

namespace quiver {
namespace {

using test::TempDir;
using test::WriteLockProbe;

std::vector<ItemInput> items_named(const char* prefix, const std::vector<std::vector<float>>& data, size_t from,
                                   size_t to) {
  std::vector<ItemInput> out;
  for (size_t i = from; i < to; ++i) out.push_back(test::input(prefix + std::to_string(i), data[i]));
  return out;
}

// Once the insert of data[from, end) as "n<i>" resolved: each new item is found by its own vector
// (95 % of a sample, at efSearch 200), and the cache agrees with the store, `live` items in all.
void expect_resolved(Index& index, const std::vector<std::vector<float>>& data, size_t from, size_t live) {
  QueryOptions one;
  one.top_k = 1;
  one.ef_search = 200;
  size_t found = 0, tried = 0;
  for (size_t i = from; i < data.size(); i += 97, ++tried) {
    const auto hits = index.query(test::view(data[i]), one);
    found += !hits.empty() && hits[0].item.id == "n" + std::to_string(i);
  }
  EXPECT_GE(found, tried * 95 / 100);
  const auto report = nlohmann::json::parse(index.verify());
  EXPECT_TRUE(report["consistent"].get<bool>()) << report.dump();
  EXPECT_EQ(report["graph"].get<size_t>(), live);
}

class WriteBesideReaders : public ::testing::TestWithParam<uint32_t> {};

TEST_P(WriteBesideReaders, QueriesAreAnsweredWhileTheGraphIsBuilt) {
  TempDir dir;
  const std::string folder = dir.sub("idx");
  IndexConfig config = test::config(Metric::Cosine, 32);
  config.shards = GetParam();
  Index::create(folder, config, false);
  constexpr size_t kBase = 400;
  const size_t kNew = test::scaled(12000, 5000);
  const auto data = test::clustered(kBase + kNew, 32, 16, 5);
  auto index = Index::open(folder);
  std::vector<ItemInput> base;
  for (size_t i = 0; i < kBase; ++i) {
    base.push_back(test::input("b" + std::to_string(i), data[i], i % 2 ? R"({"odd":true})" : R"({"odd":false})"));
  }
  index->insert(base);

  std::vector<ItemInput> added;
  for (size_t i = kBase; i < data.size(); ++i) {
    added.push_back(test::input("n" + std::to_string(i), data[i], i % 2 ? R"({"odd":true})" : R"({"odd":false})"));
  }
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    index->insert(added);
    writing = false;
  });

  // Reads started while the write runs: each must come back before the write is over at least
  // sometimes (it used to hold every reader off for its whole length).
  size_t during = 0, short_results = 0, bad_ids = 0, reads = 0, streamed = 0;
  QueryOptions plain;
  plain.top_k = 10;
  QueryOptions filtered = plain;
  filtered.filter_json = R"({"odd":true})";
  while (writing.load()) {
    const size_t i = reads++ % kBase;
    const auto hits = index->query(test::view(data[i]), i % 3 == 0 ? filtered : plain);
    const auto got = index->get("b" + std::to_string(i));
    if (writing.load()) ++during;
    if (hits.size() != 10) ++short_results;
    for (const auto& h : hits) {
      // Every hit is a whole item: a base one, or a new one whose vector is the one inserted.
      if (h.item.id[0] == 'n') {
        const size_t at = std::stoul(h.item.id.substr(1));
        if (h.item.vector != data[at]) ++bad_ids;
      } else if (h.item.id[0] != 'b') {
        ++bad_ids;
      }
    }
    if (!got || got->vector != data[i]) ++bad_ids;
    if (reads % 64 == 0) {
      // A stream too (graph walks, then its exact pass over every slot): whole items, in order.
      const uint64_t cursor = index->open_cursor(test::view(data[i]), R"({"maxResults":600})");
      double last = -1;
      for (int batch = 0; batch < 3; ++batch) {
        const PackedItems page = index->cursor_next(cursor, 200);
        for (size_t h = 0; h < page.count; ++h) {
          const double distance = page.numbers[h * PackedItems::kNumbersPerItem + 2];
          if (distance < last - 1e-6) ++bad_ids;
          last = distance;
        }
        streamed += page.count;
      }
      index->close_cursor(cursor);
    }
  }
  writer.join();
  EXPECT_GE(during, 10u) << "reads were held off for the whole write (" << reads << " reads)";
  EXPECT_EQ(short_results, 0u) << "labels being inserted left holes in a top 10";
  EXPECT_EQ(bad_ids, 0u);
  EXPECT_GT(streamed, 0u);

  expect_resolved(*index, data, kBase, kBase + kNew);
  index->close();
}

// The same when deleted items left slots behind: the new items take those slots over (hnswlib
// rewrites a deleted element in place) while searches walk through them. Until 2026-12-04 such a
// commit held every reader off for its whole build. Reads must never show a deleted item, nor a
// new one before it is published, nor a vector other than the one written.
TEST_P(WriteBesideReaders, QueriesAreAnsweredWhileDeletedSlotsAreTakenOver) {
  TempDir dir;
  const std::string folder = dir.sub("idx");
  IndexConfig config = test::config(Metric::L2, 32);
  config.shards = GetParam();
  Index::create(folder, config, false);
  const size_t kBase = test::scaled(4000, 1500);
  const size_t kNew = test::scaled(12000, 5000);
  const auto data = test::clustered(kBase + kNew, 32, 16, 31);
  auto index = Index::open(folder);
  index->insert(items_named("b", data, 0, kBase));
  std::vector<std::string> gone;
  for (size_t i = 1; i < kBase; i += 2) gone.push_back("b" + std::to_string(i));  // the odd ones
  index->remove(gone);
  const auto added = items_named("n", data, kBase, data.size());
  // Validation and the transaction ran beside readers before too; the graph build, most of the
  // insert, did not: a reader then waited for all of it. So the longest wait between two reads
  // answered is measured against the whole insert.
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    index->insert(added);
    writing = false;
  });
  auto last_answer = start;
  Clock::duration longest_wait{0};
  size_t during = 0, reads = 0, short_results = 0, bad = 0, streamed = 0;
  QueryOptions plain;
  plain.top_k = 10;
  while (writing.load()) {
    const size_t i = 2 * (reads++ % (kBase / 2));  // a surviving base item
    const auto hits = index->query(test::view(data[i]), plain);
    const auto got = index->get("b" + std::to_string(i));
    const auto dropped = index->get("b" + std::to_string(i + 1));
    // Every read started while the insert ran, the last one too (it may have waited for the end).
    longest_wait = std::max(longest_wait, Clock::now() - last_answer);
    last_answer = Clock::now();
    if (writing.load()) ++during;
    if (hits.size() != 10) ++short_results;
    for (const auto& h : hits) {
      const size_t at = std::stoul(h.item.id.substr(1));
      if (h.item.id[0] == 'b' && at % 2 == 1) ++bad;  // deleted
      if (h.item.vector != data[at]) ++bad;
    }
    if (!got || got->vector != data[i] || dropped) ++bad;
    if (reads % 64 == 0) {
      // A stream, whose exact pass reads every slot (those being taken over too): whole, live
      // items in order.
      const uint64_t cursor = index->open_cursor(test::view(data[i]), R"({"maxResults":400})");
      double last = -1;
      for (int batch = 0; batch < 2; ++batch) {
        const PackedItems page = index->cursor_next(cursor, 200);
        const auto ids = test::packed_ids(page);
        for (size_t h = 0; h < page.count; ++h) {
          const double distance = page.numbers[h * PackedItems::kNumbersPerItem + 2];
          if (distance < last - 1e-6) ++bad;
          last = distance;
          if (ids[h][0] == 'b' && std::stoul(ids[h].substr(1)) % 2 == 1) ++bad;  // deleted
        }
        streamed += page.count;
      }
      index->close_cursor(cursor);
    }
  }
  writer.join();
  const auto took = Clock::now() - start;
  const auto ms = [](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::printf("reads answered during the insert: %zu of %zu; longest wait %.1f ms of the insert's %.1f ms\n", during,
              reads, ms(longest_wait), ms(took));
  EXPECT_GE(during, 10u) << "reads were held off for the whole write (" << reads << " reads)";
  EXPECT_LT(ms(longest_wait) * 3, ms(took)) << "a read waited for most of the insert (its graph build)";
  EXPECT_EQ(short_results, 0u);
  EXPECT_EQ(bad, 0u);
  EXPECT_GT(streamed, 0u);
  expect_resolved(*index, data, kBase, kBase - gone.size() + kNew);
  index->close();
}

INSTANTIATE_TEST_SUITE_P(Shards, WriteBesideReaders, ::testing::Values(1u, 3u));


// A large insert of new items runs its SQLite transaction (rows, keyword index, COMMIT with its
// fsync) beside searches, not only its graph build: a search that starts while the transaction
// is open is answered before it closes. (Before, such a search waited for the whole transaction.)
// On a loaded machine the probe may catch a transaction only once, or not at all, before it
// closes. So a large insert of data[from, end) is repeated on another thread under a fresh id
// prefix per round ("n<round>_", so every round inserts new items), `during(prefix)` called in a
// loop while it runs, until `enough()` after a round or kMaxRounds. Returns the rounds run.
template <class During, class Enough>
size_t insert_rounds(Index& index, const std::vector<std::vector<float>>& data, size_t from, During during,
                     Enough enough) {
  constexpr size_t kMaxRounds = 8;
  size_t rounds = 0;
  while (!enough() && rounds < kMaxRounds) {
    const std::string prefix = "n" + std::to_string(rounds++) + "_";
    const auto added = items_named(prefix.c_str(), data, from, data.size());
    std::atomic<bool> writing{true};
    std::thread writer([&] {
      index.insert(added);
      writing = false;
    });
    while (writing.load()) during(prefix);
    writer.join();
  }
  return rounds;
}

TEST(TransactionBesideReaders, SearchesAreAnsweredWhileTheTransactionIsOpen) {
  TempDir dir;
  const std::string folder = dir.sub("idx");
  Index::create(folder, test::config(Metric::Cosine, 32), false);
  constexpr size_t kBase = 400;
  const size_t kNew = test::scaled(10000, 5000);
  const auto data = test::clustered(kBase + kNew, 32, 16, 9);
  auto index = Index::open(folder);
  index->insert(items_named("b", data, 0, kBase));
  WriteLockProbe probe(folder);
  ASSERT_FALSE(probe.held());

  // Every round checks that nothing of its own batch shows.
  QueryOptions plain;
  plain.top_k = 10;
  size_t inside = 0, probes = 0, wrong = 0;
  const size_t rounds = insert_rounds(
      *index, data, kBase,
      [&](const std::string& prefix) {
        if (!probe.held()) return;
        ++probes;
        const size_t i = probes % kBase;
        const auto hits = index->query(test::view(data[i]), plain);
        if (probe.held()) ++inside;  // answered, and the transaction is still open
        // Nothing of this round's insert is visible before it is published.
        if (hits.size() != 10) ++wrong;
        for (const auto& h : hits) wrong += h.item.id.rfind(prefix, 0) == 0;
      },
      [&] { return inside > 0; });
  std::printf("searches answered inside the transaction: %zu of %zu started in it, %zu rounds\n", inside, probes,
              rounds);
  EXPECT_GE(inside, 1u) << "no search was answered inside the insert's transaction in " << rounds << " rounds ("
                        << probes << " searches started inside one)";
  EXPECT_EQ(wrong, 0u);
  EXPECT_EQ(index->stats().items, kBase + rounds * kNew);
  const auto report = nlohmann::json::parse(index->verify());
  EXPECT_TRUE(report["consistent"].get<bool>()) << report.dump();
}

// The same for the smallest inserts: a batch of one new item runs its transaction (and its graph
// insert) beside searches too. Before, a batch under 256 items held every search off for all of
// it. Single-item inserts follow each other on a writer thread until a search started inside one
// of their transactions is answered before that transaction closes.
TEST(TransactionBesideReaders, EvenAOneItemInsertLetsSearchesIn) {
  TempDir dir;
  const std::string folder = dir.sub("idx");
  IndexConfig config = test::config(Metric::L2, 16);
  config.shards = 2;
  Index::create(folder, config, false);
  constexpr size_t kBase = 300, kSingles = 400;
  const auto data = test::clustered(kBase + kSingles, 16, 8, 21);
  auto index = Index::open(folder);
  index->insert(items_named("b", data, 0, kBase));
  WriteLockProbe probe(folder);

  std::atomic<size_t> written{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (size_t i = kBase; i < data.size() && !stop.load(); ++i) {
      index->insert(items_named("s", data, i, i + 1));
      written.store(i - kBase + 1);
    }
  });
  QueryOptions plain;
  plain.top_k = 10;
  size_t inside = 0, probes = 0, wrong = 0;
  while (written.load() < kSingles && inside < 3) {
    if (!probe.held()) continue;
    ++probes;
    const size_t before = written.load();
    const auto hits = index->query(test::view(data[probes % kBase]), plain);
    // Answered inside the same insert's transaction: still open, and no insert finished meanwhile
    // (a search held off until the insert ended would find the next insert's transaction open).
    const bool held = probe.held();
    const size_t published = written.load();
    if (held && published == before) ++inside;
    // A single shows only once published: below what the writer has finished, plus the one it
    // may have published and not yet counted.
    if (hits.size() != 10) ++wrong;
    for (const auto& h : hits) {
      if (h.item.id[0] == 's' && std::stoul(h.item.id.substr(1)) > kBase + published) ++wrong;
    }
  }
  stop = true;
  writer.join();
  std::printf("searches answered inside a one-item insert's transaction: %zu of %zu started in one, %zu inserts\n",
              inside, probes, written.load());
  EXPECT_GE(inside, 1u) << "no search was answered inside a one-item insert's transaction (" << probes
                        << " searches started inside one, " << written.load() << " inserts)";
  EXPECT_EQ(wrong, 0u);
  EXPECT_EQ(index->stats().items, kBase + written.load());
  // Each single is found by its own vector once its insert resolved.
  QueryOptions one;
  one.top_k = 1;
  one.ef_search = 64;
  for (size_t i = kBase; i < kBase + written.load(); i += 7) {
    const auto hits = index->query(test::view(data[i]), one);
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].distance, 0.0) << "s" << i;
  }
  const auto report = nlohmann::json::parse(index->verify());
  EXPECT_TRUE(report["consistent"].get<bool>()) << report.dump();
}

// A transaction run beside readers that fails (here: its abort signal, checked right before
// COMMIT) rolls back whole, and the index goes on: the lock is exclusive again for the next
// write, reads see nothing of it.
TEST(TransactionBesideReaders, AFailedTransactionLeavesNothingAndTheIndexGoesOn) {
  TempDir dir;
  const std::string folder = dir.sub("idx");
  Index::create(folder, test::config(Metric::L2, 16), false);
  const auto data = test::clustered(2000, 16, 8, 4);
  auto index = Index::open(folder);
  index->insert(items_named("b", data, 0, 300));
  WriteOptions aborted;
  const int32_t flag = 1;
  aborted.abort_flag = &flag;
  // Under 1,024 items, so that validation's own check never fires: the one before COMMIT does.
  try {
    index->insert(items_named("n", data, 300, 1300), aborted);
    FAIL() << "the aborted insert resolved";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Aborted) << e.what();
  }
  EXPECT_EQ(index->stats().items, 300u);
  EXPECT_FALSE(index->get("n300").has_value());
  index->insert(items_named("n", data, 300, 1300));  // the same items go in afterwards
  QueryOptions one;
  one.top_k = 1;
  one.ef_search = 100;
  const auto hits = index->query(test::view(data[1000]), one);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].item.id, "n1000");
  EXPECT_EQ(index->stats().items, 1300u);
  index->remove({"b0"});
  EXPECT_EQ(index->stats().items, 1299u);
  const auto report = nlohmann::json::parse(index->verify());
  EXPECT_TRUE(report["consistent"].get<bool>()) << report.dump();
}

// A quantized index reads each hit's exact vector from SQLite, so a query answers on the
// caller's thread (try_query: the JS thread in Node) only when the connection is free. Inside a
// write transaction, which holds the connection, it declines at once instead of waiting for the
// COMMIT and its fsync; outside one it answers inline, the same hits as the blocking form.
TEST(TransactionBesideReaders, AQuantizedQueryAnswersInlineOnlyWhileTheConnectionIsFree) {
  TempDir dir;
  const std::string folder = dir.sub("idx");
  IndexConfig config = test::config(Metric::Cosine, 32);
  config.quantization = Quantization::F16;
  Index::create(folder, config, false);
  constexpr size_t kBase = 400;
  const size_t kNew = test::scaled(10000, 5000);
  const auto data = test::clustered(kBase + kNew, 32, 16, 12);
  auto index = Index::open(folder);
  index->insert(items_named("b", data, 0, kBase));
  const auto request_for = [&](size_t i) { return query::parse_query_request(test::view(data[i]), R"({"topK":10})"); };
  const auto ids_of = [](const PackedItems& p) { return std::make_pair(p.count, p.text); };
  // Without vectors (and without rescoring) a quantized query reads no row: it needs no connection.
  const auto bare_request_for = [&](size_t i) {
    return query::parse_query_request(test::view(data[i]), R"({"topK":10,"includeVectors":false})");
  };

  PackedItems inline_answer;
  ASSERT_TRUE(index->try_query(request_for(7), &inline_answer)) << "the connection is free: answered inline";
  EXPECT_EQ(ids_of(inline_answer), ids_of(index->query(request_for(7))));
  EXPECT_EQ(inline_answer.vectors, index->query(request_for(7)).vectors);  // the exact rows

  WriteLockProbe probe(folder);
  size_t started_inside = 0, inside = 0, answered_inside = 0, bare_inside = 0, bare_answered_inside = 0, i = 0;
  const size_t rounds = insert_rounds(
      *index, data, kBase,
      [&](const std::string&) {
        if (!probe.held()) return;
        ++started_inside;
        PackedItems out;
        const bool answered = index->try_query(request_for(++i % kBase), &out);
        if (!probe.held()) return;  // the transaction may have ended meanwhile (or been waited for)
        ++inside;
        answered_inside += answered;
        const bool bare_answered = index->try_query(bare_request_for(i % kBase), &out);
        if (!probe.held()) return;
        ++bare_inside;
        bare_answered_inside += bare_answered;
      },
      [&] { return inside > 0; });
  std::printf("inline tries started inside the transaction: %zu, ended inside it: %zu, answered: %zu, %zu rounds; "
              "without vectors: %zu of %zu answered\n",
              started_inside, inside, answered_inside, rounds, bare_answered_inside, bare_inside);
  EXPECT_GE(inside, 1u) << "no inline try fell inside the insert's transaction in " << rounds << " rounds";
  // A try that waited for the connection ends after the COMMIT: most would not end inside.
  EXPECT_GE(2 * inside, started_inside) << "inline tries waited for the write transaction";
  EXPECT_EQ(answered_inside, 0u) << "an inline query read the store while a write transaction held it";
  // The shared lock is free beside this transaction (a large insert of new items), so a query
  // that reads no row answers inside it (all but a try that met the brief exclusive sections).
  EXPECT_GE(2 * bare_answered_inside, bare_inside) << bare_answered_inside << " of " << bare_inside;
  EXPECT_GT(bare_answered_inside, 0u);
  ASSERT_TRUE(index->try_query(request_for(9), &inline_answer));
  EXPECT_EQ(ids_of(inline_answer), ids_of(index->query(request_for(9))));
}

}  // namespace
}  // namespace quiver
