#include "api/request.h"

#include <new>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "quiver/config.h"
#include "util/json_text.h"
#include "util/utf8.h"

namespace quiver::api {

std::string text_from_utf16(const char16_t* units, size_t size, const std::string& what) {
  std::string out;
  size_t bad = 0;
  if (!util::utf16_to_utf8(units, size, &out, &bad)) {
    throw Error(ErrorCode::InvalidArgument,
                what + " contains a lone surrogate (code unit " + std::to_string(bad) +
                    " is half of a UTF-16 pair); such a string has no UTF-8 form and could not "
                    "be stored exactly: use well-formed text (String.prototype.toWellFormed())");
  }
  return out;
}

void wrong_type(const std::string& what, const std::string& expected) {
  throw Error(ErrorCode::InvalidArgument, what + " must be " + expected);
}

Failure current_failure() {
  try {
    throw;
  } catch (const Error& e) {
    return {e.code(), e.what()};
  } catch (const std::bad_alloc&) {
    return {ErrorCode::Limit, "out of memory; insert in smaller batches"};
  } catch (const std::exception& e) {
    return {ErrorCode::Internal, std::string("internal error (please report): ") + e.what()};
  } catch (...) {
    return {ErrorCode::Internal, "internal error (please report): unknown exception"};
  }
}

std::vector<ItemInput> packed_items(const std::vector<std::string>& ids, const float* vectors,
                                    size_t floats, const std::vector<std::string>* metadata) {
  const size_t n = ids.size();
  if (n == 0) {
    if (floats != 0) throw Error(ErrorCode::InvalidArgument, "vectors holds " + std::to_string(floats) + " floats but ids is empty");
    return {};
  }
  if (floats == 0 || floats % n != 0) {
    throw Error(ErrorCode::InvalidArgument,
                "vectors must hold ids.length x dimensions floats, one vector after another; got " +
                    std::to_string(floats) + " floats for " + std::to_string(n) + " ids");
  }
  if (metadata && metadata->size() != n) {
    throw Error(ErrorCode::InvalidArgument, "metadata must have one entry per id: " +
                                                std::to_string(metadata->size()) + " entries for " +
                                                std::to_string(n) + " ids");
  }
  const size_t dims = floats / n;
  std::vector<ItemInput> items(n);
  for (size_t i = 0; i < n; ++i) {
    items[i].id = ids[i];
    items[i].vector = VectorView{vectors + i * dims, dims, true};
    items[i].metadata_json = metadata ? (*metadata)[i] : std::string("{}");
  }
  return items;
}

WriteOptions parse_write_options(const std::string& text) {
  WriteOptions options;
  if (text.empty()) return options;
  const nlohmann::json j = util::parse_caller_json(text, Limits::kMaxJsonDepth, "write options");
  if (!j.is_object()) throw Error(ErrorCode::InvalidArgument, "write options must be an object like {threads}");
  for (const auto& kv : j.items()) {
    if (kv.key() != "threads") {
      throw Error(ErrorCode::InvalidArgument, "write options has an unknown option \"" + kv.key() + "\"; the options are: threads");
    }
  }
  if (j.contains("threads") && !j["threads"].is_null()) {
    if (!j["threads"].is_number()) throw Error(ErrorCode::InvalidArgument, "threads must be an integer from 1 to 256");
    options.threads = static_cast<unsigned>(validate_integer(j["threads"].get<double>(), "threads", 1, 256));
  }
  return options;
}

}  // namespace quiver::api
