// The initial process stack of the System V x86-64 ABI, as Linux's execve leaves it: argc,
// argv, envp, the auxiliary vector, and the strings and random bytes they point to.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace monocell::kvm {

class ElfImage;
class GuestMemory;

struct ProcessStackSpec {
  std::vector<std::string> argv;
  std::vector<std::string> envp;
  std::string exec_path;  // AT_EXECFN
  uint8_t random[16];  // AT_RANDOM
  uint64_t hwcap;  // AT_HWCAP: CPUID.1:EDX, as Linux reports it
  bool fsgsbase;  // AT_HWCAP2 says HWCAP2_FSGSBASE: CR4.FSGSBASE is on
  uint64_t vdso;  // AT_SYSINFO_EHDR, or 0 for none
};

// Writes the stack below `stack_top` and returns the initial RSP (16-byte aligned, at argc).
// Throws KvmError if it does not fit in `max_size` bytes.
uint64_t write_process_stack(GuestMemory& memory, uint64_t stack_top, uint64_t max_size,
                             const ElfImage& image, const ProcessStackSpec& spec);

}  // namespace monocell::kvm
