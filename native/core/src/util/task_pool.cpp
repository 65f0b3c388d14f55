#include "util/task_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace quiver::util {

#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)

void run_pieces(size_t n, const std::function<void(size_t)>& fn) {
  for (size_t i = 0; i < n; ++i) fn(i);
}
size_t piece_threads() { return 1; }

#else

namespace {

// One call's pieces; the caller and any worker that picks the batch up claim indexes from `next`.
struct Batch {
  const std::function<void(size_t)>* fn;
  size_t n;
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex mutex;
  std::condition_variable finished;
  std::exception_ptr error;

  // Runs pieces until none is left to claim.
  void work() {
    for (size_t i; (i = next.fetch_add(1)) < n;) {
      try {
        (*fn)(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
      }
      if (done.fetch_add(1) + 1 == n) {
        std::lock_guard<std::mutex> lock(mutex);
        finished.notify_all();
      }
    }
  }
};

class Pool {
 public:
  static Pool& instance() {
    // Never destroyed: workers may still be parked in wait() at process exit.
    static Pool* pool = new Pool(std::max(1u, std::thread::hardware_concurrency()) - 1);
    return *pool;
  }
  size_t workers() const { return threads_.size(); }

  void offer(const std::shared_ptr<Batch>& batch, size_t helpers) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (size_t i = 0; i < helpers; ++i) queue_.push_back(batch);
    }
    for (size_t i = 0; i < helpers; ++i) wake_.notify_one();
  }

 private:
  explicit Pool(size_t workers) {
    for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { run(); });
    for (auto& t : threads_) t.detach();
  }
  void run() {
    while (true) {
      std::shared_ptr<Batch> batch;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return !queue_.empty(); });
        batch = std::move(queue_.front());
        queue_.pop_front();
      }
      batch->work();  // nothing left to claim when the caller got there first: returns at once
    }
  }

  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Batch>> queue_;
};

}  // namespace

size_t piece_threads() { return Pool::instance().workers() + 1; }

void run_pieces(size_t n, const std::function<void(size_t)>& fn) {
  Pool& pool = Pool::instance();
  if (n <= 1 || pool.workers() == 0) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  auto batch = std::make_shared<Batch>();
  batch->fn = &fn;
  batch->n = n;
  pool.offer(batch, std::min(pool.workers(), n - 1));
  batch->work();
  std::unique_lock<std::mutex> lock(batch->mutex);
  batch->finished.wait(lock, [&] { return batch->done.load() == n; });
  if (batch->error) std::rethrow_exception(batch->error);
}

#endif

}  // namespace quiver::util
