// Errors of the Xen backend: each names the failed operation, the object, and the system's or
// libxl's reason ("libxl_domain_create_new failed for monocell-echo: ERROR_FAIL (-3)").
#pragma once

#include <stdexcept>
#include <string>

namespace monocell::xen {

class XenError : public std::runtime_error {
 public:
  explicit XenError(const std::string& message) : std::runtime_error(message) {}
};

// "ERROR_FAIL (-3)": a libxl return code in words.
std::string libxl_error_text(int rc);

// Throws XenError("<operation> failed: <libxl_error_text(rc)><hint>").
[[noreturn]] void throw_libxl(const std::string& operation, int rc, const std::string& hint = "");
// Throws XenError("<operation> failed: <strerror(errno)><hint>") with the current errno.
[[noreturn]] void throw_errno(const std::string& operation, const std::string& hint = "");

}  // namespace monocell::xen
