// Describing guest faults for reports.
#include "hypervisors/common/fault_report.h"

#include <cinttypes>
#include <csignal>
#include <iterator>

#include "hypervisors/common/string_format.h"

namespace monocell::fault {

Registers from_frame(const hostcall::FaultFrame& f) {
  Registers r{};
  r.rax = f.rax;
  r.rbx = f.rbx;
  r.rcx = f.rcx;
  r.rdx = f.rdx;
  r.rsi = f.rsi;
  r.rdi = f.rdi;
  r.rbp = f.rbp;
  r.rsp = f.rsp;
  r.r8 = f.r8;
  r.r9 = f.r9;
  r.r10 = f.r10;
  r.r11 = f.r11;
  r.r12 = f.r12;
  r.r13 = f.r13;
  r.r14 = f.r14;
  r.r15 = f.r15;
  r.rip = f.rip;
  r.rflags = f.rflags;
  r.cs = f.cs;
  r.ss = f.ss;
  r.cr2 = f.cr2;
  return r;
}

const char* vector_name(uint64_t vector) {
  static const char* const names[] = {
      "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
      "#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
      "coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
      "#SS stack fault", "#GP general protection", "#PF page fault", "reserved",
      "#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD exception",
      "#VE virtualization exception", "#CP control protection"};
  if (vector < std::size(names)) return names[vector];
  return vector < 32 ? "reserved exception" : "interrupt";
}

int signal_for_vector(uint64_t vector) { return signal_for(vector, 0).signal; }

const char* where(uint64_t cs, bool in_syscall_entry) {
  if (in_syscall_entry) return "exception inside the libOS syscall entry";
  return (cs & 3) == 3 ? "exception in ring 3 (the app or the libOS)"
                       : "exception in ring 0 (the supervisor or a ring-0 syscall)";
}

std::string exception_line(uint64_t vector, uint64_t error_code, const Registers& r, bool in_syscall_entry) {
  return format("  vector %" PRIu64 " (%s), error code %#" PRIx64 ", rip %#" PRIx64
                ", cr2 (fault address) %#" PRIx64 ", in ring %" PRIu64 "%s\n",
                vector, vector_name(vector), error_code, r.rip, r.cr2, r.cs & 3,
                in_syscall_entry ? ", inside the libOS syscall entry" : "");
}

std::string register_lines(const Registers& r, bool with_control_registers) {
  std::string out;
  out += format("  rip=%016" PRIx64 " rsp=%016" PRIx64 " rflags=%016" PRIx64 " cs=%" PRIx64
                " ss=%" PRIx64 "\n", r.rip, r.rsp, r.rflags, r.cs, r.ss);
  out += format("  rax=%016" PRIx64 " rbx=%016" PRIx64 " rcx=%016" PRIx64 " rdx=%016" PRIx64 "\n",
                r.rax, r.rbx, r.rcx, r.rdx);
  out += format("  rsi=%016" PRIx64 " rdi=%016" PRIx64 " rbp=%016" PRIx64 " r8 =%016" PRIx64 "\n",
                r.rsi, r.rdi, r.rbp, r.r8);
  out += format("  r9 =%016" PRIx64 " r10=%016" PRIx64 " r11=%016" PRIx64 " r12=%016" PRIx64 "\n",
                r.r9, r.r10, r.r11, r.r12);
  out += format("  r13=%016" PRIx64 " r14=%016" PRIx64 " r15=%016" PRIx64 "\n", r.r13, r.r14, r.r15);
  if (with_control_registers) {
    out += format("  cr0=%" PRIx64 " cr2=%" PRIx64 " cr3=%" PRIx64 " cr4=%" PRIx64 " efer=%" PRIx64
                  " fs_base=%" PRIx64 " gs_base=%" PRIx64 "\n",
                  r.cr0, r.cr2, r.cr3, r.cr4, r.efer, r.fs_base, r.gs_base);
  }
  return out;
}

}  // namespace monocell::fault
