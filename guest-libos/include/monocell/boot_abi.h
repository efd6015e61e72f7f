// The boot contract between a monocell VMM (or the PVH boot stub) and the guest library OS:
// the image's note that tells the VMM where the libOS's entry points are, the fixed low-memory
// layout of the machine state, and the versioned boot-info page the guest reads at start.
//
// Dual-use and freestanding: it depends on nothing but <stdint.h>, so the guest's supervisor,
// the guest libOS and the host VMM all include this same file. Any change to a structure or a
// constant here must bump kBootAbiVersion. Guest physical == guest virtual (identity map).
#pragma once

#include <stdint.h>

namespace monocell::boot {

inline constexpr uint32_t kBootAbiVersion = 1;
inline constexpr uint64_t kPageSize = 4096;

// ---- The image note (image -> VMM) ---------------------------------------------------------
// An ELF note with name "Monocell" and type kImageNoteType in a PT_NOTE segment. The VMM needs
// it to build the IDT (the supervisor's vector stubs), LSTAR and GS base.
inline constexpr char kImageNoteName[] = "Monocell";
inline constexpr uint32_t kImageNoteType = 1;

struct ImageNote {
  uint32_t abi_version;  // kBootAbiVersion the image was built against
  uint32_t vector_stub_size;  // bytes between consecutive vector stubs
  uint32_t vector_count;  // stubs present, for vectors 0 .. vector_count-1
  uint32_t reserved;  // zero
  uint64_t vector_stubs;  // address of the stub for vector 0 (ring-0 supervisor)
  uint64_t syscall_entry;  // LSTAR: the libOS's syscall entry
  uint64_t syscall_entry_end;  // end of the entry's code, to name faults inside it
  uint64_t percpu;  // GS base: the libOS's per-vCPU area
  uint64_t ring0_start;  // the supervisor's ring-0 start (see kBootMsrTableGpa)
  uint64_t vdso;  // the embedded vDSO's ELF header (AT_SYSINFO_EHDR), page aligned; 0: none
};
static_assert(sizeof(ImageNote) == 64);

// The Xen PVH entry note (name "Xen", type XEN_ELFNOTE_PHYS32_ENTRY, a 32-bit address).
inline constexpr char kXenNoteName[] = "Xen";
inline constexpr uint32_t kXenElfNotePhys32Entry = 18;

struct BootMsr {
  uint32_t index;  // 0 ends the table
  uint32_t reserved;  // zero
  uint64_t value;
};
static_assert(sizeof(BootMsr) == 16);

// ---- Selectors: Linux-compatible, so `syscall`/`sysret` and user code see what Linux uses ----
inline constexpr uint16_t kKernelCode32Selector = 0x08;
inline constexpr uint16_t kKernelCodeSelector = 0x10;
inline constexpr uint16_t kKernelDataSelector = 0x18;
inline constexpr uint16_t kUserCode32Selector = 0x23;
inline constexpr uint16_t kUserDataSelector = 0x2b;
inline constexpr uint16_t kUserCodeSelector = 0x33;
inline constexpr uint16_t kTssSelector = 0x40;  // 16-byte descriptor at entries 8 and 9
inline constexpr uint32_t kGdtEntries = 10;

// ---- Fixed low-memory layout (guest physical = guest virtual) -----------------------------
// Page 0 is never mapped, so a null dereference faults. Nothing of the image may load below
// kImageMinAddress. "Supervisor" pages are mapped without the U/S bit.
inline constexpr uint64_t kGdtGpa = 0x1000;  // supervisor
inline constexpr uint64_t kIdtGpa = 0x2000;  // supervisor, 256 gates
inline constexpr uint64_t kTssGpa = 0x3000;  // supervisor, TSS then its I/O bitmap (3 pages)
inline constexpr uint64_t kBootInfoGpa = 0x6000;  // user read-only: struct BootInfo
inline constexpr uint64_t kPvclockGpa = 0x7000;  // user read-only: kvmclock pvclock_vcpu_time_info
inline constexpr uint64_t kCmdlineGpa = 0x8000;  // user read-only: NUL-terminated command line
inline constexpr uint64_t kCmdlineMax = 4096;
inline constexpr uint64_t kPageTablesGpa = 0x9000;  // supervisor: PML4, PDPT, 4 PDs, 1 PT
inline constexpr uint64_t kPageTablesSize = 7 * kPageSize;
inline constexpr uint64_t kIst1Gpa = 0x10000;  // supervisor stack for exceptions/interrupts
inline constexpr uint64_t kIst1Size = 0x4000;
inline constexpr uint64_t kIst2Gpa = 0x14000;  // supervisor stack for #DF, NMI, #MC
inline constexpr uint64_t kIst2Size = 0x4000;
// Ring-0 start: where a KVM cannot take MSRs from the host (KVM_SET_MSRS refused), the
// vCPU starts at ImageNote::ring0_start in ring 0 instead of at the image entry, with RSI =
// kBootMsrTableGpa and RSP pointing at an iretq frame for the ring-3 entry. The supervisor
// writes each BootMsr (until one with index 0) and irets to ring 3.
inline constexpr uint64_t kBootMsrTableGpa = 0x18000;  // supervisor, one page of BootMsr
inline constexpr uint64_t kLowReservedEnd = 0x100000;
inline constexpr uint64_t kImageMinAddress = 0x100000;

// RAM is one range from gpa 0; above it up to 4 GiB is for MMIO.
inline constexpr uint64_t kMaxRamSize = 0xC0000000;  // 3 GiB
inline constexpr uint64_t kMinRamSize = 16ull << 20;

// ---- The boot-info page (VMM -> guest) ----------------------------------------------------
inline constexpr uint64_t kBootInfoMagic = 0x4F464E4942434E4DULL;  // "MNCBINFO", little-endian

enum class MemoryType : uint32_t {
  kUsable = 1,  // the libOS's to hand out (brk, mmap)
  kReserved = 2,  // machine state, boot info, image
  kRingRegion = 3,  // the shared ring region (protocol/ring)
  kStack = 4,  // the process stack
  // The image's file tree (images/format/file_tree_abi.h), read-only, served at / by the libOS.
  // Optional and additive: a guest that does not know this type sees no image files.
  kFileTree = 5,
};

struct MemoryRange {
  uint64_t gpa;
  uint64_t size;
  uint32_t type;  // MemoryType
  uint32_t reserved;  // zero
};
static_assert(sizeof(MemoryRange) == 24);

enum class Platform : uint32_t {
  kKvmDirect = 1,  // the KVM VMM built the machine state and started the vCPU in ring 3
  kKvmPvh = 2,  // the KVM VMM entered the image's PVH entry
  kXenPvh = 3,  // Xen entered the image's PVH entry
};

inline constexpr uint32_t kMaxMemoryRanges = 16;
inline constexpr uint32_t kExePathMax = 256;

struct BootInfo {
  uint64_t magic;  // kBootInfoMagic
  uint32_t version;  // kBootAbiVersion
  uint32_t size;  // sizeof(BootInfo)
  uint32_t platform;  // Platform
  uint32_t vcpu_count;
  uint64_t ram_size;  // bytes of RAM from gpa 0
  uint64_t image_end;  // first byte above the loaded image
  uint64_t heap_start;  // the libOS's brk/mmap pool: [heap_start, heap_end), page aligned
  uint64_t heap_end;
  uint64_t stack_top;  // the initial process stack occupies [stack_top - stack_size, stack_top)
  uint64_t stack_size;
  uint64_t ring_region_gpa;  // the shared ring region (protocol/ring/abi.h), page aligned
  uint64_t ring_region_size;
  uint64_t hostcall_gpa;  // MMIO page of the host-call channel (hostcall_abi.h)
  uint64_t pvclock_gpa;  // kvmclock's pvclock_vcpu_time_info for vCPU 0
  int64_t realtime_offset_ns;  // CLOCK_REALTIME = kvmclock ns + this
  uint64_t tsc_khz;
  uint64_t cmdline_gpa;  // argv joined by spaces, NUL-terminated (informational)
  uint32_t cmdline_size;  // bytes, without the NUL
  uint32_t memory_range_count;
  uint8_t random_seed[32];  // from the host's getrandom(); seeds the guest's getrandom()
  char exe_path[kExePathMax];  // what readlink("/proc/self/exe") answers, NUL-terminated
  MemoryRange memory_map[kMaxMemoryRanges];
};
static_assert(sizeof(BootInfo) <= kPageSize);

// ---- Where things go above the fixed low area (both boot paths plan it the same way) -------
//   image [| file tree] | heap (brk + mmap pool) | stack (kStackSize) | ring region (top of RAM)
// The file tree sits wherever its loader put it above the image (page aligned); the heap starts
// above both.
inline constexpr uint64_t kStackSize = 8ull << 20;
inline constexpr uint64_t kMinHeapSize = 4ull << 20;

struct Layout {
  uint64_t ram_size;
  uint64_t image_end;
  uint64_t heap_start, heap_end;
  uint64_t stack_top, stack_size;
  uint64_t ring_region_gpa, ring_region_size;
  uint64_t file_tree_gpa, file_tree_size;  // 0, 0: the image has no file tree
};

constexpr uint64_t page_up(uint64_t v) { return (v + kPageSize - 1) & ~(kPageSize - 1); }

// False when the image (and its file tree, if any), a minimal heap, the stack and the rings do
// not fit in RAM, or the tree is not page aligned above the image.
constexpr bool plan_layout(uint64_t ram_size, uint64_t image_end, uint64_t ring_region_size,
                           Layout* out, uint64_t file_tree_gpa = 0, uint64_t file_tree_size = 0) {
  Layout l{};
  l.ram_size = ram_size;
  l.image_end = page_up(image_end);
  if (file_tree_size != 0) {
    if (file_tree_gpa % kPageSize != 0 || file_tree_gpa < l.image_end || file_tree_size > ram_size ||
        file_tree_gpa > ram_size - file_tree_size) {
      return false;
    }
    l.file_tree_gpa = file_tree_gpa;
    l.file_tree_size = file_tree_size;
    l.image_end = page_up(file_tree_gpa + file_tree_size);
  }
  l.ring_region_size = page_up(ring_region_size);
  l.stack_size = kStackSize;
  if (l.image_end > ram_size || ram_size - l.image_end < kMinHeapSize + l.stack_size + l.ring_region_size) {
    return false;
  }
  l.ring_region_gpa = ram_size - l.ring_region_size;
  l.stack_top = l.ring_region_gpa;
  l.heap_start = l.image_end;
  l.heap_end = l.stack_top - l.stack_size;
  *out = l;
  return true;
}

// The layout part of the boot-info page: sizes, places and the memory map.
inline void fill_boot_info_layout(BootInfo& info, const Layout& l) {
  info.ram_size = l.ram_size;
  info.image_end = l.image_end;
  info.heap_start = l.heap_start;
  info.heap_end = l.heap_end;
  info.stack_top = l.stack_top;
  info.stack_size = l.stack_size;
  info.ring_region_gpa = l.ring_region_gpa;
  info.ring_region_size = l.ring_region_size;
  const auto reserved = static_cast<uint32_t>(MemoryType::kReserved);
  const MemoryRange map[] = {
      {0, kLowReservedEnd, reserved, 0},
      {kLowReservedEnd, l.image_end - kLowReservedEnd, reserved, 0},
      {l.heap_start, l.heap_end - l.heap_start, static_cast<uint32_t>(MemoryType::kUsable), 0},
      {l.heap_end, l.stack_size, static_cast<uint32_t>(MemoryType::kStack), 0},
      {l.ring_region_gpa, l.ring_region_size, static_cast<uint32_t>(MemoryType::kRingRegion), 0},
  };
  static_assert(sizeof map / sizeof map[0] + 2 <= kMaxMemoryRanges);
  uint32_t count = 0;
  for (const MemoryRange& range : map) info.memory_map[count++] = range;
  if (l.file_tree_size != 0) {
    // The tree's pages, carved out of the reserved range above 1 MiB: the range before it, the
    // tree, and what is left up to the heap (the tail of its last page, or a loader's gap).
    info.memory_map[1].size = l.file_tree_gpa - kLowReservedEnd;
    info.memory_map[count++] = {l.file_tree_gpa, l.file_tree_size, static_cast<uint32_t>(MemoryType::kFileTree), 0};
    const uint64_t tree_end = l.file_tree_gpa + l.file_tree_size;
    if (tree_end < l.image_end) info.memory_map[count++] = {tree_end, l.image_end - tree_end, reserved, 0};
  }
  info.memory_range_count = count;
}

}  // namespace monocell::boot
