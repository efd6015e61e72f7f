// The privileged x86 instructions the libOS issues by hand (MSRs, CR4, interrupt flag), CPUID,
// the privilege check and the canonical address check, in one place. Ring 0 only, except
// cpuid, running_in_ring0 and is_canonical.
#pragma once

#include <stdint.h>

namespace monocell::libos::x86_instructions {

inline uint64_t read_msr(uint32_t index) {
  uint32_t lo, hi;
  asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(index));
  return (uint64_t{hi} << 32) | lo;
}

inline void write_msr(uint32_t index, uint64_t value) {
  asm volatile("wrmsr" ::"c"(index), "a"(static_cast<uint32_t>(value)),
               "d"(static_cast<uint32_t>(value >> 32)) : "memory");
}

inline uint64_t read_cr4() {
  uint64_t cr4;
  asm volatile("mov %%cr4, %0" : "=r"(cr4));
  return cr4;
}

struct Cpuid {
  uint32_t eax, ebx, ecx, edx;
};

inline Cpuid cpuid(uint32_t leaf, uint32_t subleaf = 0) {
  Cpuid r;
  asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
  return r;
}

// The CPL in %cs: the syscall layer runs in ring 3 on kvm_pvm and in ring 0 elsewhere.
inline bool running_in_ring0() {
  uint16_t cs;
  asm volatile("mov %%cs, %0" : "=r"(cs));
  return (cs & 3) == 0;
}

// Clears IF and returns RFLAGS as they were, for restore_interrupts().
inline uint64_t disable_interrupts() {
  uint64_t flags;
  asm volatile("pushfq\n popq %0\n cli" : "=r"(flags) : : "memory");
  return flags;
}

inline void restore_interrupts(uint64_t flags) {
  asm volatile("pushq %0\n popfq" : : "r"(flags) : "memory", "cc");
}

// Bits 63..47 all equal: an address the CPU accepts in a base register.
inline bool is_canonical(uint64_t address) {
  return static_cast<uint64_t>(static_cast<int64_t>(address << 16) >> 16) == address;
}

}  // namespace monocell::libos::x86_instructions
