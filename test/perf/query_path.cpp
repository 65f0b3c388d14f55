// Where the time of one small query goes inside the core (no JS): the request parse, the whole
// query through the public entry (lock, freshness check, search, pack) and the same with the
// search alone as the explain timing reports it. Not a test: run it by hand on a quiet machine.
//   cmake -S . -B build -DQUIVER_BUILD_PERF=ON && cmake --build build --target quiver_query_path
//   build/quiver_query_path <index folder> <ef> [seconds]
// The queries are the index's own items (ids "0", "1", ...) with a little noise.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "quiver/index.h"
#include "query/request.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <index folder> <ef> [seconds]\n", argv[0]);
    return 2;
  }
  using Clock = std::chrono::steady_clock;
  const std::string folder = argv[1];
  const int ef = std::stoi(argv[2]);
  const double seconds = argc > 3 ? std::stod(argv[3]) : 2.0;
  auto index = quiver::Index::open(folder, R"({"cache":{"maxEntries":0,"maxBytes":0}})");
  std::vector<std::vector<float>> queries;
  std::mt19937 rng(1);
  std::normal_distribution<float> noise(0, 0.05f);
  for (int i = 0; i < 1000; ++i) {
    auto packed = index->get_packed(std::to_string(i * 7));
    if (packed.count == 0) break;
    std::vector<float> v(packed.vectors.begin(), packed.vectors.begin() + packed.dims);
    for (auto& x : v) x += noise(rng);
    queries.push_back(std::move(v));
  }
  if (queries.empty()) {
    std::fprintf(stderr, "no items with ids 0, 7, 14, ...\n");
    return 1;
  }
  const std::string options = "{\"topK\":10,\"efSearch\":" + std::to_string(ef) + "}";
  // The best of many short rounds: on a shared machine the minimum is the figure least
  // disturbed by other work.
  auto run = [&](const char* label, auto&& call) {
    for (size_t i = 0; i < 2000; ++i) call(queries[i % queries.size()]);
    double best = 1e300;
    const auto t_end = Clock::now() + std::chrono::duration<double>(seconds);
    for (size_t round = 0; Clock::now() < t_end; ++round) {
      const auto t0 = Clock::now();
      for (size_t i = 0; i < 500; ++i) call(queries[(round * 500 + i) % queries.size()]);
      best = std::min(best, std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / 500);
    }
    std::printf("%-34s %8.2f us/call (best round)\n", label, best);
  };
  run("parse_query_request", [&](const std::vector<float>& q) {
    auto r = quiver::query::parse_query_request({q.data(), q.size(), true}, options);
    return r.top_k;
  });
  run("try_query (parse + inline answer)", [&](const std::vector<float>& q) {
    auto r = quiver::query::parse_query_request({q.data(), q.size(), true}, options);
    quiver::PackedItems out;
    if (!index->try_query(r, &out)) std::abort();
    return out.count;
  });
  run("query (blocking form)", [&](const std::vector<float>& q) {
    auto r = quiver::query::parse_query_request({q.data(), q.size(), true}, options);
    return index->query(r).count;
  });
  // The search alone, as explain measures it, averaged over the same queries.
  const std::string explained = "{\"topK\":10,\"explain\":true,\"efSearch\":" + std::to_string(ef) + "}";
  double search_ms = 0, total_ms = 0;
  for (const auto& q : queries) {
    auto out = index->query(quiver::query::parse_query_request({q.data(), q.size(), true}, explained));
    const auto& e = out.explain;
    const auto at = e.find("\"searchMs\":"), tt = e.find("\"totalMs\":");
    search_ms += std::stod(e.substr(at + 11));
    total_ms += std::stod(e.substr(tt + 10));
  }
  std::printf("%-34s %8.2f us/call\n", "explain searchMs", search_ms * 1000 / queries.size());
  std::printf("%-34s %8.2f us/call\n", "explain totalMs", total_ms * 1000 / queries.size());
  return 0;
}
