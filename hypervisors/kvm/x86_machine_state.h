// The host's side of building x86-64 machine state: the tables of x86_machine.h written into
// guest RAM at native speed, and the segment and register values that start the vCPU in ring 3
// (or in the supervisor's ring-0 start, where KVM will not take MSRs from the host).
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

#include <monocell/boot_abi.h>
#include <monocell/x86_machine.h>

namespace monocell::kvm {

class GuestMemory;

using x86::MsrValue;

// Writes GDT, IDT, TSS + I/O bitmap and page tables into the fixed low-memory layout of
// boot_abi.h (x86_machine.h). RAM must be a multiple of 2 MiB.
void write_system_tables(GuestMemory& memory, const boot::ImageNote& note);

// Segment registers, descriptor tables, control registers and EFER for ring 3 at CPL 3, with
// `cr4` (GuestCpu::cr4(): only the features the guest's CPUID offers, or KVM refuses it).
kvm_sregs ring3_sregs(const kvm_sregs& current, uint64_t cr4, uint64_t fs_base, uint64_t gs_base);

// Segments for the supervisor's ring-0 start (CPL 0), otherwise as ring3_sregs.
kvm_sregs ring0_start_sregs(const kvm_sregs& current, uint64_t cr4, uint64_t fs_base, uint64_t gs_base);

// Writes the BootMsr table and an iretq frame for the ring-3 entry on the IST1 stack; returns
// the registers that start the supervisor's ring-0 start (boot_abi.h, kBootMsrTableGpa).
kvm_regs write_ring0_start(GuestMemory& memory, const std::vector<MsrValue>& msrs,
                           uint64_t ring0_start, uint64_t entry, uint64_t stack_pointer);

// General registers at the process entry: RIP = entry, RSP = the stack with argc.
kvm_regs ring3_entry_regs(uint64_t entry, uint64_t stack_pointer);

// STAR/LSTAR/SFMASK and friends, and kvmclock pointed at `pvclock_gpa`.
std::vector<MsrValue> boot_msrs(const boot::ImageNote& note, uint64_t pvclock_gpa);

// XCR0 to enable: x87|SSE|AVX, and the AVX-512 state when KVM supports all of it.
uint64_t xcr0_for(uint64_t supported_xcr0);

// 32-bit protected mode with paging off, as the Xen PVH entry requires: flat CS/DS/ES/SS,
// CR0.PE only, CR4 and EFER clear.
kvm_sregs pvh_entry_sregs(const kvm_sregs& current);

}  // namespace monocell::kvm
