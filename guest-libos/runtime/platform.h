// Where the runtime runs: what gives it the ring region and how it sleeps and wakes the host.
// One implementation per environment (a host process under the process backend; a VM).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "protocol/ring/ring.h"

namespace monocell::runtime {

class Platform {
 public:
  virtual ~Platform() = default;

  virtual const char* hypervisor() const = 0;  // "process", "kvm", "xen"
  virtual void* region() const = 0;
  virtual uint64_t region_size() const = 0;
  // Wakes the host when it sleeps on a ring this guest produces into.
  virtual ring::Notifier& host_doorbell() = 0;
  // Sleeps until the host notifies or `timeout_ms` passes (-1: no limit). False on timeout.
  virtual bool wait_for_host(int timeout_ms) = 0;
  // Routes fd 1 and 2 into the stdio ring (`out`); `flush_stdio` drains what is buffered.
  virtual void capture_stdio(ring::RingProducer& out) = 0;
  virtual void flush_stdio() = 0;
  virtual uint64_t memory_bytes() const = 0;
  // How long a waiting guest polls before it sleeps: on the order of what a wakeup costs on
  // this platform, so a busy exchange never pays for one.
  virtual uint64_t spin_before_sleep_ns() const = 0;
};

// The platform this process was started on, or null with `why` when monocell did not start it.
std::unique_ptr<Platform> detect_platform(std::string* why);

}  // namespace monocell::runtime
