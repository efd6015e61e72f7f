// The libOS's per-vCPU area, reached through GS base (the libOS owns GS; glibc uses FS).
#pragma once

#include <monocell/hostcall_abi.h>
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
  // Non-zero while libOS code runs for the app (a syscall, or a signal being delivered): a
  // fault then is the libOS's, never the app's, even where that code runs in ring 3 (kvm_pvm).
  uint64_t in_libos;
  // Bit V set: CPU exception V in the app becomes a signal its handler takes (signal_state.cc
  // keeps it in step with the handlers and the mask; vectors.S reads it).
  uint64_t user_fault_vectors;
  // The app's fault, as vectors.S copied it for the delivery in ring 3 (signal_delivery.cc).
  hostcall::FaultFrame user_fault;
};
static_assert(__builtin_offsetof(PerCpu, user_rsp) == 0, "syscall_entry.S PERCPU_USER_RSP");
static_assert(__builtin_offsetof(PerCpu, syscall_rsp) == 8, "syscall_entry.S PERCPU_SYSCALL_RSP");
static_assert(__builtin_offsetof(PerCpu, host_interrupts) == 40, "vectors.S PERCPU_HOST_INTERRUPTS");
static_assert(__builtin_offsetof(PerCpu, in_libos) == 64, "syscall_entry.S, user_return.S PERCPU_IN_LIBOS");
static_assert(__builtin_offsetof(PerCpu, user_fault_vectors) == 72, "vectors.S PERCPU_USER_FAULT_VECTORS");
static_assert(__builtin_offsetof(PerCpu, user_fault) == 80, "vectors.S PERCPU_USER_FAULT");

PerCpu& percpu();

}  // namespace monocell::libos

extern "C" monocell::libos::PerCpu monocell_percpu;
