// systemd's readiness protocol (sd_notify(3)), spoken by a monitor that systemd started with
// NOTIFY_SOCKET set: one datagram of newline-separated KEY=VALUE lines per notification, sent to
// a unix socket (a path, or "@name" in the abstract namespace). systemd documents the protocol
// as stable and reimplementable; this is that, without libsystemd.
#pragma once

#include <cstdint>
#include <string>

namespace monocell {

class SystemdNotifier {
 public:
  // Inactive: every send is a no-op.
  SystemdNotifier() = default;
  // From this process's environment: NOTIFY_SOCKET, and WATCHDOG_USEC when WATCHDOG_PID is
  // absent or names this process (as sd_watchdog_enabled(3) reads them). Both are then removed
  // from the environment, so that nothing this process starts speaks for it.
  static SystemdNotifier from_environment();

  bool active() const { return !socket_.empty(); }
  // How often to send WATCHDOG=1: half of WATCHDOG_USEC, as systemd advises; 0: no watchdog.
  uint64_t watchdog_interval_ms() const { return watchdog_usec_ / 2000; }
  // Sends `text` ("READY=1\nSTATUS=..."). Returns false (and logs once) when the socket refuses.
  bool send(const std::string& text);

 private:
  std::string socket_;
  uint64_t watchdog_usec_ = 0;
  bool warned_ = false;
};

}  // namespace monocell
