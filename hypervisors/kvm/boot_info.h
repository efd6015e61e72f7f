// Filling the boot-info page and the command line the guest reads at start (boot_abi.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <monocell/boot_abi.h>

#include "guest_layout.h"

namespace monocell::kvm {

class GuestMemory;

struct BootFacts {
  boot::Platform platform = boot::Platform::kKvmDirect;
  int64_t realtime_offset_ns = 0;
  uint64_t tsc_khz = 0;
  uint8_t random_seed[32] = {};
  std::string exe_path;
  std::vector<std::string> argv;
};

// Writes BootInfo at kBootInfoGpa and the command line at kCmdlineGpa.
void write_boot_info(GuestMemory& memory, const GuestLayout& layout, const BootFacts& facts);

}  // namespace monocell::kvm
