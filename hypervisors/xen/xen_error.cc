// Xen backend errors in words.
#include "hypervisors/xen/xen_error.h"

#include <cerrno>
#include <cstring>

#include "hypervisors/xen/xen_libs.h"

namespace monocell::xen {

std::string libxl_error_text(int rc) {
  const char* name = libxl_error_to_string(static_cast<libxl_error>(rc));
  return std::string(name != nullptr ? name : "unknown libxl error") + " (" + std::to_string(rc) + ")";
}

void throw_libxl(const std::string& operation, int rc, const std::string& hint) {
  throw XenError(operation + " failed: " + libxl_error_text(rc) + hint);
}

void throw_errno(const std::string& operation, const std::string& hint) {
  throw XenError(operation + " failed: " + std::strerror(errno) + hint);
}

}  // namespace monocell::xen
