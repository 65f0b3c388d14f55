// The WASM binding of the Quiver core (embind). Pure glue, like native/node: it converts JS
// values to core types and back. C++ exceptions never cross into JS: every call returns
// {ok: true, value} or {ok: false, code, message}, and the TS backend turns the latter into the
// same Error with `.code` that the Node addon produces.
#include <cmath>
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>
#include <emscripten/val.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/request.h"
#include "query/request.h"
#include "quiver/config.h"
#include "quiver/index.h"

// Copies the elements of a JS array into `out` as doubles, in one loop on the JS side: reading
// them one by one through embind costs three calls into JS per element (get, type check,
// conversion), about a fifth of a small query's time in a profile. Returns the index of the
// first element that is not a number, or -1. The doubles become floats in C++ (to_float32), so
// the conversion rule stays the core's.
EM_JS(int, quiver_copy_numbers, (emscripten::EM_VAL array, double* out, int n), {
  var a = Emval.toValue(array);
  var base = out >> 3;
  for (var i = 0; i < n; i++) {
    var x = a[i];
    if (typeof x !== 'number') return i;
    HEAPF64[base + i] = x;
  }
  return -1;
});

// A vector argument's kind and length in one call: 1 Float32Array (copied as it is), 2 an array
// or Float64Array (copied as doubles, converted by the core's rule), 0 anything else.
EM_JS(int, quiver_vector_kind, (emscripten::EM_VAL value, int* length), {
  var a = Emval.toValue(value);
  var kind = a instanceof Float32Array ? 1 : (a instanceof Float64Array || Array.isArray(a)) ? 2 : 0;
  HEAP32[length >> 2] = kind ? a.length : 0;
  return kind;
});

EM_JS(void, quiver_copy_float32, (emscripten::EM_VAL value, float* out), {
  HEAPF32.set(Emval.toValue(value), out >> 2);
});

// {ok: true, value} in one call (through embind: an object and two property sets).
EM_JS(emscripten::EM_VAL, quiver_ok, (emscripten::EM_VAL value), {
  return Emval.toHandle({ ok: true, value: Emval.toValue(value) });
});

// A packed read result as {text, buffer, count, dims[, explain]}, built in one call: through
// embind, the buffer, its two copies and each property are calls of their own (about a dozen
// per read). The text holds NULs, so it is decoded by length (UTF8ToString stops at a NUL).
EM_JS(emscripten::EM_VAL, quiver_packed_result,
      (const char* text, int text_bytes, const void* numbers, int number_bytes, const void* vectors,
       int vector_bytes, double count, int dims, const char* explain, int explain_bytes), {
  var decoder = Module.quiverTextDecoder || (Module.quiverTextDecoder = new TextDecoder());
  var buffer = new ArrayBuffer(number_bytes + vector_bytes);
  var bytes = new Uint8Array(buffer);
  if (number_bytes) bytes.set(HEAPU8.subarray(numbers, numbers + number_bytes));
  if (vector_bytes) bytes.set(HEAPU8.subarray(vectors, vectors + vector_bytes), number_bytes);
  var result = {
    text: text_bytes ? decoder.decode(HEAPU8.subarray(text, text + text_bytes)) : '',
    buffer: buffer,
    count: count,
    dims: dims
  };
  if (explain_bytes) result.explain = decoder.decode(HEAPU8.subarray(explain, explain + explain_bytes));
  return Emval.toHandle(result);
});

namespace {

using emscripten::val;
using quiver::Error;
using quiver::ErrorCode;

val ok(val value) { return val::take_ownership(quiver_ok(value.as_handle())); }

val failure(ErrorCode code, const std::string& message) {
  val r = val::object();
  r.set("ok", false);
  r.set("code", std::string(quiver::code_name(code)));
  r.set("message", message);
  return r;
}

// Every failure, including a wrong JS type, becomes {ok:false, code, message} through the core's
// one mapping (api::current_failure), exactly as in the Node binding.
template <typename Fn>
val guarded(Fn&& fn) {
  try {
    return ok(fn());
  } catch (...) {
    quiver::api::Failure f = quiver::api::current_failure();
    return failure(f.code, f.message);
  }
}

// Strings are read as UTF-16 so that the core sees lone surrogates (embind's std::string
// conversion would encode them as invalid UTF-8 bytes instead).
std::string to_string(const val& v, const std::string& what) {
  if (!v.isString()) quiver::api::wrong_type(what, "a string");
  const std::u16string units = v.as<std::u16string>();
  return quiver::api::text_from_utf16(units.data(), units.size(), what);
}

bool is_float32_array(const val& v) {
  return v.instanceof(val::global("Float32Array"));
}

// Copies a Float32Array / number[] / Float64Array into wasm memory (the heap is separate from
// JS memory, so a copy is unavoidable here).
std::vector<float> to_floats(const val& v, const std::string& what) {
  int length = 0;
  const int kind = quiver_vector_kind(v.as_handle(), &length);
  if (kind == 0) quiver::api::wrong_type(what, "a Float32Array or an array of numbers");
  const unsigned n = static_cast<unsigned>(length);
  if (kind == 1) {
    std::vector<float> out(n);  // allocated first: copying must not meet a growing heap
    if (n) quiver_copy_float32(v.as_handle(), out.data());
    return out;
  }
  std::vector<double> numbers(n);
  const int bad = quiver_copy_numbers(v.as_handle(), numbers.data(), static_cast<int>(n));
  if (bad >= 0) quiver::api::wrong_type(what + "[" + std::to_string(bad) + "]", "a number");
  std::vector<float> out(n);
  for (unsigned i = 0; i < n; ++i) out[i] = quiver::api::to_float32(numbers[i]);
  return out;
}

// A vector argument that may be absent (undefined or null: keyword queries, item iterators),
// copied into wasm memory for the call.
class OptionalVector {
 public:
  explicit OptionalVector(const val& v) : present_(!v.isUndefined() && !v.isNull()) {
    if (present_) floats_ = to_floats(v, "vector");
  }
  quiver::VectorView view() const { return {floats_.data(), floats_.size(), present_}; }

 private:
  bool present_;
  std::vector<float> floats_;
};

// Items plus the float storage their views point into.
struct Items {
  std::vector<quiver::ItemInput> inputs;
  std::vector<std::vector<float>> vectors;
};

Items to_items(const val& arr) {
  if (!val::global("Array").call<bool>("isArray", arr)) quiver::api::wrong_type("items", "an array");
  const unsigned n = arr["length"].as<unsigned>();
  Items items;
  items.inputs.resize(n);
  items.vectors.resize(n);
  for (unsigned i = 0; i < n; ++i) {
    val e = arr[i];
    if (e.typeOf().as<std::string>() != "object" || e.isNull()) {
      quiver::api::wrong_type("items[" + std::to_string(i) + "]", "an object");
    }
    val id = e["id"];
    if (!id.isUndefined() && !id.isNull()) items.inputs[i].id = to_string(id, "item id");
    val vector = e["vector"];
    if (!vector.isUndefined() && !vector.isNull()) {
      items.vectors[i] = to_floats(vector, "vector");
      items.inputs[i].vector = {items.vectors[i].data(), items.vectors[i].size(), true};
    }
    val metadata = e["metadata"];
    items.inputs[i].metadata_json =
        metadata.isUndefined() ? std::string("{}") : to_string(metadata, "metadata (JSON text)");
  }
  return items;
}

// A packed read result (quiver/item.h) as {text, buffer, count, dims}, the same shape the Node
// addon returns (ts/src/packed.ts unpacks both): the numbers (float64) then the vectors (float32)
// copied out of the heap into one ArrayBuffer (the heap may move when memory grows).
val packed_to_js(const quiver::PackedItems& packed) {
  return val::take_ownership(quiver_packed_result(
      packed.text.data(), static_cast<int>(packed.text.size()), packed.numbers.data(),
      static_cast<int>(packed.numbers.size() * sizeof(double)), packed.vectors.data(),
      static_cast<int>(packed.vectors.size() * sizeof(float)), static_cast<double>(packed.count),
      static_cast<int>(packed.dims), packed.explain.data(), static_cast<int>(packed.explain.size())));
}

val ids_to_js(const std::vector<std::string>& ids) {
  val arr = val::array();
  for (const auto& id : ids) arr.call<void>("push", id);
  return arr;
}

class WasmIndex {
 public:
  explicit WasmIndex(std::unique_ptr<quiver::Index> index) : index_(std::move(index)) {}

  val stats() {
    return guarded([&] {
      auto s = index_->stats();
      val obj = val::object();
      obj.set("config", s.config_json);
      obj.set("items", static_cast<double>(s.items));
      obj.set("sequence", static_cast<double>(s.sequence));
      return obj;
    });
  }
  val beginUpdate() { return guarded([&] { index_->begin_update(); return val::undefined(); }); }
  val endUpdate() { return guarded([&] { index_->end_update(); return val::undefined(); }); }
  val cancelUpdate() { return guarded([&] { index_->cancel_update(); return val::undefined(); }); }
  // options: write options JSON text or undefined. (No abort flag: this build is synchronous in
  // its thread, so a signal can only act between calls, which LocalIndex does.)
  val insert(val items, val options) {
    return guarded([&] {
      Items in = to_items(items);
      return ids_to_js(index_->insert(in.inputs, write_options(options)));
    });
  }
  val upsert(val items, val options) {
    return guarded([&] {
      Items in = to_items(items);
      return ids_to_js(index_->upsert(in.inputs, write_options(options)));
    });
  }
  // insertItems' packed form: the Float32Array is copied into the heap once, as a whole.
  val writePacked(bool upsert, val ids, val vectors, val metadata, val options) {
    return guarded([&] {
      const std::vector<std::string> id_list = string_list(ids, "ids");
      if (!is_float32_array(vectors)) quiver::api::wrong_type("vectors", "a Float32Array");
      const std::vector<float> floats = emscripten::convertJSArrayToNumberVector<float>(vectors);
      std::vector<std::string> meta;
      const bool has_meta = !metadata.isUndefined() && !metadata.isNull();
      if (has_meta) meta = string_list(metadata, "metadata");
      const auto items = quiver::api::packed_items(id_list, floats.data(), floats.size(), has_meta ? &meta : nullptr);
      const auto o = write_options(options);
      return ids_to_js(upsert ? index_->upsert(items, o) : index_->insert(items, o));
    });
  }
  val reserve(double n) {
    return guarded([&] {
      index_->reserve(static_cast<size_t>(quiver::validate_integer(n, "reserve count", 0, 1 << 30)));
      return val::undefined();
    });
  }
  val remove(val ids) {
    return guarded([&] {
      if (!val::global("Array").call<bool>("isArray", ids)) quiver::api::wrong_type("ids", "an array of strings");
      std::vector<std::string> list;
      const unsigned n = ids["length"].as<unsigned>();
      for (unsigned i = 0; i < n; ++i) list.push_back(to_string(ids[i], "id"));
      index_->remove(list);
      return val::undefined();
    });
  }
  val get(val id) {
    return guarded([&] { return packed_to_js(index_->get_packed(to_string(id, "id"))); });
  }
  val list(val filter) {
    return guarded([&] {
      return packed_to_js(index_->list_packed(filter.isUndefined() ? "" : to_string(filter, "filter (JSON text)")));
    });
  }
  val count(val filter) {
    return guarded([&] {
      return val(static_cast<double>(index_->count(filter.isUndefined() ? "" : to_string(filter, "filter (JSON text)"))));
    });
  }
  val removeByMetadata(val filter) {
    return guarded([&] {
      return val(static_cast<double>(index_->remove_by_metadata(to_string(filter, "filter (JSON text)"))));
    });
  }
  // query(vector | undefined, optionsJson): nearest neighbours, keyword or hybrid search; the
  // options are parsed by the core (query/request.h).
  val query(val vector, val options) {
    return guarded([&] {
      const OptionalVector v(vector);
      auto request = quiver::query::parse_query_request(v.view(), to_string(options, "query options (JSON text)"));
      request.delivery_recorded_by_caller = true;  // the latency ends once the answer is a JS value
      val answer = packed_to_js(index_->query(request));
      index_->query_delivered(request);
      return answer;
    });
  }
  // Query cursors (queryStream).
  val openCursor(val vector, val options) {
    return guarded([&] {
      const OptionalVector v(vector);
      return val(static_cast<double>(index_->open_cursor(v.view(), to_string(options, "stream options (JSON text)"))));
    });
  }
  val cursorNext(val cursor, val count) {
    return guarded([&] {
      if (!cursor.isNumber()) quiver::api::wrong_type("cursor", "a number");
      if (!count.isNumber()) quiver::api::wrong_type("batchSize", "a number");
      return packed_to_js(index_->cursor_next(static_cast<uint64_t>(cursor.as<double>()), count.as<double>()));
    });
  }
  val closeCursor(val cursor) {
    return guarded([&] {
      if (!cursor.isNumber()) quiver::api::wrong_type("cursor", "a number");
      index_->close_cursor(static_cast<uint64_t>(cursor.as<double>()));
      return val::undefined();
    });
  }
  // metrics(optionsJson | undefined): {callerLatencies?} (quiver/index.h).
  val metrics(val options) {
    return guarded([&] {
      const std::string json = options.isUndefined() ? "" : to_string(options, "metrics options (JSON text)");
      return val(index_->performance_metrics(json));
    });
  }
  val verify() { return guarded([&] { return val(index_->verify()); }); }
  static quiver::WriteOptions write_options(const val& options) {
    if (options.isUndefined() || options.isNull()) return {};
    return quiver::api::parse_write_options(to_string(options, "write options (JSON text)"));
  }
  static std::vector<std::string> string_list(const val& arr, const std::string& what) {
    if (!val::global("Array").call<bool>("isArray", arr)) quiver::api::wrong_type(what, "an array of strings");
    std::vector<std::string> out;
    const unsigned n = arr["length"].as<unsigned>();
    out.reserve(n);
    for (unsigned i = 0; i < n; ++i) out.push_back(to_string(arr[i], what + " entry"));
    return out;
  }
  val info() { return guarded([&] { return val(index_->info_json()); }); }
  val close() { return guarded([&] { index_->close(); return val::undefined(); }); }

 private:
  std::unique_ptr<quiver::Index> index_;
};

val exists(val folder) {
  return guarded([&] { return val(quiver::Index::exists(to_string(folder, "folder"))); });
}

val create(val folder, val config, val delete_if_exists) {
  return guarded([&] {
    quiver::Index::create(to_string(folder, "folder"),
                          quiver::parse_config_json(to_string(config, "config (JSON text)")),
                          delete_if_exists.as<bool>());
    return val::undefined();
  });
}

val destroy(val folder) {
  return guarded([&] {
    quiver::Index::destroy(to_string(folder, "folder"));
    return val::undefined();
  });
}

val open(val folder, val options) {
  return guarded([&] {
    const std::string open_options =
        options.isUndefined() || options.isNull() ? "" : to_string(options, "open options (JSON text)");
    auto index = quiver::Index::open(to_string(folder, "folder"), open_options);
    return val(std::make_shared<WasmIndex>(std::move(index)));
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(quiver) {
  emscripten::class_<WasmIndex>("WasmIndex")
      .smart_ptr<std::shared_ptr<WasmIndex>>("WasmIndexPtr")
      .function("stats", &WasmIndex::stats)
      .function("info", &WasmIndex::info)
      .function("writePacked", &WasmIndex::writePacked)
      .function("reserve", &WasmIndex::reserve)
      .function("beginUpdate", &WasmIndex::beginUpdate)
      .function("endUpdate", &WasmIndex::endUpdate)
      .function("cancelUpdate", &WasmIndex::cancelUpdate)
      .function("insert", &WasmIndex::insert)
      .function("upsert", &WasmIndex::upsert)
      .function("remove", &WasmIndex::remove)
      .function("get", &WasmIndex::get)
      .function("list", &WasmIndex::list)
      .function("count", &WasmIndex::count)
      .function("removeByMetadata", &WasmIndex::removeByMetadata)
      .function("query", &WasmIndex::query)
      .function("openCursor", &WasmIndex::openCursor)
      .function("cursorNext", &WasmIndex::cursorNext)
      .function("closeCursor", &WasmIndex::closeCursor)
      .function("metrics", &WasmIndex::metrics)
      .function("verify", &WasmIndex::verify)
      .function("close", &WasmIndex::close);
  emscripten::function("exists", &exists);
  emscripten::function("create", &create);
  emscripten::function("destroy", &destroy);
  emscripten::function("open", &open);
}
