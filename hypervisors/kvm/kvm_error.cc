// Builds KvmError messages from errno.
#include "kvm_error.h"

#include <cerrno>
#include <cstring>

namespace monocell::kvm {

void throw_errno(const std::string& operation) {
  const int error = errno;
  throw KvmError(operation + " failed: " + std::strerror(error));
}

}  // namespace monocell::kvm
