// Running the app's signal handlers as Linux does: the rt_sigframe on the app's stack (or its
// alternate stack), the handler entered with the signal's mask, rt_sigreturn restoring the
// interrupted context; and the default actions when there is no handler.
#pragma once

#include <monocell/hostcall_abi.h>
#include <stdint.h>

#include "syscalls.h"

namespace monocell::libos::signals {

// At the end of a syscall that returned `result`: delivers the first pending signal that is not
// blocked (entering its handler does not return), discarding ignored ones, ending the guest
// for a fatal default. Returns when nothing is left to deliver.
void deliver_pending(const SyscallFrame& frame, int64_t result);

// Resumes the context saved in the signal frame that `user_rsp` points into (rt_sigreturn).
[[noreturn]] void sigreturn(uint64_t user_rsp);

// An exception in the app whose signal has a handler: enters it (the supervisor copied the
// frame; user_return.S brought it to ring 3).
[[noreturn]] void deliver_fault(const hostcall::FaultFrame& frame);

// The default action of a fatal signal: a line on the app's stderr, then the guest ends with
// 128 + `signal`. `why` (may be null) says what the libOS could not do.
[[noreturn]] void end_by_signal(uint64_t signal, const char* why);

}  // namespace monocell::libos::signals

// Reached from the supervisor through user_return.S for an app fault with a handler waiting.
extern "C" [[noreturn]] void monocell_deliver_user_fault();
