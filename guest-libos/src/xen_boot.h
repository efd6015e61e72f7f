// The Xen part of the PVH boot, in the three steps pvh_boot.cc calls: first of all the
// hypercall page and what boot messages need (shared_info for the clock, the PV console); then,
// with the machine tables written but not yet loaded, the pages Xen shares mapped in them, the
// wall clock, and the ring region offered to dom0; last, with the tables loaded, the time record
// at the pvclock page, the upcall vector, and the rendezvous keys (xen_abi.h). Ring 0.
//
// The guest-physical pages it uses, all in the low reserved area and supervisor-only:
//   0x19000  a page table for the 2 MiB at 0xFEE00000: the local APIC (uncached), the pages
//            Xen's tools place at 0xFEFF8000.. (xenstore and console rings), and a writable
//            alias of the pvclock page at 0xFEF00000, through which Xen updates it (Xen writes
//            the time record by linear address; ring 3 sees the page read-only)
//   0x1A000  shared_info
//   0x1B000  grant-table frames (up to 3)
#pragma once

#include <monocell/boot_abi.h>

namespace monocell::libos::xen_boot {

// True on Xen, with the hypercall page installed, monocell_on_xen set and the console up when
// Xen offers one; false elsewhere (nothing touched).
bool start();

// Returns null, or why the boot cannot go on.
const char* prepare(const boot::Layout& layout, boot::BootInfo& info);
const char* finish();

}  // namespace monocell::libos::xen_boot
