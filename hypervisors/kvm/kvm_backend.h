// The KVM backend: the guest image boots in monocell's own VMM on a thread of the monitor
// process. Its ring region is a memfd the host formats and maps over the region the VMM
// reserved in guest RAM, so the host's view outlives the VM; notifications are eventfds (the
// guest's doorbell through KVM_IOEVENTFD, the host's interrupt into the guest).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "guest_config.h"
#include "hypervisors/backend.h"
#include "protocol/ring/eventfd_notifier.h"
#include "protocol/ring/memfd_region.h"

namespace monocell {

namespace kvm {
class GuestMemory;
struct GuestOutcome;
}  // namespace kvm

class KvmBackend final : public Backend {
 public:
  // Boots `config.image` on its own thread and returns once the ring region is in place (or the
  // boot failed: then end() says how). Null with `error` only if no eventfd or memfd could be made.
  static std::unique_ptr<KvmBackend> start(const GuestConfig& config, std::string* error);
  ~KvmBackend() override;

  void* region() const override { return region_.base(); }
  const ring::RegionLayout& layout() const override { return region_.layout(); }
  ring::Notifier& guest_doorbell() override { return guest_interrupt_; }
  int host_wakeup_fd() const override { return guest_doorbell_.fd(); }
  void consume_host_wakeup() override { guest_doorbell_.wait(0); }
  int end_fd() const override { return ended_.fd(); }
  GuestEnd end() override;
  void kill() override { stopper_->request_stop(); }

 private:
  explicit KvmBackend(const ring::RegionConfig& rings) : region_(rings, "monocell-kvm-rings") {}
  // The runner thread: boots and runs the guest, then records its end and signals end_fd.
  void run(kvm::GuestConfig config);
  // Maps the host's region over the ring region the VMM reserved (before the vCPU runs).
  void place_region(kvm::GuestMemory& memory);
  void mark_booted();

  ring::MemfdRegion region_;
  ring::EventFdNotifier guest_doorbell_;  // the guest rang: KVM_IOEVENTFD signals it
  ring::EventFdNotifier guest_interrupt_;  // signalled by the host: the VMM raises the interrupt
  ring::EventFdNotifier ended_;  // readable once the runner thread has recorded the end
  std::shared_ptr<kvm::GuestStopper> stopper_ = std::make_shared<kvm::GuestStopper>();
  std::thread runner_;
  std::mutex mutex_;
  std::condition_variable booted_changed_;
  bool booted_ = false;  // the region is in place, or the boot failed
  GuestEnd end_;
};

// How a KVM guest's outcome reads to the monitor.
GuestEnd guest_end_from(const kvm::GuestOutcome& outcome);

}  // namespace monocell
