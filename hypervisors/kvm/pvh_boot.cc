// Writing hvm_start_info and entering the image's PVH entry in 32-bit protected mode.
#include "pvh_boot.h"

#include <monocell/boot_abi.h>
#include <monocell/xen_pvh_abi.h>

#include <cstring>

#include "hypervisors/common/host_random.h"
#include "protocol/ring/region.h"
#include "elf_image.h"
#include "file_tree_file.h"
#include "guest_layout.h"
#include "guest_cpu.h"
#include "kvm_error.h"
#include "vcpu.h"
#include "vm.h"
#include "x86_machine_state.h"

namespace monocell::kvm {
namespace {

// Where this VMM puts the start info (a guest may put its tables anywhere: the stub copies
// what it needs before it writes low memory).
constexpr uint64_t kStartInfoGpa = 0x1A000;
constexpr uint64_t kMemmapGpa = kStartInfoGpa + 0x100;
constexpr uint64_t kPvhCmdlineGpa = 0x1B000;
// Module 0: the host's random seed for the guest's CSPRNG (xen_pvh_abi.h kSeedModuleSize), as
// Xen's toolstack hands it over (the domain's ramdisk).
constexpr uint64_t kModlistGpa = kStartInfoGpa + 0x200;
constexpr uint64_t kSeedGpa = kStartInfoGpa + 0x300;

// Arguments joined by spaces; one with a space is put in double quotes (the stub's split).
std::string command_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& arg : argv) {
    if (arg.find('"') != std::string::npos) {
      throw KvmError("PVH boot cannot pass an argument containing a double quote: " + arg);
    }
    if (!line.empty()) line += ' ';
    const bool quote = arg.empty() || arg.find(' ') != std::string::npos;
    line += quote ? "\"" + arg + "\"" : arg;
  }
  if (line.size() >= boot::kCmdlineMax) throw KvmError("PVH command line longer than 4095 bytes");
  return line;
}

}  // namespace

void pvh_boot(Vm& vm, Vcpu& vcpu, const ElfImage& image, const std::vector<std::string>& argv,
              const FileTreeFile* file_tree) {
  const auto entry = image.pvh_entry();
  if (!entry) throw ImageError("guest image has no Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)");
  if (*entry < image.lowest_address() || *entry >= image.end_address()) {
    throw ImageError("guest image PVH entry lies outside the image");
  }
  const auto& cpuid = vm.system().supported_cpuid();
  GuestMemory& memory = vm.memory();
  image.load(memory);

  const std::string cmdline = command_line(argv);
  xen::HvmMemmapEntry memmap[1] = {{0, memory.size(), xen::kMemmapRam, 0}};
  xen::HvmStartInfo info{};
  info.magic = xen::kHvmStartMagic;
  info.version = 1;
  info.nr_modules = 1;
  info.modlist_paddr = kModlistGpa;
  info.cmdline_paddr = kPvhCmdlineGpa;
  info.rsdp_paddr = 0;
  info.memmap_paddr = kMemmapGpa;
  info.memmap_entries = 1;
  uint8_t seed[xen::kSeedModuleSize];
  fill_host_random(seed, sizeof seed);
  // Without files the seed alone sits in low memory; with them module 0 is the seed's page and
  // the tree, in the first pages above the image (xen_pvh_abi.h).
  xen::HvmModlistEntry module{kSeedGpa, sizeof seed, 0, 0};
  if (file_tree != nullptr && !file_tree->empty()) {
    module.paddr = first_page_above(image);
    module.size = xen::kFileTreeModuleOffset + file_tree->size();
    // The stub plans the same layout; refuse here what it would refuse, with the same words.
    (void)plan_guest_layout(memory.size(), image, ring::region_size_for(ring::RegionConfig{}),
                            module.paddr + xen::kFileTreeModuleOffset, file_tree->size());
    file_tree->load(memory, module.paddr + xen::kFileTreeModuleOffset);
  }
  if (!memory.write(kStartInfoGpa, info) || !memory.write(kMemmapGpa, memmap) ||
      !memory.write(kModlistGpa, module) || !memory.write_bytes(module.paddr, seed, sizeof seed) ||
      !memory.write_bytes(kPvhCmdlineGpa, cmdline.c_str(), cmdline.size() + 1)) {
    throw KvmError("guest RAM too small for hvm_start_info");
  }

  kvm_sregs sregs = pvh_entry_sregs(vcpu.sregs());
  if (!cpuid.empty()) {
    vcpu.set_cpuid(cpuid);
  } else {
    // No CPUID from KVM (KVM_GET_SUPPORTED_CPUID refused): the guest's CPUID is empty, and KVM
    // then refuses the stub's own writes of EFER.LME/SCE/NXE and CR4.FSGSBASE/OSXSAVE. Preset
    // them (legal with paging off); the stub writes only what is missing. With a CPUID the
    // entry state is Xen's exactly.
    sregs.efer = x86::kEfer & ~(1ull << 10);  // LME SCE NXE; LMA comes with paging
    sregs.cr4 = guest_cpu_from(cpuid).cr4();
  }
  if (vm.has_irqchip()) vcpu.enable_lapic();
  vcpu.set_sregs(sregs);
  kvm_regs regs{};
  regs.rip = *entry;
  regs.rbx = kStartInfoGpa;
  regs.rflags = 0x2;
  vcpu.set_regs(regs);
}

}  // namespace monocell::kvm
