#include "quiver/error.h"

namespace quiver {

const char* code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::InvalidArgument: return "INVALID_ARGUMENT";
    case ErrorCode::DimensionMismatch: return "DIMENSION_MISMATCH";
    case ErrorCode::NotFound: return "NOT_FOUND";
    case ErrorCode::AlreadyExists: return "ALREADY_EXISTS";
    case ErrorCode::InvalidState: return "INVALID_STATE";
    case ErrorCode::Corrupt: return "CORRUPT";
    case ErrorCode::Io: return "IO";
    case ErrorCode::Busy: return "BUSY";
    case ErrorCode::Limit: return "LIMIT";
    case ErrorCode::Closed: return "CLOSED";
    case ErrorCode::Internal: return "INTERNAL";
    case ErrorCode::Aborted: return "ABORTED";
  }
  return "INTERNAL";
}

}  // namespace quiver
