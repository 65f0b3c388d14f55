// Where a query runs: on the JS thread (inline) or on the thread pool. A hop to the pool costs
// 20-40 µs of latency, more than a small search, so a lone query runs inline whenever the core
// can answer it without waiting (Index::try_query). But inline queries all run on the one JS
// thread: when the application keeps several queries in flight, some must go to the pool so
// that every core works. The signal for "several in flight" is a burst (more than one query
// started in the same microtask checkpoint) or queries already running on the pool; the pool
// then gets up to `pool_target()` of them (the JS thread being the other worker), the rest run
// inline. JS thread only.
#pragma once

#include <napi.h>

#include <algorithm>
#include <thread>

namespace quiver::node {

class ReadScheduler {
 public:
  void init(Napi::Env env) {
    queue_microtask_ = Napi::Persistent(env.Global().Get("queueMicrotask").As<Napi::Function>());
    end_burst_ = Napi::Persistent(Napi::Function::New(env, [this](const Napi::CallbackInfo&) { burst_ = false; }));
  }

  // Call once per query, before deciding. Returns true when it should go to the pool.
  bool prefer_pool() {
    if (!burst_) {
      burst_ = true;
      starts_in_burst_ = 0;
      queue_microtask_.Call({end_burst_.Value()});  // the burst ends with this checkpoint
    } else {
      ++starts_in_burst_;
    }
    const bool concurrent = starts_in_burst_ > 0 || in_pool_ > 0;
    return concurrent && in_pool_ < pool_target();
  }
  void queued() { ++in_pool_; }
  void settled() { --in_pool_; }

 private:
  static int pool_target() {
    static const int target = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) - 1);
    return target;
  }

  Napi::FunctionReference queue_microtask_;
  Napi::FunctionReference end_burst_;
  bool burst_ = false;
  int starts_in_burst_ = 0;
  int in_pool_ = 0;
};

}  // namespace quiver::node
