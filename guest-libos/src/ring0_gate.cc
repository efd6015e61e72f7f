// The ring-0 gate's two ends: the `syscall` that enters it and the dispatcher's handler.
#include "ring0_gate.h"

#include <linux/errno.h>

#include "boot_info.h"
#include "hypervisor.h"
#include "x86_instructions.h"
#include "xen_hostcall.h"

namespace monocell::libos {

int64_t ring0_gate(Ring0GateOp op, uint64_t argument) {
  int64_t result;
  asm volatile("syscall"
               : "=a"(result)
               : "a"(kRing0GateSyscall), "D"(static_cast<uint64_t>(op)), "S"(argument)
               : "rcx", "r11", "memory");
  return result;
}

int64_t sys_ring0_gate(uint64_t op, uint64_t argument) {
  if (!on_xen() || !x86_instructions::running_in_ring0()) return -ENOSYS;
  switch (static_cast<Ring0GateOp>(op)) {
    case Ring0GateOp::kDoorbell:
      xen_ring_doorbell();
      return 0;
    case Ring0GateOp::kWaitForHost: return xen_wait_for_host(argument);
    case Ring0GateOp::kSleep:
      xen_sleep_until(argument);
      return 0;
    case Ring0GateOp::kFault:
      if (!user_range_ok(argument, sizeof(hostcall::FaultFrame))) return -EFAULT;
      monocell_xen_fault(reinterpret_cast<const hostcall::FaultFrame*>(argument));
  }
  return -EINVAL;
}

}  // namespace monocell::libos
