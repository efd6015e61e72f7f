// The guest's side of the ring notifications: ringing the host's doorbell and reading the count
// of host interrupts the supervisor took (vectors.S). On Xen the doorbell is an event-channel
// send and the wait a SCHEDOP_poll (xen_hostcall.h, reached through host_call()).
#include <monocell/libos.h>
#include <monocell/notify_abi.h>

#include "hostcall.h"
#include "hypervisor.h"
#include "percpu.h"
#include "pvclock.h"
#include "xen_hostcall.h"

extern "C" void monocell_ring_doorbell(void) {
  if (monocell::libos::on_xen()) {
    monocell::libos::xen_ring_doorbell();
    return;
  }
  *reinterpret_cast<volatile uint32_t*>(monocell::notify::kDoorbellGpa) = 1;
}

extern "C" uint64_t monocell_host_interrupts(void) {
  return __atomic_load_n(&monocell::libos::percpu().host_interrupts, __ATOMIC_ACQUIRE);
}

extern "C" int monocell_wait_for_host(uint64_t timeout_ns) {
  const uint64_t now = monocell::libos::kvmclock_ns();
  const uint64_t deadline = timeout_ns > ~0ull - now ? ~0ull : now + timeout_ns;
  monocell::hostcall::Request request{};
  request.op = static_cast<uint32_t>(monocell::hostcall::Op::kWaitForHost);
  request.arg[0] = deadline;
  request.arg[1] = now;
  return monocell::libos::host_call_waiting(request) == 1 ? 1 : 0;
}
