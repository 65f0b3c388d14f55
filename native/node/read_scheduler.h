// Where a query runs: on the JS thread (inline) or on the thread pool. A hop to the pool costs
// 20-40 µs of latency, more than a small search, so a lone query runs inline whenever the core
// can answer it without waiting (Index::try_query). But inline queries all run on the one JS
// thread, and a JS thread busy answering inline never turns the event loop to collect what the
// pool finished: when the application keeps several queries in flight, they must all go to the
// pool so that every core works while the JS thread only dispatches and unpacks. The signal for
// "several in flight" is a burst (more than one query started in the same microtask checkpoint)
// or queries already on the pool; then every query goes there. No cap with inline overflow: an
// inline answer lets the application start its next query at once, so the JS thread would keep
// answering inline and the pool's finished queries would wait for it (measured with 8 in flight:
// with a cap of 4, 4 queries of 2,000 went to the pool and the rate was the single-client rate).
// The queries of a burst leave together, one batch per core (query_batch.h).
// JS thread only.
#pragma once

#include <napi.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "query_batch.h"

namespace quiver::node {

class ReadScheduler {
 public:
  void init(Napi::Env env, QueryBatch::ToJs to_js) {
    to_js_ = to_js;
    workers_ = std::max(1u, std::thread::hardware_concurrency());
    queue_microtask_ = Napi::Persistent(env.Global().Get("queueMicrotask").As<Napi::Function>());
    end_burst_ = Napi::Persistent(Napi::Function::New(env, [this](const Napi::CallbackInfo& info) {
      burst_ = false;
      flush(info.Env());
    }));
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
    return starts_in_burst_ > 0 || in_pool_ > 0;
  }
  // A query for the pool: it leaves with the others of its burst when the burst ends (a burst
  // is always open here: prefer_pool() was called first).
  Napi::Promise pool(PooledQuery query) {
    Napi::Promise promise = query.deferred.Promise();
    pending_.push_back(std::move(query));
    ++in_pool_;
    return promise;
  }
  // Other work on the pool (cursors) counts as in flight too.
  void queued() { ++in_pool_; }
  void settled() { --in_pool_; }

 private:
  // The burst's queries, in one batch per core (fewer when there are fewer queries).
  void flush(Napi::Env env) {
    if (pending_.empty()) return;
    const size_t n = pending_.size();
    const size_t parts = std::min<size_t>(n, workers_);
    for (size_t p = 0; p < parts; ++p) {
      std::vector<PooledQuery> part;
      for (size_t i = p * n / parts; i < (p + 1) * n / parts; ++i) part.push_back(std::move(pending_[i]));
      auto* batch = new QueryBatch(env, std::move(part), to_js_, [this](size_t k) { in_pool_ -= static_cast<int>(k); });
      batch->Queue();  // deletes itself when done
    }
    pending_.clear();
  }

  Napi::FunctionReference queue_microtask_;
  Napi::FunctionReference end_burst_;
  QueryBatch::ToJs to_js_ = nullptr;
  unsigned workers_ = 1;
  std::vector<PooledQuery> pending_;
  bool burst_ = false;
  int starts_in_burst_ = 0;
  int in_pool_ = 0;
};

}  // namespace quiver::node
