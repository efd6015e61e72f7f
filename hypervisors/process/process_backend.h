// The process backend: the guest app runs as a plain host process, its rings in a memfd and
// its notifications on eventfds (process_abi.h). For fast tests and machines without /dev/kvm.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "hypervisors/backend.h"
#include "protocol/ring/eventfd_notifier.h"
#include "protocol/ring/memfd_region.h"

namespace monocell {

class ProcessBackend final : public Backend {
 public:
  // Starts `config.image` as a child process. Failures to exec it surface through end().
  static std::unique_ptr<ProcessBackend> start(const GuestConfig& config, std::string* error);
  ~ProcessBackend() override;

  void* region() const override { return region_.base(); }
  const ring::RegionLayout& layout() const override { return region_.layout(); }
  ring::Notifier& guest_doorbell() override { return wake_guest_; }
  int host_wakeup_fd() const override { return wake_host_.fd(); }
  void consume_host_wakeup() override { wake_host_.wait(0); }
  int end_fd() const override { return pidfd_; }
  GuestEnd end() override;
  void kill() override;

 private:
  explicit ProcessBackend(const ring::RegionConfig& rings) : region_(rings, "monocell-guest-rings") {}

  ring::MemfdRegion region_;
  ring::EventFdNotifier wake_host_;
  ring::EventFdNotifier wake_guest_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
  int exec_error_fd_ = -1;  // read end of a CLOEXEC pipe: the child's errno if exec failed
  bool reaped_ = false;
  GuestEnd end_;
};

}  // namespace monocell
