// Learns of one domain's end through libxl's events, without blocking the monitor: a thread of
// its own runs libxl's poll loop (libxl_osevent_beforepoll / poll / afterpoll) and reports the
// domain's shutdown (with its reason) or its death to a callback. The same loop copies the
// guest's console while the guest runs.
#pragma once

#include <cstdint>
#include <atomic>
#include <functional>
#include <thread>

#include "hypervisors/xen/xen_domain.h"
#include "protocol/ring/eventfd_notifier.h"

namespace monocell::xen {

class XenConsole;

struct DomainEnd {
  enum class Kind {
    kShutdown,  // the guest shut down (`reason`)
    kDeath,  // destroyed without shutting down
    kLost,  // libxl's event loop failed: the end is unknown
  } kind = Kind::kLost;
  int reason = -1;  // kShutdown: Xen's SHUTDOWN_* (poweroff 0, reboot 1, suspend 2, crash 3, watchdog 4, soft_reset 5)
};

class DomainEvents {
 public:
  using OnEnd = std::function<void(const DomainEnd&)>;
  // Enables the domain's shutdown and death events (before it is unpaused, so none is missed).
  // Throws XenError.
  DomainEvents(XenContext& context, uint32_t domid, OnEnd on_end);
  ~DomainEvents();
  DomainEvents(const DomainEvents&) = delete;
  DomainEvents& operator=(const DomainEvents&) = delete;

  // Starts the thread; it also drains `console` (may be null) whenever it is readable.
  void start(XenConsole* console);
  // Stops and joins the thread; the console is the caller's again.
  void stop();

 private:
  void run();
  void handle(const libxl_event& event);

  XenContext& context_;
  uint32_t domid_;
  OnEnd on_end_;
  libxl_evgen_domain_death* death_ = nullptr;
  XenConsole* console_ = nullptr;
  ring::EventFdNotifier wake_;
  std::atomic<bool> stopping_{false};
  bool reported_ = false;
  std::thread thread_;
};

}  // namespace monocell::xen
