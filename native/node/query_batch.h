// Queries that leave the JS thread, run on the thread pool in batches: one work item per core
// for all the queries an application started in one microtask checkpoint, instead of one each.
// A hop to the pool costs about as much JS-thread time as a small search (queuing the work,
// waking the loop, the completion callback); with one hop per query, 8 queries in flight on
// 10k items ran slower than one at a time. Each batch settles its Promises in one callback.
// JS thread only, except Execute (a pool thread).
#pragma once

#include <napi.h>

#include <memory>
#include <vector>

#include "async_promise.h"
#include "query/request.h"
#include "quiver/index.h"

namespace quiver::node {

struct PooledQuery {
  std::shared_ptr<const Index> index;
  std::shared_ptr<const query::QueryRequest> request;
  std::shared_ptr<KeepAlive> keep;  // the vector's buffer, until the search is done
  Napi::Promise::Deferred deferred;
};

class QueryBatch : public Napi::AsyncWorker {
 public:
  using ToJs = Napi::Value (*)(Napi::Env, PackedItems&);

  QueryBatch(Napi::Env env, std::vector<PooledQuery> queries, ToJs to_js, std::function<void(size_t)> on_settled)
      : Napi::AsyncWorker(env, "quiverdb"),
        queries_(std::move(queries)),
        answers_(queries_.size()),
        to_js_(to_js),
        on_settled_(std::move(on_settled)) {}

  void Execute() override {
    for (size_t i = 0; i < queries_.size(); ++i) {
      try {
        answers_[i].packed = queries_[i].index->query(*queries_[i].request);
      } catch (...) {
        answers_[i].failure = api::current_failure();
        answers_[i].failed = true;
      }
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    on_settled_(queries_.size());
    for (size_t i = 0; i < queries_.size(); ++i) {
      Answer& a = answers_[i];
      if (a.failed) {
        queries_[i].deferred.Reject(make_error(env, a.failure.code, a.failure.message).Value());
        continue;
      }
      try {
        Napi::Value answer = to_js_(env, a.packed);
        queries_[i].index->query_delivered(*queries_[i].request);  // its latency ends here
        queries_[i].deferred.Resolve(answer);
      } catch (const Napi::Error& e) {
        queries_[i].deferred.Reject(e.Value());
      }
    }
  }

  void OnError(const Napi::Error& e) override {
    on_settled_(queries_.size());
    for (auto& q : queries_) q.deferred.Reject(e.Value());
  }

 private:
  struct Answer {
    PackedItems packed;
    bool failed = false;
    api::Failure failure{ErrorCode::Internal, ""};
  };
  std::vector<PooledQuery> queries_;
  std::vector<Answer> answers_;
  ToJs to_js_;
  std::function<void(size_t)> on_settled_;
};

}  // namespace quiver::node
