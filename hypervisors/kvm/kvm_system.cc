// Opening /dev/kvm and querying what the host's KVM offers.
#include "kvm_system.h"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <mutex>
#include <string>

#include "kvm_error.h"
#include "kvm_flex_ioctls.h"

namespace monocell::kvm {

KvmSystem::KvmSystem() {
  fd_.reset(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
  if (!fd_.valid()) throw_errno("open(/dev/kvm)");
  const int version = ::ioctl(fd_.get(), KVM_GET_API_VERSION, 0);
  if (version < 0) throw_errno("KVM_GET_API_VERSION");
  if (version != KVM_API_VERSION) {
    throw KvmError("KVM API version is " + std::to_string(version) + ", monocell requires " +
                   std::to_string(KVM_API_VERSION));
  }
  vcpu_mmap_size_ = ::ioctl(fd_.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
  if (vcpu_mmap_size_ <= 0) throw_errno("KVM_GET_VCPU_MMAP_SIZE");
  // KVM_CAP_XCRS is optional: a CPU without XSAVE (the rig's qemu64) has no XCR0 to set.
  for (long cap : {KVM_CAP_USER_MEMORY, KVM_CAP_IMMEDIATE_EXIT, KVM_CAP_EXT_CPUID}) {
    if (!has_capability(cap)) {
      throw KvmError("KVM lacks capability " + std::to_string(cap) + ", which monocell requires");
    }
  }
}

bool KvmSystem::has_capability(long capability) const {
  return ::ioctl(fd_.get(), KVM_CHECK_EXTENSION, capability) > 0;
}

const std::vector<kvm_cpuid_entry2>& KvmSystem::supported_cpuid() const {
  static std::once_flag once;
  static std::vector<kvm_cpuid_entry2> entries;
  std::call_once(once, [this] {
    for (uint32_t capacity = 128; capacity <= 4096; capacity *= 2) {
      FlexArgument<KvmCpuid2Header, kvm_cpuid_entry2> cpuid(capacity);
      cpuid.set_header({capacity, 0});
      if (::ioctl(fd_.get(), kKvmGetSupportedCpuid, cpuid.data()) == 0) {
        const uint32_t count = std::min(cpuid.header().nent, capacity);
        for (uint32_t i = 0; i < count; ++i) entries.push_back(cpuid.entry(i));
        return;
      }
      if (errno != E2BIG) return;  // refused: the caller falls back to an empty CPUID
    }
  });
  return entries;
}

bool KvmSystem::available() {
  const int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  const bool kvm = ::ioctl(fd, KVM_GET_API_VERSION, 0) == KVM_API_VERSION;
  ::close(fd);
  return kvm;
}

}  // namespace monocell::kvm
