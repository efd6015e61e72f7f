// The monitor's end of the guest's event channel.
#include "hypervisors/xen/xen_event_channel.h"

#include <fcntl.h>

#include "hypervisors/xen/xen_error.h"

namespace monocell::xen {

XenEventChannel::XenEventChannel(xentoollog_logger* logger) {
  handle_ = xenevtchn_open(logger, 0);
  if (handle_ == nullptr) throw_errno("xenevtchn_open (/dev/xen/evtchn)", "; is the xen-evtchn module loaded?");
  fd_ = xenevtchn_fd(handle_);
  // consume() reads until nothing is pending; a blocking fd would wait there instead.
  const int flags = fcntl(fd_, F_GETFL);
  if (flags < 0 || fcntl(fd_, F_SETFL, flags | O_NONBLOCK) != 0) {
    xenevtchn_close(handle_);
    throw_errno("fcntl(O_NONBLOCK) on the event channel device");
  }
}

XenEventChannel::~XenEventChannel() {
  if (bound_) xenevtchn_unbind(handle_, local_port_);
  xenevtchn_close(handle_);
}

void XenEventChannel::bind(uint32_t domid, uint32_t remote_port) {
  const xenevtchn_port_or_error_t port = xenevtchn_bind_interdomain(handle_, domid, remote_port);
  if (port < 0) {
    throw_errno("xenevtchn_bind_interdomain to port " + std::to_string(remote_port) + " of domid " + std::to_string(domid));
  }
  local_port_ = static_cast<evtchn_port_t>(port);
  bound_ = true;
}

void XenEventChannel::notify() {
  if (bound_) xenevtchn_notify(handle_, local_port_);
}

void XenEventChannel::consume() {
  // Bounded: only our one port is bound here, so a few reads empty the queue.
  for (int i = 0; i < 64; ++i) {
    const xenevtchn_port_or_error_t port = xenevtchn_pending(handle_);
    if (port < 0) return;  // EAGAIN: nothing more
    xenevtchn_unmask(handle_, static_cast<evtchn_port_t>(port));
  }
}

}  // namespace monocell::xen
