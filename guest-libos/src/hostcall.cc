// The guest side of the host-call channel: one 8-byte MMIO write per call on KVM; on Xen the
// same calls become hypercalls (xen_hostcall.h).
#include "hostcall.h"

#include "hypervisor.h"
#include "percpu.h"
#include "pvclock.h"
#include "xen_hostcall.h"

namespace monocell::libos {

int64_t host_call(hostcall::Request& request) {
  if (on_xen()) return xen_host_call(request);
  request.result = 0;
  auto* doorbell = reinterpret_cast<volatile uint64_t*>(hostcall::kHostCallGpa);
  // The VMM reads the request during this store's exit and writes `result` back.
  asm volatile("" ::: "memory");
  *doorbell = reinterpret_cast<uint64_t>(&request);
  asm volatile("" ::: "memory");
  return request.result;
}

int64_t host_call_waiting(hostcall::Request& request) {
  const uint64_t start = kvmclock_ns();
  const int64_t result = host_call(request);
  percpu().waited_ns += kvmclock_ns() - start;
  return result;
}

uint64_t cpu_time_ns() {
  const uint64_t since_boot = kvmclock_ns() - percpu().clock_at_boot_ns;
  const uint64_t waited = percpu().waited_ns;
  return waited < since_boot ? since_boot - waited : 0;
}

void host_exit(int status) {
  hostcall::Request request{};
  request.op = static_cast<uint32_t>(hostcall::Op::kExit);
  request.arg[0] = static_cast<uint64_t>(status) & 0xff;
  request.arg[1] = percpu().unknown_syscalls;
  request.arg[2] = percpu().last_unknown_syscall;
  for (;;) host_call(request);  // the VMM never resumes the guest after kExit
}

void host_report_fault(const hostcall::FaultFrame& frame) {
  hostcall::Request request{};
  request.op = static_cast<uint32_t>(hostcall::Op::kFault);
  request.arg[0] = reinterpret_cast<uint64_t>(&frame);
  for (;;) host_call(request);  // the host never resumes the guest after kFault
}

}  // namespace monocell::libos
