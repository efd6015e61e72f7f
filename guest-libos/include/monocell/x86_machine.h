// The x86-64 machine state every boot path builds, as one piece of code: the KVM VMM's direct
// boot (on the host, into guest RAM) and the PVH boot stub (in the guest, in ring 0) both call
// these functions, so both reach the ring-3 entry with the same GDT, IDT, TSS, page tables,
// control registers and MSRs.
//
// Dual-use and freestanding (<stdint.h> only). Table writers take a `Memory` with
// write64(gpa, value) and fill(gpa, byte, length); the host's checks bounds, the guest's stores
// to identity-mapped memory. Layouts follow boot_abi.h; changing them bumps kBootAbiVersion.
#pragma once

#include <stdint.h>

#include "boot_abi.h"
#include "notify_abi.h"

namespace monocell::x86 {

// Control registers and EFER (KVM-NOTES.md: accepted by kvm_pvm, required by long mode).
inline constexpr uint64_t kCr0 = 0x80050033;  // PG AM WP NE ET MP PE
inline constexpr uint64_t kCr4Base = 0x00620;  // OSXMMEXCPT OSFXSR PAE; never PCIDE
inline constexpr uint64_t kCr4Fsgsbase = 1ull << 16;
inline constexpr uint64_t kCr4Osxsave = 1ull << 18;
inline constexpr uint64_t kCr4 = kCr4Base | kCr4Fsgsbase | kCr4Osxsave;  // 0x50620
inline constexpr uint64_t kEfer = 0xd01;  // NXE LMA LME SCE
inline constexpr uint64_t kApicBase = 0xFEE00000;

inline constexpr uint32_t kMsrEfer = 0xC0000080;
inline constexpr uint32_t kMsrStar = 0xC0000081;
inline constexpr uint32_t kMsrLstar = 0xC0000082;
inline constexpr uint32_t kMsrCstar = 0xC0000083;
inline constexpr uint32_t kMsrSfmask = 0xC0000084;
inline constexpr uint32_t kMsrFsBase = 0xC0000100;
inline constexpr uint32_t kMsrGsBase = 0xC0000101;
inline constexpr uint32_t kMsrKernelGsBase = 0xC0000102;
inline constexpr uint32_t kMsrKvmWallClockNew = 0x4b564d00;
inline constexpr uint32_t kMsrKvmSystemTimeNew = 0x4b564d01;

// RFLAGS bits `syscall` clears: TF DF NT AC. Not IF: on kvm_pvm the entry runs in ring 3, where
// popf could not set IF again, and every vector has its own IST stack anyway.
inline constexpr uint64_t kSyscallFlagMask = 0x44500;
inline constexpr uint64_t kStar = (uint64_t{boot::kUserCode32Selector} << 48) |
                                  (uint64_t{boot::kKernelCodeSelector} << 32);
inline constexpr uint64_t kUserRflags = 0x202;  // IF and the always-one bit

// The MSRs of the ring-3 entry state (FS and GS base are set with the segments).
struct MsrValue {
  uint32_t index;
  uint64_t value;
};
inline constexpr uint32_t kBootMsrCount = 6;
inline void boot_msrs(const boot::ImageNote& note, uint64_t pvclock_gpa, MsrValue out[kBootMsrCount]) {
  out[0] = {kMsrStar, kStar};
  out[1] = {kMsrLstar, note.syscall_entry};
  out[2] = {kMsrCstar, 0};
  out[3] = {kMsrSfmask, kSyscallFlagMask};
  out[4] = {kMsrKernelGsBase, 0};
  out[5] = {kMsrKvmSystemTimeNew, pvclock_gpa | 1};
}

// ---- 64-bit TSS (Intel SDM vol. 3, 8.7) ---------------------------------------------------
struct __attribute__((packed)) Tss64 {
  uint32_t reserved0;
  uint64_t rsp[3];
  uint64_t reserved1;
  uint64_t ist[7];
  uint64_t reserved2;
  uint16_t reserved3;
  uint16_t iomap_base;
};
static_assert(sizeof(Tss64) == 104);
inline constexpr uint64_t kIoBitmapBytes = 8192;
inline constexpr uint64_t kTssLimit = sizeof(Tss64) + kIoBitmapBytes;  // bitmap + 0xff byte - 1
static_assert(boot::kTssGpa + kTssLimit + 1 <= boot::kBootInfoGpa);

// ---- Page table entry bits ----------------------------------------------------------------
inline constexpr uint64_t kPtePresent = 1ull << 0;
inline constexpr uint64_t kPteWritable = 1ull << 1;
inline constexpr uint64_t kPteUser = 1ull << 2;
inline constexpr uint64_t kPteWriteThrough = 1ull << 3;
inline constexpr uint64_t kPteCacheDisable = 1ull << 4;
inline constexpr uint64_t kPteAccessed = 1ull << 5;
inline constexpr uint64_t kPteDirty = 1ull << 6;
inline constexpr uint64_t kPteHuge = 1ull << 7;
inline constexpr uint64_t k2MiB = 2ull << 20;

inline constexpr uint64_t kPml4Gpa = boot::kPageTablesGpa;
inline constexpr uint64_t kPdptGpa = boot::kPageTablesGpa + 0x1000;
inline constexpr uint64_t kPdGpa = boot::kPageTablesGpa + 0x2000;  // 4 PDs: the low 4 GiB
inline constexpr uint64_t kPtGpa = boot::kPageTablesGpa + 0x6000;  // 4 KiB pages of the first 2 MiB
static_assert(kPtGpa + 0x1000 == boot::kPageTablesGpa + boot::kPageTablesSize);

// base 0, limit 0xfffff; access = the access byte, flags = the G/DB/L nibble
constexpr uint64_t segment_descriptor(uint64_t access, uint64_t flags) {
  return 0xFFFFull | (access << 40) | (0xFull << 48) | (flags << 52);
}

// GDT with the Linux selectors of boot_abi.h. `tss_busy`: the direct boot loads TR itself (busy
// type); the PVH stub's ltr needs an available TSS and marks it busy.
template <typename Memory>
void write_gdt(Memory& m, bool tss_busy) {
  using namespace boot;
  m.fill(kGdtGpa, 0, kGdtEntries * 8);
  m.write64(kGdtGpa + (kKernelCode32Selector & ~7u), segment_descriptor(0x9B, 0xC));  // 32-bit code
  m.write64(kGdtGpa + (kKernelCodeSelector & ~7u), segment_descriptor(0x9B, 0xA));  // 64-bit code
  m.write64(kGdtGpa + (kKernelDataSelector & ~7u), segment_descriptor(0x93, 0xC));  // data
  m.write64(kGdtGpa + (kUserCode32Selector & ~7u), segment_descriptor(0xFB, 0xC));  // 32-bit code, DPL 3
  m.write64(kGdtGpa + (kUserDataSelector & ~7u), segment_descriptor(0xF3, 0xC));  // data, DPL 3
  m.write64(kGdtGpa + (kUserCodeSelector & ~7u), segment_descriptor(0xFB, 0xA));  // 64-bit code, DPL 3
  const uint64_t base = kTssGpa;
  const uint64_t type = tss_busy ? 0x8B : 0x89;  // present, 64-bit TSS
  m.write64(kGdtGpa + kTssSelector, (kTssLimit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (type << 40) |
                                        (((kTssLimit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56));
  m.write64(kGdtGpa + kTssSelector + 8, base >> 32);
}

// IDT: vector v -> the image's stub v. Interrupt gates, DPL 0 except #BP/#OF (int3/into from
// ring 3), IST1 for all but NMI, #DF and #MC, which get IST2 so they work on a broken stack.
template <typename Memory>
void write_idt(Memory& m, const boot::ImageNote& note) {
  for (uint32_t v = 0; v < 256; ++v) {
    uint64_t low = 0, high = 0;
    if (v < note.vector_count) {
      const uint64_t handler = note.vector_stubs + uint64_t{v} * note.vector_stub_size;
      const uint64_t ist = (v == 2 || v == 8 || v == 18) ? 2 : 1;
      const uint64_t attributes = (v == 3 || v == 4) ? 0xEE : 0x8E;
      low = (handler & 0xFFFF) | (uint64_t{boot::kKernelCodeSelector} << 16) | (ist << 32) |
            (attributes << 40) | (((handler >> 16) & 0xFFFF) << 48);
      high = handler >> 32;
    }
    m.write64(boot::kIdtGpa + v * 16, low);
    m.write64(boot::kIdtGpa + v * 16 + 8, high);
  }
}

// TSS: RSP0 and the IST stacks, then an I/O bitmap denying every port to ring 3 (doorbells are
// MMIO today; the bitmap is here so ports can be opened without moving anything).
template <typename Memory>
void write_tss(Memory& m) {
  using namespace boot;
  m.fill(kTssGpa, 0, sizeof(Tss64));
  const uint64_t rsp0 = kIst1Gpa + kIst1Size;
  const uint64_t ist2 = kIst2Gpa + kIst2Size;
  m.write64(kTssGpa + 4, rsp0);  // rsp[0]
  m.write64(kTssGpa + 36, rsp0);  // ist[0] = IST1
  m.write64(kTssGpa + 44, ist2);  // ist[1] = IST2
  m.write64(kTssGpa + 96, uint64_t{sizeof(Tss64)} << 48);  // iomap_base (bytes 102-103)
  m.fill(kTssGpa + sizeof(Tss64), 0xFF, kIoBitmapBytes + 1);  // + the terminating 0xff byte
}

inline bool is_supervisor_page(uint64_t gpa) {
  using namespace boot;
  return (gpa >= kGdtGpa && gpa < kBootInfoGpa) ||
         (gpa >= kPageTablesGpa && gpa < kPageTablesGpa + kPageTablesSize) ||
         (gpa >= kIst1Gpa && gpa < kIst2Gpa + kIst2Size) || gpa == kBootMsrTableGpa;
}

inline bool is_user_read_only_page(uint64_t gpa) {
  using namespace boot;
  return gpa == kBootInfoGpa || gpa == kPvclockGpa || gpa == kCmdlineGpa;
}

// 4-level identity map of RAM (a multiple of 2 MiB): the first 2 MiB in 4 KiB pages with page 0
// absent (null dereferences fault), machine state supervisor-only, boot info and clock
// read-only to ring 3; the rest in 2 MiB pages, user read-write; plus, uncached, the host-call
// and doorbell MMIO window (user) and the local APIC (supervisor). A and D are preset so page walks never write them.
template <typename Memory>
void write_page_tables(Memory& m, uint64_t ram_size, uint64_t hostcall_gpa) {
  const uint64_t table = kPtePresent | kPteWritable | kPteUser | kPteAccessed;
  m.fill(boot::kPageTablesGpa, 0, boot::kPageTablesSize);
  m.write64(kPml4Gpa, kPdptGpa | table);
  for (uint64_t i = 0; i < 4; ++i) m.write64(kPdptGpa + i * 8, (kPdGpa + 0x1000 * i) | table);
  m.write64(kPdGpa, kPtGpa | table);
  for (uint64_t i = 1; i < 512; ++i) {
    const uint64_t gpa = i * 4096;
    if (gpa >= ram_size) break;
    uint64_t flags = kPtePresent | kPteAccessed;
    if (is_supervisor_page(gpa)) {
      flags |= kPteWritable | kPteDirty;
    } else if (is_user_read_only_page(gpa)) {
      flags |= kPteUser;
    } else {
      flags |= kPteWritable | kPteUser | kPteDirty;
    }
    m.write64(kPtGpa + i * 8, gpa | flags);
  }
  const uint64_t huge = kPtePresent | kPteWritable | kPteUser | kPteAccessed | kPteDirty | kPteHuge;
  for (uint64_t gpa = k2MiB; gpa < ram_size; gpa += k2MiB) {
    m.write64(kPdGpa + (gpa / k2MiB) * 8, gpa | huge);
  }
  const uint64_t mmio = hostcall_gpa & ~(k2MiB - 1);  // host calls and the doorbell
  m.write64(kPdGpa + (mmio / k2MiB) * 8, mmio | huge | kPteWriteThrough | kPteCacheDisable);
  const uint64_t lapic = notify::kLapicGpa;  // for the supervisor's EOI only
  m.write64(kPdGpa + (lapic / k2MiB) * 8,
            lapic | kPtePresent | kPteWritable | kPteAccessed | kPteDirty | kPteHuge |
                kPteWriteThrough | kPteCacheDisable);
}

template <typename Memory>
void write_system_tables(Memory& m, const boot::ImageNote& note, uint64_t ram_size,
                         uint64_t hostcall_gpa, bool tss_busy) {
  write_gdt(m, tss_busy);
  write_idt(m, note);
  write_tss(m);
  write_page_tables(m, ram_size, hostcall_gpa);
}

}  // namespace monocell::x86
