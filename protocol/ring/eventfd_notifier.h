// Host-only: a Notifier on a Linux eventfd, and the matching wait. The KVM backend hands the
// same kind of fd to KVM_IOEVENTFD / KVM_IRQFD; the tests and benchmarks use it as is. The same
// calls work on a non-blocking pipe (the process backend's guest holds pipe ends: a pipe's two
// ends are separate file descriptions, so the guest cannot change the host's end).
#pragma once

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <cstring>

#include "protocol/ring/ring.h"

namespace monocell::ring {

class EventFdNotifier final : public Notifier {
 public:
  EventFdNotifier() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (fd_ < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  }
  // Adopts an eventfd made elsewhere (inherited across fork, or passed over a socket).
  explicit EventFdNotifier(int fd) : fd_(fd) {}
  ~EventFdNotifier() {
    if (fd_ >= 0) close(fd_);
  }
  EventFdNotifier(const EventFdNotifier&) = delete;
  EventFdNotifier& operator=(const EventFdNotifier&) = delete;

  void notify() override {
    const uint64_t one = 1;
    // EAGAIN means the counter is saturated: the sleeper will wake anyway.
    while (::write(fd_, &one, sizeof one) < 0 && errno == EINTR) {
    }
  }

  // Sleeps until notified or `timeout_ms` passes (-1: forever); consumes the notifications.
  // Returns false on timeout.
  bool wait(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    int n;
    do {
      n = ::poll(&p, 1, timeout_ms);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
    // An eventfd hands over its whole count in one read; a pipe may hold several tokens.
    uint64_t tokens[8];
    while (::read(fd_, tokens, sizeof tokens) > 0) {
    }
    return true;
  }

  int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace monocell::ring
