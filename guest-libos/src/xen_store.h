// A minimal xenstore client over the domain's own xenstore ring (io/xs_wire.h): XS_WRITE, one
// request at a time, no transactions or watches. Paths without a leading '/' are
// relative to the domain's home, /local/domain/<domid>/. Freestanding, ring 0 only; it waits by
// polling its (masked) event channel, each request bounded in time.
#pragma once

#include <stdint.h>

namespace monocell::libos::xen_store {

// The xenstore ring page (mapped by the caller) and its event channel, from Xen's HVM params.
void init(uint64_t ring_gpa, uint32_t port);

// Writes `value` (`length` bytes, no NUL) at `path`. False on an error answer or no answer.
bool write(const char* path, const char* value, uint32_t length);

// True while a request is under way (a fault inside one must not start another).
bool busy();

}  // namespace monocell::libos::xen_store
