// The boot-info page: memory map, command line, the ring region's place, platform facts.
#include "boot_info.h"

#include <monocell/hostcall_abi.h>

#include <algorithm>
#include <cstring>

#include "guest_memory.h"
#include "kvm_error.h"

namespace monocell::kvm {

void write_boot_info(GuestMemory& memory, const GuestLayout& layout, const BootFacts& facts) {
  using namespace monocell::boot;
  BootInfo info{};
  info.magic = kBootInfoMagic;
  info.version = kBootAbiVersion;
  info.size = sizeof(BootInfo);
  info.platform = static_cast<uint32_t>(facts.platform);
  info.vcpu_count = 1;
  fill_boot_info_layout(info, layout);
  info.hostcall_gpa = hostcall::kHostCallGpa;
  info.pvclock_gpa = kPvclockGpa;
  info.realtime_offset_ns = facts.realtime_offset_ns;
  info.tsc_khz = facts.tsc_khz;
  std::memcpy(info.random_seed, facts.random_seed, sizeof info.random_seed);
  const size_t exe_length = std::min<size_t>(facts.exe_path.size(), kExePathMax - 1);
  std::memcpy(info.exe_path, facts.exe_path.data(), exe_length);

  std::string cmdline;
  for (const auto& a : facts.argv) {
    if (!cmdline.empty()) cmdline += ' ';
    cmdline += a;
  }
  if (cmdline.size() > kCmdlineMax - 1) cmdline.resize(kCmdlineMax - 1);
  info.cmdline_gpa = kCmdlineGpa;
  info.cmdline_size = static_cast<uint32_t>(cmdline.size());

  if (!memory.write(kBootInfoGpa, info) ||
      !memory.write_bytes(kCmdlineGpa, cmdline.c_str(), cmdline.size() + 1)) {
    throw KvmError("guest RAM too small for the boot-info page");
  }
}

}  // namespace monocell::kvm
