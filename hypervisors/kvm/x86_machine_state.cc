// Writing x86_machine.h's tables into guest RAM and the vCPU's entry register state.
#include "x86_machine_state.h"

#include <cstring>
#include <string>

#include "guest_memory.h"
#include "kvm_error.h"

namespace monocell::kvm {
namespace {

using namespace monocell::boot;

// x86_machine.h's Memory: bounds-checked stores into guest RAM.
struct CheckedMemory {
  GuestMemory& memory;
  void write64(uint64_t gpa, uint64_t value) {
    if (!memory.write(gpa, value)) fail(gpa);
  }
  void fill(uint64_t gpa, uint8_t byte, uint64_t length) {
    auto bytes = memory.range(gpa, length);
    if (bytes.empty() && length != 0) fail(gpa);
    std::memset(bytes.data(), byte, bytes.size());
  }
  [[noreturn]] static void fail(uint64_t gpa) {
    throw KvmError("guest RAM too small for machine state at gpa " + std::to_string(gpa));
  }
};

kvm_segment segment(uint16_t selector, uint8_t type, uint8_t dpl, bool code64) {
  kvm_segment s{};
  s.base = 0;
  s.limit = 0xFFFFFFFF;
  s.selector = selector;
  s.type = type;
  s.present = 1;
  s.dpl = dpl;
  s.db = code64 ? 0 : 1;
  s.s = 1;
  s.l = code64 ? 1 : 0;
  s.g = 1;
  return s;
}

kvm_segment unusable_segment(uint64_t base) {
  kvm_segment s{};
  s.base = base;
  s.unusable = 1;
  s.type = 3;
  s.s = 1;
  s.dpl = 3;
  return s;
}

}  // namespace

void write_system_tables(GuestMemory& memory, const ImageNote& note) {
  if (memory.size() % x86::k2MiB != 0) throw KvmError("guest RAM size must be a multiple of 2 MiB");
  CheckedMemory m{memory};
  x86::write_system_tables(m, note, memory.size(), 0xFE000000, /*tss_busy=*/true);
}

kvm_sregs ring3_sregs(const kvm_sregs& current, uint64_t cr4, uint64_t fs_base, uint64_t gs_base) {
  kvm_sregs s = current;
  s.cs = segment(kUserCodeSelector, 0xB, 3, true);
  s.ss = segment(kUserDataSelector, 0x3, 3, false);
  s.ds = segment(kUserDataSelector, 0x3, 3, false);
  s.es = segment(kUserDataSelector, 0x3, 3, false);
  s.fs = unusable_segment(fs_base);  // null selectors; in long mode only the bases matter
  s.gs = unusable_segment(gs_base);

  s.tr = kvm_segment{};
  s.tr.base = kTssGpa;
  s.tr.limit = x86::kTssLimit;
  s.tr.selector = kTssSelector;
  s.tr.type = 0xB;  // busy 64-bit TSS
  s.tr.present = 1;

  s.ldt = kvm_segment{};
  s.ldt.type = 2;
  s.ldt.unusable = 1;

  s.gdt.base = kGdtGpa;
  s.gdt.limit = kGdtEntries * 8 - 1;
  s.idt.base = kIdtGpa;
  s.idt.limit = 256 * 16 - 1;

  s.cr0 = x86::kCr0;
  s.cr3 = kPageTablesGpa;
  s.cr4 = cr4;
  s.efer = x86::kEfer;
  s.apic_base = x86::kApicBase | (1u << 11) | (1u << 8);  // enabled, bootstrap processor
  std::memset(s.interrupt_bitmap, 0, sizeof s.interrupt_bitmap);
  return s;
}

kvm_sregs ring0_start_sregs(const kvm_sregs& current, uint64_t cr4, uint64_t fs_base,
                            uint64_t gs_base) {
  kvm_sregs s = ring3_sregs(current, cr4, fs_base, gs_base);
  s.cs = segment(kKernelCodeSelector, 0xB, 0, true);
  s.ss = segment(kKernelDataSelector, 0x3, 0, false);
  s.ds = segment(kKernelDataSelector, 0x3, 0, false);
  s.es = segment(kKernelDataSelector, 0x3, 0, false);
  return s;
}

kvm_sregs pvh_entry_sregs(const kvm_sregs& current) {
  kvm_sregs s = current;
  s.cs = segment(kKernelCode32Selector, 0xB, 0, false);
  s.ds = segment(kKernelDataSelector, 0x3, 0, false);
  s.es = s.ds;
  s.ss = s.ds;
  s.fs = s.ds;
  s.gs = s.ds;
  s.tr = kvm_segment{};
  s.tr.limit = 0x67;
  s.tr.type = 0xB;  // busy 32-bit TSS
  s.tr.present = 1;
  s.ldt = kvm_segment{};
  s.ldt.type = 2;
  s.ldt.unusable = 1;
  s.gdt = kvm_dtable{};
  s.idt = kvm_dtable{};
  s.cr0 = 0x11;  // PE, ET
  s.cr3 = 0;
  s.cr4 = 0;
  s.efer = 0;
  s.apic_base = x86::kApicBase | (1u << 11) | (1u << 8);
  std::memset(s.interrupt_bitmap, 0, sizeof s.interrupt_bitmap);
  return s;
}

kvm_regs write_ring0_start(GuestMemory& memory, const std::vector<MsrValue>& msrs,
                           uint64_t ring0_start, uint64_t entry, uint64_t stack_pointer) {
  std::vector<BootMsr> table;
  for (const MsrValue& m : msrs) table.push_back(BootMsr{m.index, 0, m.value});
  table.push_back(BootMsr{0, 0, 0});
  if (table.size() * sizeof(BootMsr) > kPageSize) throw KvmError("too many boot MSRs");
  if (!memory.write_bytes(kBootMsrTableGpa, table.data(), table.size() * sizeof(BootMsr))) {
    CheckedMemory::fail(kBootMsrTableGpa);
  }
  // iretq pops RIP, CS, RFLAGS, RSP, SS.
  const uint64_t frame[5] = {entry, kUserCodeSelector, x86::kUserRflags, stack_pointer,
                             kUserDataSelector};
  const uint64_t frame_gpa = kIst1Gpa + kIst1Size - sizeof frame;
  if (!memory.write_bytes(frame_gpa, frame, sizeof frame)) CheckedMemory::fail(frame_gpa);
  kvm_regs r{};
  r.rip = ring0_start;
  r.rsp = frame_gpa;
  r.rsi = kBootMsrTableGpa;
  r.rflags = 0x2;  // interrupts stay off until the iretq
  return r;
}

kvm_regs ring3_entry_regs(uint64_t entry, uint64_t stack_pointer) {
  kvm_regs r{};
  r.rip = entry;
  r.rsp = stack_pointer;
  r.rflags = x86::kUserRflags;
  r.rdx = 0;  // no rtld_fini for glibc's _start
  return r;
}

std::vector<MsrValue> boot_msrs(const ImageNote& note, uint64_t pvclock_gpa) {
  MsrValue msrs[x86::kBootMsrCount];
  x86::boot_msrs(note, pvclock_gpa, msrs);
  return {msrs, msrs + x86::kBootMsrCount};
}

uint64_t xcr0_for(uint64_t supported) {
  uint64_t xcr0 = 0x7 & supported;  // x87, SSE, AVX
  if ((xcr0 & 0x3) != 0x3) return 0x3;  // x87 and SSE are architecturally required
  if ((supported & 0xE0) == 0xE0 && (xcr0 & 0x4)) xcr0 |= 0xE0;  // opmask, ZMM_Hi256, Hi16_ZMM
  return xcr0;
}

}  // namespace monocell::kvm
