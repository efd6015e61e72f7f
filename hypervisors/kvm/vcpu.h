// One vCPU: its fd, its shared kvm_run page, the state setters the boot uses, KVM_RUN, and the
// kick (signal + immediate_exit) that gets it out of KVM_RUN from another thread.
#pragma once

#include <linux/kvm.h>
#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "unique_fd.h"
#include "x86_machine_state.h"

namespace monocell::kvm {

class Vm;

class Vcpu {
 public:
  Vcpu(Vm& vm, int index);  // throws KvmError
  ~Vcpu();
  Vcpu(const Vcpu&) = delete;
  Vcpu& operator=(const Vcpu&) = delete;

  int fd() const { return fd_.get(); }
  kvm_run& run_state() { return *run_; }

  void set_cpuid(const std::vector<kvm_cpuid_entry2>& entries);
  kvm_sregs sregs() const;
  void set_sregs(const kvm_sregs& sregs);
  kvm_regs regs() const;
  void set_regs(const kvm_regs& regs);
  // False when KVM refuses them (then the direct boot starts in the supervisor's ring-0 start).
  bool try_set_msrs(const std::vector<MsrValue>& msrs);
  // False when KVM refuses the value (only what the guest's CPUID offers is accepted).
  bool try_set_xcr0(uint64_t xcr0);
  // Software-enables the local APIC (spurious vector 0xff), all LVT entries masked but LINT1=NMI.
  void enable_lapic();

  // KVM_RUN on the calling thread; returns 0, or errno (EINTR after a kick).
  int run();

  // Marks the calling thread as this vCPU's thread: kick() signals it.
  void bind_to_current_thread();
  // From any thread: makes the current or next KVM_RUN return EINTR, and interrupts a blocking
  // system call of the vCPU thread (its sleeps in host calls).
  void kick();
  void clear_kick();

 private:
  UniqueFd fd_;
  kvm_run* run_ = nullptr;
  size_t run_size_ = 0;
  std::atomic<bool> bound_{false};
  pthread_t thread_{};
};

// The signal used to kick vCPU threads; its handler does nothing (installed once per process).
int vcpu_kick_signal();

}  // namespace monocell::kvm
