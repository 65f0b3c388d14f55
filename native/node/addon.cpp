// The Node binding of the Quiver core: module functions (exists/create/destroy/open) and the
// NativeIndex class. Pure glue: every call converts its arguments, runs the core off the JS
// thread and settles a Promise. See ts/src/backend.ts for the contract it implements.
#include <cmath>
#include <napi.h>

#include <memory>

#include "api/request.h"
#include "async_promise.h"
#include "convert.h"
#include "quiver/config.h"
#include "quiver/index.h"

namespace quiver::node {

Napi::Error make_error(Napi::Env env, ErrorCode code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code_name(code)));
  return error;
}

Napi::Value reject(Napi::Env env, ErrorCode code, const std::string& message) {
  auto deferred = Napi::Promise::Deferred::New(env);
  deferred.Reject(make_error(env, code, message).Value());
  return deferred.Promise();
}

namespace {

using IndexPtr = std::shared_ptr<Index>;

Napi::Value hits_to_js(Napi::Env env, std::vector<QueryHit>& hits) {
  auto arr = Napi::Array::New(env, hits.size());
  for (size_t i = 0; i < hits.size(); ++i) {
    auto obj = item_to_js(env, hits[i].item);
    obj.Set("score", Napi::Number::New(env, hits[i].score));
    obj.Set("distance", Napi::Number::New(env, hits[i].distance));
    // Index::search's parts of a hybrid score (NaN: not found that way).
    if (!std::isnan(hits[i].vector_score)) obj.Set("vectorScore", Napi::Number::New(env, hits[i].vector_score));
    if (!std::isnan(hits[i].text_score)) obj.Set("textScore", Napi::Number::New(env, hits[i].text_score));
    arr.Set(static_cast<uint32_t>(i), obj);
  }
  return arr;
}

Napi::Value items_to_js(Napi::Env env, std::vector<Item>& items) {
  auto arr = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); ++i) arr.Set(static_cast<uint32_t>(i), item_to_js(env, items[i]));
  return arr;
}

Napi::Value ids_to_js(Napi::Env env, std::vector<std::string>& ids) {
  auto arr = Napi::Array::New(env, ids.size());
  for (size_t i = 0; i < ids.size(); ++i) arr.Set(static_cast<uint32_t>(i), ids[i]);
  return arr;
}

// Runs `body` (argument conversion, then queuing the work) and turns a failure into a rejected
// promise: a call never throws synchronously.
template <typename Body>
Napi::Value guarded(Napi::Env env, Body&& body) {
  try {
    return body();
  } catch (...) {
    api::Failure failure = api::current_failure();
    return reject(env, failure.code, failure.message);
  }
}

class NativeIndex : public Napi::ObjectWrap<NativeIndex> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "NativeIndex",
                       {
                           InstanceMethod<&NativeIndex::Stats>("stats"),
                           InstanceMethod<&NativeIndex::BeginUpdate>("beginUpdate"),
                           InstanceMethod<&NativeIndex::EndUpdate>("endUpdate"),
                           InstanceMethod<&NativeIndex::CancelUpdate>("cancelUpdate"),
                           InstanceMethod<&NativeIndex::Insert>("insert"),
                           InstanceMethod<&NativeIndex::Upsert>("upsert"),
                           InstanceMethod<&NativeIndex::Remove>("remove"),
                           InstanceMethod<&NativeIndex::Get>("get"),
                           InstanceMethod<&NativeIndex::List>("list"),
                           InstanceMethod<&NativeIndex::Query>("query"),
                           InstanceMethod<&NativeIndex::Search>("search"),
                           InstanceMethod<&NativeIndex::Verify>("verify"),
                           InstanceMethod<&NativeIndex::Close>("close"),
                       });
  }

  explicit NativeIndex(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeIndex>(info) {}
  void attach(IndexPtr index) { index_ = std::move(index); }

 private:
  Napi::Value Stats(const Napi::CallbackInfo& info) {
    IndexPtr index = index_;
    return run_async<IndexStats>(
        info.Env(), [index] { return index->stats(); },
        [](Napi::Env env, IndexStats& s) -> Napi::Value {
          auto obj = Napi::Object::New(env);
          obj.Set("config", s.config_json);
          obj.Set("items", Napi::Number::New(env, static_cast<double>(s.items)));
          obj.Set("sequence", Napi::Number::New(env, static_cast<double>(s.sequence)));
          return obj;
        });
  }

  Napi::Value BeginUpdate(const Napi::CallbackInfo& info) {
    IndexPtr index = index_;
    return run_async_void(info.Env(), [index] { index->begin_update(); });
  }
  Napi::Value EndUpdate(const Napi::CallbackInfo& info) {
    IndexPtr index = index_;
    return run_async_void(info.Env(), [index] { index->end_update(); });
  }
  Napi::Value CancelUpdate(const Napi::CallbackInfo& info) {
    IndexPtr index = index_;
    return run_async_void(info.Env(), [index] { index->cancel_update(); });
  }

  Napi::Value Write(const Napi::CallbackInfo& info, bool upsert) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      auto keep = std::make_shared<KeepAlive>();
      auto items = std::make_shared<std::vector<ItemInput>>(to_items(info[0], *keep));
      IndexPtr index = index_;
      return run_async<std::vector<std::string>>(
          info.Env(),
          [index, items, upsert] { return upsert ? index->upsert(*items) : index->insert(*items); },
          ids_to_js, keep);
    });
  }
  Napi::Value Insert(const Napi::CallbackInfo& info) { return Write(info, false); }
  Napi::Value Upsert(const Napi::CallbackInfo& info) { return Write(info, true); }

  Napi::Value Remove(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      auto ids = std::make_shared<std::vector<std::string>>(to_ids(info[0]));
      IndexPtr index = index_;
      return run_async_void(info.Env(), [index, ids] { index->remove(*ids); });
    });
  }

  Napi::Value Get(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      std::string id = to_string(info[0], "id");
      IndexPtr index = index_;
      return run_async<std::optional<Item>>(
          info.Env(), [index, id] { return index->get(id); },
          [](Napi::Env env, std::optional<Item>& item) -> Napi::Value {
            return item ? Napi::Value(item_to_js(env, *item)) : env.Undefined();
          });
    });
  }

  Napi::Value List(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      std::string filter = info[0].IsUndefined() ? "" : to_string(info[0], "filter (JSON text)");
      IndexPtr index = index_;
      return run_async<std::vector<Item>>(
          info.Env(), [index, filter] { return index->list(filter); }, items_to_js);
    });
  }

  Napi::Value Query(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      auto keep = std::make_shared<KeepAlive>();
      VectorView vector = to_vector(info[0], *keep, "vector");
      if (!info[1].IsNumber()) api::wrong_type("topK", "a number");
      std::string filter = info[2].IsUndefined() ? "" : to_string(info[2], "filter (JSON text)");
      std::optional<double> ef;
      if (!info[3].IsUndefined()) {
        if (!info[3].IsNumber()) api::wrong_type("efSearch", "a number");
        ef = info[3].As<Napi::Number>().DoubleValue();
      }
      const QueryOptions options =
          api::query_options(info[1].As<Napi::Number>().DoubleValue(), std::move(filter), ef);
      IndexPtr index = index_;
      return run_async<std::vector<QueryHit>>(
          info.Env(), [index, vector, options] { return index->query(vector, options); },
          hits_to_js, keep);
    });
  }

  // search(vector | undefined, optionsJson): keyword or hybrid search (Index::search).
  Napi::Value Search(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      auto keep = std::make_shared<KeepAlive>();
      VectorView vector;
      if (!info[0].IsUndefined() && !info[0].IsNull()) vector = to_vector(info[0], *keep, "vector");
      const std::string options = to_string(info[1], "search options (JSON text)");
      IndexPtr index = index_;
      return run_async<std::vector<QueryHit>>(
          info.Env(), [index, vector, options] { return index->search(vector, options); }, hits_to_js, keep);
    });
  }

  Napi::Value Verify(const Napi::CallbackInfo& info) {
    IndexPtr index = index_;
    return run_async<std::string>(
        info.Env(), [index] { return index->verify(); },
        [](Napi::Env env, std::string& report) -> Napi::Value { return Napi::String::New(env, report); });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    IndexPtr index = index_;
    return run_async_void(info.Env(), [index] { index->close(); });
  }

  IndexPtr index_;
};

struct AddonData {
  Napi::FunctionReference native_index;
};

Napi::Value Exists(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    std::string folder = to_string(info[0], "folder");
    return run_async<bool>(
        info.Env(), [folder] { return Index::exists(folder); },
        [](Napi::Env env, bool& exists) -> Napi::Value { return Napi::Boolean::New(env, exists); });
  });
}

Napi::Value Create(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    std::string folder = to_string(info[0], "folder");
    std::string config = to_string(info[1], "config (JSON text)");
    bool delete_if_exists = info[2].ToBoolean().Value();
    return run_async_void(info.Env(), [folder, config, delete_if_exists] {
      Index::create(folder, parse_config_json(config), delete_if_exists);
    });
  });
}

Napi::Value Destroy(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    std::string folder = to_string(info[0], "folder");
    return run_async_void(info.Env(), [folder] { Index::destroy(folder); });
  });
}

Napi::Value Open(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    std::string folder = to_string(info[0], "folder");
    return run_async<IndexPtr>(
        info.Env(), [folder] { return IndexPtr(Index::open(folder)); },
        [](Napi::Env env, IndexPtr& index) -> Napi::Value {
          Napi::Object obj = env.GetInstanceData<AddonData>()->native_index.New({});
          NativeIndex::Unwrap(obj)->attach(index);
          return obj;
        });
  });
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  data->native_index = Napi::Persistent(NativeIndex::define(env));
  env.SetInstanceData(data);
  exports.Set("exists", Napi::Function::New(env, Exists));
  exports.Set("create", Napi::Function::New(env, Create));
  exports.Set("destroy", Napi::Function::New(env, Destroy));
  exports.Set("open", Napi::Function::New(env, Open));
  return exports;
}

}  // namespace quiver::node

static Napi::Object InitQuiverNode(Napi::Env env, Napi::Object exports) {
  return quiver::node::Init(env, exports);
}

NODE_API_MODULE(quiver_node, InitQuiverNode)
