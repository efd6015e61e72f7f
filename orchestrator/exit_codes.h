// The exit codes of `monocell run` (docker's convention, plus monocell's own). Documented in
// the README; tests assert them.
#pragma once

namespace monocell::exit_code {

// 0..124: the guest's own exit code, passed through.
inline constexpr int kTimeout = 124;  // --timeout expired; the guest was killed
inline constexpr int kMonocellFailed = 125;  // monocell itself failed (bad flags, no VM, ...)
inline constexpr int kCannotRun = 126;  // the app exists but cannot run (bad image, failed handshake)
inline constexpr int kNotFound = 127;  // no app by that name
inline constexpr int kSignalBase = 128;  // 128 + N: the guest was ended by signal N (137 after a kill)
// The guest broke the ring protocol, or faulted without a CPU exception's signal (a CPU
// exception gives 128 + the signal Linux sends for it: GuestEnd::code).
inline constexpr int kGuestFault = 139;

}  // namespace monocell::exit_code
