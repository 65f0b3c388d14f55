// Runs core work on the libuv thread pool and settles a Promise with the result. Failures are
// mapped by the core (api::current_failure) to JS Errors whose `code` is the core's stable code
// name; nothing here decides policy.
#pragma once

#include <napi.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/request.h"
#include "quiver/error.h"

namespace quiver::node {

// A JS Error with `.code` set, built from a core error.
Napi::Error make_error(Napi::Env env, ErrorCode code, const std::string& message);

// A rejected promise (for input that cannot even be converted, so callers always get a Promise).
Napi::Value reject(Napi::Env env, ErrorCode code, const std::string& message);

// Shared state kept alive until the work is done: buffers the work reads (typed arrays) and
// converted inputs.
struct KeepAlive {
  std::vector<Napi::Reference<Napi::Value>> refs;
  std::vector<std::vector<float>> owned_vectors;
  // False while a call may still finish on the JS thread: borrowed typed arrays are then not
  // referenced (creating a reference costs more than a small search saves); hold() adds it.
  bool reference_borrowed = true;
};

template <typename Result>
class PromiseWorker : public Napi::AsyncWorker {
 public:
  using Work = std::function<Result()>;
  using ToJs = std::function<Napi::Value(Napi::Env, Result&)>;

  PromiseWorker(Napi::Env env, Work work, ToJs to_js, std::shared_ptr<KeepAlive> keep,
                std::function<void()> on_settled)
      : Napi::AsyncWorker(env, "quiverdb"),
        deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)),
        to_js_(std::move(to_js)),
        keep_(std::move(keep)),
        on_settled_(std::move(on_settled)) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      result_ = work_();
    } catch (...) {
      failure_ = api::current_failure();
      failed_ = true;
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (on_settled_) on_settled_();
    if (failed_) {
      deferred_.Reject(make_error(env, failure_.code, failure_.message).Value());
      return;
    }
    try {
      deferred_.Resolve(to_js_(env, result_));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

  void OnError(const Napi::Error& e) override {
    if (on_settled_) on_settled_();
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Work work_;
  ToJs to_js_;
  std::shared_ptr<KeepAlive> keep_;
  std::function<void()> on_settled_;  // JS thread, before the promise settles
  Result result_{};
  bool failed_ = false;
  api::Failure failure_{ErrorCode::Internal, ""};
};

struct Unit {};  // result of work that returns nothing

template <typename Result>
Napi::Value run_async(Napi::Env env, std::function<Result()> work,
                      std::function<Napi::Value(Napi::Env, Result&)> to_js,
                      std::shared_ptr<KeepAlive> keep = nullptr,
                      std::function<void()> on_settled = nullptr) {
  auto* worker = new PromiseWorker<Result>(env, std::move(work), std::move(to_js), std::move(keep),
                                           std::move(on_settled));
  Napi::Promise promise = worker->promise();
  worker->Queue();  // the worker deletes itself when done
  return promise;
}

inline Napi::Value run_async_void(Napi::Env env, std::function<void()> work,
                                  std::shared_ptr<KeepAlive> keep = nullptr) {
  return run_async<Unit>(
      env,
      [work = std::move(work)] {
        work();
        return Unit{};
      },
      [](Napi::Env e, Unit&) { return e.Undefined(); }, std::move(keep));
}

}  // namespace quiver::node
