// What the host calls (hostcall_abi.h) and the ring notifications (libos.h) become on Xen:
// console writes go to the PV console, waits and sleeps block the vCPU in SCHEDOP_poll, the
// doorbell is an event-channel send, and the end is a xenstore key plus SCHEDOP_shutdown
// (poweroff after an exit, crash after a fault).
#pragma once

#include <monocell/hostcall_abi.h>
#include <stdint.h>

namespace monocell::libos {

// host_call() on Xen. From ring 3 only the waits are possible (through the ring-0 gate); every
// other call comes from the syscall layer or the supervisor, which run in ring 0 on Xen.
int64_t xen_host_call(hostcall::Request& request);

// monocell_ring_doorbell() on Xen, at either privilege.
void xen_ring_doorbell();

// Ring 0: the blocking waits behind kWaitForHost and kSleep (deadlines on the pvclock timeline).
int xen_wait_for_host(uint64_t deadline);
void xen_sleep_until(uint64_t deadline);

// Ring 0: kExit. Writes the exit key, lets the console drain, powers the domain off.
[[noreturn]] void xen_exit(int status, uint64_t unknown_syscalls, uint64_t last_unknown_syscall);

}  // namespace monocell::libos

// Ring 0, from vectors.S on Xen: the fault key, a line on the console, then a crash shutdown.
extern "C" [[noreturn]] void monocell_xen_fault(const monocell::hostcall::FaultFrame* frame);
