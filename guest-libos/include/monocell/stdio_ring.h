// How the guest runtime hands the stdio ring (protocol/ring, RingId::kStdioToHost) to the libOS:
// from then on the libOS's write/writev for fd 1 and 2 become kStdout/kStderr frames on that
// ring instead of console host calls. The libOS is then the ring's one producer: nothing else in
// the image may write it. Plain C functions, callable from the app's ring 3.
#pragma once

#include <stdint.h>

extern "C" {

// Validates the ring region at `region` (`region_size` bytes mapped) and attaches the libOS as
// the producer of its stdio.to_host ring. Returns 0, or -EINVAL if the region does not validate,
// or -EBUSY if a ring is already attached.
int monocell_stdio_attach_ring(void* region, uint64_t region_size);

// True (1) once fd 1 and 2 go through the stdio ring.
int monocell_stdio_ring_attached(void);

}  // extern "C"
