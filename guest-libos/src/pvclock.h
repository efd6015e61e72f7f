// Reading a pvclock record (kvmclock's, or Xen's vcpu_time_info: the same layout) from ring 3
// or ring 0: ns since the VM's clock started.
#pragma once

#include <stdint.h>

namespace monocell::libos {

// Layout of KVM's pvclock_vcpu_time_info (Documentation/virt/kvm/x86/msr.rst), which is Xen's
// vcpu_time_info.
struct PvclockTimeInfo {
  uint32_t version;
  uint32_t pad0;
  uint64_t tsc_timestamp;
  uint64_t system_time;
  uint32_t tsc_to_system_mul;
  int8_t tsc_shift;
  uint8_t flags;
  uint8_t pad[2];
};
static_assert(sizeof(PvclockTimeInfo) == 32);

// A version-checked snapshot of `info` scaled by the TSC delta since it was taken.
uint64_t pvclock_read_ns(const volatile PvclockTimeInfo* info);

// The boot-info page's pvclock record (boot_abi.h kPvclockGpa): the clock of the syscall
// layer and the vDSO, on KVM and Xen alike.
uint64_t kvmclock_ns();

}  // namespace monocell::libos
