// Which hypervisor the libOS runs on, for the few paths that differ between them (host calls,
// ring notifications, the fault report): KVM, unless the PVH boot found Xen.
#pragma once

#include <stdint.h>

// 1 once the PVH boot has found Xen (vectors.S reads it too); 0 on KVM, whichever boot.
extern "C" uint8_t monocell_on_xen;

namespace monocell::libos {

inline bool on_xen() { return __atomic_load_n(&monocell_on_xen, __ATOMIC_RELAXED) != 0; }

}  // namespace monocell::libos
