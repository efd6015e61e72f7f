// What to boot and how: the one value a KVM guest is built from.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "elf_image.h"

namespace monocell::kvm {

enum class BootMode {
  kDirect,  // the VMM builds the machine state and starts the vCPU in ring 3
  kPvh,  // the image's 32-bit PVH entry with hvm_start_info; its stub builds the state
};

class Vm;
class Vcpu;

// Lets another thread stop a running guest at once, as the wall-clock limit does (the outcome
// is then kStopped). Safe to call before, during and after the run.
class GuestStopper {
 public:
  void request_stop() {
    std::lock_guard lock(mutex_);
    requested_ = true;
    if (on_stop_) on_stop_();
  }

 private:
  friend class GuestStopperBinding;
  std::mutex mutex_;
  bool requested_ = false;
  std::function<void()> on_stop_;  // set by run_guest while the guest runs
};

// Receives what the guest writes to fd 1 or 2, one call per guest write()/writev().
using ConsoleSink = std::function<void(int fd, std::string_view bytes)>;

struct GuestConfig {
  std::string image_path;
  std::string file_tree_path;  // the image's file tree (images/format/file_tree_abi.h); empty: none
  // Where guests of one image share its read-only pages; by default each loads its own copy.
  PageSharing page_sharing;
  std::vector<std::string> args;  // argv[1..]; argv[0] is the image's file name
  std::vector<std::string> env;  // "NAME=value"
  uint64_t memory_bytes = 256ull << 20;  // rounded up to 2 MiB; at most 3 GiB
  std::chrono::milliseconds timeout{0};  // wall-clock limit; 0 = none
  BootMode boot = BootMode::kDirect;
  // Transparent huge pages behind guest RAM: guests that touch much memory start faster
  // (64 MiB first touch: 0.8 s -> 0.37 s here), but RSS grows in 2 MiB steps.
  bool huge_pages = false;
  bool irqchip = true;  // in-kernel local APIC (host->guest interrupts need it)
  ConsoleSink console;  // default: the host process's own fd 1 and 2
  // Ring notifications (notify_abi.h), eventfds the caller owns; -1: none. The guest's doorbell
  // writes signal `doorbell_fd`; signalling `interrupt_fd` raises the host interrupt vector.
  int doorbell_fd = -1;
  int interrupt_fd = -1;
  // Stops the guest from another thread; null: only the wall-clock limit stops it.
  std::shared_ptr<GuestStopper> stopper;
  // Runs after the machine state is built, just before the vCPU starts: for debuggers and for
  // tests that need a broken machine (e.g. an unusable IDT). Empty: nothing.
  std::function<void(Vm&, Vcpu&)> before_start;
};

}  // namespace monocell::kvm
