// Xen hypercalls through the hypercall page: installing the page, and the typed calls the libOS
// makes. Ring 0 only: Xen refuses HVM hypercalls from ring 3 (ring-3 code reaches these
// through ring0_gate.h).
#pragma once

#include <monocell/xen_hypercall_abi.h>
#include <stdint.h>

extern "C" char monocell_xen_hypercall_page[];

namespace monocell::libos::xen_hypercall {

// Finds Xen's CPUID leaves and installs the hypercall page. False when this is not Xen.
bool install();

// Hypercall `nr` with up to three arguments (the x86-64 ABI: rdi, rsi, rdx; result in rax).
// Xen may clobber the argument registers it does not use, so all are outputs here.
inline int64_t call(uint32_t nr, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0) {
  register uint64_t r10 asm("r10") = 0;
  register uint64_t r8 asm("r8") = 0;
  int64_t result;
  asm volatile("call *%[stub]"
               : "=a"(result), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
               : [stub] "r"(monocell_xen_hypercall_page + nr * xen::kHypercallStubSize)
               : "rcx", "r11", "memory");
  return result;
}

inline int64_t memory_op(uint32_t command, void* argument) {
  return call(xen::kHypercallMemoryOp, command, reinterpret_cast<uint64_t>(argument));
}
inline int64_t vcpu_op(uint32_t command, uint32_t vcpu, void* argument) {
  return call(xen::kHypercallVcpuOp, command, vcpu, reinterpret_cast<uint64_t>(argument));
}
inline int64_t sched_op(uint32_t command, void* argument) {
  return call(xen::kHypercallSchedOp, command, reinterpret_cast<uint64_t>(argument));
}
inline int64_t event_channel_op(uint32_t command, void* argument) {
  return call(xen::kHypercallEventChannelOp, command, reinterpret_cast<uint64_t>(argument));
}
inline int64_t hvm_op(uint32_t command, void* argument) {
  return call(xen::kHypercallHvmOp, command, reinterpret_cast<uint64_t>(argument));
}

// HVMOP_get_param for this domain; false if Xen refused.
bool hvm_get_param(uint32_t index, uint64_t* value);

// XENMEM_add_to_physmap: frame `index` of `space` appears at guest frame `gfn`.
bool add_to_physmap(uint32_t space, uint64_t index, uint64_t gfn);

// SCHEDOP_shutdown with `reason` (xen::kShutdown*); Xen never resumes the vCPU.
[[noreturn]] void shutdown(uint32_t reason);

}  // namespace monocell::libos::xen_hypercall
