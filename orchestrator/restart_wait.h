// The monitor's wait between two boots of a guest under a restart policy: it keeps answering
// its control socket and its stop signals meanwhile, so that a user who stops, kills or
// removes the guest during the wait ends it for good, and any other request is told the
// guest is restarting.
#pragma once

#include <cstdint>
#include <string>

namespace monocell {

enum class RestartWaitResult { kElapsed, kStopped, kFailed };

// Waits `delay_ms` on `control_listen_fd` (-1: none) and on SIGINT, SIGTERM and SIGHUP, which
// the caller has blocked. kStopped: a Shutdown, a Signal of KILL, TERM, INT or HUP, or one of
// those signals arrived; kFailed: the monitor cannot wait (with `error`).
RestartWaitResult wait_to_restart(int control_listen_fd, uint64_t delay_ms, const std::string& guest_name,
                                  std::string* error);

}  // namespace monocell
