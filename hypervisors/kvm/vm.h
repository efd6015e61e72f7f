// One KVM virtual machine: its fd, its RAM in memory slot 0, and the in-kernel local APIC.
#pragma once

#include <linux/kvm.h>

#include <cstdint>

#include "guest_memory.h"
#include "kvm_system.h"
#include "unique_fd.h"

namespace monocell::kvm {

class Vm {
 public:
  // Creates the VM with `ram_size` bytes of RAM at gpa 0 (a multiple of 2 MiB) and, if asked,
  // the in-kernel irqchip -- split (local APIC only) where KVM offers it -- which must exist
  // before any vCPU. Throws KvmError.
  Vm(uint64_t ram_size, bool irqchip, bool huge_pages = false);
  // The VM is destroyed in the background (background_release.h): every Vcpu must be gone.
  ~Vm();
  Vm(const Vm&) = delete;
  Vm& operator=(const Vm&) = delete;

  const KvmSystem& system() const { return system_; }
  int fd() const { return fd_.get(); }
  GuestMemory& memory() { return memory_; }
  bool has_irqchip() const { return irqchip_; }

  // The guest's doorbell: every 4-byte write at `gpa` signals `eventfd`, in the kernel, with no
  // exit to the VMM (KVM_IOEVENTFD). KVM holds its own reference to the eventfd.
  void add_doorbell(uint64_t gpa, int eventfd);
  // Raises interrupt `vector` on vCPU 0 now (KVM_SIGNAL_MSI), from any thread.
  void raise_interrupt(uint32_t vector);

  // kvmclock's current value in ns (KVM_GET_CLOCK), with the host's realtime when KVM gives it.
  kvm_clock_data clock() const;
  // The guest TSC frequency (KVM_GET_TSC_KHZ needs a vCPU fd), or 0 if unknown.
  static uint64_t tsc_khz(int vcpu_fd);

 private:
  KvmSystem system_;
  UniqueFd fd_;
  GuestMemory memory_;
  bool irqchip_ = false;
};

}  // namespace monocell::kvm
