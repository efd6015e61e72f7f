// The guest's random numbers (getrandom, and /dev/urandom once there are files): ChaCha20 as a
// CSPRNG with fast key erasure (each request ends by replacing the key with fresh keystream, so
// what was handed out cannot be recomputed from a later state). Keyed at first use from the
// host's 32 bytes in the boot-info page (the host's getrandom: written there on direct boot,
// passed as PVH module 0 on PVH boot and on Xen), with the CPU's RDRAND mixed in where it has one, and RDRAND mixed in again at every request.
// Two guests never share a stream: each gets its own host seed. One vCPU, one thread: no lock.
#pragma once

#include <stdint.h>

namespace monocell::libos {

// Fills `out` with `length` random bytes.
void random_fill(uint8_t* out, uint64_t length);

}  // namespace monocell::libos
