// The ring-0 gate: a private syscall number through which the libOS's own ring-3 code (the
// runtime calling monocell_ring_doorbell() or monocell_wait_for_host()) reaches ring 0 where a
// hypervisor only answers there: Xen refuses HVM hypercalls from ring 3, and `syscall` enters
// ring 0 on Xen. KVM never takes this path (its doorbell and host calls work from ring 3).
//
// The number lies far outside Linux's syscall numbers (and its x32 range), so no Linux binary
// reaches it by accident; on KVM it answers -ENOSYS like any unknown syscall.
#pragma once

#include <stdint.h>

namespace monocell::libos {

inline constexpr uint64_t kRing0GateSyscall = 0x6D6F6E6F;  // "mono"

enum class Ring0GateOp : uint64_t {
  kDoorbell = 1,  // notify the host's ring port
  kWaitForHost = 2,  // arg: deadline on the pvclock timeline (~0: none); returns 0 or 1
  kSleep = 3,  // arg: deadline on the pvclock timeline; returns 0
  kFault = 4,  // arg: a hostcall::FaultFrame the libOS reports from ring 3; does not return
};

// Ring 3: enters ring 0 through `syscall` with the gate's number.
int64_t ring0_gate(Ring0GateOp op, uint64_t argument);

// Ring 0, from the syscall dispatcher.
int64_t sys_ring0_gate(uint64_t op, uint64_t argument);

}  // namespace monocell::libos
