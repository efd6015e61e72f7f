// Destroying a VM off the caller's path.
//
// KVM destroys a VM when the last reference to its fd goes, on the thread that drops it. With an
// ioeventfd registered that takes ~7 ms here (an SRCU grace period per io-bus device), and a
// process's exit waits for it too: `monocell run` would return 7 ms after its guest ended. So
// the last reference is dropped by a short-lived child that shares the address space (clone
// with CLONE_VM, no SIGCHLD); it also unmaps guest RAM, after the VM is gone.
#pragma once

#include <cstddef>

namespace monocell::kvm {

// Takes ownership of `vm_fd` and of the mapping [memory, memory + memory_size). Every other
// reference to the VM (vCPU fds, their kvm_run mappings) must be gone already. Returns at once;
// if no child can be made, it closes and unmaps here instead.
void release_vm_in_background(int vm_fd, void* memory, size_t memory_size) noexcept;

// Reaps the children that have finished. Each call to release_vm_in_background does this for
// those before it; tests call it to see that none is left behind.
// Returns how many are still running.
size_t reap_background_releases() noexcept;

}  // namespace monocell::kvm
