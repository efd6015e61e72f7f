// The guest's side of the rendezvous with the dom0 monitor (include/monocell/xen_abi.h): the
// ring region offered as grant references and an unbound event channel, published in xenstore
// (state last), and the exit and fault keys written at the end. Ring 0 only.
#pragma once

#include <monocell/hostcall_abi.h>
#include <stdint.h>

namespace monocell::libos::xen_rendezvous {

// Grants each page of [gpa, gpa + size) to dom0 read-write (page i: kFirstRingRef + i) and
// allocates an unbound port for dom0. Returns null, or why it failed.
const char* offer_ring_region(uint64_t gpa, uint64_t size, uint32_t* port);

// Writes the region's keys, then kKeyState = kStatePublished. Returns null, or why it failed.
const char* publish();

// kKeyExit: "STATUS UNKNOWN_SYSCALLS LAST_UNKNOWN_SYSCALL". Best effort.
void report_exit(int status, uint64_t unknown_syscalls, uint64_t last_unknown_syscall);

// kKeyFault: the FaultFrame's fields in order, lower-case hex, single spaces. Best effort;
// skipped when the fault hit the xenstore client itself.
void report_fault(const hostcall::FaultFrame& frame);

}  // namespace monocell::libos::xen_rendezvous
