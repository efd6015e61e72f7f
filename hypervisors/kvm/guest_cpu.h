// The CPU the guest sees: KVM's supported CPUID given to the vCPU, and the features the boot
// may switch on (CR4.FSGSBASE, CR4.OSXSAVE and XCR0) because that CPUID offers them.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

namespace monocell::kvm {

struct GuestCpu {
  // KVM_GET_SUPPORTED_CPUID; empty where KVM refuses it (no KVM here does since the ioctl
  // numbers were fixed, kvm_flex_ioctls.h).
  std::vector<kvm_cpuid_entry2> cpuid;
  // Without a CPUID, this morning's kvm_pvm setup: the guest's CPUID is empty, kvm_pvm accepts
  // CR4.FSGSBASE|OSXSAVE anyway and runs ring 3 on the host's own CPU, so both are on.
  // Otherwise each follows CPUID, or hardware KVM refuses KVM_SET_SREGS.
  bool fsgsbase = false;  // CPUID.7.0:EBX[0]: wrfsbase in ring 3
  bool xsave = false;  // CPUID.1:ECX[26]: CR4.OSXSAVE and XCR0
  uint64_t supported_xcr0 = 0x3;  // CPUID.0xD.0:EDX:EAX
  uint64_t hwcap = 0;  // CPUID.1:EDX, Linux's AT_HWCAP

  // CR4 for the ring-3 entry state: x86_machine.h's base bits plus what the CPU offers.
  uint64_t cr4() const;
};

// The guest CPU of this host's KVM (the CPUID is fetched once per process).
GuestCpu guest_cpu_from(const std::vector<kvm_cpuid_entry2>& supported_cpuid);

const kvm_cpuid_entry2* find_cpuid(const std::vector<kvm_cpuid_entry2>& entries, uint32_t function,
                                   uint32_t index);

}  // namespace monocell::kvm
