// The character devices under /dev: null, zero, and random and urandom from the libOS's
// CSPRNG (random_pool.h). Both random devices are the same never-blocking stream, as they are
// on Linux once its pool is initialised (ours is keyed at first use).
#pragma once

#include <stdint.h>

#include "tmpfs.h"

namespace monocell::libos::vfs {

// Reads `length` bytes from `device` into `out`; returns how many (0: end of file).
int64_t device_read(Device device, void* out, uint64_t length);
// Writes to `device`: every one of them takes all bytes and keeps none.
int64_t device_write(Device device, uint64_t length);

}  // namespace monocell::libos::vfs
