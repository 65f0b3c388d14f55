// Time to reopen a graph file and answer a first query (the graph part of opening an index).
// Not a test: run it by hand on a quiet machine.
//   cmake -S . -B build -DQUIVER_BUILD_PERF=ON && cmake --build build --target quiver_graph_open
//   build/quiver_graph_open build 1000000 /tmp/g1m.hnsw   # random 128-d, M=16, efConstruction=40
//   build/quiver_graph_open open 1000000 /tmp/g1m.hnsw    # (run twice: the second has a warm
//                                                         #  page cache, as a reopen usually does)
// efConstruction 40 only makes building quicker; the file's size and layout, which is what
// opening costs, do not depend on it.
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ann/shard_set.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s build|open <count> <file>\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  const size_t n = std::stoul(argv[2]);
  const std::string path = argv[3];
  constexpr uint32_t kDims = 128;
  quiver::HnswParams params;
  params.ef_construction = 40;
  using Clock = std::chrono::steady_clock;
  auto ms = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
  };
  if (mode == "build") {
    quiver::ann::ShardSet set(quiver::Metric::L2, kDims, params);
    set.reserve(n);
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < 2; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937 rng(t);
        std::uniform_real_distribution<float> u(-1, 1);
        std::vector<float> v(kDims);
        for (size_t i = t; i < n; i += 2) {
          for (auto& x : v) x = u(rng);
          set.upsert(i + 1, v.data());
        }
      });
    }
    for (auto& t : threads) t.join();
    const auto t0 = Clock::now();
    set.save(path, 1);
    std::printf("saved %zu vectors in %.1f ms\n", n, ms(t0, Clock::now()));
    return 0;
  }
  const std::vector<float> query(kDims, 0.1f);
  const auto t0 = Clock::now();
  auto loaded = quiver::ann::ShardSet::load(path, quiver::Metric::L2, kDims, params, quiver::Quantization::F32, 1);
  const auto t1 = Clock::now();
  if (!loaded.set || loaded.loaded() == 0) {
    std::fprintf(stderr, "not loaded: %s\n", loaded.problem.empty() ? "" : loaded.problem[0].c_str());
    return 1;
  }
  const auto hits = loaded.set->search(query.data(), 10, 50, nullptr);
  const auto t2 = Clock::now();
  std::printf("%zu vectors: load %.1f ms, first query %.2f ms (%zu hits)\n", loaded.set->size(),
              ms(t0, t1), ms(t1, t2), hits.size());
  return 0;
}
