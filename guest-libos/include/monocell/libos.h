// What the libOS offers code in the image beyond the Linux syscalls: the ring notifications
// (notify_abi.h) for the guest runtime. Plain C functions, callable from the app's ring 3.
#pragma once

#include <stdint.h>

extern "C" {

// Rings the host's doorbell: one 4-byte MMIO write, caught by KVM without an exit.
void monocell_ring_doorbell(void);

// How many host interrupts the supervisor has taken since boot.
uint64_t monocell_host_interrupts(void);

// Sleeps until the host raises its interrupt (returns 1) or `timeout_ns` passes (returns 0);
// UINT64_MAX waits without a limit. The interrupt has been taken when this returns 1.
int monocell_wait_for_host(uint64_t timeout_ns);

}  // extern "C"
