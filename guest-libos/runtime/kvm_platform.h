// The runtime's platform inside a monocell KVM guest: the ring region is where the boot-info page
// says, the host's doorbell is the libOS's MMIO doorbell, waiting is the libOS's wait for the
// host's interrupt, and fd 1 and 2 are handed to the libOS, which writes them as stdio frames.
#pragma once

#include <memory>
#include <string>

#include "guest-libos/runtime/platform.h"

namespace monocell::runtime {

class KvmPlatform final : public Platform {
 public:
  // Null with `why` when this image was not booted by a monocell VMM that reserved a ring region.
  static std::unique_ptr<KvmPlatform> from_boot_info(std::string* why);

  const char* hypervisor() const override { return "kvm"; }
  void* region() const override { return region_; }
  uint64_t region_size() const override { return region_size_; }
  ring::Notifier& host_doorbell() override { return doorbell_; }
  bool wait_for_host(int timeout_ms) override;
  // Hands the stdio ring to the libOS (its one producer from then on); `out` stays unused.
  void capture_stdio(ring::RingProducer& out) override;
  void flush_stdio() override;
  // Guest RAM in use: the loaded image, the heap the break has grown to, and malloc's
  // mmapped blocks (the rest of RAM was never handed out).
  uint64_t memory_bytes() const override;
  // Waking a sleeping vCPU costs ~120 us here (MSI, the VMM's wait, an emulated ring-0
  // interrupt handler): poll about twice that first.
  uint64_t spin_before_sleep_ns() const override { return 250'000; }

 private:
  class Doorbell final : public ring::Notifier {
   public:
    void notify() override;
  };

  KvmPlatform(void* region, uint64_t size, uint64_t image_end, uint64_t heap_start)
      : region_(region), region_size_(size), image_end_(image_end), heap_start_(heap_start) {}

  void* region_;
  uint64_t region_size_;
  uint64_t image_end_;
  uint64_t heap_start_;
  Doorbell doorbell_;
};

}  // namespace monocell::runtime
