// The runtime's platform inside a monocell VM, on KVM or Xen alike: the ring region is where the
// boot-info page says, the host's doorbell and the wait for the host are the libOS's
// (libos.h: an MMIO doorbell and a host call on KVM, an event channel on Xen), and fd 1 and 2
// are handed to the libOS, which writes them as stdio frames. On Xen the region is the guest's
// own memory, granted to dom0, which formats it after the guest published it: the platform
// waits for that before the runtime attaches.
#pragma once

#include <memory>
#include <string>

#include "guest-libos/runtime/platform.h"

namespace monocell::runtime {

class VmPlatform final : public Platform {
 public:
  // Null with `why` when this image was not booted by a monocell VMM or boot that reserved a
  // ring region, or (Xen) when no host formatted the region in time.
  static std::unique_ptr<VmPlatform> from_boot_info(std::string* why);

  const char* hypervisor() const override { return hypervisor_; }
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
  uint64_t spin_before_sleep_ns() const override { return spin_before_sleep_ns_; }

 private:
  class Doorbell final : public ring::Notifier {
   public:
    void notify() override;
  };

  VmPlatform(const char* hypervisor, uint64_t spin_ns, void* region, uint64_t size, uint64_t image_end,
             uint64_t heap_start)
      : hypervisor_(hypervisor),
        spin_before_sleep_ns_(spin_ns),
        region_(region),
        region_size_(size),
        image_end_(image_end),
        heap_start_(heap_start) {}

  const char* hypervisor_;
  uint64_t spin_before_sleep_ns_;
  void* region_;
  uint64_t region_size_;
  uint64_t image_end_;
  uint64_t heap_start_;
  Doorbell doorbell_;
};

}  // namespace monocell::runtime
