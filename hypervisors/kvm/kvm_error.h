// Errors of the KVM VMM: setup failures carry the failed operation and the system's reason.
#pragma once

#include <stdexcept>
#include <string>

namespace monocell::kvm {

// A failed ioctl, mmap or open, or an image the VMM refuses. what() names the operation:
// "KVM_SET_SREGS failed: Invalid argument".
class KvmError : public std::runtime_error {
 public:
  explicit KvmError(const std::string& message) : std::runtime_error(message) {}
};

// The guest image cannot run: not a static x86-64 ELF, or not linked with the monocell libOS.
class ImageError : public KvmError {
 public:
  explicit ImageError(const std::string& message) : KvmError(message) {}
};

// Throws KvmError("<operation> failed: <strerror(errno)>") with the current errno.
[[noreturn]] void throw_errno(const std::string& operation);

}  // namespace monocell::kvm
