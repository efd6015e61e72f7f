// The guest side of the host-call channel: one 8-byte MMIO write per call.
#include "hostcall.h"

#include "percpu.h"

namespace monocell::libos {

int64_t host_call(hostcall::Request& request) {
  request.result = 0;
  auto* doorbell = reinterpret_cast<volatile uint64_t*>(hostcall::kHostCallGpa);
  // The VMM reads the request during this store's exit and writes `result` back.
  asm volatile("" ::: "memory");
  *doorbell = reinterpret_cast<uint64_t>(&request);
  asm volatile("" ::: "memory");
  return request.result;
}

void host_exit(int status) {
  hostcall::Request request{};
  request.op = static_cast<uint32_t>(hostcall::Op::kExit);
  request.arg[0] = static_cast<uint64_t>(status) & 0xff;
  request.arg[1] = percpu().unknown_syscalls;
  request.arg[2] = percpu().last_unknown_syscall;
  for (;;) host_call(request);  // the VMM never resumes the guest after kExit
}

}  // namespace monocell::libos
