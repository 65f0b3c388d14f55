// Runs fn(i) for i in [0, n) on all cores. Used for batch HNSW inserts, which hnswlib supports
// concurrently once capacity is reserved. Single-threaded where threads are unavailable (WASM
// without pthreads). The first exception thrown by fn is rethrown after all workers stop.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace quiver::util {

// `max_threads`: 0 = every core.
template <typename Fn>
void parallel_for(size_t n, Fn&& fn, size_t max_threads = 0) {
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
  (void)max_threads;
  for (size_t i = 0; i < n; ++i) fn(i);
#else
  constexpr size_t kChunk = 64;
  size_t workers =
      std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), (n + kChunk - 1) / kChunk);
  if (max_threads != 0) workers = std::min(workers, max_threads);
  if (workers <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    for (size_t start; (start = next.fetch_add(kChunk)) < n;) {
      try {
        for (size_t i = start, end = std::min(n, start + kChunk); i < end; ++i) fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next = n;
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 1; t < workers; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
#endif
}

// Runs `side` on a thread of its own while `main` runs on the caller's, and returns when both
// are done (two independent halves of one job, e.g. reading the graph file while scanning the
// items at open). An exception from either is rethrown after both finished, main's first.
// Sequential where threads are unavailable.
template <typename Side, typename Main>
void beside(Side&& side, Main&& main) {
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
  side();
  main();
#else
  std::exception_ptr side_error;
  std::thread thread([&] {
    try {
      side();
    } catch (...) {
      side_error = std::current_exception();
    }
  });
  try {
    main();
  } catch (...) {
    thread.join();
    throw;
  }
  thread.join();
  if (side_error) std::rethrow_exception(side_error);
#endif
}

}  // namespace quiver::util
