#pragma once

#include <string>

namespace quiver::util {

// A random (version 4) UUID for items inserted without an id, as Vectra does.
std::string uuid_v4();

}  // namespace quiver::util
