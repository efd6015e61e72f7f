// The ring notifications between monitor and guest: the guest's unbound event channel bound to
// the monitor (libxenevtchn). The monitor polls fd(); consume() takes the pending events and
// unmasks the port; notify() wakes the guest (the ring::Notifier the monitor rings).
#pragma once

#include <cstdint>

#include "hypervisors/xen/xen_libs.h"
#include "protocol/ring/ring.h"

namespace monocell::xen {

class XenEventChannel final : public ring::Notifier {
 public:
  // Opens /dev/xen/evtchn (non-blocking). Throws XenError.
  explicit XenEventChannel(xentoollog_logger* logger);
  ~XenEventChannel();
  XenEventChannel(const XenEventChannel&) = delete;
  XenEventChannel& operator=(const XenEventChannel&) = delete;

  // Binds the guest's port. Throws XenError (no such unbound port for dom0).
  void bind(uint32_t domid, uint32_t remote_port);
  bool bound() const { return bound_; }

  int fd() const { return fd_; }
  void notify() override;
  void consume();

 private:
  xenevtchn_handle* handle_ = nullptr;
  int fd_ = -1;
  evtchn_port_t local_port_ = 0;
  bool bound_ = false;
};

}  // namespace monocell::xen
