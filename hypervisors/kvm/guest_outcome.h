// How a guest ended: its exit code, or a structured error with the registers at the time.
#pragma once

#include <cstdint>
#include <string>

#include "hypervisors/common/fault_report.h"

namespace monocell::kvm {

enum class OutcomeKind {
  kExited,  // the guest called exit/exit_group
  kFault,  // an exception reached the supervisor, which reported it
  kTripleFault,  // KVM_EXIT_SHUTDOWN: the supervisor itself could not handle a fault
  kTimeout,  // ran past the wall-clock limit and was stopped
  kStopped,  // stopped by the host (GuestStopper) before it ended
  kUnhandledExit,  // an exit the VMM does not handle (I/O port, unknown MMIO, HLT ...)
  kInternalError,  // KVM could not run the guest (emulation failure, failed entry)
  kBadHostCall,  // the guest broke the host-call contract (bad address or length)
};

const char* describe(OutcomeKind kind);

using GuestRegisters = fault::Registers;

struct GuestOutcome {
  OutcomeKind kind = OutcomeKind::kInternalError;
  int exit_code = 0;  // kExited: 0..255
  uint64_t unknown_syscalls = 0;  // reported by the libOS at exit
  uint64_t last_unknown_syscall = 0;
  // kFault
  uint64_t vector = 0;
  uint64_t error_code = 0;
  bool in_syscall_entry = false;  // the fault's RIP lies in the libOS's syscall entry
  bool has_registers = false;
  GuestRegisters registers{};
  std::string detail;  // what the exit was, in words
  double seconds = 0;  // wall time from the start of the vCPU to the end

  // A multi-line report for humans: kind, detail, fault fields, registers.
  std::string report() const;
};

// Exit codes of monocell-kvm-run, with the values `monocell run` uses (orchestrator/
// exit_codes.h, docker's convention): the guest's own code when it exited, else
inline constexpr int kExitTimeout = 124;  // ran past the wall-clock limit (kTimeout)
inline constexpr int kExitStopped = 137;  // stopped by the host, as a SIGKILL would show (kStopped)
inline constexpr int kExitSetupError = 125;  // the VMM failed: bad flags, /dev/kvm, a KVM ioctl
inline constexpr int kExitCannotRun = 126;  // the image cannot run (not a monocell image)
inline constexpr int kExitGuestFault = 139;  // the guest triple-faulted, made an exit the VMM
                                             // does not handle, or broke a host call

// A CPU exception the guest reported gives 128 + the signal Linux sends for it
// (fault::signal_for_vector): 139 for a page fault, 132 for an invalid opcode, 136 for a divide
// error.
int exit_status_for(const GuestOutcome& outcome);

}  // namespace monocell::kvm
