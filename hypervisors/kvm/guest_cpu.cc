// Deriving the guest's CPU features from KVM's supported CPUID.
#include "guest_cpu.h"

#include <monocell/x86_machine.h>

namespace monocell::kvm {

const kvm_cpuid_entry2* find_cpuid(const std::vector<kvm_cpuid_entry2>& entries, uint32_t function,
                                   uint32_t index) {
  for (const auto& e : entries) {
    if (e.function == function && e.index == index) return &e;
  }
  return nullptr;
}

GuestCpu guest_cpu_from(const std::vector<kvm_cpuid_entry2>& supported_cpuid) {
  GuestCpu cpu;
  cpu.cpuid = supported_cpuid;
  if (supported_cpuid.empty()) {
    cpu.fsgsbase = true;
    cpu.xsave = true;
    return cpu;
  }
  if (const kvm_cpuid_entry2* leaf1 = find_cpuid(supported_cpuid, 1, 0)) {
    cpu.hwcap = leaf1->edx;
    cpu.xsave = (leaf1->ecx & (1u << 26)) != 0;
  }
  if (const kvm_cpuid_entry2* leaf7 = find_cpuid(supported_cpuid, 7, 0)) {
    cpu.fsgsbase = (leaf7->ebx & 1u) != 0;
  }
  if (const kvm_cpuid_entry2* leaf_d = find_cpuid(supported_cpuid, 0xD, 0); leaf_d && cpu.xsave) {
    cpu.supported_xcr0 = (uint64_t{leaf_d->edx} << 32) | leaf_d->eax;
  }
  return cpu;
}

uint64_t GuestCpu::cr4() const {
  uint64_t cr4 = x86::kCr4Base;
  if (fsgsbase) cr4 |= x86::kCr4Fsgsbase;
  if (xsave) cr4 |= x86::kCr4Osxsave;
  return cr4;
}

}  // namespace monocell::kvm
