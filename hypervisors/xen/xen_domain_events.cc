// libxl's poll loop on a thread of its own.
#include "hypervisors/xen/xen_domain_events.h"

#include <poll.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <spdlog/spdlog.h>

#include "hypervisors/xen/xen_console.h"
#include "hypervisors/xen/xen_error.h"

namespace monocell::xen {
namespace {

timeval now() {
  timeval tv;
  gettimeofday(&tv, nullptr);
  return tv;
}

}  // namespace

DomainEvents::DomainEvents(XenContext& context, uint32_t domid, OnEnd on_end)
    : context_(context), domid_(domid), on_end_(std::move(on_end)) {
  const int rc = libxl_evenable_domain_death(context_.get(), domid_, 0, &death_);
  if (rc != 0) throw_libxl("libxl_evenable_domain_death for domid " + std::to_string(domid_), rc);
}

DomainEvents::~DomainEvents() {
  stop();
  libxl_evdisable_domain_death(context_.get(), death_);
}

void DomainEvents::start(XenConsole* console) {
  console_ = console;
  thread_ = std::thread(&DomainEvents::run, this);
}

void DomainEvents::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  wake_.notify();
  thread_.join();
}

void DomainEvents::run() {
  enum : size_t { kWake, kConsole, kFirstLibxl };
  std::vector<pollfd> fds(kFirstLibxl + 8);
  while (!stopping_) {
    int libxl_fds = static_cast<int>(fds.size() - kFirstLibxl);
    int timeout = -1;
    const int rc = libxl_osevent_beforepoll(context_.get(), &libxl_fds, fds.data() + kFirstLibxl, &timeout, now());
    if (rc == ERROR_BUFFERFULL) {
      fds.resize(kFirstLibxl + static_cast<size_t>(libxl_fds));
      continue;
    }
    if (rc != 0) {
      // libxl cannot tell us about the domain any more: say so once, and stop watching.
      spdlog::error("xen: libxl_osevent_beforepoll failed: {}; domid {}'s end can no longer be seen",
                    libxl_error_text(rc), domid_);
      if (!reported_) on_end_(DomainEnd{});
      return;
    }
    fds[kWake] = {wake_.fd(), POLLIN, 0};
    fds[kConsole] = {console_ != nullptr ? console_->fd() : -1, POLLIN, 0};
    const nfds_t count = kFirstLibxl + static_cast<nfds_t>(libxl_fds);
    if (::poll(fds.data(), count, timeout) < 0 && errno != EINTR) {
      spdlog::error("xen: poll for domid {}'s events failed: {}", domid_, std::strerror(errno));
      continue;
    }
    libxl_osevent_afterpoll(context_.get(), libxl_fds, fds.data() + kFirstLibxl, now());
    if (fds[kConsole].revents != 0) console_->drain();
    for (;;) {
      libxl_event* event = nullptr;
      if (libxl_event_check(context_.get(), &event, LIBXL_EVENTMASK_ALL, nullptr, nullptr) != 0) break;
      handle(*event);
      libxl_event_free(context_.get(), event);
    }
  }
}

void DomainEvents::handle(const libxl_event& event) {
  if (event.domid != domid_ || reported_) return;
  if (event.type == LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN) {
    reported_ = true;
    on_end_(DomainEnd{DomainEnd::Kind::kShutdown, event.u.domain_shutdown.shutdown_reason});
  } else if (event.type == LIBXL_EVENT_TYPE_DOMAIN_DEATH) {
    reported_ = true;
    on_end_(DomainEnd{DomainEnd::Kind::kDeath, -1});
  }
}

}  // namespace monocell::xen
