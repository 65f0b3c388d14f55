#include "convert.h"

#include <cstring>

#include "api/request.h"

namespace quiver::node {

std::string to_string(const Napi::Value& v, const char* what) {
  if (!v.IsString()) api::wrong_type(what, "a string");
  const std::u16string units = v.As<Napi::String>().Utf16Value();
  return api::text_from_utf16(units.data(), units.size(), what);
}

VectorView to_vector(const Napi::Value& v, KeepAlive& keep, const std::string& what) {
  VectorView view;
  if (v.IsUndefined() || v.IsNull()) return view;
  view.present = true;
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array) {
    auto arr = v.As<Napi::Float32Array>();
    if (keep.reference_borrowed) keep.refs.push_back(Napi::Persistent(v));
    view.data = arr.Data();
    view.size = arr.ElementLength();
    return view;
  }
  std::vector<float> owned;
  if (v.IsArray()) {
    auto arr = v.As<Napi::Array>();
    owned.resize(arr.Length());
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      Napi::Value e = arr.Get(i);
      if (!e.IsNumber()) {
        api::wrong_type(what + "[" + std::to_string(i) + "]", "a number");
      }
      owned[i] = api::to_float32(e.As<Napi::Number>().DoubleValue());
    }
  } else if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float64_array) {
    auto arr = v.As<Napi::Float64Array>();
    owned.resize(arr.ElementLength());
    for (size_t i = 0; i < owned.size(); ++i) owned[i] = api::to_float32(arr.Data()[i]);
  } else {
    api::wrong_type(what, "a Float32Array or an array of numbers");
  }
  keep.owned_vectors.push_back(std::move(owned));
  view.data = keep.owned_vectors.back().data();
  view.size = keep.owned_vectors.back().size();
  return view;
}

std::vector<ItemInput> to_items(const Napi::Value& v, KeepAlive& keep) {
  if (!v.IsArray()) api::wrong_type("items", "an array");
  auto arr = v.As<Napi::Array>();
  std::vector<ItemInput> items(arr.Length());
  // owned_vectors must not reallocate while views point into it.
  keep.owned_vectors.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value e = arr.Get(i);
    if (!e.IsObject()) api::wrong_type("items[" + std::to_string(i) + "]", "an object");
    auto obj = e.As<Napi::Object>();
    Napi::Value id = obj.Get("id");
    if (!id.IsUndefined() && !id.IsNull()) {
      items[i].id = to_string(id, "item id");
    }
    items[i].vector = to_vector(obj.Get("vector"), keep, "vector");
    Napi::Value metadata = obj.Get("metadata");
    items[i].metadata_json =
        metadata.IsUndefined() ? std::string("{}") : to_string(metadata, "metadata (JSON text)");
  }
  return items;
}

std::vector<std::string> to_ids(const Napi::Value& v) {
  if (!v.IsArray()) api::wrong_type("ids", "an array of strings");
  auto arr = v.As<Napi::Array>();
  std::vector<std::string> ids(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) ids[i] = to_string(arr.Get(i), "id");
  return ids;
}

}  // namespace quiver::node
