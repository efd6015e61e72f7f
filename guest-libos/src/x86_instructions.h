// The privileged x86 instructions the libOS issues by hand (MSRs, CR4), and the canonical
// address check, in one place. Ring 0 only, except is_canonical.
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

// Bits 63..47 all equal: an address the CPU accepts in a base register.
inline bool is_canonical(uint64_t address) {
  return static_cast<uint64_t>(static_cast<int64_t>(address << 16) >> 16) == address;
}

}  // namespace monocell::libos::x86_instructions
