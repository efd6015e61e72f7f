// The libOS's per-vCPU area, reached through GS base (the libOS owns GS; glibc uses FS).
#pragma once

#include <stdint.h>

namespace monocell::libos {

struct PerCpu {
  uint64_t user_rsp;  // the caller's RSP while a syscall runs (syscall_entry.S)
  uint64_t syscall_rsp;  // top of this vCPU's syscall stack
  PerCpu* self;
  uint64_t unknown_syscalls;  // syscalls answered -ENOSYS because the libOS lacks them
  uint64_t last_unknown_syscall;
  uint64_t host_interrupts;  // host interrupts taken by the supervisor (vectors.S)
  uint64_t waited_ns;  // kvmclock time spent in host calls that wait: not CPU time
  // The pvclock reading when the guest started: 0 where the clock starts with the VM (kvmclock);
  // on Xen the clock is Xen's system time, which started with Xen.
  uint64_t clock_at_boot_ns;
};
static_assert(__builtin_offsetof(PerCpu, user_rsp) == 0, "syscall_entry.S PERCPU_USER_RSP");
static_assert(__builtin_offsetof(PerCpu, syscall_rsp) == 8, "syscall_entry.S PERCPU_SYSCALL_RSP");
static_assert(__builtin_offsetof(PerCpu, host_interrupts) == 40, "vectors.S PERCPU_HOST_INTERRUPTS");

PerCpu& percpu();

}  // namespace monocell::libos

extern "C" monocell::libos::PerCpu monocell_percpu;
