// Typed errors of the Quiver core. Every failure that can reach a user is a quiver::Error with a
// stable code; bindings translate the code to a string (`code_name`) and never invent their own.
#pragma once

#include <stdexcept>
#include <string>

namespace quiver {

enum class ErrorCode {
  InvalidArgument,    // malformed input: bad id, NaN, bad filter, bad option
  DimensionMismatch,  // vector length differs from the index's dimensions
  NotFound,           // index (or a required item) does not exist
  AlreadyExists,      // index or item id already exists
  InvalidState,       // call not allowed now (update already / not in progress)
  Corrupt,            // on-disk data is damaged beyond what can be rebuilt
  Io,                 // the operating system refused a read or write
  Busy,               // another connection holds the database lock
  Limit,              // input over a documented limit (topK, metadata size, depth)
  Closed,             // the index was closed
  Internal,           // a bug in Quiver: please report
  Aborted,            // the caller's abort signal stopped a write; it was rolled back
};

// Stable, upper-case name used as `.code` in JS ("INVALID_ARGUMENT", ...).
const char* code_name(ErrorCode code) noexcept;

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace quiver
