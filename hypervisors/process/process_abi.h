// The process backend's launch contract: how a guest app started as a plain host process
// finds its ring region and its notification fds. Dual-use: the backend (host) sets these,
// the guest runtime reads them. Bump kProcessAbiVersion on any change.
#pragma once

namespace monocell::process_abi {

inline constexpr int kProcessAbiVersion = 2;

// File descriptors the child inherits at these exact numbers, all non-blocking.
inline constexpr int kRegionFd = 3;  // sealed memfd holding the ring region (ring/abi.h)
inline constexpr int kWakeHostFd = 4;  // write end of a pipe: the guest writes (any bytes) to wake the host
inline constexpr int kWakeGuestFd = 5;  // read end of a pipe: readable when the host woke the guest

// Environment: set, with the values above, only when started by the process backend.
inline constexpr const char* kEnvVersion = "MONOCELL_PROCESS_ABI";
inline constexpr const char* kEnvRegionSize = "MONOCELL_RING_REGION_SIZE";  // bytes, decimal

}  // namespace monocell::process_abi
