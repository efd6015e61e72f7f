// The signal Linux gives a process for each x86 CPU exception, with its si_code: the libOS
// delivers it to the app's handler, and the host reports a guest that had none as ending with
// 128 + that signal. Dual-use and freestanding (<stdint.h> only).
#pragma once

#include <stdint.h>

namespace monocell::fault {

struct SignalForVector {
  int signal;
  int code;  // si_code
};

// From <asm-generic/signal.h> and <asm-generic/siginfo.h>, which not every user can include.
inline constexpr int kSigTrap = 5, kSigBus = 7, kSigFpe = 8, kSigIll = 4, kSigSegv = 11;
inline constexpr int kSiKernel = 0x80;
inline constexpr int kFpeIntDiv = 1, kFpeFltInv = 7, kIllIllOpn = 2, kBusAdrAln = 1, kBusAdrErr = 2;
inline constexpr int kSegvMapErr = 1, kSegvAccErr = 2, kTrapBrkpt = 1, kTrapTrace = 2;
inline constexpr uint64_t kPageFaultPresent = 1;  // #PF error code bit 0: a protection fault

// SIGFPE for #DE, #MF and #XM; SIGTRAP for #DB and #BP; SIGILL for #UD; SIGBUS for #NP, #SS
// and #AC; SIGSEGV for everything else (#GP, #PF...), as arch/x86/kernel/traps.c does.
constexpr SignalForVector signal_for(uint64_t vector, uint64_t error_code) {
  switch (vector) {
    case 0: return {kSigFpe, kFpeIntDiv};   // #DE
    case 16:                                // #MF
    case 19: return {kSigFpe, kFpeFltInv};  // #XM
    case 1: return {kSigTrap, kTrapTrace};  // #DB
    case 3: return {kSigTrap, kTrapBrkpt};  // #BP
    case 6: return {kSigIll, kIllIllOpn};   // #UD
    case 11:                                // #NP
    case 12: return {kSigBus, kBusAdrErr};  // #SS
    case 17: return {kSigBus, kBusAdrAln};  // #AC
    case 14: return {kSigSegv, (error_code & kPageFaultPresent) != 0 ? kSegvAccErr : kSegvMapErr};
    default: return {kSigSegv, kSiKernel};
  }
}

}  // namespace monocell::fault
