// How guest and host wake each other, for the rings (protocol/ring) to use: a doorbell the guest
// rings with one 4-byte write (KVM_IOEVENTFD: no exit to the VMM), and one interrupt vector the
// host raises (an MSI through KVM_IRQFD), which the supervisor counts and acknowledges.
//
// Dual-use and freestanding (<stdint.h> only); a change here bumps boot::kBootAbiVersion.
#pragma once

#include <stdint.h>

namespace monocell::notify {

// In the host-call MMIO window (mapped user-writable, uncached): any 4-byte write rings it.
inline constexpr uint64_t kDoorbellGpa = 0xFE001000;

// The vector of the host's interrupt; the supervisor's handler increments PerCpu's counter
// (libos.h: monocell_host_interrupts) and writes the local APIC's EOI.
inline constexpr uint32_t kHostInterruptVector = 0xF0;

// The local APIC (xAPIC mode), mapped supervisor-only and uncached for the EOI write.
inline constexpr uint64_t kLapicGpa = 0xFEE00000;
inline constexpr uint64_t kLapicEoi = kLapicGpa + 0xB0;

}  // namespace monocell::notify
