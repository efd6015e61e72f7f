// Storage for the per-vCPU area and the syscall stack (one vCPU for now).
#include "percpu.h"

namespace {
constexpr uint64_t kSyscallStackSize = 64 * 1024;
alignas(4096) unsigned char g_syscall_stack[kSyscallStackSize];
}  // namespace

extern "C" {
constinit monocell::libos::PerCpu monocell_percpu = {
    .user_rsp = 0,
    .syscall_rsp = reinterpret_cast<uint64_t>(g_syscall_stack + kSyscallStackSize),
    .self = &monocell_percpu,
    .unknown_syscalls = 0,
    .last_unknown_syscall = 0,
    .host_interrupts = 0,
    .waited_ns = 0,
    .clock_at_boot_ns = 0,
    .in_libos = 0,
    .user_fault_vectors = 0,
    .user_fault = {},
};
}  // extern "C"

namespace monocell::libos {
PerCpu& percpu() { return monocell_percpu; }
}  // namespace monocell::libos
