// The Xen PV console (the ring xenconsoled drains into a pty per domain in dom0): where the
// libOS's early fd 1/2 output and its fault reports go on Xen. Ring 0 only.
#pragma once

#include <stdint.h>

namespace monocell::libos::xen_console {

// The console ring page (mapped by the caller) and its event channel, from Xen's HVM params.
void init(uint64_t ring_gpa, uint32_t port);

// Appends `length` bytes to the ring and notifies xenconsoled, waiting for room while it reads.
// If it stops reading for a second, the rest (and later overflow) is dropped rather than
// stalling the guest.
void write(const char* data, uint64_t length);

// Waits up to `timeout_ns` until xenconsoled has read everything written.
void flush(uint64_t timeout_ns);

// True while a write or flush runs (a fault inside one must not start another).
bool busy();

}  // namespace monocell::libos::xen_console
