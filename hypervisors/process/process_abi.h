// The process backend's launch contract: how a guest app started as a plain host process
// finds its ring region and its notification fds. Dual-use: the backend (host) sets these,
// the guest runtime reads them. Bump kProcessAbiVersion on any change.
#pragma once

namespace monocell::process_abi {

inline constexpr int kProcessAbiVersion = 1;

// File descriptors the child inherits at these exact numbers.
inline constexpr int kRegionFd = 3;  // memfd holding the ring region (ring/abi.h)
inline constexpr int kWakeHostFd = 4;  // eventfd: the guest writes to wake the host
inline constexpr int kWakeGuestFd = 5;  // eventfd: the host writes to wake the guest

// Environment: set, with the values above, only when started by the process backend.
inline constexpr const char* kEnvVersion = "MONOCELL_PROCESS_ABI";
inline constexpr const char* kEnvRegionSize = "MONOCELL_RING_REGION_SIZE";  // bytes, decimal

}  // namespace monocell::process_abi
