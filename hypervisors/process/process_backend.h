// The process backend: the guest app runs as a plain host process, its rings in a sealed memfd
// and its notifications on pipes (process_abi.h), its files confined as a guest's are
// (process_confinement.h). For fast tests and machines without /dev/kvm.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "hypervisors/backend.h"
#include "hypervisors/process/image_root.h"
#include "protocol/ring/memfd_region.h"

namespace monocell {

class ProcessBackend final : public Backend {
 public:
  // Starts `config.image` as a child process. Failures to exec it surface through end().
  static std::unique_ptr<ProcessBackend> start(const GuestConfig& config, std::string* error);
  ~ProcessBackend() override;

  void* region() const override { return region_.base(); }
  const ring::RegionLayout& layout() const override { return region_.layout(); }
  ring::Notifier& guest_doorbell() override { return doorbell_; }
  int host_wakeup_fd() const override { return wake_host_read_; }
  void consume_host_wakeup() override;
  int end_fd() const override { return pidfd_; }
  GuestEnd end() override;
  void kill() override;

 private:
  // Wakes the guest: one byte into the pipe it sleeps on (a full pipe wakes it anyway).
  class PipeDoorbell final : public ring::Notifier {
   public:
    void notify() override;
    int fd = -1;
  };

  explicit ProcessBackend(const ring::RegionConfig& rings) : region_(rings, "monocell-guest-rings") {}

  ring::MemfdRegion region_;
  int wake_host_read_ = -1;  // ours; the guest holds the write end
  PipeDoorbell doorbell_;  // ours: the write end of the pipe whose read end the guest holds
  pid_t pid_ = -1;
  int pidfd_ = -1;
  int exec_error_fd_ = -1;  // read end of a CLOEXEC pipe: the child's errno if exec failed
  bool reaped_ = false;
  GuestEnd end_;
  // The image's files as the app's root (none without a file tree); removed with the backend.
  std::unique_ptr<process_confinement::ImageRoot> image_root_;
};

}  // namespace monocell
