// Errors from the system, with the operation and the object named.
#include "images/format/image_error.h"

#include <cerrno>
#include <cstring>

namespace monocell::image {

void throw_errno(const std::string& operation, const std::string& object) {
  const int e = errno;
  const ImageError::Kind kind = e == ENOENT || e == ENOTDIR ? ImageError::Kind::kNotFound : ImageError::Kind::kIo;
  throw ImageError(kind, operation + " " + object + " failed: " + std::strerror(e));
}

}  // namespace monocell::image
