// ns per distance of every kernel level available here (f32, f16, i8), next to hnswlib's own kernels as this
// build compiles them (baseline x86-64 flags: hnswlib's SSE path). A query against 1,000 stored
// vectors (hot in cache), in short runs (~100 µs, so that most escape preemption on a busy
// machine); the best of 300 runs. Not a test: run it by hand.
//   cmake -S . -B build -DQUIVER_BUILD_PERF=ON && cmake --build build --target quiver_kernel_speed
//   build/quiver_kernel_speed
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "vectors/kernels.h"

namespace {

using quiver::vectors::DistanceFn;

double ns_per_distance(DistanceFn fn, const void* params, const std::vector<float>& query,
                       const std::vector<float>& data, size_t stride, size_t count) {
  double best = 1e30;
  volatile float sink = 0;
  for (int run = 0; run < 300; ++run) {
    const int reps = 1;
    const auto t0 = std::chrono::steady_clock::now();
    float acc = 0;
    for (int r = 0; r < reps; ++r) {
      for (size_t i = 0; i < count; ++i) acc += fn(query.data(), data.data() + i * stride, params);
    }
    const auto t1 = std::chrono::steady_clock::now();
    sink = sink + acc;
    best = std::min(best, std::chrono::duration<double, std::nano>(t1 - t0).count() / (reps * count));
  }
  return best;
}

}  // namespace

int main() {
  std::mt19937 rng(1);
  std::normal_distribution<float> g;
  constexpr size_t kCount = 200;
  std::printf("%-14s %6s %10s %10s %10s\n", "kernels", "dims", "l2 ns", "ip ns", "cosine ns");
  for (size_t dims : {128, 384, 1536}) {
    const size_t stride = dims + 1;  // room for the cosine inverse norm
    std::vector<float> data(kCount * stride), query(stride);
    for (auto& x : data) x = g(rng);
    for (auto& x : query) x = g(rng);
    hnswlib::L2Space l2(dims);
    hnswlib::InnerProductSpace ip(dims);
    std::printf("%-14s %6zu %10.2f %10.2f %10s\n", "hnswlib", dims,
                ns_per_distance(l2.get_dist_func(), l2.get_dist_func_param(), query, data, stride, kCount),
                ns_per_distance(ip.get_dist_func(), ip.get_dist_func_param(), query, data, stride, kCount),
                "-");
    const quiver::vectors::DistanceParams params{dims};
    // f16 and i8 read the same buffers as halves / bytes (random bits: the speed does not
    // depend on the values); their stride is their stored size, in floats.
    const size_t f16_stride = (2 * dims + 4 + 3) / 4, i8_stride = (dims + 4 + 3) / 4;
    for (auto level : quiver::vectors::available_levels()) {
      const auto* t = quiver::vectors::kernels_for(level);
      const std::string name = t->name;
      std::printf("%-14s %6zu %10.2f %10.2f %10.2f\n", (name + " f32").c_str(), dims,
                  ns_per_distance(t->l2sq_f32, &params, query, data, stride, kCount),
                  ns_per_distance(t->ip_f32, &params, query, data, stride, kCount),
                  ns_per_distance(t->cosine_f32, &params, query, data, stride, kCount));
      std::printf("%-14s %6zu %10.2f %10.2f %10.2f\n", (name + " f16").c_str(), dims,
                  ns_per_distance(t->l2sq_f16, &params, query, data, f16_stride, kCount),
                  ns_per_distance(t->ip_f16, &params, query, data, f16_stride, kCount),
                  ns_per_distance(t->cosine_f16, &params, query, data, f16_stride, kCount));
      std::printf("%-14s %6zu %10.2f %10.2f %10.2f\n", (name + " i8").c_str(), dims,
                  ns_per_distance(t->l2sq_i8, &params, query, data, i8_stride, kCount),
                  ns_per_distance(t->ip_i8, &params, query, data, i8_stride, kCount),
                  ns_per_distance(t->cosine_i8, &params, query, data, i8_stride, kCount));
    }
  }
}
