#include "api/request.h"

#include <new>
#include <stdexcept>

#include "quiver/config.h"
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

}  // namespace quiver::api
