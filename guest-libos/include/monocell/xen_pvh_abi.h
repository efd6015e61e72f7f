// The Xen PVH boot ABI, as Xen defines it (xen/include/public/arch-x86/hvm/start_info.h and
// docs/misc/pvh.pandoc): the start-of-day structure %ebx points at when a PVH kernel's 32-bit
// entry (the XEN_ELFNOTE_PHYS32_ENTRY note) is entered. The KVM VMM writes it for --boot pvh;
// the guest's PVH stub reads it, exactly as under Xen or QEMU.
//
// Entry state: 32-bit protected mode, paging off, CR0.PE set and the other writable CR0 bits
// clear, CR4 clear, flat 4 GiB CS (read/execute) and DS/ES/SS (read/write), TR a 32-bit TSS,
// EFLAGS.IF/TF/VM clear, EBX = the physical address of hvm_start_info.
//
// Dual-use and freestanding (<stdint.h> only). Layouts are Xen's: never change them here.
#pragma once

#include <stdint.h>

namespace monocell::xen {

inline constexpr uint32_t kHvmStartMagic = 0x336ec578;  // XEN_HVM_START_MAGIC_VALUE

struct HvmStartInfo {
  uint32_t magic;  // kHvmStartMagic
  uint32_t version;  // 1: the memmap fields are present
  uint32_t flags;  // SIF_xxx
  uint32_t nr_modules;
  uint64_t modlist_paddr;  // HvmModlistEntry[nr_modules]
  uint64_t cmdline_paddr;  // NUL-terminated ASCII
  uint64_t rsdp_paddr;  // ACPI RSDP, 0 if none
  uint64_t memmap_paddr;  // HvmMemmapEntry[memmap_entries] (version >= 1)
  uint32_t memmap_entries;
  uint32_t reserved;  // zero
};
static_assert(sizeof(HvmStartInfo) == 56);

struct HvmModlistEntry {
  uint64_t paddr;
  uint64_t size;
  uint64_t cmdline_paddr;
  uint64_t reserved;
};
static_assert(sizeof(HvmModlistEntry) == 32);

// Module 0, when the domain has one, holds the host's seed for the guest's CSPRNG in its first
// kSeedModuleSize bytes; Xen's toolstack loads it as the domain's ramdisk, page aligned. When
// the image has a file tree (images/format/file_tree_abi.h), the tree follows from byte
// kFileTreeModuleOffset to the module's end, so it lands page aligned in guest memory where
// the guest serves it without a copy. Both loaders place the module above the image.
inline constexpr uint64_t kSeedModuleSize = 32;
inline constexpr uint64_t kFileTreeModuleOffset = 4096;

// Types are E820's.
inline constexpr uint32_t kMemmapRam = 1;
inline constexpr uint32_t kMemmapReserved = 2;

struct HvmMemmapEntry {
  uint64_t addr;
  uint64_t size;
  uint32_t type;
  uint32_t reserved;  // zero
};
static_assert(sizeof(HvmMemmapEntry) == 24);

}  // namespace monocell::xen
