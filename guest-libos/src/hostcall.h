// Calls into the VMM over the host-call channel (hostcall_abi.h).
#pragma once

#include <monocell/hostcall_abi.h>

namespace monocell::libos {

// One MMIO write; the VMM has filled request.result when this returns.
int64_t host_call(hostcall::Request& request);

[[noreturn]] void host_exit(int status);

}  // namespace monocell::libos
