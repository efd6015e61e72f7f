// What the libOS offers code in the image beyond the Linux syscalls: the ring notifications
// (notify_abi.h on KVM, an event channel on Xen) for the guest runtime. Plain C functions,
// callable from the app's ring 3.
#pragma once

#include <stdint.h>

extern "C" {

// Rings the host's doorbell: on KVM one 4-byte MMIO write, caught by KVM without an exit; on
// Xen an event-channel send (from ring 3 through the libOS's private syscall).
void monocell_ring_doorbell(void);

// How many host interrupts the supervisor has taken since boot (on Xen: events on the host's
// port, taken by the upcall handler or by a wait).
uint64_t monocell_host_interrupts(void);

// Sleeps until the host raises its interrupt (returns 1) or `timeout_ns` passes (returns 0);
// UINT64_MAX waits without a limit. The interrupt has been taken when this returns 1.
int monocell_wait_for_host(uint64_t timeout_ns);

}  // extern "C"
