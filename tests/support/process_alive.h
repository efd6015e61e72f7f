// Whether a process still runs, as the tests that kill monitors need to know it.
#pragma once

#include <sys/types.h>

namespace monocell::testing {

// True while any thread of `pid` has not exited. A killed multi-threaded process (a KVM monitor
// with its vCPU threads) shows its leader as a zombie while the other threads still tear down,
// and until the last of them has, its open files (the guest's liveness lock) stay held.
bool process_alive(pid_t pid);

}  // namespace monocell::testing
