// The Node binding of the Quiver core: module functions (exists/create/destroy/open) and the
// NativeIndex class. Pure glue: every call converts its arguments, runs the core off the JS
// thread and settles a Promise. See ts/src/backend.ts for the contract it implements.
#include <napi.h>

#include <cstring>
#include <memory>

#include "api/request.h"
#include "async_promise.h"
#include "convert.h"
#include "read_scheduler.h"
#include "query/request.h"
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

// The property names of a packed result, made once: a name given as C text is looked up in
// V8's string table on every Set. Kept in an array because Node-API before version 10 cannot
// reference a string directly.
class PackedKeys {
 public:
  enum Key : uint32_t { kText, kBuffer, kCount, kDims, kExplain };
  void init(Napi::Env env) {
    auto names = Napi::Array::New(env, 5);
    const char* const text[] = {"text", "buffer", "count", "dims", "explain"};
    for (uint32_t i = 0; i < 5; ++i) names.Set(i, Napi::String::New(env, text[i]));
    names_ = Napi::Persistent(names);
  }
  Napi::Value operator[](Key key) const { return names_.Value().Get(static_cast<uint32_t>(key)); }

 private:
  Napi::Reference<Napi::Array> names_;
};

struct AddonData {
  Napi::FunctionReference native_index;
  ReadScheduler reads;
  PackedKeys keys;
};

// A packed read result (quiver/item.h) as {text, buffer, count, dims}: the numbers (float64,
// PackedItems::kNumbersPerItem per item) then the vectors (float32) in one ArrayBuffer, unpacked
// by ts/src/packed.ts. One transfer per call, whatever the number of items.
Napi::Value packed_to_js(Napi::Env env, PackedItems& packed) {
  const size_t number_bytes = packed.numbers.size() * sizeof(double);
  const size_t vector_bytes = packed.vectors.size() * sizeof(float);
  auto buffer = Napi::ArrayBuffer::New(env, number_bytes + vector_bytes);
  auto* bytes = static_cast<uint8_t*>(buffer.Data());
  if (number_bytes) std::memcpy(bytes, packed.numbers.data(), number_bytes);
  if (vector_bytes) std::memcpy(bytes + number_bytes, packed.vectors.data(), vector_bytes);
  const PackedKeys& keys = env.GetInstanceData<AddonData>()->keys;
  auto obj = Napi::Object::New(env);
  obj.Set(keys[PackedKeys::kText], Napi::String::New(env, packed.text));
  obj.Set(keys[PackedKeys::kBuffer], buffer);
  obj.Set(keys[PackedKeys::kCount], Napi::Number::New(env, static_cast<double>(packed.count)));
  obj.Set(keys[PackedKeys::kDims], Napi::Number::New(env, packed.dims));
  if (!packed.explain.empty()) obj.Set(keys[PackedKeys::kExplain], Napi::String::New(env, packed.explain));
  return obj;
}

// A promise already settled with `packed` (a read answered on the JS thread).
Napi::Value resolved(Napi::Env env, PackedItems& packed) {
  auto deferred = Napi::Promise::Deferred::New(env);
  deferred.Resolve(packed_to_js(env, packed));
  return deferred.Promise();
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
                           InstanceMethod<&NativeIndex::WritePacked>("writePacked"),
                           InstanceMethod<&NativeIndex::Reserve>("reserve"),
                           InstanceMethod<&NativeIndex::Remove>("remove"),
                           InstanceMethod<&NativeIndex::Get>("get"),
                           InstanceMethod<&NativeIndex::List>("list"),
                           InstanceMethod<&NativeIndex::Count>("count"),
                           InstanceMethod<&NativeIndex::RemoveByMetadata>("removeByMetadata"),
                           InstanceMethod<&NativeIndex::Query>("query"),
                           InstanceMethod<&NativeIndex::OpenCursor>("openCursor"),
                           InstanceMethod<&NativeIndex::CursorNext>("cursorNext"),
                           InstanceMethod<&NativeIndex::CloseCursor>("closeCursor"),
                           InstanceMethod<&NativeIndex::Metrics>("metrics"),
                           InstanceMethod<&NativeIndex::Verify>("verify"),
                           InstanceMethod<&NativeIndex::Info>("info"),
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

  // insertItems' options: info[at] = options JSON text (or undefined), info[at + 1] = an
  // Int32Array whose element 0 the JS side sets when the call's AbortSignal fires (or undefined).
  static WriteOptions write_options(const Napi::CallbackInfo& info, size_t at, KeepAlive& keep) {
    WriteOptions options;
    if (info.Length() > at && !info[at].IsUndefined()) {
      options = api::parse_write_options(to_string(info[at], "write options (JSON text)"));
    }
    if (info.Length() > at + 1 && !info[at + 1].IsUndefined()) {
      const Napi::Value flag = info[at + 1];
      if (!flag.IsTypedArray() || flag.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
          flag.As<Napi::Int32Array>().ElementLength() < 1) {
        api::wrong_type("abort flag", "an Int32Array");
      }
      keep.refs.push_back(Napi::Persistent(flag));
      options.abort_flag = flag.As<Napi::Int32Array>().Data();
    }
    return options;
  }

  Napi::Value Write(const Napi::CallbackInfo& info, bool upsert) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      auto keep = std::make_shared<KeepAlive>();
      auto items = std::make_shared<std::vector<ItemInput>>(to_items(info[0], *keep));
      const WriteOptions options = write_options(info, 1, *keep);
      IndexPtr index = index_;
      return run_async<std::vector<std::string>>(
          info.Env(),
          [index, items, upsert, options] {
            return upsert ? index->upsert(*items, options) : index->insert(*items, options);
          },
          ids_to_js, keep);
    });
  }
  Napi::Value Insert(const Napi::CallbackInfo& info) { return Write(info, false); }
  Napi::Value Upsert(const Napi::CallbackInfo& info) { return Write(info, true); }

  // writePacked(upsert, ids, vectors: Float32Array, metadata: string[] | null, options, abort):
  // the vectors are borrowed, never copied per item.
  Napi::Value WritePacked(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      auto keep = std::make_shared<KeepAlive>();
      const bool upsert = info[0].ToBoolean().Value();
      auto ids = std::make_shared<std::vector<std::string>>(to_ids(info[1]));
      if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
        api::wrong_type("vectors", "a Float32Array");
      }
      auto vectors = info[2].As<Napi::Float32Array>();
      keep->refs.push_back(Napi::Persistent(info[2]));
      std::shared_ptr<std::vector<std::string>> metadata;
      if (!info[3].IsUndefined() && !info[3].IsNull()) {
        metadata = std::make_shared<std::vector<std::string>>(to_ids(info[3]));
      }
      auto items = std::make_shared<std::vector<ItemInput>>(
          api::packed_items(*ids, vectors.Data(), vectors.ElementLength(), metadata.get()));
      const WriteOptions options = write_options(info, 4, *keep);
      IndexPtr index = index_;
      return run_async<std::vector<std::string>>(
          info.Env(),
          [index, items, ids, metadata, upsert, options] {
            return upsert ? index->upsert(*items, options) : index->insert(*items, options);
          },
          ids_to_js, keep);
    });
  }

  Napi::Value Reserve(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      if (!info[0].IsNumber()) api::wrong_type("reserve count", "a number");
      const size_t n = static_cast<size_t>(
          validate_integer(info[0].As<Napi::Number>().DoubleValue(), "reserve count", 0, 1 << 30));
      IndexPtr index = index_;
      return run_async_void(info.Env(), [index, n] { index->reserve(n); });
    });
  }

  Napi::Value Remove(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      auto ids = std::make_shared<std::vector<std::string>>(to_ids(info[0]));
      IndexPtr index = index_;
      return run_async_void(info.Env(), [index, ids] { index->remove(*ids); });
    });
  }

  // Reads first try to answer on the JS thread (Index::try_*: uncontended and small), which is
  // faster than a hop to the thread pool; otherwise they run there.
  Napi::Value Get(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      std::string id = to_string(info[0], "id");
      PackedItems packed;
      if (index_->try_get_packed(id, &packed)) return resolved(info.Env(), packed);
      IndexPtr index = index_;
      return run_async<PackedItems>(
          info.Env(), [index, id] { return index->get_packed(id); }, packed_to_js);
    });
  }

  Napi::Value List(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      std::string filter = info[0].IsUndefined() ? "" : to_string(info[0], "filter (JSON text)");
      IndexPtr index = index_;
      return run_async<PackedItems>(
          info.Env(), [index, filter] { return index->list_packed(filter); }, packed_to_js);
    });
  }

  Napi::Value Count(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      std::string filter = info[0].IsUndefined() ? "" : to_string(info[0], "filter (JSON text)");
      IndexPtr index = index_;
      return run_async<size_t>(
          info.Env(), [index, filter] { return index->count(filter); },
          [](Napi::Env env, size_t& n) -> Napi::Value { return Napi::Number::New(env, static_cast<double>(n)); });
    });
  }

  Napi::Value RemoveByMetadata(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      std::string filter = to_string(info[0], "filter (JSON text)");
      IndexPtr index = index_;
      return run_async<size_t>(
          info.Env(), [index, filter] { return index->remove_by_metadata(filter); },
          [](Napi::Env env, size_t& n) -> Napi::Value { return Napi::Number::New(env, static_cast<double>(n)); });
    });
  }

  // query(vector | undefined, optionsJson): nearest neighbours, keyword or hybrid search; the
  // options are parsed by the core (query/request.h).
  Napi::Value Query(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      auto keep = std::make_shared<KeepAlive>();
      keep->reference_borrowed = false;  // referenced below if the query leaves the JS thread
      VectorView vector;
      if (!info[0].IsUndefined() && !info[0].IsNull()) vector = to_vector(info[0], *keep, "vector");
      const std::string options = to_string(info[1], "query options (JSON text)");
      auto request = std::make_shared<query::QueryRequest>(query::parse_query_request(vector, options));
      request->delivery_recorded_by_caller = true;  // the latency ends once the answer is a JS value
      ReadScheduler& reads = info.Env().GetInstanceData<AddonData>()->reads;
      PackedItems packed;
      // Answered here: the answer itself, not a settled Promise (ts/src/backend.ts allows it).
      if (!reads.prefer_pool() && index_->try_query(*request, &packed)) {
        Napi::Value answer = packed_to_js(info.Env(), packed);
        index_->query_delivered(*request);
        return answer;
      }
      if (vector.present && keep->owned_vectors.empty()) keep->refs.push_back(Napi::Persistent(info[0]));
      return reads.pool({index_, request, keep, Napi::Promise::Deferred::New(info.Env())});
    });
  }

  // Query cursors (queryStream): opened and advanced on the pool; closed on the JS thread, at
  // once (a next() already running keeps its cursor until it returns).
  Napi::Value OpenCursor(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      KeepAlive keep;
      const VectorView view = to_vector(info[0], keep, "vector");
      auto vector = std::make_shared<std::vector<float>>();
      if (view.present) vector->assign(view.data, view.data + view.size);
      const bool present = view.present;
      const std::string options = to_string(info[1], "stream options (JSON text)");
      uint64_t opened = 0;
      if (index_->try_open_cursor({vector->data(), vector->size(), present}, options, &opened)) {
        auto deferred = Napi::Promise::Deferred::New(info.Env());
        deferred.Resolve(Napi::Number::New(info.Env(), static_cast<double>(opened)));
        return deferred.Promise();
      }
      IndexPtr index = index_;
      return run_async<uint64_t>(
          info.Env(),
          [index, vector, present, options] {
            return index->open_cursor({vector->data(), vector->size(), present}, options);
          },
          [](Napi::Env env, uint64_t& id) -> Napi::Value { return Napi::Number::New(env, static_cast<double>(id)); });
    });
  }

  Napi::Value CursorNext(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      if (!info[0].IsNumber()) api::wrong_type("cursor", "a number");
      if (!info[1].IsNumber()) api::wrong_type("batchSize", "a number");
      const auto cursor = static_cast<uint64_t>(info[0].As<Napi::Number>().DoubleValue());
      const double count = info[1].As<Napi::Number>().DoubleValue();
      // A walk batch as small as an inline query runs here (as Query does); the rest on the pool.
      ReadScheduler& reads = info.Env().GetInstanceData<AddonData>()->reads;
      PackedItems packed;
      if (!reads.prefer_pool() && index_->try_cursor_next(cursor, count, &packed)) return resolved(info.Env(), packed);
      IndexPtr index = index_;
      reads.queued();
      return run_async<PackedItems>(
          info.Env(), [index, cursor, count] { return index->cursor_next(cursor, count); }, packed_to_js, nullptr,
          [&reads] { reads.settled(); });
    });
  }

  Napi::Value CloseCursor(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      if (!info[0].IsNumber()) api::wrong_type("cursor", "a number");
      index_->close_cursor(static_cast<uint64_t>(info[0].As<Napi::Number>().DoubleValue()));
      auto deferred = Napi::Promise::Deferred::New(info.Env());
      deferred.Resolve(info.Env().Undefined());
      return deferred.Promise();
    });
  }

  // Cheap (counters and sizes) but takes the shared lock, which a writer may hold: on the pool.
  // metrics(optionsJson?): {callerLatencies?} (quiver/index.h).
  Napi::Value Metrics(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      const std::string options = info[0].IsUndefined() ? "" : to_string(info[0], "metrics options (JSON text)");
      IndexPtr index = index_;
      return run_async<std::string>(
          info.Env(), [index, options] { return index->performance_metrics(options); },
          [](Napi::Env env, std::string& json) -> Napi::Value { return Napi::String::New(env, json); });
    });
  }

  Napi::Value Verify(const Napi::CallbackInfo& info) {
    IndexPtr index = index_;
    return run_async<std::string>(
        info.Env(), [index] { return index->verify(); },
        [](Napi::Env env, std::string& report) -> Napi::Value { return Napi::String::New(env, report); });
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    IndexPtr index = index_;
    return run_async<std::string>(
        info.Env(), [index] { return index->info_json(); },
        [](Napi::Env env, std::string& json) -> Napi::Value { return Napi::String::New(env, json); });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    IndexPtr index = index_;
    return run_async_void(info.Env(), [index] { index->close(); });
  }

  IndexPtr index_;
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
    std::string options = info[1].IsUndefined() ? "" : to_string(info[1], "open options (JSON text)");
    return run_async<IndexPtr>(
        info.Env(), [folder, options] { return IndexPtr(Index::open(folder, options)); },
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
  data->reads.init(env, packed_to_js);
  data->keys.init(env);
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
