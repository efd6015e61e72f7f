// Describing guest outcomes and mapping them to exit codes.
#include "guest_outcome.h"
#include "string_format.h"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <iterator>

namespace monocell::kvm {
namespace {

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

}  // namespace

const char* describe(OutcomeKind kind) {
  switch (kind) {
    case OutcomeKind::kExited: return "exited";
    case OutcomeKind::kFault: return "guest fault";
    case OutcomeKind::kTripleFault: return "triple fault (KVM_EXIT_SHUTDOWN)";
    case OutcomeKind::kTimeout: return "wall-clock limit reached";
    case OutcomeKind::kStopped: return "stopped by the host";
    case OutcomeKind::kUnhandledExit: return "unhandled exit";
    case OutcomeKind::kInternalError: return "KVM internal error";
    case OutcomeKind::kBadHostCall: return "bad host call";
  }
  return "unknown";
}

std::string GuestOutcome::report() const {
  std::string out;
  if (kind == OutcomeKind::kExited) {
    out += format("guest exited with code %d after %.3f s\n", exit_code, seconds);
  } else {
    out += format("guest stopped: %s after %.3f s\n", describe(kind), seconds);
  }
  if (!detail.empty()) out += "  " + detail + "\n";
  if (kind == OutcomeKind::kFault) {
    out += format("  vector %" PRIu64 " (%s), error code %#" PRIx64 ", rip %#" PRIx64
                  ", cr2 (fault address) %#" PRIx64 ", in ring %" PRIu64 "%s\n",
                  vector, vector_name(vector), error_code, registers.rip, registers.cr2,
                  registers.cs & 3, in_syscall_entry ? ", inside the libOS syscall entry" : "");
  }
  if (unknown_syscalls != 0) {
    out += format("  unknown syscalls: %" PRIu64 " (last: %" PRIu64 ")\n", unknown_syscalls,
                  last_unknown_syscall);
  }
  if (has_registers) {
    const GuestRegisters& r = registers;
    out += format("  rip=%016" PRIx64 " rsp=%016" PRIx64 " rflags=%016" PRIx64 " cs=%" PRIx64
                  " ss=%" PRIx64 "\n", r.rip, r.rsp, r.rflags, r.cs, r.ss);
    out += format("  rax=%016" PRIx64 " rbx=%016" PRIx64 " rcx=%016" PRIx64 " rdx=%016" PRIx64 "\n",
                  r.rax, r.rbx, r.rcx, r.rdx);
    out += format("  rsi=%016" PRIx64 " rdi=%016" PRIx64 " rbp=%016" PRIx64 " r8 =%016" PRIx64 "\n",
                  r.rsi, r.rdi, r.rbp, r.r8);
    out += format("  r9 =%016" PRIx64 " r10=%016" PRIx64 " r11=%016" PRIx64 " r12=%016" PRIx64 "\n",
                  r.r9, r.r10, r.r11, r.r12);
    out += format("  r13=%016" PRIx64 " r14=%016" PRIx64 " r15=%016" PRIx64 "\n", r.r13, r.r14,
                  r.r15);
    out += format("  cr0=%" PRIx64 " cr2=%" PRIx64 " cr3=%" PRIx64 " cr4=%" PRIx64 " efer=%" PRIx64
                  " fs_base=%" PRIx64 " gs_base=%" PRIx64 "\n",
                  r.cr0, r.cr2, r.cr3, r.cr4, r.efer, r.fs_base, r.gs_base);
  }
  return out;
}

int exit_status_for(const GuestOutcome& outcome) {
  switch (outcome.kind) {
    case OutcomeKind::kExited: return outcome.exit_code & 0xff;
    case OutcomeKind::kTimeout: return kExitTimeout;
    case OutcomeKind::kStopped: return kExitStopped;
    case OutcomeKind::kFault:
    case OutcomeKind::kTripleFault:
    case OutcomeKind::kUnhandledExit:
    case OutcomeKind::kInternalError:
    case OutcomeKind::kBadHostCall: return kExitGuestFault;
  }
  return kExitGuestFault;
}

}  // namespace monocell::kvm
