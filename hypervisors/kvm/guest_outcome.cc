// Describing guest outcomes and mapping them to exit codes.
#include "guest_outcome.h"
#include "string_format.h"

#include <cinttypes>

namespace monocell::kvm {

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
  if (kind == OutcomeKind::kFault) out += fault::exception_line(vector, error_code, registers, in_syscall_entry);
  if (unknown_syscalls != 0) {
    out += format("  unknown syscalls: %" PRIu64 " (last: %" PRIu64 ")\n", unknown_syscalls,
                  last_unknown_syscall);
  }
  if (has_registers) out += fault::register_lines(registers, true);
  return out;
}

int exit_status_for(const GuestOutcome& outcome) {
  switch (outcome.kind) {
    case OutcomeKind::kExited: return outcome.exit_code & 0xff;
    case OutcomeKind::kTimeout: return kExitTimeout;
    case OutcomeKind::kStopped: return kExitStopped;
    case OutcomeKind::kFault: return 128 + fault::signal_for_vector(outcome.vector);  // as on Linux
    case OutcomeKind::kTripleFault:
    case OutcomeKind::kUnhandledExit:
    case OutcomeKind::kInternalError:
    case OutcomeKind::kBadHostCall: return kExitGuestFault;
  }
  return kExitGuestFault;
}

}  // namespace monocell::kvm
