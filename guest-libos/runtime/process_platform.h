// The runtime's platform when the process backend started the app as a plain host process:
// the region is a memfd and the notifications are eventfds, inherited at fixed fd numbers
// (hypervisors/process/process_abi.h).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "guest-libos/runtime/platform.h"
#include "protocol/ring/eventfd_notifier.h"

namespace monocell::runtime {

class ProcessPlatform final : public Platform {
 public:
  // Null with `why` when the environment does not carry a valid launch contract.
  static std::unique_ptr<ProcessPlatform> from_environment(std::string* why);
  ~ProcessPlatform() override;

  const char* hypervisor() const override { return "process"; }
  void* region() const override { return region_; }
  uint64_t region_size() const override { return region_size_; }
  ring::Notifier& host_doorbell() override { return wake_host_; }
  bool wait_for_host(int timeout_ms) override { return wake_me_.wait(timeout_ms); }
  void capture_stdio(ring::RingProducer& out) override;
  void flush_stdio() override;
  uint64_t memory_bytes() const override;
  // A cross-CPU wakeup through a pipe costs tens of microseconds on these machines.
  uint64_t spin_before_sleep_ns() const override { return 50'000; }

 private:
  ProcessPlatform(void* region, uint64_t size);
  void pump(ring::RingProducer* out, int stdout_fd, int stderr_fd);

  void* region_;
  uint64_t region_size_;
  ring::EventFdNotifier wake_host_;
  ring::EventFdNotifier wake_me_;
  std::thread pump_;
  int stop_pipe_[2] = {-1, -1};  // flush_stdio() -> pump: drain and stop
};

}  // namespace monocell::runtime
