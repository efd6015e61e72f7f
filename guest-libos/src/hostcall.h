// Calls into the VMM over the host-call channel (hostcall_abi.h).
#pragma once

#include <monocell/hostcall_abi.h>

namespace monocell::libos {

// One MMIO write; the VMM has filled request.result when this returns.
int64_t host_call(hostcall::Request& request);

// A host call that waits (sleep, wait for the host): the vCPU is idle until it returns, and
// that time is left out of the CPU-time clocks.
int64_t host_call_waiting(hostcall::Request& request);

// The vCPU's CPU time: pvclock time since the guest's boot less the time spent waiting on the
// host.
uint64_t cpu_time_ns();

[[noreturn]] void host_exit(int status);

// Reports an exception to the host as the supervisor does, from either privilege; the guest
// ends (the host reports it, and it ends with 128 + the fault's signal).
[[noreturn]] void host_report_fault(const hostcall::FaultFrame& frame);

}  // namespace monocell::libos
