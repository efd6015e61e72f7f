// /dev/kvm itself: the API version check, per-host facts, and KVM_GET_SUPPORTED_CPUID (costly
// here, ~0.27 ms, so fetched once per process).
#pragma once

#include <linux/kvm.h>

#include <memory>
#include <vector>

#include "unique_fd.h"

namespace monocell::kvm {

class KvmSystem {
 public:
  // Opens /dev/kvm and checks the API version is 12. Throws KvmError.
  KvmSystem();

  int fd() const { return fd_.get(); }
  int vcpu_mmap_size() const { return vcpu_mmap_size_; }
  bool has_capability(long capability) const;

  // The host's supported CPUID entries, fetched once per process. Empty when KVM refuses
  // KVM_GET_SUPPORTED_CPUID.
  const std::vector<kvm_cpuid_entry2>& supported_cpuid() const;

  // True when /dev/kvm opens and answers API version 12 (for tests deciding to skip).
  static bool available();

 private:
  UniqueFd fd_;
  int vcpu_mmap_size_ = 0;
};

}  // namespace monocell::kvm
